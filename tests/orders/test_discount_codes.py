"""Discount codes by example: each kind, dates, minimum basket, limits, the cart's
answers, card and cash payment, a failed payment giving the use back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from orders import refunds, services
from orders.discounts import codes
from orders.discounts.codes import BasketTooSmall, CodeRefused
from orders.discounts.models import DiscountCode, DiscountKind, DiscountRedemption
from orders.models import Order, OrderStatus, PaymentMethod
from producers.money.reconciliation import reconcile
from shop.extensions import db
from shop.models import utcnow
from shop.money import ledger
from shop.money.split import split
from tests.orders.discount_support import HOME, add_floor, make_code

REFUSED = "Ce code ne peut pas être utilisé."


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def two_coops(app, rates, categories, make_cooperative, make_product, fake):
    """Two cooperatives' argan oil, 120 MAD and 90 MAD (the floor needs 88.24 MAD)."""
    add_floor(categories)
    first, second = make_cooperative(), make_cooperative()
    a = make_product(cooperative=first, price=12_000, stock=50).variants[0]
    b = make_product(cooperative=second, price=9_000, stock=50).variants[0]
    return first, second, a, b


def place(items, code=None, method=PaymentMethod.COD, address=HOME, user_id=None):
    order, _ = services.place_order(items, address, method, "fr", user_id=user_id, code=code)
    db.session.commit()
    return order


# ---------------------------------------------------------------- each kind


def test_a_platform_percentage_leaves_the_cooperatives_parts_alone(two_coops):
    _first, _second, a, b = two_coops
    make_code("SALAM10", DiscountKind.PERCENT, 10)
    order = place({a.sku: 1, b.sku: 2}, code="SALAM10")
    line_a, line_b = sorted(order.lines, key=lambda line: line.unit_price_cents, reverse=True)
    assert (line_a.platform_discount_cents, line_b.platform_discount_cents) == (1_200, 1_800)
    for line in (line_a, line_b):
        full = split(line.list_cents)
        assert line.discount_cents == 0 and line.gross_cents == line.list_cents
        assert (line.commission_cents, line.premium_cents, line.producer_cents) == (
            full.commission,
            full.premium,
            full.producer,
        )
    shipping = sum(s.shipping_cents for s in order.shipments)
    assert order.items_cents == 30_000
    assert order.discount_cents == order.platform_discount_cents == 3_000
    assert order.total_cents == 30_000 + shipping - 3_000
    assert order.discount_code == "SALAM10"
    # Cash: each parcel's carrier collects what the shopper owes for it.
    assert sum(s.cash_to_collect_cents for s in order.shipments) == order.total_cents
    services.confirm_cod(order, "link")
    for shipment in order.shipments:
        services.mark_shipped(shipment, "Amana", "RR1")
        services.mark_delivered(shipment)
        services.mark_cash_remitted(shipment)
    db.session.commit()
    balances = ledger.balances()
    assert balances[(ledger.DISCOUNTS, None)] == 3_000
    assert balances[(ledger.CLEARING, None)] == order.total_cents
    assert reconcile() == []


def test_a_cooperative_amount_lowers_the_gross_before_the_split(two_coops):
    first, _second, a, b = two_coops
    make_code("TIFAOUT", DiscountKind.AMOUNT, 2_000, cooperative=first)
    order = place({a.sku: 2, b.sku: 1}, code="tifaout")
    line_a = next(line for line in order.lines if line.variant_id == a.id)
    line_b = next(line for line in order.lines if line.variant_id == b.id)
    assert line_a.discount_cents == 2_000 and line_a.gross_cents == 22_000
    assert (line_a.commission_cents, line_a.premium_cents, line_a.producer_cents) == (
        2_200,
        1_100,
        18_700,
    )
    assert line_b.discount_cents == 0  # another cooperative's product
    assert order.platform_discount_cents == 0 and order.discount_cents == 2_000
    assert order.total_cents == order.items_cents + order.shipping_cents


def test_a_cooperative_code_stops_at_the_floor_price_and_the_cart_says_so(
    two_coops, client, add_to_cart, post_form
):
    _first, second, _a, b = two_coops
    make_code("MOITIE", DiscountKind.PERCENT, 50, cooperative=second)
    add_to_cart(client, b.sku, 2)
    response = post_form(client, "/fr/cart/code", {"code": "moitie"}, page="/fr/cart")
    html = client.get(response.location).get_data(as_text=True)
    assert "Code MOITIE" in html
    assert "prix plancher" in html or "floor price" in html
    order = place({b.sku: 2}, code="MOITIE")
    (line,) = order.lines
    # 2 × 90 MAD would lose 90 MAD; the floor keeps the producers' 75 MAD a bottle.
    assert 0 < line.discount_cents < 9_000
    assert line.producer_cents * 1000 // (250 * 2) >= 30_000
    assert split(line.gross_cents - 1).producer * 1000 // (250 * 2) < 30_000  # to the centime


