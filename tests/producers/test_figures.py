"""Sales figures: the cooperative's Sales page, the admin home's platform figures, their CSVs.

Every figure must agree with the ledger (and with the order records the
ledger was written from), whatever happened to the orders; pages make the
same number of queries whatever the number of orders; another cooperative's
manager never sees them.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from orders.models import (
    Order,
    OrderLine,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundStatus,
    Shipment,
)
from orders.services import (
    Address,
    IllegalTransition,
    OrderError,
    mark_cash_remitted,
    mark_delivered,
    mark_shipped,
    place_order,
)
from orders.shipping import ensure_default_rates
from producers.models import Cooperative, CooperativeStatus, Membership, MembershipRole
from producers.money import figures as fg
from producers.money import payouts as payout_service
from producers.money.reconciliation import reconcile
from shop import clock
from shop.extensions import db
from shop.money import ledger
from tests.factories import place_confirmed
from tests.orders.test_money_properties import _apply, steps

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
MARRAKECH = Address(
    full_name="Youssef Idrissi",
    email="youssef@example.com",
    phone="+212612345679",
    address_line="3 derb Sidi Bouloukat",
    city="Marrakech",
    postal_code="40000",
    country="MA",
    region_code=7,
)
UNIT = 12_000  # 12.00 commission, 6.00 premium, 102.00 producer under the default policy
PREMIUM = 600


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def manager(make_user, make_cooperative):
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal")
    user = make_user(email="owner@amal.ma", name="Aicha")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


@pytest.fixture
def variant(manager, make_product):
    ensure_default_rates()
    db.session.commit()
    product = make_product(cooperative=manager[1], price=UNIT, stock=5_000, name_ar="زيت الأركان")
    return product.variants[0]


def sell(variant, address=ADDRESS, quantity: int = 1, remit: bool = True) -> Order:
    """A cash-on-delivery order, delivered and its cash remitted (the sale is in the ledger)."""
    order, _token = place_confirmed({variant.sku: quantity}, address, PaymentMethod.COD, "fr")
    db.session.commit()
    if remit:
        shipment = order.shipments[0]
        mark_shipped(shipment, "Amana", "AM1")
        mark_delivered(shipment)
        mark_cash_remitted(shipment)
        db.session.commit()
    return order


def kpi(html: str, name: str) -> str:
    match = re.search(rf'<div data-kpi="{name}"><dt>.*?</dt><dd><bdi>(.*?)</bdi>', html, re.S)
    assert match, name
    return re.sub(r"\s", " ", match.group(1))


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def total_row(rows: list[list[str]]) -> list[str]:
    return next(row for row in rows if row and row[0] == "Total")


def cents(text: str) -> int:
    whole, _dot, rest = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int(rest or 0))


# ------------------------------------------------------------------ periods


@pytest.mark.parametrize(("days", "buckets"), [(30, 30), (90, 13), (365, 13)])
def test_periods_are_cut_into_days_weeks_or_months_without_gaps(app, days, buckets):
    p = fg.period(days, date(2026, 12, 2))
    assert len(p.spans) == buckets
    assert p.spans[0][0] == date(2026, 12, 2) - timedelta(days=days - 1)
    assert p.spans[-1][1] == date(2026, 12, 2)
    for (_a, end), (start, _b) in zip(p.spans, p.spans[1:], strict=False):
        assert start == end + timedelta(days=1)
    assert sum((b - a).days + 1 for a, b in p.spans) == days
    assert list(p.bounds) == sorted(p.bounds) and len(p.bounds) == buckets + 1
    with pytest.raises(ValueError):
        fg.period(31)


# ------------------------------------------------------------------ the Sales page


def test_the_sales_page_shows_sales_orders_units_refunds_fund_products_and_regions(
    client, login, manager, variant
):
    user, coop = manager
    sell(variant, quantity=2)
    sell(variant, MARRAKECH)
    sell(variant, remit=False)  # cash not handed over: not a sale yet
    login(client, user)
    html = client.get("/fr/producer/amal/sales").get_data(as_text=True)
    assert "360,00" in kpi(html, "sales")  # three units of 120 MAD
    assert kpi(html, "orders") == "2"
    assert kpi(html, "units") == "3"
    assert "0,00" in kpi(html, "refunds")
    assert "18,00" in kpi(html, "fund")  # 6.00 premium a unit
    # Three charts, each an image with a title and a description, and a table with a caption.
    assert html.count('<svg class="chart"') == 3
    for name in ("chart-sales", "chart-products", "chart-regions"):
        assert f'aria-labelledby="{name}-title {name}-desc"' in html
        assert f'<title id="{name}-title">' in html and f'<desc id="{name}-desc">' in html
    assert html.count("<caption>") == 3
    assert "Casablanca-Settat" in html and "Marrakech-Safi" in html
    assert re.search(r'href="/fr/producer/amal/sales\?days=30" aria-current="page"', html)
    # The navigation links to it.
    assert 'href="/fr/producer/amal/sales" aria-current="page"' in html


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
@pytest.mark.parametrize("days", [30, 90, 365])
def test_the_sales_page_in_every_language_and_period(client, login, manager, variant, lang, days):
    user, _coop = manager
    sell(variant)
    login(client, user)
    response = client.get(f"/{lang}/producer/amal/sales?days={days}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}"' in html
    assert f'direction="{"rtl" if lang == "ar" else "ltr"}"' in html
    assert f'href="/{lang}/producer/amal/sales/series.csv?days={days}"' in html


def test_an_unknown_period_falls_back_to_30_days(client, login, manager, variant):
    login(client, manager[0])
    html = client.get("/fr/producer/amal/sales?days=7").get_data(as_text=True)
    assert 'href="/fr/producer/amal/sales/series.csv?days=30"' in html


def test_time_reads_right_to_left_in_arabic(app, client, login, manager, variant):
    user, _coop = manager
    sell(variant)
    login(client, user)

    def bars(lang: str) -> list[float]:
        html = client.get(f"/{lang}/producer/amal/sales").get_data(as_text=True)
        svg = html.split('id="chart-sales"', 1)[1].split("</svg>", 1)[0]
        return [float(x) for x in re.findall(r'<rect x="([\d.]+)"', svg)]

    ltr, rtl = bars("fr"), bars("ar")
    assert len(ltr) == len(rtl) == 30
    assert ltr == sorted(ltr)  # oldest day on the left
    assert rtl == sorted(rtl, reverse=True)  # oldest day on the right


def test_refunds_and_the_fund_follow_the_ledger(app, client, login, manager, variant, fake):
    from orders import refunds

    user, coop = manager
    order = sell(variant, quantity=3)
    line = order.lines[0]
    refunds.create_refund(order, {line.id: 1}, [], "broken", None)
    db.session.commit()
    figures = fg.cooperative_figures(coop.id, 30)
    assert figures.sales == 3 * UNIT
    assert figures.refunds == UNIT
    assert figures.fund == 2 * PREMIUM
    assert figures.fund == -(
        ledger.kind_totals(
            ledger.COOP_FUND_PENDING, [*fg.SALE_KINDS, ledger.REFUND], cooperative_id=coop.id
        )
        + ledger.kind_totals(ledger.COOP_FUND, [ledger.REFUND], cooperative_id=coop.id)
    )
    login(client, user)
    html = client.get("/en/producer/amal/sales").get_data(as_text=True)
    assert "120.00" in kpi(html, "refunds")


def test_the_page_makes_the_same_queries_whatever_the_number_of_orders(
    client, login, manager, variant, count_queries
):
    user, _coop = manager
    sell(variant)
    login(client, user)
    client.get("/fr/producer/amal/sales")  # warm caches

    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/fr/producer/amal/sales?days=90").status_code == 200
        return len(statements)

    few = queries()
    for n in range(8):
        sell(variant, MARRAKECH if n % 2 else ADDRESS, quantity=n + 1)
    assert queries() == few
    assert few <= 15


def test_another_cooperatives_manager_gets_403(
    client, login, manager, variant, make_user, make_cooperative
):
    other = make_user(email="other@coop.ma")
    coop = make_cooperative(slug="other")
    db.session.add(Membership(user=other, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    login(client, other)
    assert client.get("/fr/producer/amal/sales").status_code == 403
    assert client.get("/fr/producer/amal/sales/series.csv").status_code == 403
    assert client.get("/fr/producer/other/sales").status_code == 200
    anonymous = client.application.test_client()
    assert anonymous.get("/fr/producer/amal/sales").status_code == 302


def test_each_figure_has_its_csv_and_names_cannot_run_as_formulas(
    client, login, manager, make_product
):
    user, coop = manager
    ensure_default_rates()
    evil = make_product(
        cooperative=coop, name_fr='=HYPERLINK("http://x")', price=UNIT, stock=50
    ).variants[0]
    sell(evil, quantity=2)
    login(client, user)
    series = read_csv(client.get("/fr/producer/amal/sales/series.csv?days=90"))
    assert series[0] == ["Coopérative", "Coopérative Amal"]
    assert total_row(series)[2:] == ["240.00", "0.00", "12.00", "1", "2"]
    products = read_csv(client.get("/fr/producer/amal/sales/products.csv"))
    assert products[-1] == ['\'=HYPERLINK("http://x")', "240.00", "2", "1"]
    regions = read_csv(client.get("/fr/producer/amal/sales/regions.csv"))
    assert regions[-1] == ["Casablanca-Settat", "240.00", "1"]
    response = client.get("/fr/producer/amal/sales/regions.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get("/fr/producer/amal/sales/other.csv").status_code == 404


# ------------------------------------------------------------------ the admin home


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)


def test_the_admin_home_shows_the_platform_figures(
    client, login, admin, manager, variant, make_cooperative, count_queries
):
    sell(variant, quantity=2)
    make_cooperative(status=CooperativeStatus.PENDING)
    login(client, admin)
    client.get("/fr/admin/")
    with count_queries() as statements:
        html = client.get("/fr/admin/?days=365").get_data(as_text=True)
    assert "240,00" in kpi(html, "sales")
    assert kpi(html, "orders") == "1"
    assert kpi(html, "waiting") == "1"
    assert "24,00" in kpi(html, "commission")
    assert 'data-count="pending">1<' in html
    assert html.count('<svg class="chart"') == 3
    assert 'data-figure="cod"' in html  # cash on delivery confirmed and refused, by week
    few = len(statements)
    for _ in range(5):
        sell(variant, MARRAKECH)
    with count_queries() as statements:
        client.get("/fr/admin/?days=365")
    assert len(statements) == few
    rows = read_csv(client.get("/fr/admin/figures/series.csv?days=365"))
    assert total_row(rows)[2] == "840.00"
    assert client.get("/ar/admin/").status_code == 200


def test_the_admin_home_and_its_csv_are_for_admins_only(client, login, manager):
    login(client, manager[0])
    assert client.get("/fr/admin/").status_code == 403
    assert client.get("/fr/admin/figures/series.csv").status_code == 403


def test_the_admin_home_shows_the_weeks_cod_rates(client, login, admin, variant):
    sell(variant)  # confirmed and delivered
    waiting, _token = place_order({variant.sku: 1}, ADDRESS, PaymentMethod.COD, "fr")
    db.session.commit()
    [week] = fg.cod_rates(1)
    assert (week.confirmed, week.refused) == (0.5, 0.0)
    login(client, admin)
    html = client.get("/fr/admin/").get_data(as_text=True)
    panel = html.split('data-figure="cod"', 1)[1].split("</section>", 1)[0]
    assert week.label in panel and "50" in panel


# ------------------------------------------------------------------ reconciliation


def by_records(coop_id: int) -> dict[str, int]:
    """The cooperative's figures from the order records (everything happened today)."""
    sold = [
        s
        for s in db.session.scalars(select(Shipment).where(Shipment.cooperative_id == coop_id))
        if s.money_in
    ]
    lines = [line for s in sold for line in s.lines]
    refunded = db.session.execute(
        select(
            func.coalesce(func.sum(RefundLine.gross_cents), 0),
            func.coalesce(func.sum(RefundLine.premium_cents), 0),
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(RefundLine.cooperative_id == coop_id, Refund.status != RefundStatus.FAILED)
    ).one()
    return {
        "sales": sum(line.gross_cents for line in lines),
        "refunds": int(refunded[0]),
        "fund": sum(line.premium_cents for line in lines) - int(refunded[1]),
        "orders": len({s.order_id for s in sold}),
        "units": sum(line.quantity for line in lines),
    }


def by_ledger(coop_id: int, p: fg.Period) -> dict[str, int]:
    """The same figures summed from every journal line, in Python."""
    rows = db.session.execute(
        select(
            ledger.JournalEntry.kind,
            ledger.JournalEntry.created_at,
            ledger.JournalLine.account,
            ledger.JournalLine.amount_cents,
            Shipment.cooperative_id,
        )
        .join(ledger.JournalEntry, ledger.JournalEntry.id == ledger.JournalLine.entry_id)
        .outerjoin(Shipment, Shipment.id == ledger.JournalLine.shipment_id)
    ).all()
    sums = {"sales": 0, "refunds": 0, "fund": 0}
    for kind, at, account, amount, coop in rows:
        if coop != coop_id or not p.start <= at < p.end or account not in fg.GOODS:
            continue
        if kind in fg.SALE_KINDS:
            sums["sales"] -= amount
        elif kind == ledger.REFUND:
            sums["refunds"] += amount
        else:
            continue
        if account in fg.FUND:
            sums["fund"] -= amount
    return sums


def check_figures(client) -> None:
    for coop in db.session.scalars(select(Cooperative)):
        figures = fg.cooperative_figures(coop.id, 30)
        shown = {
            name: figures.total(name) for name in ("sales", "refunds", "fund", "orders", "units")
        }
        assert shown == by_records(coop.id)
        assert {k: shown[k] for k in ("sales", "refunds", "fund")} == by_ledger(
            coop.id, figures.period
        )
        assert sum(row.sales for row in figures.regions) == figures.sales
        assert sum(row.units for row in figures.products) <= figures.units
        # The page's CSV says the same.
        total = total_row(read_csv(client.get(f"/fr/producer/{coop.slug}/sales/series.csv")))
        assert [cents(total[2]), cents(total[3]), cents(total[4])] == [
            shown["sales"],
            shown["refunds"],
            shown["fund"],
        ]
        assert [int(total[5]), int(total[6])] == [shown["orders"], shown["units"]]


@pytest.fixture
def shop_floor(app, make_user, make_cooperative, make_product, fake, client, login):
    """Three cooperatives, one manager of all three signed in; card refunds to the fake Stripe."""
    from demo.orders import demo_rib

    ensure_default_rates()
    user = make_user(email="manager@coops.ma")
    variants = []
    for number, price in enumerate((12_345, 4_999, 101)):
        coop = make_cooperative()
        coop.rib, coop.rib_holder = demo_rib(number + 1), coop.legal_name
        db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
        variants.append(make_product(cooperative=coop, stock=100_000, price=price).variants[0])
    db.session.commit()
    login(client, user)
    return [v.sku for v in variants]


@pytest.mark.slow
@settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    max_examples=25,
    deadline=None,
)
@given(history=st.lists(steps, min_size=3, max_size=25))
def test_after_any_history_the_figures_are_the_ledgers(app, client, shop_floor, history):
    state = {"orders": [], "now": clock.utcnow()}
    for step in history:
        try:
            _apply(step, state, shop_floor)
            db.session.commit()
            event(f"{step[0]} done")
        except (OrderError, IllegalTransition, payout_service.PayoutError):
            db.session.rollback()
            event(f"{step[0]} refused")
    assert reconcile() == []
    check_figures(client)
    # The platform's payouts are the payout entries of the period.
    today = clock.local_date(state["now"])
    platform = fg.platform_figures(365, today)
    p = platform.period
    assert platform.total("payouts") == -ledger.kind_totals(
        ledger.IN_TRANSIT, [ledger.PAYOUT_CREATED, ledger.PAYOUT_FAILED], since=p.start, until=p.end
    )
    assert platform.total("paid") == ledger.kind_totals(
        ledger.IN_TRANSIT, [ledger.PAYOUT_PAID], since=p.start, until=p.end
    )
    if platform.total("payouts"):
        event("payouts in the period")


