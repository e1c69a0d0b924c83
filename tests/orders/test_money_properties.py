"""Property tests of the money rules (hypothesis): refunds in parts, random histories."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from demo.orders import demo_rib
from orders import accounting, refunds, services
from orders.accounting import parts_for
from orders.models import (
    Order,
    OrderLine,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundStatus,
    Shipment,
)
from orders.services import Address, IllegalTransition, OrderError
from producers.money import payouts as payout_service
from producers.money.models import Payout, PayoutStatus
from producers.money.reconciliation import reconcile
from shop.extensions import db
from shop.models import utcnow
from shop.money import ledger
from shop.money.split import DEFAULT_POLICY, HARD_CAP_BP, split


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(unit=st.integers(1, 10**7), quantity=st.integers(1, 40), data=st.data())
def test_refunding_a_line_in_any_steps_reverses_exactly_its_parts(app, unit, quantity, data):
    whole = split(unit * quantity, DEFAULT_POLICY)
    line = OrderLine(
        unit_price_cents=unit,
        quantity=quantity,
        gross_cents=whole.gross,
        commission_cents=whole.commission,
        premium_cents=whole.premium,
        producer_cents=whole.producer,
        policy_version=DEFAULT_POLICY.version,
        refunded_quantity=0,
    )
    totals = [0, 0, 0, 0]
    while line.refunded_quantity < quantity:
        step = data.draw(st.integers(1, quantity - line.refunded_quantity))
        parts = parts_for(line, step)
        assert parts.gross == unit * step
        assert parts.commission + parts.premium + parts.producer == parts.gross
        assert min(parts.commission, parts.premium, parts.producer) >= 0
        # Never more commission than the cap allows on what is refunded (+ rounding).
        assert parts.commission * 10_000 <= parts.gross * HARD_CAP_BP + 10_000
        for i, value in enumerate((parts.gross, parts.commission, parts.premium, parts.producer)):
            totals[i] += value
        line.refunded_quantity += step
    assert totals == [whole.gross, whole.commission, whole.premium, whole.producer]


# ------------------------------------------------------------------ random histories

HOME = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def shop_floor(app, rates, make_cooperative, make_product, fake):
    """Three cooperatives with bank details; card refunds go to the offline Stripe."""
    variants = []
    for number, price in enumerate((12_345, 4_999, 101)):
        coop = make_cooperative()
        coop.rib, coop.rib_holder = demo_rib(number + 1), coop.legal_name
        variants.append(make_product(cooperative=coop, stock=100_000, price=price).variants[0])
    db.session.commit()
    return [v.sku for v in variants]


index = st.integers(0, 40)
steps = st.one_of(
    st.tuples(
        st.just("order"),
        st.sampled_from(["cod", "card"]),
        st.lists(st.tuples(st.integers(0, 2), st.integers(1, 3)), min_size=1, max_size=3),
    ),
    st.tuples(st.just("pay"), index),
    st.tuples(st.sampled_from(["ship", "deliver", "remit"]), index, index),
    st.tuples(st.just("fulfil"), index),
    st.tuples(st.just("refund"), index, index, st.integers(1, 3), st.booleans()),
    st.tuples(st.just("refund_all"), index),
    st.tuples(st.just("advance"), st.integers(0, 20)),
    st.tuples(st.just("payout"), st.sampled_from([0, 15])),
    st.tuples(st.just("settle"), index, st.booleans()),
)


def _pick(items, i):
    return items[i % len(items)] if items else None


def _apply(step, state, skus) -> None:
    kind = step[0]
    orders = state["orders"]
    order = _pick(orders, step[1]) if kind not in ("order", "advance", "payout") else None
    if order is not None:
        order = db.session.get(Order, order)
    if kind == "order":
        wanted: dict[str, int] = {}
        for product, quantity in step[2]:
            wanted[skus[product]] = wanted.get(skus[product], 0) + quantity
        method = PaymentMethod.COD if step[1] == "cod" else PaymentMethod.CARD
        placed, _ = services.place_order(wanted, HOME, method, "fr")
        if method == PaymentMethod.COD:
            services.confirm_cod(placed, "link")  # the shopper confirmed it
        db.session.flush()
        orders.append(placed.id)
    elif kind == "pay" and order is not None:
        services.confirm_card_payment(order, f"cs_{order.id}", f"pi_{order.id}")
    elif kind in ("ship", "deliver", "remit") and order is not None:
        shipment = _pick(order.shipments, step[2])
        if kind == "ship":
            services.mark_shipped(shipment, "Amana", "RR1")
        elif kind == "deliver":
            services.mark_delivered(shipment)
        else:
            services.mark_cash_remitted(shipment)
    elif kind == "fulfil" and order is not None:
        if order.status.value == "pending_payment":
            services.confirm_card_payment(order, f"cs_{order.id}", f"pi_{order.id}")
            order = db.session.get(Order, order.id)
        for shipment in order.shipments:
            if shipment.status.value == "to_prepare":
                services.mark_shipped(shipment, "Amana", "RR1")
            if shipment.status.value == "shipped":
                services.mark_delivered(shipment)
            if (
                order.payment_method == PaymentMethod.COD
                and shipment.cash_remitted_at is None
                and shipment.status.value == "delivered"
            ):
                services.mark_cash_remitted(shipment)
    elif kind == "refund" and order is not None:
        line = _pick(order.lines, step[2])
        shipping = [line.shipment_id] if step[4] else []
        refunds.create_refund(order, {line.id: step[3]}, shipping, "test", None)
    elif kind == "refund_all" and order is not None:
        items = {
            line.id: line.quantity - line.refunded_quantity
            for line in order.lines
            if line.quantity > line.refunded_quantity
        }
        refunds.create_refund(order, items, [s.id for s in order.shipments], "all", None)
    elif kind == "advance":
        state["now"] += timedelta(days=step[1])
        accounting.release_due(state["now"])
    elif kind == "payout":
        state["now"] += timedelta(days=step[1])
        if payout_service.run_payouts(now=state["now"]) is not None:
            event("a payout batch was made")
    elif kind == "settle":
        payout = _pick(
            db.session.scalars(
                select(Payout).where(Payout.status == PayoutStatus.CREATED).order_by(Payout.id)
            ).all(),
            step[1],
        )
        if payout is not None:
            event("a payout was settled")
            if step[2]:
                payout_service.mark_paid(payout, None)
            else:
                payout_service.mark_failed(payout, "bank refused", None)


def _owed_by_records(coop_id: int) -> int:
    """What the cooperative earned in all: money-in parcels' parts less refunds."""
    parcels = db.session.scalars(select(Shipment).where(Shipment.cooperative_id == coop_id))
    earned = 0
    for shipment in parcels:
        if accounting.money_in(shipment):
            earned += shipment.shipping_cents + sum(
                line.producer_cents + line.premium_cents for line in shipment.lines
            )
    refunded = db.session.scalar(
        select(
            func.coalesce(
                func.sum(
                    RefundLine.producer_cents + RefundLine.premium_cents + RefundLine.shipping_cents
                ),
                0,
            )
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(RefundLine.cooperative_id == coop_id, Refund.status != RefundStatus.FAILED)
    )
    return earned - refunded


@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    max_examples=40,
    deadline=None,
)
@given(history=st.lists(steps, min_size=3, max_size=30))
def test_after_any_history_the_ledger_balances_and_matches(app, shop_floor, history):
    state = {"orders": [], "now": utcnow()}
    for step in history:
        try:
            _apply(step, state, shop_floor)
            db.session.commit()
            event(f"{step[0]} done")
        except (OrderError, IllegalTransition, payout_service.PayoutError):
            db.session.rollback()
            event(f"{step[0]} refused")
        assert ledger.integrity_problems() == []
        assert reconcile() == [], step
    # Each cooperative's balance is the sum of its parts: what it is owed now,
    # in transit and already paid add up to what it earned.
    for coop_id in set(db.session.scalars(select(Shipment.cooperative_id))):
        owed = sum(ledger.cooperative_balances(coop_id).values())
        in_transit = -ledger.balances([coop_id]).get((ledger.IN_TRANSIT, coop_id), 0)
        paid = ledger.kind_totals(ledger.IN_TRANSIT, [ledger.PAYOUT_PAID], cooperative_id=coop_id)
        assert owed + in_transit + paid == _owed_by_records(coop_id)
        assert owed + in_transit + paid >= 0
    total = db.session.scalar(select(func.coalesce(func.sum(ledger.JournalLine.amount_cents), 0)))
    assert total == 0
