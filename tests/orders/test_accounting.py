"""What order events write to the ledger, and ``flask ledger check``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from orders import accounting, services
from orders.models import Order, PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from producers.money.reconciliation import reconcile
from shop.extensions import db
from shop.models import utcnow
from shop.money import ledger
from shop.money.ledger import credit, debit
from tests.factories import place_confirmed

CASABLANCA = Address(
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
def cod_order(rates, make_cooperative, make_product):
    """A cash-on-delivery order: 3 × 123.45 MAD from one cooperative."""
    coop = make_cooperative()
    variant = make_product(cooperative=coop, stock=10, price=12_345).variants[0]
    order, _ = place_confirmed({variant.sku: 3}, CASABLANCA, PaymentMethod.COD, "fr")
    db.session.commit()
    return order


def owed(coop_id: int) -> dict[str, int]:
    return ledger.cooperative_balances(coop_id)


def test_cod_money_becomes_payable_only_after_remittance_and_the_hold(cod_order):
    order, shipment = cod_order, cod_order.shipments[0]
    coop_id = shipment.cooperative_id
    line = order.lines[0]
    # 370.35 MAD gross: commission 37.04 (half-up of 37.035), premium 18.52 (18.5175).
    assert (line.gross_cents, line.commission_cents, line.premium_cents, line.producer_cents) == (
        37_035,
        3_704,
        1_852,
        31_479,
    )
    mark_shipped(shipment, "Amana", "RR1")
    mark_delivered(shipment)
    db.session.commit()
    assert accounting.release_due(utcnow() + timedelta(days=30)) == 0  # cash not remitted
    assert db.session.scalar(select(ledger.JournalEntry)) is None
    mark_cash_remitted(shipment)
    db.session.commit()
    assert owed(coop_id)[ledger.COOP_REVENUE_PENDING] == 31_479
    assert owed(coop_id)[ledger.COOP_FUND_PENDING] == 1_852
    assert owed(coop_id)[ledger.COOP_SHIPPING_PENDING] == shipment.shipping_cents
    assert ledger.balance(ledger.CLEARING) == order.total_cents
    assert ledger.balance(ledger.COMMISSION) == -3_704

    delivered = shipment.delivered_at
    assert accounting.release_due(delivered + timedelta(days=13, hours=23)) == 0
    assert accounting.release_due(delivered + timedelta(days=14)) == 1
    db.session.commit()
    balances = owed(coop_id)
    assert balances[ledger.COOP_REVENUE_PENDING] == 0
    assert (
        balances[ledger.COOP_REVENUE],
        balances[ledger.COOP_FUND],
        balances[ledger.COOP_SHIPPING],
    ) == (31_479, 1_852, shipment.shipping_cents)
    assert accounting.release_due(delivered + timedelta(days=60)) == 0  # once only
    assert reconcile() == []


def test_card_payment_posts_every_parcel(rates, make_cooperative, make_product, app):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    a = make_product(cooperative=make_cooperative(), stock=5, price=10_000).variants[0]
    b = make_product(cooperative=make_cooperative(), stock=5, price=4_999).variants[0]
    order, _ = place_confirmed({a.sku: 1, b.sku: 2}, CASABLANCA, PaymentMethod.CARD, "fr")
    db.session.commit()
    assert db.session.scalar(select(ledger.JournalEntry)) is None  # not paid yet
    assert services.confirm_card_payment(order, "cs_1", "pi_1")
    assert not services.confirm_card_payment(order, "cs_1", "pi_1")
    db.session.commit()
    order = db.session.get(Order, order.id)
    assert ledger.balance(ledger.CLEARING) == order.total_cents
    for shipment in order.shipments:
        lines = [line for line in order.lines if line.shipment_id == shipment.id]
        assert owed(shipment.cooperative_id)[ledger.COOP_REVENUE_PENDING] == sum(
            line.producer_cents for line in lines
        )
    assert -ledger.balance(ledger.COMMISSION) == sum(l.commission_cents for l in order.lines)
    accounting.post_card_fee(order, "ch_1", 412)
    accounting.post_card_fee(order, "ch_1", 412)  # reported twice, counted once
    db.session.commit()
    assert ledger.balance(ledger.FEES) == 412
    assert reconcile() == []


def test_ledger_check_command(cod_order, runner):
    shipment = cod_order.shipments[0]
    mark_shipped(shipment, "Amana", "RR1")
    mark_delivered(shipment)
    mark_cash_remitted(shipment)
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "ledger ok: 1 entries" in result.output
    # A balanced entry the records do not explain: money moved from one
    # cooperative account to another by hand.
    ledger.post(
        "manual",
        ledger.RELEASE,
        [
            debit(ledger.COOP_REVENUE_PENDING, 1_000, cooperative_id=shipment.cooperative_id),
            credit(ledger.COOP_REVENUE, 1_000, cooperative_id=shipment.cooperative_id),
        ],
    )
    db.session.commit()
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code != 0
    assert (
        f"coop.revenue.payable of cooperative {shipment.cooperative_id}: ledger -1000, "
        "records imply 0" in result.output
    )
