"""Sales figures for a cooperative (its "Sales" page) and for the platform (the admin home).

Every amount is read from the ledger (``shop.money.ledger``), so the figures
reconcile with it by construction:

- **sales**: the products' gross (commission, premium and producer parts)
  credited by sale entries (a card payment confirmed, a parcel's cash
  remitted), dated when the money came in. Shipping is not a sale.
- **refunds**: the products' gross that refund entries took back (a failed
  refund's reversal counts against it), dated when the refund was made.
- **community fund**: the premium sales credited to the fund accounts, less
  what refunds took back from them.
- **payouts** (platform): what payout entries moved into transit (less failed
  payouts), and what was confirmed paid.

Orders, units, products and regions come from the order lines of the parcels
whose sale entry falls in the period, so their gross adds up to the sales
figure too. Each figure is one aggregate query (GROUP BY period bucket,
product or region); a page makes the same few queries whatever the data.

Periods are the last 30, 90 or 365 days in Casablanca, cut into days, weeks
or months. Bucket boundaries are computed in Python from ``shop.clock`` and
compared in SQL (a CASE of timestamps), so both databases count local days
the same way, summer time or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select

from orders.cities import cities
from orders.models import Order, OrderLine, Shipment
from producers.models import Cooperative, CooperativeStatus
from shop import clock
from shop.extensions import db
from shop.i18n import Localized, pick
from shop.money import ledger
from shop.money.ledger import JournalEntry, JournalLine
from shop.regions import regions

#: The periods a page offers, in days; the first is the default.
PERIODS = (30, 90, 365)
#: How a period is cut: days for a month, weeks for a quarter, months for a year.
DAY, WEEK, MONTH = "day", "week", "month"
STEPS = {30: DAY, 90: WEEK, 365: MONTH}
#: Best-selling products listed.
TOP_PRODUCTS = 10
#: Region codes outside the twelve: abroad, and a city not recognised.
ABROAD, UNKNOWN = -1, 0

SALE_KINDS = (ledger.SALE_CARD, ledger.SALE_CASH)
#: The accounts a sale's goods are credited to (and a refund takes them back from).
GOODS = (
    ledger.COMMISSION,
    ledger.COOP_REVENUE_PENDING,
    ledger.COOP_REVENUE,
    ledger.COOP_FUND_PENDING,
    ledger.COOP_FUND,
)
FUND = (ledger.COOP_FUND_PENDING, ledger.COOP_FUND)
PAYOUT_KINDS = (ledger.PAYOUT_CREATED, ledger.PAYOUT_PAID, ledger.PAYOUT_FAILED)


# ------------------------------------------------------------------ periods


@dataclass
class Bucket:
    """One day, week or month of a period (local days, both included), with its figures."""

    first_day: date
    last_day: date
    sales: int = 0
    refunds: int = 0
    fund: int = 0
    commission: int = 0
    orders: int = 0
    units: int = 0
    payouts: int = 0
    paid: int = 0


@dataclass(frozen=True)
class Period:
    """The last ``days`` local days up to ``last_day``, and how they are cut."""

    days: int
    first_day: date
    last_day: date
    step: str
    #: Naive UTC instants: each bucket's start, then the period's end.
    bounds: tuple[datetime, ...]
    spans: tuple[tuple[date, date], ...]

    @property
    def start(self) -> datetime:
        """The period's first instant (naive UTC)."""
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        """The instant after the period (naive UTC)."""
        return self.bounds[-1]

    def bucket(self, column: Any) -> ColumnElement[int]:
        """The index of the bucket a timestamp column falls in (for rows inside the period)."""
        inner = self.bounds[1:-1]
        if not inner:
            return literal(0)
        return case(*[(column < bound, i) for i, bound in enumerate(inner)], else_=len(inner))

    def within(self, column: Any) -> ColumnElement[bool]:
        """True for a timestamp inside the period."""
        return and_(column >= self.start, column < self.end)


def period(days: int, today: date | None = None) -> Period:
    """The last ``days`` days (one of ``PERIODS``) ending ``today`` (Casablanca's, by default)."""
    if days not in PERIODS:
        raise ValueError(f"no {days}-day period")
    last = today or clock.local_date()
    first = last - timedelta(days=days - 1)
    step = STEPS[days]
    spans: list[tuple[date, date]] = []
    day = first
    while day <= last:
        if step == DAY:
            end = day
        elif step == WEEK:
            end = day + timedelta(days=6)
        else:
            following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            end = following - timedelta(days=1)
        end = min(end, last)
        spans.append((day, end))
        day = end + timedelta(days=1)
    bounds = tuple(clock.day_start(a) for a, _b in spans) + (
        clock.day_start(last + timedelta(days=1)),
    )
    return Period(days, first, last, step, bounds, tuple(spans))


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class ProductRow:
    """A product sold in the period (its name as sold, in the page's language)."""

    product_id: int | None
    names: dict[str, str | None]
    units: int
    sales: int
    orders: int

    def name(self, lang: str) -> Localized:
        """The name as sold, in ``lang`` or its fallback."""
        return pick(self.names, lang)


