"""A worked example, to the centime: a 3-cooperative card order paid, delivered,
partly refunded and paid out; and a policy change that leaves past orders alone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from demo.orders import demo_rib
from orders import refunds, services
from orders.models import Order, PaymentMethod
from orders.services import Address
from producers.money.payouts import mark_paid, run_payouts
from producers.money.reconciliation import reconcile
from shop.extensions import db
from shop.money import ledger
from shop.money.policy import PolicyVersion
from tests.factories import place_confirmed

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


def test_three_cooperative_card_order_to_the_centime(
    app, rates, make_cooperative, make_product, fake
):
    coops = [make_cooperative() for _ in range(3)]
    for number, coop in enumerate(coops):
        coop.rib, coop.rib_holder = demo_rib(number + 1), coop.legal_name
    a, b, c = (
        make_product(cooperative=coop, price=price, stock=10).variants[0]
        for coop, price in zip(coops, (20_000, 4_999, 101))
    )
    order, _ = services.place_order({a.sku: 1, b.sku: 3, c.sku: 2}, HOME, PaymentMethod.CARD, "fr")
    db.session.commit()
    parts = {
        line.sku: (line.gross_cents, line.commission_cents, line.premium_cents, line.producer_cents)
        for line in order.lines
    }
    # 10 % and 5 %, half-up: 1 499.70 → 1 500, 749.85 → 750; 20.20 → 20, 10.10 → 10.
    assert parts == {
        a.sku: (20_000, 2_000, 1_000, 17_000),
        b.sku: (14_997, 1_500, 750, 12_747),
        c.sku: (202, 20, 10, 172),
    }
    ship = {s.cooperative_id: s.shipping_cents for s in order.shipments}
    assert order.total_cents == 20_000 + 14_997 + 202 + sum(ship.values())

    assert services.confirm_card_payment(order, "cs_1", "pi_1")
    db.session.commit()
    order = db.session.get(Order, order.id)
    for shipment in order.shipments:
        services.mark_shipped(shipment, "Amana", "RR1")
        services.mark_delivered(shipment)
    db.session.commit()
    line_b = next(line for line in order.lines if line.sku == b.sku)
    parcel_c = next(s for s in order.shipments if s.cooperative_id == coops[2].id)
    refund = refunds.create_refund(order, {line_b.id: 1}, [parcel_c.id], "Un pot cassé", None)
    db.session.commit()
    # One unit of 49.99: commission 5.00 (4.999), premium 2.50 (2.4995), producer 42.49.
    assert refund.amount_cents == 4_999 + ship[coops[2].id]
    (call,) = fake.calls("/v1/refunds")
    assert call["form"]["amount"] == str(refund.amount_cents)
    assert call["form"]["payment_intent"] == "pi_1"
    assert ledger.balance(ledger.COMMISSION) == -(2_000 + 1_500 + 20 - 500)

    later = max(s.delivered_at for s in order.shipments) + timedelta(days=14)
    batch = run_payouts(now=later)
    db.session.commit()
    paid = {
        p.cooperative_id: (p.revenue_cents, p.fund_cents, p.shipping_cents, p.total_cents)
        for p in batch.payouts
    }
    expected = {
        coops[0].id: (17_000, 1_000, ship[coops[0].id]),
        coops[1].id: (12_747 - 4_249, 750 - 250, ship[coops[1].id]),
        coops[2].id: (172, 10, 0),
    }
    assert paid == {coop: (*parts_, sum(parts_)) for coop, parts_ in expected.items()}
    for payout in batch.payouts:
        mark_paid(payout, None)
    db.session.commit()
    for coop in coops:
        assert set(ledger.cooperative_balances(coop.id).values()) == {0}
    # What stays on the platform: its commission, nothing else.
    assert ledger.balance(ledger.CLEARING) == 2_000 + 1_500 + 20 - 500
    assert run_payouts(now=later + timedelta(days=1)) is None  # nothing twice
    assert reconcile() == []


def test_a_policy_change_leaves_past_orders_alone(app, rates, make_product):
    variant = make_product(price=10_000, stock=10).variants[0]
    old, _ = place_confirmed({variant.sku: 1}, HOME, PaymentMethod.COD, "fr")
    db.session.commit()
    db.session.add(
        PolicyVersion(version=2, commission_bp=1_200, premium_bp=800, hold_days=7, note="test")
    )
    db.session.commit()
    new, _ = place_confirmed({variant.sku: 1}, HOME, PaymentMethod.COD, "fr")
    db.session.commit()
    old_line, new_line = db.session.get(Order, old.id).lines[0], new.lines[0]
    assert (
        old_line.policy_version,
        old_line.commission_cents,
        old_line.premium_cents,
        old_line.producer_cents,
    ) == (1, 1_000, 500, 8_500)
    assert (
        new_line.policy_version,
        new_line.commission_cents,
        new_line.premium_cents,
        new_line.producer_cents,
    ) == (2, 1_200, 800, 8_000)
    # The old order's money follows its own version, hold included (14 days, not 7).
    for order in (old, new):
        shipment = db.session.get(Order, order.id).shipments[0]
        services.mark_shipped(shipment, "Amana", "RR1")
        services.mark_delivered(shipment)
        services.mark_cash_remitted(shipment)
    db.session.commit()
    from orders.accounting import release_due

    delivered = db.session.get(Order, old.id).shipments[0].delivered_at
    assert release_due(delivered + timedelta(days=8)) == 1  # only the new order
    assert release_due(delivered + timedelta(days=14)) == 1
    db.session.commit()
    assert reconcile() == []