# ------------------------------------------------------------------ the demo


@pytest.mark.demo
def test_on_the_demo_every_figure_reconciles_with_the_ledger(demo_seed):
    assert demo_seed.exit_code == 0, demo_seed.output
    platform = fg.platform_figures(365)
    p = platform.period
    sales = -sum(
        ledger.kind_totals(account, fg.SALE_KINDS, since=p.start, until=p.end)
        for account in fg.GOODS
    )
    assert platform.sales == sales
    assert sum(row.sales for row in platform.regions) == sales
    total = {"sales": 0, "refunds": 0, "fund": 0, "orders": 0}
    for coop_id in db.session.scalars(select(Cooperative.id)):
        figures = fg.cooperative_figures(coop_id, 365)
        assert {k: figures.total(k) for k in ("sales", "refunds", "fund")} == by_ledger(
            coop_id, figures.period
        )
        assert sum(row.sales for row in figures.regions) == figures.sales
        for name in total:
            total[name] += figures.total(name)
    assert total["sales"] == platform.sales
    assert total["refunds"] == platform.refunds
    assert total["fund"] == platform.fund
    # An order with parcels of two cooperatives is one order for the platform.
    assert total["orders"] >= platform.orders
    lines = db.session.scalar(
        select(func.count(OrderLine.id)).join(Order, Order.id == OrderLine.order_id)
    )
    assert lines > 0
