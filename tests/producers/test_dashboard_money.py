"""The workspace dashboard shows the money: sales of 30 days, the balance due, the next payout."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from orders.models import Order, PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import CooperativeStatus, Membership, MembershipRole
from producers.workspace import earnings
from shop import clock
from shop.extensions import db
from tests.factories import place_confirmed

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
# Default policy: a 120 MAD unit is 12.00 commission, 6.00 premium, 102.00 for
# the producer; a parcel of it to Casablanca pays 35.00 shipping; 14 days' hold.
UNIT, PRODUCER, PREMIUM, SHIPPING, HOLD = 12_000, 10_200, 600, 3_500, 14
RIB = "011519000001205000534921"
DASHBOARD = "/fr/producer/amal/"


@pytest.fixture
def manager(make_user, make_cooperative):
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal", rib=RIB)
    user = make_user(email="owner@amal.ma", name="Aicha")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


@pytest.fixture
def variant(manager, make_product):
    ensure_default_rates()
    db.session.commit()
    return make_product(cooperative=manager[1], price=UNIT, stock=500).variants[0]


def sell(variant, days_ago: int = 0) -> Order:
    order, _token = place_confirmed({variant.sku: 1}, ADDRESS, PaymentMethod.COD, "fr")
    order.created_at = clock.utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return order


def deliver(order: Order, days_ago: int) -> None:
    shipment = order.shipments[0]
    mark_shipped(shipment, "Amana", "AM123")
    mark_delivered(shipment)
    shipment.delivered_at = clock.utcnow() - timedelta(days=days_ago)
    mark_cash_remitted(shipment)
    db.session.commit()


def box(html: str, name: str) -> str:
    match = re.search(rf'<div data-money="{name}">(.*?)</div>', html, re.S)
    assert match, name
    return match.group(1)


def amount(text: str) -> str:
    return re.sub(r"\s", " ", text)


def next_run(app, day: date) -> date:
    with app.test_request_context():
        return earnings.run_day_from(day)


def test_the_dashboard_shows_sales_balance_due_and_next_payout(
    app, client, login, manager, variant
):
    user, _coop = manager
    deliver(sell(variant, days_ago=25), days_ago=20)  # past the hold: payable
    sell(variant, days_ago=2)  # not shipped yet: pending
    sell(variant, days_ago=45)  # too old for the 30 days
    login(client, user)
    html = client.get(DASHBOARD).get_data(as_text=True)
    sales, due, payout = box(html, "sales"), box(html, "due"), box(html, "next-payout")
    for part in (sales, due, payout):
        assert 'href="/fr/producer/amal/balance"' in part
    assert "240,00" in amount(sales)  # two orders of the last 30 days, 120 MAD each
    assert re.search(r'class="hint">[^<]*\b2\b', sales)  # two orders
    # Payable: the delivered parcel's producer revenue, shipping and community fund.
    assert f"{(PRODUCER + SHIPPING + PREMIUM) // 100},00" in amount(due)
    expected = next_run(app, clock.local_date())
    assert f'datetime="{expected.isoformat()}"' in payout


def test_pending_money_is_paid_at_the_first_run_after_the_hold(
    app, client, login, manager, variant
):
    user, _coop = manager
    deliver(sell(variant), days_ago=1)
    login(client, user)
    html = client.get(DASHBOARD).get_data(as_text=True)
    assert re.search(r">\s*0,00", box(html, "due"))
    released = clock.local_date(clock.utcnow() - timedelta(days=1) + timedelta(days=HOLD))
    expected = next_run(app, max(clock.local_date(), released))
    assert f'datetime="{expected.isoformat()}"' in box(html, "next-payout")


def test_no_date_without_bank_details_or_when_suspended(client, login, manager, variant):
    user, coop = manager
    deliver(sell(variant, days_ago=25), days_ago=20)
    coop.rib = None
    db.session.commit()
    login(client, user)
    payout = box(client.get(DASHBOARD).get_data(as_text=True), "next-payout")
    assert 'href="/fr/producer/amal/bank"' in payout and "datetime" not in payout
    coop.rib = RIB
    coop.status = CooperativeStatus.SUSPENDED
    db.session.commit()
    payout = box(client.get(DASHBOARD).get_data(as_text=True), "next-payout")
    assert "datetime" not in payout


def test_nothing_sold_nothing_due(client, login, manager):
    user, _coop = manager
    login(client, user)
    html = client.get(DASHBOARD).get_data(as_text=True)
    assert re.search(r">\s*0,00", box(html, "sales"))
    assert "datetime" not in box(html, "next-payout")


@pytest.mark.parametrize(("weekday", "today", "expected"), [(0, 0, 0), (0, 1, 6), (4, 1, 3)])
def test_the_run_day_is_the_configured_weekday(app, weekday, today, expected):
    day = date(2026, 11, 30) + timedelta(days=today)  # a Monday, plus ``today`` days
    app.config["PAYOUT_WEEKDAY"] = weekday
    try:
        with app.test_request_context():
            assert earnings.run_day_from(day) == day + timedelta(days=expected)
    finally:
        app.config.pop("PAYOUT_WEEKDAY")


def test_dashboard_queries_do_not_grow_with_orders(client, login, manager, variant, count_queries):
    user, _coop = manager
    login(client, user)

    def measure() -> int:
        client.get(DASHBOARD)  # releases and commits what is due
        with count_queries() as seen:
            assert client.get(DASHBOARD).status_code == 200
        return len(seen)

    deliver(sell(variant, days_ago=25), days_ago=20)
    few = measure()
    for i in range(12):
        order = sell(variant, days_ago=i)
        if i % 2:
            deliver(order, days_ago=20)
    many = measure()
    assert few == many