def test_free_shipping_from_the_platform_or_a_cooperative(two_coops):
    first, _second, a, b = two_coops
    make_code("LIVRAISON", DiscountKind.FREE_SHIPPING)
    order = place({a.sku: 1, b.sku: 1}, code="LIVRAISON")
    shipping = sum(s.shipping_cents for s in order.shipments)
    assert shipping > 0  # the cooperatives still get their shipping
    assert order.platform_discount_cents == shipping
    assert order.total_cents == order.items_cents
    make_code("TIFSHIP", DiscountKind.FREE_SHIPPING, cooperative=first)
    order = place({a.sku: 1, b.sku: 1}, code="TIFSHIP")
    ours = next(s for s in order.shipments if s.cooperative_id == first.id)
    theirs = next(s for s in order.shipments if s.cooperative_id != first.id)
    assert ours.shipping_cents == 0 and ours.shipping_discount_cents > 0  # the cooperative ships it
    assert theirs.shipping_cents > 0 and theirs.shipping_discount_cents == 0
    assert order.platform_discount_cents == 0


# ---------------------------------------------------------------- when and how often


def test_dates_minimum_basket_and_case(two_coops):
    _first, _second, a, _b = two_coops
    now = utcnow()
    make_code("LATER", starts_at=now + timedelta(days=1))
    make_code("GONE", ends_at=now - timedelta(seconds=1))
    make_code("NOW", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1))
    make_code("BIG", min_basket_cents=20_000)
    for text in ("LATER", "GONE", "NOPE", "", "x" * 100):
        with pytest.raises(CodeRefused) as refused:
            codes.find_usable(text)
        assert str(refused.value.message) == REFUSED
    assert codes.find_usable("  n o w ").code == "NOW"
    with pytest.raises(BasketTooSmall) as small:
        place({a.sku: 1}, code="big")
    assert "80" in str(small.value.message)  # 200 − 120 MAD more
    db.session.rollback()
    assert place({a.sku: 2}, code="Big ").discount_code == "BIG"


def test_total_and_per_shopper_limits(two_coops):
    _first, _second, a, _b = two_coops
    code = make_code("ONCE", per_shopper=1, max_uses=2)
    place({a.sku: 1}, code="ONCE")
    with pytest.raises(CodeRefused):  # the same e-mail again
        place({a.sku: 1}, code="ONCE")
    db.session.rollback()
    other = HOME.__class__(**{**HOME.__dict__, "email": "khadija@example.com"})
    place({a.sku: 1}, code="ONCE", address=other)
    db.session.refresh(code)
    assert code.uses == 2
    third = HOME.__class__(**{**HOME.__dict__, "email": "sara@example.com"})
    with pytest.raises(CodeRefused):  # used up
        place({a.sku: 1}, code="ONCE", address=third)
    db.session.rollback()


def test_unknown_and_expired_get_the_same_answer_in_the_cart(
    two_coops, client, add_to_cart, post_form
):
    _first, _second, a, _b = two_coops
    make_code("OLD", ends_at=utcnow() - timedelta(days=1))
    make_code("FULL", max_uses=1).uses = 1
    db.session.commit()
    add_to_cart(client, a.sku, 1)
    pages = []
    for text in ("OLD", "NEVER", "FULL"):
        response = post_form(client, "/fr/cart/code", {"code": text}, page="/fr/cart")
        assert response.status_code == 302
        html = client.get("/fr/cart").get_data(as_text=True)
        assert REFUSED in html
        pages.append(html.split('class="flash', 1)[1].split("</", 1)[0])
    assert pages[0] == pages[1] == pages[2]


# ---------------------------------------------------------------- paying


def test_card_payment_charges_the_discounted_total(
    two_coops, fake, client, add_to_cart, post_form, checkout, address
):
    _first, _second, a, b = two_coops
    make_code("CARTE", DiscountKind.AMOUNT, 1_001)
    add_to_cart(client, a.sku, 3)
    add_to_cart(client, b.sku, 1)
    post_form(client, "/fr/cart/code", {"code": "carte"}, page="/fr/cart")
    response = checkout(client, {**address, "payment": "card"})
    assert response.status_code == 303
    order = db.session.scalar(select(Order))
    assert order.platform_discount_cents == 1_001
    form = fake.created()[0]["form"]
    charged, i = 0, 0
    while f"line_items[{i}][quantity]" in form:
        charged += int(form[f"line_items[{i}][quantity]"]) * int(
            form[f"line_items[{i}][price_data][unit_amount]"]
        )
        i += 1
    assert charged == order.total_cents == order.items_cents + order.shipping_cents - 1_001
    assert services.confirm_card_payment(order, "cs_1", "pi_1")
    db.session.commit()
    assert reconcile() == []


