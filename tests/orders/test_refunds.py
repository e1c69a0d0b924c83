"""Refunds per line and per parcel's shipping, admin cancels, Stripe's refund webhooks.

Money is checked to the centime on the refund lines and in the ledger. The
product used, 45.67 MAD, splits unevenly: one unit is 4.57 + 2.28 + 38.82,
two units 9.13 + 4.57 + 77.64, three 13.70 + 6.85 + 116.46, so refunding a
line unit by unit gives 4.57/2.28, then 4.56/2.29, then 4.57/2.28.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from itertools import count

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from catalog.models import Variant
from catalog.trace import Lot, LotDetails, create_lot
from orders import accounting, cancellation, refunds, services
from orders.models import (
    Order,
    OrderLineLot,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundMethod,
    RefundStatus,
    ShipmentStatus,
    StripeEvent,
)
from orders.services import (
    ORDER_MOVES,
    Address,
    IllegalTransition,
    mark_cash_remitted,
    mark_delivered,
    mark_shipped,
    place_order,
    transition_order,
)
from producers.money.reconciliation import reconcile
from shop.audit import AuditEntry
from shop.extensions import db
from shop.money import ledger

SECRET = "whsec_test_secret"
CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina Alaoui",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)
_events = count(1)


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def goods(rates, make_cooperative, make_product):
    """Argan oil at 45.67 MAD (coop A) and honey at 60 MAD (coop B), 35 MAD shipping each."""
    coop_a = make_cooperative(legal_name="Coopérative Tifaout")
    coop_b = make_cooperative(legal_name="Coopérative Nahla")
    oil = make_product(
        cooperative=coop_a, name_fr="Huile d'argan", name_ar="زيت أركان", price=4_567, stock=10
    ).variants[0]
    honey = make_product(
        cooperative=coop_b, name_fr="Miel", name_ar="عسل", price=6_000, stock=5, category="honey"
    ).variants[0]
    return oil, honey


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", is_admin=True)


def place(wanted: dict, method=PaymentMethod.CARD, lang: str = "fr") -> Order:
    order, _ = place_order({v.sku: q for v, q in wanted.items()}, CASABLANCA, method, lang)
    db.session.commit()
    if method == PaymentMethod.COD:
        assert services.confirm_cod(order, "link")  # the shopper confirmed it
        db.session.commit()
    if method == PaymentMethod.CARD:
        assert services.confirm_card_payment(order, "cs_1", "pi_1")
        db.session.commit()
    return db.session.get(Order, order.id)


def deliver(order: Order, *, remit: bool = True) -> None:
    for shipment in order.shipments:
        mark_shipped(shipment, "Amana", f"RR{shipment.id}")
        mark_delivered(shipment)
        if remit and order.payment_method == PaymentMethod.COD:
            mark_cash_remitted(shipment)
    db.session.commit()


def line_of(order: Order, variant: Variant):
    return next(line for line in order.lines if line.variant_id == variant.id)


def stock(variant: Variant) -> int:
    return db.session.scalar(select(Variant.stock).where(Variant.id == variant.id))


def owed(order: Order, variant: Variant) -> dict[str, int]:
    return ledger.cooperative_balances(line_of(order, variant).cooperative_id)


def refund(order: Order, items=None, shipping=(), reason="Bouteille cassée", actor=None):
    made = refunds.create_refund(order, items or {}, shipping, reason, actor)
    db.session.commit()
    return made


def parts(item: RefundLine) -> tuple[int, int, int, int, int]:
    return (
        item.gross_cents,
        item.commission_cents,
        item.premium_cents,
        item.producer_cents,
        item.shipping_cents,
    )


def count_of(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def fr(message) -> str:
    with force_locale("fr"):
        return str(message)


def books_clean() -> None:
    assert ledger.integrity_problems() == []
    assert reconcile() == []


# ---------------------------------------------------------------- sign and send webhooks


def send(client, kind: str, obj: dict, event_id: str | None = None):
    event = {
        "id": event_id or f"evt_r{next(_events)}",
        "object": "event",
        "type": kind,
        "data": {"object": obj},
    }
    payload = json.dumps(event)
    stamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": f"t={stamp},v1={mac}"},
    )


def charge(order: Order, refunded: int, refunds_listed: list[dict] | None = None) -> dict:
    obj = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_1",
        "amount": order.total_cents,
        "amount_refunded": refunded,
        "currency": "mad",
        "refunded": refunded >= order.total_cents,
    }
    if refunds_listed is not None:
        obj["refunds"] = {"object": "list", "data": refunds_listed}
    return obj


# ---------------------------------------------------------------- partial card refunds


def test_one_of_three_units_refunded_on_the_card(goods, fake, admin, outbox):
    oil, honey = goods
    order = place({oil: 3, honey: 1})
    line = line_of(order, oil)
    assert (line.gross_cents, line.commission_cents, line.premium_cents, line.producer_cents) == (
        13_701,
        1_370,
        685,
        11_646,
    )
    assert order.total_cents == 13_701 + 6_000 + 3_500 + 3_500
    assert ledger.balance(ledger.COMMISSION) == -(1_370 + 600)
    mails = len(outbox())

    made = refund(order, {line.id: 1}, actor=admin)

    (item,) = made.lines
    assert parts(item) == (4_567, 457, 228, 3_882, 0)
    assert (made.method, made.status, made.amount_cents) == (
        RefundMethod.CARD,
        RefundStatus.SUCCEEDED,
        4_567,
    )
    assert made.stripe_refund_id == "re_test_1" and made.created_by_id == admin.id
    (call,) = fake.calls("/v1/refunds")
    assert call["form"]["amount"] == "4567"
    assert call["form"]["payment_intent"] == "pi_1"
    assert call["form"]["metadata[order]"] == order.number
    assert call["headers"]["Idempotency-Key"] == f"refund-{order.number}-{made.id}"
    assert line_of(order, oil).refunded_quantity == 1
    balances = owed(order, oil)
    assert balances[ledger.COOP_REVENUE_PENDING] == 11_646 - 3_882
    assert balances[ledger.COOP_FUND_PENDING] == 685 - 228
    assert balances[ledger.COOP_SHIPPING_PENDING] == 3_500
    assert owed(order, honey)[ledger.COOP_REVENUE_PENDING] == 5_100  # untouched
    assert ledger.balance(ledger.COMMISSION) == -(1_370 + 600) + 457
    assert ledger.balance(ledger.REFUNDS) == 0  # owed, then paid: nothing left owed
    assert ledger.balance(ledger.CLEARING) == order.total_cents - 4_567
    # The parcel had not shipped: the unit is back on sale, the rest still to prepare.
    assert stock(oil) == 8
    assert order.status == OrderStatus.PAID
    assert {s.status for s in order.shipments} == {ShipmentStatus.TO_PREPARE}
    mail = outbox()[-1]
    assert len(outbox()) == mails + 1
    assert mail["Subject"] == f"Une partie de votre commande {order.number} est remboursée"
    body = mail.get_body(("plain",)).get_content()
    assert "1 × Huile d'argan (250 ml)" in body and "45,67" in body
    assert "Le reste de votre commande n’est pas concerné." in body
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.refund"))
    assert (entry.actor_id, entry.target_id, entry.reason, entry.data["amount_cents"]) == (
        admin.id,
        order.id,
        "Bouteille cassée",
        4_567,
    )
    books_clean()


def test_a_line_refunded_unit_by_unit_reverses_exactly_its_frozen_parts(goods, fake, outbox):
    oil, _honey = goods
    order = place({oil: 3}, PaymentMethod.COD, lang="ar")
    deliver(order)
    assert order.status == OrderStatus.COMPLETED
    line_id = order.lines[0].id
    steps = [parts(refund(order, {line_id: 1}).lines[0]) for _ in range(3)]
    assert steps == [
        (4_567, 457, 228, 3_882, 0),
        (4_567, 456, 229, 3_882, 0),
        (4_567, 457, 228, 3_882, 0),
    ]
    balances = owed(order, oil)
    assert balances[ledger.COOP_REVENUE_PENDING] == 0
    assert balances[ledger.COOP_FUND_PENDING] == 0
    assert balances[ledger.COOP_SHIPPING_PENDING] == 3_500  # the shipping was not refunded
    assert ledger.balance(ledger.COMMISSION) == 0
    assert ledger.balance(ledger.CLEARING) == 3_500
    # Cash on delivery: recorded as handed back, paid at once.
    assert {(r.method, r.status) for r in db.session.scalars(select(Refund))} == {
        (RefundMethod.CASH, RefundStatus.SUCCEEDED)
    }
    # Every line refunded: the order is refunded; delivered units do not come back.
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.REFUNDED
    assert stock(oil) == 7
    last = outbox()[-1]
    assert last["Subject"] == f"تم استرداد مبلغ طلبك {order.number}"
    assert "زيت أركان" in last.get_body(("plain",)).get_content()
    books_clean()


def test_shipping_is_refunded_once_per_parcel(goods, fake):
    oil, honey = goods
    order = place({oil: 1, honey: 1})
    parcel = next(
        s for s in order.shipments if s.cooperative_id == line_of(order, oil).cooperative_id
    )
    made = refund(order, shipping={parcel.id})
    (item,) = made.lines
    assert item.order_line_id is None and parts(item) == (0, 0, 0, 0, 3_500)
    assert made.amount_cents == 3_500
    assert owed(order, oil)[ledger.COOP_SHIPPING_PENDING] == 0
    assert owed(order, honey)[ledger.COOP_SHIPPING_PENDING] == 3_500
    assert accounting.refunded_shipping([parcel.id]) == {parcel.id: 3_500}
    with pytest.raises(refunds.RefundError) as refused:
        refunds.create_refund(order, {}, {parcel.id}, "encore", None)
    db.session.rollback()
    assert (
        fr(refused.value.message)
        == "Les frais de livraison du colis de Coopérative Tifaout sont déjà remboursés."
    )
    assert count_of(Refund) == 1 and len(fake.calls("/v1/refunds")) == 1
    books_clean()


def test_free_shipping_has_nothing_to_refund(rates, make_product, fake):
    variant = make_product(price=31_000, stock=3).variants[0]  # above the 300 MAD threshold
    order = place({variant: 1})
    assert order.shipments[0].shipping_cents == 0
    with pytest.raises(refunds.RefundError) as refused:
        refunds.create_refund(order, {}, {order.shipments[0].id}, "port", None)
    assert "gratuitement" in fr(refused.value.message)


def test_refund_after_release_takes_from_the_payable_balance(goods, fake):
    oil, _honey = goods
    order = place({oil: 3}, PaymentMethod.COD)
    deliver(order)
    delivered = order.shipments[0].delivered_at
    assert accounting.release_due(delivered + timedelta(days=15)) == 1
    db.session.commit()
    before = owed(order, oil)
    assert (
        before[ledger.COOP_REVENUE],
        before[ledger.COOP_FUND],
        before[ledger.COOP_SHIPPING],
    ) == (11_646, 685, 3_500)
    made = refund(order, {order.lines[0].id: 1}, shipping={order.shipments[0].id})
    assert made.amount_cents == 4_567 + 3_500
    after = owed(order, oil)
    assert (after[ledger.COOP_REVENUE], after[ledger.COOP_FUND], after[ledger.COOP_SHIPPING]) == (
        11_646 - 3_882,
        685 - 228,
        0,
    )
    assert after[ledger.COOP_REVENUE_PENDING] == 0  # nothing moved back to pending
    books_clean()


# ---------------------------------------------------------------- refused refunds


def test_stripe_down_changes_nothing(goods, fake, admin, client, login, post_form, outbox):
    oil, _honey = goods
    order = place({oil: 3})
    line = line_of(order, oil)
    entries, mails = count_of(ledger.JournalEntry), len(outbox())
    fake.down = True
    login(client, admin)
    url = f"/fr/admin/orders/{order.number}"
    response = post_form(
        client,
        url + "/refund",
        {f"units-{line.id}": "2", "reason": "Colis abîmé", "action": "refund"},
        page=url,
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Stripe est injoignable pour le moment" in html
    assert "Colis abîmé" in html and f'name="units-{line.id}"' in html and 'value="2"' in html
    assert len(fake.calls("/v1/refunds")) == 1  # tried once
    db.session.expire_all()
    assert count_of(Refund) == 0 and count_of(RefundLine) == 0
    assert line_of(db.session.get(Order, order.id), oil).refunded_quantity == 0
    assert stock(oil) == 7
    assert count_of(ledger.JournalEntry) == entries
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.refund")) is None
    assert len(outbox()) == mails
    books_clean()


def test_stripe_refusing_changes_nothing(goods, fake):
    oil, _honey = goods
    order = place({oil: 1})
    fake.refuse_refunds = True
    with pytest.raises(refunds.RefundError) as refused:
        refunds.create_refund(order, {order.lines[0].id: 1}, (), "test", None)
    db.session.rollback()
    assert "Stripe a refusé ce remboursement" in fr(refused.value.message)
    assert count_of(Refund) == 0 and stock(oil) == 9
    books_clean()


def test_cod_parcel_whose_cash_is_not_remitted_cannot_be_refunded(
    goods, admin, client, login, post_form
):
    oil, _honey = goods
    order = place({oil: 2}, PaymentMethod.COD)
    deliver(order, remit=False)
    login(client, admin)
    url = f"/fr/admin/orders/{order.number}"
    page = client.get(url).get_data(as_text=True)
    assert "une fois que le transporteur a remis" in page  # no refund form, the reason why
    response = post_form(
        client,
        url + "/refund",
        {f"units-{order.lines[0].id}": "1", "reason": "x", "action": "refund"},
        page=url,
    )
    assert response.status_code == 400
    assert (
        "L’argent liquide du colis de Coopérative Tifaout n’est pas encore remis"
        in response.get_data(as_text=True)
    )
    assert count_of(Refund) == 0 and count_of(ledger.JournalEntry) == 0


def test_an_unpaid_card_order_cannot_be_refunded(goods):
    oil, _honey = goods
    order, _ = place_order({oil.sku: 1}, CASABLANCA, PaymentMethod.CARD, "fr")
    db.session.commit()
    with pytest.raises(refunds.RefundError) as refused:
        refunds.create_refund(order, {order.lines[0].id: 1}, (), "x", None)
    assert (
        fr(refused.value.message)
        == "Cette commande n’est pas encore payée : il n’y a rien à rembourser."
    )


def test_over_refunds_and_empty_refunds_are_refused(goods, fake):
    oil, _honey = goods
    order = place({oil: 3})
    line_id = order.lines[0].id
    cases = [
        ({line_id: 4}, (), "x", "Remboursez de 1 à 3 unités de Huile d'argan (250 ml)."),
        (
            {},
            (),
            "x",
            "Choisissez au moins une unité ou les frais de livraison d’un colis à rembourser.",
        ),
        ({line_id: 1}, (), "  ", "Donnez le motif du remboursement."),
        ({999_999: 1}, (), "x", "Cette commande n’a pas cette ligne."),
    ]
    for items, shipping, reason, message in cases:
        with pytest.raises(refunds.RefundError) as refused:
            refunds.create_refund(order, items, shipping, reason, None)
        db.session.rollback()
        assert fr(refused.value.message) == message
    refund(order, {line_id: 3})
    with pytest.raises(refunds.RefundError) as refused:
        refunds.create_refund(order, {line_id: 1}, (), "x", None)
    db.session.rollback()
    assert fr(refused.value.message) == "Huile d'argan (250 ml) est déjà entièrement remboursé."
    assert count_of(Refund) == 1
    books_clean()


# ---------------------------------------------------------------- full refunds, restock


def test_full_refund_ends_the_order_and_mails_the_shopper_in_their_language(goods, fake, outbox):
    oil, honey = goods
    order = place({oil: 3, honey: 1}, lang="ar")
    items = {line.id: line.quantity for line in order.lines}
    made = refund(order, items, shipping={s.id for s in order.shipments})
    assert made.amount_cents == order.total_cents
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.REFUNDED
    assert {s.status for s in order.shipments} == {ShipmentStatus.CANCELLED}
    assert (stock(oil), stock(honey)) == (10, 5)
    for variant in goods:
        assert all(value == 0 for value in owed(order, variant).values())
    assert ledger.balance(ledger.COMMISSION) == 0 and ledger.balance(ledger.CLEARING) == 0
    mail = outbox()[-1]
    assert mail["Subject"] == f"تم استرداد مبلغ طلبك {order.number}"
    body = mail.get_body(("plain",)).get_content()
    assert "زيت أركان" in body and "عسل" in body
    assert "تم استرداد جميع منتجات طلبك." in body
    books_clean()


def test_only_units_of_parcels_not_shipped_go_back_in_stock_and_lots(goods, fake):
    oil, honey = goods
    lot = create_lot(oil.product.cooperative, oil, "L-1", LotDetails(quantity_produced=2))
    db.session.commit()
    order = place({oil: 3, honey: 2})
    oil_line, honey_line = line_of(order, oil), line_of(order, honey)
    assert [(a.lot_id, a.quantity) for a in oil_line.lots] == [(lot.id, 2)]  # 1 unit loose
    honey_parcel = honey_line.shipment
    mark_shipped(honey_parcel, "Amana", "RR1")
    db.session.commit()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED

    refund(order, {oil_line.id: 1, honey_line.id: 1})
    assert (stock(oil), stock(honey)) == (8, 3)  # the shipped honey does not come back
    assert db.session.get(Lot, lot.id).quantity_remaining == 0  # the loose unit went first
    refund(order, {oil_line.id: 1})
    assert stock(oil) == 9
    assert db.session.get(Lot, lot.id).quantity_remaining == 1
    assert [a.quantity for a in db.session.scalars(select(OrderLineLot))] == [1]
    # The last oil unit: its parcel is cancelled and the order follows the honey parcel.
    refund(order, {oil_line.id: 1})
    order = db.session.get(Order, order.id)
    assert oil_line.shipment.status == ShipmentStatus.CANCELLED
    assert db.session.get(Lot, lot.id).quantity_remaining == 2
    assert order.status == OrderStatus.SHIPPED
    mark_delivered(honey_parcel)
    db.session.commit()
    assert order.status == OrderStatus.COMPLETED
    books_clean()


def test_a_refunded_order_lets_its_parcel_be_delivered(goods, fake):
    oil, _honey = goods
    order = place({oil: 1})
    mark_shipped(order.shipments[0], "Amana", "RR1")
    db.session.commit()
    refund(order, {order.lines[0].id: 1})
    assert order.status == OrderStatus.REFUNDED
    mark_delivered(order.shipments[0])  # the carrier still delivers it
    db.session.commit()
    assert order.status == OrderStatus.REFUNDED
    assert order.shipments[0].status == ShipmentStatus.DELIVERED


@pytest.mark.parametrize(
    "old, new",
    [
        (OrderStatus.PAID, OrderStatus.REFUNDED),
        (OrderStatus.PARTIALLY_SHIPPED, OrderStatus.REFUNDED),
        (OrderStatus.PARTIALLY_SHIPPED, OrderStatus.DELIVERED),
        (OrderStatus.SHIPPED, OrderStatus.REFUNDED),
    ],
)
def test_refunds_new_legal_moves(old, new):
    order = Order(status=old)
    transition_order(order, new)
    assert order.status == new


@pytest.mark.parametrize(
    "old, new",
    [
        (OrderStatus.CONFIRMED, OrderStatus.REFUNDED),  # cash not collected: nothing to give back
        (OrderStatus.PENDING_PAYMENT, OrderStatus.REFUNDED),
        (OrderStatus.REFUNDED, OrderStatus.DELIVERED),
    ],
)
def test_moves_a_refund_cannot_make(old, new):
    assert new not in ORDER_MOVES[old]
    with pytest.raises(IllegalTransition):
        transition_order(Order(status=old), new)


# ---------------------------------------------------------------- cancelling


def test_cancelling_a_paid_card_order_refunds_it_through_stripe(goods, fake, admin, outbox):
    oil, honey = goods
    order = place({oil: 3, honey: 1})
    refund(order, {line_of(order, oil).id: 1})  # a partial refund came first
    made = cancellation.admin_cancel(order, "Rupture chez la coopérative", admin)
    db.session.commit()
    assert made.amount_cents == order.total_cents - 4_567
    assert fake.calls("/v1/refunds")[-1]["form"]["amount"] == str(order.total_cents - 4_567)
    assert (
        fake.calls("/v1/refunds")[-1]["headers"]["Idempotency-Key"]
        == f"refund-{order.number}-{made.id}"
    )
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == "Rupture chez la coopérative"
    assert {s.status for s in order.shipments} == {ShipmentStatus.CANCELLED}
    assert (stock(oil), stock(honey)) == (10, 5)  # no unit put back twice
    for variant in goods:
        assert all(value == 0 for value in owed(order, variant).values())
    assert ledger.balance(ledger.CLEARING) == 0 and ledger.balance(ledger.COMMISSION) == 0
    body = outbox()[-1].get_body(("plain",)).get_content()
    assert outbox()[-1]["Subject"] == f"Votre commande {order.number} est annulée"
    assert "Rupture chez la coopérative" in body and "221,34" in body
    assert (
        db.session.scalar(select(AuditEntry.reason).where(AuditEntry.action == "order.cancel"))
        == "Rupture chez la coopérative"
    )
    books_clean()


def test_a_shopper_cancelling_a_paid_card_order_is_refunded_in_full(goods, fake, outbox):
    oil, honey = goods
    order = place({oil: 1, honey: 1})
    made = cancellation.shopper_cancel(order, order.user)
    db.session.commit()
    assert made.amount_cents == order.total_cents
    assert fake.calls("/v1/refunds")[-1]["form"]["amount"] == str(order.total_cents)
    assert order.status == OrderStatus.CANCELLED and (stock(oil), stock(honey)) == (10, 5)
    assert outbox()[-1]["Subject"] == f"Votre commande {order.number} est annulée"
    assert ledger.balance(ledger.CLEARING) == 0
    books_clean()


def test_cancelling_a_cash_order_moves_no_money(goods, admin):
    oil, _honey = goods
    order = place({oil: 2}, PaymentMethod.COD)
    assert cancellation.admin_cancel(order, "Doublon", admin) is None
    db.session.commit()
    assert order.status == OrderStatus.CANCELLED and stock(oil) == 10
    assert count_of(ledger.JournalEntry) == 0 and count_of(Refund) == 0


def test_a_shipped_order_cannot_be_cancelled(goods, fake, admin):
    oil, _honey = goods
    order = place({oil: 1})
    mark_shipped(order.shipments[0], "Amana", "RR1")
    db.session.commit()
    with pytest.raises(refunds.RefundError) as refused:
        cancellation.admin_cancel(order, "trop tard", admin)
    assert fr(refused.value.message).startswith("Seule une commande dont rien n’est parti")
    with pytest.raises(refunds.RefundError):
        cancellation.admin_cancel(order, "", admin)
    assert fake.calls("/v1/refunds") == []


# ---------------------------------------------------------------- Stripe's webhooks


def test_charge_refunded_for_our_refund_changes_nothing_more(goods, fake, client, outbox):
    oil, _honey = goods
    order = place({oil: 3})
    made = refund(order, {order.lines[0].id: 1})
    state = (count_of(Refund), count_of(ledger.JournalEntry), len(outbox()))
    response = send(
        client,
        "charge.refunded",
        charge(
            order, 4_567, [{"id": made.stripe_refund_id, "status": "succeeded", "amount": 4_567}]
        ),
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert (count_of(Refund), count_of(ledger.JournalEntry), len(outbox())) == state
    assert db.session.get(Order, order.id).status == OrderStatus.PAID
    assert db.session.get(Order, order.id).payment_note == ""
    books_clean()


def test_a_pending_card_refund_is_settled_by_webhook_once(goods, fake, client):
    oil, _honey = goods
    order = place({oil: 3})
    fake.refund_status = "pending"
    made = refund(order, {order.lines[0].id: 2})
    assert made.status == RefundStatus.PENDING
    assert ledger.balance(ledger.REFUNDS) == -9_134  # owed to the shopper, not paid yet
    books_clean()
    listed = [{"id": made.stripe_refund_id, "status": "succeeded"}]
    event_id = "evt_settle"
    assert (
        send(client, "charge.refunded", charge(order, 9_134, listed), event_id).status_code == 200
    )
    db.session.expire_all()
    made = db.session.get(Refund, made.id)
    assert made.status == RefundStatus.SUCCEEDED and made.succeeded_at is not None
    assert ledger.balance(ledger.REFUNDS) == 0
    entries = count_of(ledger.JournalEntry)
    # A replay, then refund.updated saying the same: nothing more.
    assert send(client, "charge.refunded", charge(order, 9_134, listed), event_id).get_json() == {
        "received": True,
        "duplicate": True,
    }
    assert (
        send(
            client,
            "refund.updated",
            {"id": made.stripe_refund_id, "object": "refund", "status": "succeeded"},
        ).status_code
        == 200
    )
    assert count_of(ledger.JournalEntry) == entries
    books_clean()


def test_a_pending_card_refund_that_fails_restores_the_parts(goods, fake, client):
    oil, _honey = goods
    order = place({oil: 3})
    fake.refund_status = "pending"
    made = refund(order, {order.lines[0].id: 1})
    response = send(
        client,
        "refund.updated",
        {
            "id": made.stripe_refund_id,
            "object": "refund",
            "status": "failed",
            "failure_reason": "expired_or_canceled_card",
        },
    )
    assert response.status_code == 200
    db.session.expire_all()
    made = db.session.get(Refund, made.id)
    assert (made.status, made.failure_reason) == (RefundStatus.FAILED, "expired_or_canceled_card")
    order = db.session.get(Order, order.id)
    assert order.lines[0].refunded_quantity == 0
    assert owed(order, oil)[ledger.COOP_REVENUE_PENDING] == 11_646
    assert ledger.balance(ledger.REFUNDS) == 0
    assert "failed at Stripe" in order.payment_note
    books_clean()


def test_a_full_refund_from_the_dashboard_is_recorded_so_the_ledger_follows(
    goods, fake, client, outbox
):
    oil, honey = goods
    order = place({oil: 3, honey: 1})
    ours = refund(order, {line_of(order, oil).id: 1})  # 45.67 refunded through Taawon first
    mails = len(outbox())
    event = charge(
        order,
        order.total_cents,
        [
            {"id": ours.stripe_refund_id, "status": "succeeded"},
            {"id": "re_dashboard", "status": "succeeded"},
        ],
    )
    assert send(client, "charge.refunded", event, "evt_dash").status_code == 200
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    dashboard = db.session.scalar(select(Refund).where(Refund.id != ours.id))
    assert dashboard.created_by_id is None and dashboard.stripe_refund_id == "re_dashboard"
    assert dashboard.status == RefundStatus.SUCCEEDED
    assert dashboard.amount_cents == order.total_cents - 4_567
    assert sorted(
        (i.order_line_id is None, i.quantity, i.gross_cents, i.shipping_cents)
        for i in dashboard.lines
    ) == [(False, 1, 6_000, 0), (False, 2, 9_134, 0), (True, 0, 0, 3_500), (True, 0, 0, 3_500)]
    assert order.status == OrderStatus.REFUNDED
    assert {s.status for s in order.shipments} == {ShipmentStatus.CANCELLED}
    assert (stock(oil), stock(honey)) == (10, 5)
    for variant in goods:
        assert all(value == 0 for value in owed(order, variant).values())
    assert ledger.balance(ledger.CLEARING) == 0
    assert len(outbox()) == mails + 1
    books_clean()
    # The replay changes nothing.
    state = (count_of(Refund), count_of(ledger.JournalEntry), len(outbox()), count_of(StripeEvent))
    assert send(client, "charge.refunded", event, "evt_dash").get_json()["duplicate"] is True
    assert (
        count_of(Refund),
        count_of(ledger.JournalEntry),
        len(outbox()),
        count_of(StripeEvent),
    ) == state


def test_a_partial_refund_from_the_dashboard_is_only_noted(goods, fake, client):
    oil, _honey = goods
    order = place({oil: 3})
    assert (
        send(client, "charge.refunded", charge(order, 1_000, [{"id": "re_x"}])).status_code == 200
    )
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert "partial refund: refunded 1000 of" in order.payment_note
    assert count_of(Refund) == 0 and order.lines[0].refunded_quantity == 0
    assert order.status == OrderStatus.PAID
    books_clean()
