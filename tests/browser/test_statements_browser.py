"""The cooperative's balance, statement and distribution pages in a browser (issue #7)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from catalog.trace import Contribution, ContributionKind, LotDetails, create_lot
from orders import accounting
from orders.models import PaymentMethod, Refund, RefundLine, RefundMethod, RefundStatus
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Member, Membership, MembershipRole
from producers.money import statements
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from shop.extensions import db
from shop.models import utcnow
from shop.money import ledger
from shop.money.ledger import credit, debit
from tests.factories import place_confirmed

pytestmark = pytest.mark.browser

ADDRESS = Address(
    full_name="Amina Alaoui",
    email="amina@example.com",
    phone="+212612345678",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)


def _sell(variant, quantity, delivered_days_ago=None, remit=True):
    order, _token = place_confirmed({variant.sku: quantity}, ADDRESS, PaymentMethod.COD, "fr")
    db.session.commit()
    if delivered_days_ago is not None:
        shipment = order.shipments[0]
        mark_shipped(shipment, "Amana", "AM123456MA")
        mark_delivered(shipment)
        shipment.delivered_at = utcnow() - timedelta(days=delivered_days_ago)
        if remit:
            mark_cash_remitted(shipment)
        db.session.commit()
    return order


def _payout(coop, paid: bool) -> None:
    owed = ledger.cooperative_balances(coop.id)
    parts = owed[ledger.COOP_REVENUE], owed[ledger.COOP_SHIPPING], owed[ledger.COOP_FUND]
    payout = Payout(
        batch=PayoutBatch(total_cents=sum(parts)),
        cooperative_id=coop.id,
        method=PayoutMethod.BANK,
        status=PayoutStatus.CREATED,
        revenue_cents=parts[0],
        shipping_cents=parts[1],
        fund_cents=parts[2],
        total_cents=sum(parts),
    )
    db.session.add(payout)
    db.session.flush()
    mine = {"cooperative_id": coop.id}
    ledger.post(
        f"payout:{payout.id}:created",
        ledger.PAYOUT_CREATED,
        [
            debit(ledger.COOP_REVENUE, parts[0], **mine),
            debit(ledger.COOP_SHIPPING, parts[1], **mine),
            debit(ledger.COOP_FUND, parts[2], **mine),
            credit(ledger.IN_TRANSIT, sum(parts), **mine),
        ],
        memo=payout.reference,
    )
    if paid:
        payout.status, payout.paid_at = PayoutStatus.PAID, utcnow()
        ledger.post(
            f"payout:{payout.id}:paid",
            ledger.PAYOUT_PAID,
            [debit(ledger.IN_TRANSIT, sum(parts), **mine), credit(ledger.CLEARING, sum(parts))],
            memo=payout.reference,
        )
    db.session.commit()


def _refund_one(order) -> None:
    line = order.lines[0]
    parts = accounting.parts_for(line, 1)
    refund = Refund(
        order_id=order.id,
        method=RefundMethod.CASH,
        status=RefundStatus.PENDING,
        amount_cents=parts.gross,
        lines=[
            RefundLine(
                shipment_id=line.shipment_id,
                cooperative_id=line.cooperative_id,
                order_line_id=line.id,
                quantity=1,
                gross_cents=parts.gross,
                commission_cents=parts.commission,
                premium_cents=parts.premium,
                producer_cents=parts.producer,
            )
        ],
    )
    line.refunded_quantity = 1
    db.session.add(refund)
    db.session.flush()
    accounting.post_refund(refund)
    db.session.commit()


@pytest.fixture
def cooperative(app, make_user, make_cooperative, make_product):
    # Order e-mails build links: give them a request to build them in.
    with app.test_request_context("/fr/"):
        return _cooperative(make_user, make_cooperative, make_product)


def _cooperative(make_user, make_cooperative, make_product):
    coop = make_cooperative(
        slug="tifaout", legal_name="Coopérative Tifaout", ice="001234567000062", reserve_bp=1_000
    )
    owner = make_user(email="owner@tifaout.ma", name="Aicha Ait Lahcen")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    ensure_default_rates()
    db.session.commit()
    variant = make_product(
        cooperative=coop, name_fr="Huile d'argan", name_ar="زيت أركان", price=12_000, stock=200
    ).variants[0]
    members = [
        Member(cooperative=coop, full_name=name, role=role)
        for name, role in (
            ("عائشة أيت لحسن", "الرئيسة"),
            ("Fatima Id Brahim", ""),
            ("خديجة أوبلا", ""),
        )
    ]
    db.session.add_all(members)
    db.session.flush()
    create_lot(
        coop,
        variant,
        "ARG-2501",
        LotDetails(quantity_produced=40),
        contributions=[
            Contribution(member, ContributionKind.KG_SUPPLIED, Decimal(kg))
            for member, kg in zip(members, ("120", "80.5", "45"))
        ],
    )
    db.session.commit()
    _sell(variant, 2, delivered_days_ago=20)
    accounting.release_due()
    db.session.commit()
    _payout(coop, paid=True)
    _sell(variant, 1, delivered_days_ago=20)
    accounting.release_due()
    db.session.commit()
    _payout(coop, paid=False)
    refunded = _sell(variant, 2, delivered_days_ago=20)
    _refund_one(refunded)
    _sell(variant, 1, delivered_days_ago=2)
    _sell(variant, 1)
    return coop, owner


def _login(page, live_server, user, lang):
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", "correct horse battery")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_balance_and_statement_pages(live_server, page_at, shoot, cooperative):
    coop, owner = cooperative
    phone = page_at("phone", locale="ar-MA")
    _login(phone, live_server, owner, "ar")
    phone.goto(f"{live_server}/ar/producer/tifaout/balance")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert phone.locator("h1").inner_text() == "الرصيد"
    assert phone.locator(".balance-grid dd[dir=ltr]").count() == 4
    assert phone.locator(".balance-table").first.locator("tbody tr").count() == 5
    shoot(phone, "statements-1-balance-ar-phone")
    phone.goto(f"{live_server}/ar/producer/tifaout/distribution")
    now = statements.local_now()
    phone.select_option("#d-year", str(now.year))
    phone.select_option("#d-month", str(now.month))
    phone.click(".distribution-period button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator(".distribution-table tbody tr").count() == 3
    shoot(phone, "statements-2-distribution-ar-phone")

    desk = page_at("desktop", locale="fr-FR")
    _login(desk, live_server, owner, "fr")
    desk.goto(f"{live_server}/fr/producer/tifaout/balance")
    assert desk.locator("h1").inner_text() == "Solde"
    assert desk.locator(".workspace-nav a[aria-current=page]").inner_text() == "Solde"
    shoot(desk, "statements-3-balance-fr-desktop")
    desk.locator(".statement-months a").first.click()
    desk.wait_for_load_state()
    assert desk.locator(".statement-table tbody tr").count() >= 8
    shoot(desk, "statements-4-statement-fr-desktop")
    desk.emulate_media(media="print")
    assert not desk.locator(".workspace-nav").is_visible()
    assert not desk.locator(".site-header").is_visible()
    shoot(desk, "statements-5-statement-fr-print")