def test_cash_on_delivery_through_the_pages(
    two_coops, client, add_to_cart, post_form, checkout, address
):
    _first, _second, a, _b = two_coops
    make_code("CASH5", DiscountKind.PERCENT, 5)
    add_to_cart(client, a.sku, 1)
    post_form(client, "/fr/cart/code", {"code": "cash5"}, page="/fr/cart")
    review = checkout(client, address, place=False)
    assert "Code CASH5" in review.get_data(as_text=True)
    response = checkout(client, address)
    assert response.status_code == 302
    order = db.session.scalar(select(Order))
    assert order.status == OrderStatus.AWAITING_CONFIRMATION
    assert order.discount_code == "CASH5" and order.platform_discount_cents == 600
    page = client.get(response.location).get_data(as_text=True)
    assert "Code CASH5" in page
    assert "discount_code" not in client.get("/fr/cart").get_data(as_text=True)


def test_a_failed_payment_gives_the_use_back_with_the_stock(two_coops):
    _first, _second, a, _b = two_coops
    code = make_code("LAST", max_uses=1)
    order = place({a.sku: 1}, code="LAST", method=PaymentMethod.CARD)
    db.session.refresh(code)
    assert code.uses == 1
    db.session.execute(
        update(Order).where(Order.id == order.id).values(payment_due_at=utcnow() - timedelta(1))
    )
    assert [o.id for o in services.release_expired_holds()] == [order.id]
    db.session.commit()
    db.session.refresh(code)
    assert code.uses == 0
    assert db.session.scalar(select(func.count(DiscountRedemption.id))) == 0
    assert codes.release([order.id]) == 0  # released once
    assert place({a.sku: 1}, code="LAST").discount_code == "LAST"
    # The lapsed order's payment arrives late: it comes back with its use, over the
    # limit (the shopper paid the discounted total); new checkouts stay refused.
    order = db.session.get(Order, order.id)
    assert services.take_back_late_payment(order, "cs_late", "pi_late")
    db.session.commit()
    db.session.refresh(code)
    assert code.uses == 2
    assert db.session.scalar(select(func.count(DiscountRedemption.id))) == 2
    with pytest.raises(CodeRefused):
        place(
            {a.sku: 1}, code="LAST", address=HOME.__class__(**{**HOME.__dict__, "email": "x@y.ma"})
        )
    db.session.rollback()
    assert reconcile() == []


def test_a_cancelled_cash_order_gives_the_use_back(two_coops):
    _first, _second, a, _b = two_coops
    code = make_code("ANNULE", max_uses=1)
    order = place({a.sku: 1}, code="ANNULE")
    services.cancel_order(order, "changed my mind")
    db.session.commit()
    db.session.refresh(code)
    assert code.uses == 0
    assert db.session.get(DiscountCode, code.id).uses == 0


def test_refunds_of_a_discounted_line_give_back_what_was_paid(two_coops, fake):
    _first, _second, a, _b = two_coops
    make_code("MILLE", DiscountKind.AMOUNT, 1_000)
    order = place({a.sku: 3}, code="MILLE", method=PaymentMethod.CARD)
    (line,) = order.lines
    assert (line.gross_cents, line.platform_discount_cents, line.paid_cents) == (
        36_000,
        1_000,
        35_000,
    )
    assert services.confirm_card_payment(order, "cs_1", "pi_1")
    db.session.commit()
    first = refunds.create_refund(order, {line.id: 1}, [], "cassé", None)
    db.session.commit()
    # One unit of three carries 1 000 × 1 // 3 = 333 of the discount.
    assert first.amount_cents == 12_000 - 333
    assert fake.calls("/v1/refunds")[-1]["form"]["amount"] == str(12_000 - 333)
    assert ledger.balances()[(ledger.DISCOUNTS, None)] == 1_000 - 333
    second = refunds.create_refund(order, {line.id: 2}, [], "le reste", None)
    db.session.commit()
    assert second.amount_cents == 24_000 - 667
    assert first.amount_cents + second.amount_cents == line.paid_cents
    assert ledger.balances().get((ledger.DISCOUNTS, None), 0) == 0
    # The cooperative's parts were all reversed, the platform's discount given back.
    coop = ledger.cooperative_balances(line.cooperative_id)
    assert sum(coop.values()) == order.shipments[0].shipping_cents
    assert reconcile() == []


def test_a_cooperative_codes_invoice_says_what_the_shopper_paid(two_coops):
    first, _second, a, _b = two_coops
    make_code("FACTURE", DiscountKind.AMOUNT, 1_000, cooperative=first)
    order = place({a.sku: 3}, code="FACTURE")
    services.confirm_cod(order, "link")
    (shipment,) = order.shipments
    services.mark_shipped(shipment, "Amana", "RR1")
    db.session.commit()
    from orders.invoicing.models import Invoice

    invoice = db.session.scalar(select(Invoice))
    (line,) = [item for item in invoice.content["lines"] if item.get("quantity") == 3]
    assert line["total_cents"] == 36_000 - 1_000 == order.lines[0].gross_cents
