"""Property tests of discount codes (hypothesis): the arithmetic, then random
baskets, codes and refunds through the real services and the ledger."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from demo.orders import demo_rib
from orders import refunds, services
from orders.discounts.allocation import (
    capped_spread,
    largest_remainder,
    spread_percent,
    units_share,
)
from orders.discounts.codes import BasketTooSmall, CodeRefused
from orders.discounts.models import DiscountCode, DiscountKind
from orders.models import Order, OrderLine, PaymentMethod, RefundLine
from orders.services import IllegalTransition, OrderError
from producers.money.reconciliation import reconcile
from shop.extensions import db
from shop.money import ledger
from shop.money.split import DEFAULT_POLICY, split
from tests.orders.discount_support import FLOOR_PER_LITRE, HOME, add_floor, make_code

# ------------------------------------------------------------------ the arithmetic

amounts = st.lists(st.integers(1, 10**7), min_size=1, max_size=8)


@given(total=st.integers(0, 10**8), weights=amounts)
def test_largest_remainder_sums_exactly_and_stays_proportional(total, weights):
    shares = largest_remainder(total, weights)
    assert sum(shares) == total
    for share, weight in zip(shares, weights, strict=True):
        exact = total * weight / sum(weights)
        assert exact - 1 < share < exact + 1


@given(total=st.integers(0, 10**8), data=st.data(), weights=amounts)
def test_capped_spread_never_passes_a_cap_and_gives_all_it_can(total, data, weights):
    caps = data.draw(st.lists(st.integers(0, 10**7), min_size=len(weights), max_size=len(weights)))
    given_ = capped_spread(total, weights, caps)
    assert all(0 <= g <= c for g, c in zip(given_, caps, strict=True))
    assert sum(given_) == min(total, sum(caps))


@given(grosses=amounts, percent=st.integers(1, 100))
def test_a_percentage_is_per_line_half_up(grosses, percent):
    applied = spread_percent(percent, grosses, grosses)
    assert applied.parts == [(g * percent * 100 + 5_000) // 10_000 for g in grosses]


@given(unit=st.integers(2, 10**6), quantity=st.integers(1, 40), data=st.data())
def test_refunding_a_discounted_line_in_steps_gives_back_exactly_what_was_paid(
    unit, quantity, data
):
    # The platform's cap: a centime a unit is always paid.
    discount = data.draw(st.integers(0, (unit - 1) * quantity))
    given_back = back_discount = refunded = 0
    while refunded < quantity:
        step = data.draw(st.integers(1, quantity - refunded))
        share = units_share(discount, quantity, refunded + step) - units_share(
            discount, quantity, refunded
        )
        assert unit * step - share >= step  # the shopper gets at least a centime a unit
        given_back += unit * step - share
        back_discount += share
        refunded += step
    assert back_discount == discount
    assert given_back == unit * quantity - discount


# ------------------------------------------------------------------ random baskets and codes


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def basket(app, rates, categories, make_cooperative, make_product, fake):
    """Three cooperatives, argan oil with a floor; prices from far above it to at it."""
    add_floor(categories)
    coops, skus = [], []
    for number, price in enumerate((12_345, 9_999, 20_000)):
        coop = make_cooperative()
        coop.rib, coop.rib_holder = demo_rib(number + 1), coop.legal_name
        coops.append(coop)
        skus.append(make_product(cooperative=coop, stock=100_000, price=price).variants[0].sku)
    db.session.commit()
    return coops, skus


codes = st.tuples(
    st.sampled_from(list(DiscountKind)),
    st.integers(1, 100),  # percent
    st.integers(1, 50_000),  # amount
    st.sampled_from([None, 0, 1, 2]),  # the platform, or a cooperative
    st.sampled_from([0, 0, 0, 10_000, 40_000]),  # minimum basket
)
refund_steps = st.lists(st.tuples(st.integers(0, 5), st.integers(1, 4), st.booleans()), max_size=5)


def _floor_ok(line: OrderLine) -> bool:
    # 250 ml bottles: producer revenue per litre of the line must meet the floor.
    return line.producer_cents * 1000 // (250 * line.quantity) >= FLOOR_PER_LITRE


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    max_examples=80,
    deadline=None,
)
@given(
    items=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=4),
    spec=codes,
    card=st.booleans(),
    steps=refund_steps,
)
def test_any_basket_code_and_refunds_keep_the_fair_trade_rules(
    app, basket, items, spec, card, steps
):
    coops, skus = basket
    kind, percent, amount, owner, minimum = spec
    db.session.execute(db.delete(DiscountCode))  # each example its own code
    make_code(
        "TEST-CODE",
        kind,
        percent if kind == DiscountKind.PERCENT else amount,
        cooperative=None if owner is None else coops[owner],
        min_basket_cents=minimum,
    )
    wanted: dict[str, int] = {}
    for product, quantity in items:
        wanted[skus[product]] = wanted.get(skus[product], 0) + quantity
    method = PaymentMethod.CARD if card else PaymentMethod.COD
    try:
        order, _ = services.place_order(wanted, HOME, method, "fr", code=" test-code ")
    except (CodeRefused, BasketTooSmall):
        db.session.rollback()
        event("code not applicable")
        return
    db.session.commit()
    event(f"{kind.value} by {'platform' if owner is None else 'cooperative'}")

    for line in order.lines:
        assert line.commission_cents + line.premium_cents + line.producer_cents == line.gross_cents
        assert line.gross_cents == line.unit_price_cents * line.quantity - line.discount_cents
        assert line.paid_cents >= line.quantity  # a centime a unit at least
        if owner is None:  # the platform's: the cooperative's parts are those of the full price
            assert line.discount_cents == 0
            whole = split(line.list_cents, DEFAULT_POLICY)
            assert (line.producer_cents, line.premium_cents) == (whole.producer, whole.premium)
        else:
            assert line.platform_discount_cents == 0
            if line.discount_cents:
                assert line.cooperative_id == coops[owner].id
                assert _floor_ok(line)
                if (
                    kind == DiscountKind.PERCENT
                    and line.discount_cents < (line.list_cents * percent * 100 + 5_000) // 10_000
                ):
                    event("capped at the floor")
    paid = sum(line.paid_cents for line in order.lines) + sum(
        s.shipping_cents - (s.shipping_discount_cents if s.platform_discount_cents else 0)
        for s in order.shipments
    )
    assert order.total_cents == paid
    assert order.platform_discount_cents == sum(s.platform_discount_cents for s in order.shipments)

    if card:
        assert services.confirm_card_payment(order, f"cs_{order.id}", f"pi_{order.id}")
    else:
        services.confirm_cod(order, "link")
    db.session.commit()
    order = db.session.get(Order, order.id)
    for shipment in order.shipments:
        services.mark_shipped(shipment, "Amana", "RR1")
        services.mark_delivered(shipment)
        if not card:
            services.mark_cash_remitted(shipment)
    db.session.commit()
    assert reconcile() == []

    for index, units, with_shipping in steps:
        line = order.lines[index % len(order.lines)]
        shipping = [line.shipment_id] if with_shipping else []
        try:
            refunds.create_refund(order, {line.id: units}, shipping, "test", None)
            db.session.commit()
        except (OrderError, IllegalTransition):
            db.session.rollback()
        order = db.session.get(Order, order.id)
        assert ledger.integrity_problems() == []
        assert reconcile() == []
    # Everything left, then each line gave back exactly what the shopper paid for it.
    left = refunds.plan_everything(order)
    if left is not None:
        refunds.create_refund(
            order,
            {i.line.id: i.quantity for i in left.lines if i.line},
            [i.shipment.id for i in left.lines if not i.line],
            "all",
            None,
        )
        db.session.commit()
    assert reconcile() == []
    for line in db.session.get(Order, order.id).lines:
        back = db.session.scalars(select(RefundLine).where(RefundLine.order_line_id == line.id))
        rows = list(back)
        assert sum(r.gross_cents - r.discount_cents for r in rows) == line.paid_cents
        assert sum(r.producer_cents for r in rows) == line.producer_cents
        assert sum(r.premium_cents for r in rows) == line.premium_cents
    # The platform paid the discounts of what was sold, less what refunds gave back.
    paid_discounts = db.session.scalar(select(db.func.sum(Order.platform_discount_cents)))
    given_back = db.session.scalar(
        select(db.func.coalesce(db.func.sum(RefundLine.discount_cents), 0))
    )
    assert ledger.balances().get((ledger.DISCOUNTS, None), 0) == paid_discounts - given_back