@dataclass(frozen=True)
class RegionRow:
    """Where buyers are: one of Morocco's twelve regions, an unknown city, or abroad."""

    code: int
    orders: int
    sales: int

    def name(self, lang: str) -> str | None:
        """The region's name in ``lang``; None for abroad or an unknown city (the page says so)."""
        region = regions().get(self.code)
        return region.name(lang) if region else None


@dataclass
class Figures:
    """A period's figures, in total and per bucket."""

    period: Period
    buckets: list[Bucket]
    products: list[ProductRow] = field(default_factory=list)
    regions: list[RegionRow] = field(default_factory=list)
    #: Platform only: cooperatives waiting for a decision.
    waiting: int = 0

    def total(self, name: str) -> int:
        """The sum of a bucket figure over the period."""
        return sum(getattr(bucket, name) for bucket in self.buckets)

    @property
    def sales(self) -> int:
        """Products sold (gross), from the ledger's sale entries."""
        return self.total("sales")

    @property
    def refunds(self) -> int:
        """Products' gross refunded, from the ledger's refund entries."""
        return self.total("refunds")

    @property
    def fund(self) -> int:
        """Raised for the community fund, after refunds."""
        return self.total("fund")

    @property
    def orders(self) -> int:
        """Orders whose money came in during the period."""
        return self.total("orders")

    @property
    def units(self) -> int:
        """Units in those orders."""
        return self.total("units")


# ------------------------------------------------------------------ queries


def _ledger(figures: Figures, cooperative_id: int | None) -> None:
    """Sales, refunds, fund, commission and payouts per bucket: one query."""
    p = figures.period
    accounts = (*GOODS, ledger.IN_TRANSIT)
    kinds = (*SALE_KINDS, ledger.REFUND, *PAYOUT_KINDS)
    inner = (
        select(
            p.bucket(JournalEntry.created_at).label("bucket"),
            JournalEntry.kind.label("kind"),
            JournalLine.account.label("account"),
            JournalLine.amount_cents.label("amount"),
        )
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(p.within(JournalEntry.created_at), JournalEntry.kind.in_(kinds))
    )
    if cooperative_id is None:
        inner = inner.where(JournalLine.account.in_(accounts))
    else:
        # Commission lines name the parcel, not the cooperative: go through it.
        inner = inner.join(Shipment, Shipment.id == JournalLine.shipment_id).where(
            Shipment.cooperative_id == cooperative_id, JournalLine.account.in_(GOODS)
        )
    rows = inner.subquery()
    for index, kind, account, total in db.session.execute(
        select(rows.c.bucket, rows.c.kind, rows.c.account, func.sum(rows.c.amount)).group_by(
            rows.c.bucket, rows.c.kind, rows.c.account
        )
    ):
        bucket, amount = figures.buckets[int(index)], int(total)
        if account == ledger.IN_TRANSIT:
            # Created credits transit (negative), a failure debits it back, paid debits it.
            if kind == ledger.PAYOUT_PAID:
                bucket.paid += amount
            else:
                bucket.payouts -= amount
            continue
        if kind in SALE_KINDS:
            bucket.sales -= amount  # credits: negative
        elif kind == ledger.REFUND:
            bucket.refunds += amount  # debits: positive (a failed refund's reversal negative)
        else:
            continue
        if account in FUND:
            bucket.fund -= amount
        if account == ledger.COMMISSION:
            bucket.commission -= amount


def _sold(p: Period, cooperative_id: int | None) -> Any:
    """The parcels whose money came in during the period, with when (a subquery)."""
    query = (
        select(
            JournalLine.shipment_id.label("shipment_id"),
            func.min(JournalEntry.created_at).label("sold_at"),
        )
        .select_from(JournalLine)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalEntry.kind.in_(SALE_KINDS),
            p.within(JournalEntry.created_at),
            JournalLine.shipment_id.is_not(None),
        )
        .group_by(JournalLine.shipment_id)
    )
    if cooperative_id is not None:
        query = query.where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account.in_(ledger.PENDING_ACCOUNTS),
        )
    return query.subquery()


def _orders_and_units(figures: Figures, sold: Any) -> None:
    """Orders (counted once, in the bucket of their first sale) and units per bucket: two queries."""
    p = figures.period
    first = (
        select(Shipment.order_id.label("order_id"), func.min(sold.c.sold_at).label("sold_at"))
        .select_from(Shipment)
        .join(sold, sold.c.shipment_id == Shipment.id)
        .group_by(Shipment.order_id)
        .subquery()
    )
    orders = select(p.bucket(first.c.sold_at).label("bucket")).subquery()
    for index, count in db.session.execute(
        select(orders.c.bucket, func.count()).group_by(orders.c.bucket)
    ):
        figures.buckets[int(index)].orders = int(count)
    units = (
        select(
            p.bucket(sold.c.sold_at).label("bucket"),
            OrderLine.quantity.label("quantity"),
        )
        .select_from(OrderLine)
        .join(sold, sold.c.shipment_id == OrderLine.shipment_id)
        .subquery()
    )
    for index, total in db.session.execute(
        select(units.c.bucket, func.sum(units.c.quantity)).group_by(units.c.bucket)
    ):
        figures.buckets[int(index)].units = int(total)


def _products(sold: Any, limit: int = TOP_PRODUCTS) -> list[ProductRow]:
    """The best-selling products by gross: one query."""
    gross = func.sum(OrderLine.gross_cents)
    rows = db.session.execute(
        select(
            OrderLine.product_id,
            func.max(OrderLine.name_ar),
            func.max(OrderLine.name_fr),
            func.max(OrderLine.name_en),
            func.max(OrderLine.sku),
            func.sum(OrderLine.quantity),
            gross,
            func.count(func.distinct(OrderLine.order_id)),
        )
        .select_from(OrderLine)
        .join(sold, sold.c.shipment_id == OrderLine.shipment_id)
        .group_by(OrderLine.product_id)
        .order_by(gross.desc(), OrderLine.product_id)
        .limit(limit)
    )
    return [
        ProductRow(
            product_id,
            {"ar": ar or "", "fr": fr or "", "en": en or sku or ""},
            int(units),
            int(sales),
            int(orders),
        )
        for product_id, ar, fr, en, sku, units, sales, orders in rows
    ]


def region_of(canonical: Any, typed: Any, country: Any) -> ColumnElement[int]:
    """A buyer's region code in SQL: from the city the order was recognised as.

    Orders older than the recognised city carry the typed one only; its
    French, Arabic or English spelling is matched as written (``orders.cities``).
    """
    known: dict[str, int] = {}
    for city in cities():
        for name in (city.name_fr, city.name_ar, city.name_en):
            known.setdefault(name, city.region_code)
    return case(
        (country != "MA", ABROAD),
        else_=case(known, value=canonical, else_=case(known, value=typed, else_=UNKNOWN)),
    )


def _regions(sold: Any) -> list[RegionRow]:
    """Orders and sales by the buyers' region: one query."""
    lines = (
        select(
            region_of(Order.city_canonical, Order.city, Order.country).label("region"),
            OrderLine.order_id.label("order_id"),
            OrderLine.gross_cents.label("gross"),
        )
        .select_from(OrderLine)
        .join(sold, sold.c.shipment_id == OrderLine.shipment_id)
        .join(Order, Order.id == OrderLine.order_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            lines.c.region,
            func.count(func.distinct(lines.c.order_id)),
            func.sum(lines.c.gross),
        ).group_by(lines.c.region)
    )
    found = [RegionRow(int(code), int(orders), int(sales)) for code, orders, sales in rows]
    return sorted(found, key=lambda row: (-row.sales, row.code))


def _new(p: Period) -> Figures:
    return Figures(p, [Bucket(first, last) for first, last in p.spans])


def cooperative_figures(cooperative_id: int, days: int, today: date | None = None) -> Figures:
    """One cooperative's sales over the last ``days`` days: six queries."""
    figures = _new(period(days, today))
    _ledger(figures, cooperative_id)
    sold = _sold(figures.period, cooperative_id)
    _orders_and_units(figures, sold)
    figures.products = _products(sold)
    figures.regions = _regions(sold)
    return figures


def platform_figures(days: int, today: date | None = None) -> Figures:
    """The whole platform's sales, payouts and waiting applications: seven queries."""
    figures = _new(period(days, today))
    _ledger(figures, None)
    sold = _sold(figures.period, None)
    _orders_and_units(figures, sold)
    figures.products = _products(sold)
    figures.regions = _regions(sold)
    figures.waiting = int(
        db.session.scalar(
            select(func.count(Cooperative.id)).where(
                Cooperative.status == CooperativeStatus.PENDING
            )
        )
        or 0
    )
    return figures


# ------------------------------------------------------------------ cash on delivery


#: Where the "cod" work puts ``cod_rates_by_week(weeks)`` (the first found is used).
@dataclass(frozen=True)
class CodWeek:
    """One week of cash-on-delivery orders: how many were confirmed and refused, as ratios."""

    label: str
    confirmed: float | None
    refused: float | None


def cod_rates(weeks: int = 12) -> list[CodWeek]:
    """Cash-on-delivery confirmation and refusal rates per week (``orders.cod.rates_by_week``)."""
    from orders.cod import rates_by_week

    return [
        CodWeek(row.week.isoformat(), row.confirmation_rate, row.refusal_rate)
        for row in rates_by_week(weeks)
    ]
