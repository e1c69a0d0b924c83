"""A cooperative's money as the ledger tells it: balances, order splits, monthly statements.

Everything here reads ``shop.money.ledger`` (balances are sums of journal lines,
never stored numbers) and the frozen parts of the order lines; nothing is
written except what ``orders.accounting.release_due`` releases.
"""

from __future__ import annotations

from bisect import bisect_left
from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager

from orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundStatus,
    Shipment,
    ShipmentStatus,
)
from producers.money.models import Payout, PayoutStatus
from shop import clock
from shop.extensions import db
from shop.money import ledger
from shop.money.ledger import JournalEntry, JournalLine
from shop.params import MAX_ID, parse_int

#: Years a statement or a distribution may be asked for (anything else is 404).
FIRST_YEAR, LAST_YEAR = 2000, 2100

# ------------------------------------------------------------------ periods


def local_now() -> datetime:
    """Now, in Casablanca (``shop.clock``: the tzdata package's rules)."""
    return clock.now()


def to_local(value: datetime) -> datetime:
    """A naive UTC timestamp (as stored) in Casablanca time."""
    return clock.to_local(value)


def period_bounds(year: int, month: int | None = None) -> tuple[datetime, datetime]:
    """The naive UTC ``[start, end)`` of a Casablanca calendar month (or whole year).

    Raises ValueError for a month outside 1..12 or a year outside the supported range.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR or (month is not None and not 1 <= month <= 12):
        raise ValueError("no such period")
    return clock.month_bounds(year, month)


def months_with_activity(cooperative_id: int) -> list[date]:
    """The first day of each month from the cooperative's first ledger line to now, newest first."""
    first = db.session.scalar(
        select(func.min(JournalEntry.created_at))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(JournalLine.cooperative_id == cooperative_id)
    )
    if first is None:
        return []
    start, now = to_local(first), local_now()
    months = []
    year, month = start.year, start.month
    while (year, month) <= (now.year, now.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months[::-1]


# ------------------------------------------------------------------ balance


@dataclass(frozen=True)
class Balance:
    """What the platform owes a cooperative, by account, in centimes."""

    revenue_pending: int = 0
    shipping_pending: int = 0
    revenue_payable: int = 0
    shipping_payable: int = 0
    fund_pending: int = 0
    fund_payable: int = 0
    #: Payouts created and not yet confirmed paid.
    in_transit: int = 0
    #: Every payout confirmed paid, ever.
    paid: int = 0

    @property
    def pending(self) -> int:
        """Producer revenue and shipping waiting for delivery and the hold."""
        return self.revenue_pending + self.shipping_pending

    @property
    def payable(self) -> int:
        """Producer revenue and shipping the next payout includes."""
        return self.revenue_payable + self.shipping_payable

    @property
    def fund(self) -> int:
        """The whole community fund still owed (pending and available)."""
        return self.fund_pending + self.fund_payable


def balance(cooperative_id: int) -> Balance:
    """The cooperative's balances, from the ledger, in two queries."""
    found = ledger.balances([cooperative_id])

    def owed(account: str) -> int:
        # Cooperative accounts hold credits (negative sums): owed is the opposite.
        return -found.get((account, cooperative_id), 0)

    return Balance(
        revenue_pending=owed(ledger.COOP_REVENUE_PENDING),
        shipping_pending=owed(ledger.COOP_SHIPPING_PENDING),
        revenue_payable=owed(ledger.COOP_REVENUE),
        shipping_payable=owed(ledger.COOP_SHIPPING),
        fund_pending=owed(ledger.COOP_FUND_PENDING),
        fund_payable=owed(ledger.COOP_FUND),
        in_transit=owed(ledger.IN_TRANSIT),
        paid=ledger.kind_totals(
            ledger.IN_TRANSIT, [ledger.PAYOUT_PAID], cooperative_id=cooperative_id
        ),
    )


# ------------------------------------------------------------------ order splits

#: Where a parcel's money stands.
PENDING, PAYABLE, IN_TRANSIT, PAID_OUT, CANCELLED = (
    "pending",
    "payable",
    "in_transit",
    "paid_out",
    "cancelled",
)


@dataclass(frozen=True)
class OrderSplit:
    """One parcel's sale as the cooperative sees it (frozen parts of its lines)."""

    shipment: Shipment
    gross: int
    commission: int
    premium: int
    producer: int
    shipping: int
    #: Given back to the shopper for this parcel (items and shipping), refunds that did not fail.
    refunded: int
    #: The producer revenue those refunds took back.
    refunded_producer: int
    state: str

    @property
    def order(self) -> Order:
        """The parcel's order (loaded with it)."""
        return self.shipment.order


def splits_query(cooperative_id: int) -> Select:
    """The cooperative's parcels that carry money, newest order first.

    A card order counts once paid; a cash-on-delivery parcel once the shopper
    confirmed the order, unless it was cancelled or refused at the door.
    Unpaid card orders never were sales.
    """
    return (
        select(Shipment)
        .join(Shipment.order)
        .where(
            Shipment.cooperative_id == cooperative_id,
            or_(
                Order.paid_at.is_not(None),
                and_(
                    Order.payment_method == PaymentMethod.COD,
                    Order.status != OrderStatus.AWAITING_CONFIRMATION,
                    Shipment.status.not_in((ShipmentStatus.CANCELLED, ShipmentStatus.REFUSED)),
                ),
            ),
        )
        .order_by(Order.created_at.desc(), Shipment.id.desc())
        .options(contains_eager(Shipment.order))
    )


def order_splits(cooperative_id: int, shipments: Sequence[Shipment]) -> list[OrderSplit]:
    """The split of each parcel, in three queries whatever their number."""
    ids = [s.id for s in shipments]
    if not ids:
        return []
    parts = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                OrderLine.shipment_id,
                func.sum(OrderLine.gross_cents),
                func.sum(OrderLine.commission_cents),
                func.sum(OrderLine.premium_cents),
                func.sum(OrderLine.producer_cents),
            )
            .where(OrderLine.shipment_id.in_(ids))
            .group_by(OrderLine.shipment_id)
        )
    }
    refunds = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                RefundLine.shipment_id,
                func.sum(RefundLine.gross_cents + RefundLine.shipping_cents),
                func.sum(RefundLine.producer_cents),
            )
            .join(Refund, Refund.id == RefundLine.refund_id)
            .where(RefundLine.shipment_id.in_(ids), Refund.status != RefundStatus.FAILED)
            .group_by(RefundLine.shipment_id)
        )
    }
    # A payout run takes everything payable: a parcel released before a payout
    # was created travels with the first such payout that did not fail.
    payouts = db.session.execute(
        select(Payout.created_at, Payout.status)
        .where(Payout.cooperative_id == cooperative_id, Payout.status != PayoutStatus.FAILED)
        .order_by(Payout.created_at, Payout.id)
    ).all()
    created = [row.created_at for row in payouts]

    def state(shipment: Shipment) -> str:
        if shipment.status == ShipmentStatus.CANCELLED:
            return CANCELLED
        if shipment.released_at is None:
            return PENDING
        index = bisect_left(created, shipment.released_at)
        if index == len(payouts):
            return PAYABLE
        return PAID_OUT if payouts[index].status == PayoutStatus.PAID else IN_TRANSIT

    result = []
    for shipment in shipments:
        gross, commission, premium, producer = (
            int(v or 0) for v in parts.get(shipment.id, (0, 0, 0, 0))
        )
        refunded, refunded_producer = (int(v or 0) for v in refunds.get(shipment.id, (0, 0)))
        result.append(
            OrderSplit(
                shipment,
                gross,
                commission,
                premium,
                producer,
                shipment.shipping_cents,
                refunded,
                refunded_producer,
                state(shipment),
            )
        )
    return result


def recent_payouts(cooperative_id: int, limit: int = 50) -> list[Payout]:
    """The cooperative's latest payouts, newest first."""
    return list(
        db.session.scalars(
            select(Payout)
            .where(Payout.cooperative_id == cooperative_id)
            .order_by(Payout.created_at.desc(), Payout.id.desc())
            .limit(limit)
        )
    )


# ------------------------------------------------------------------ statements

#: Statement buckets: what each cooperative account adds to.
BUCKETS = {
    ledger.COOP_REVENUE_PENDING: "pending",
    ledger.COOP_SHIPPING_PENDING: "pending",
    ledger.COOP_REVENUE: "payable",
    ledger.COOP_SHIPPING: "payable",
    ledger.COOP_FUND_PENDING: "fund",
    ledger.COOP_FUND: "fund",
}

#: Movement kinds, named as the statement says them.
SALE, RELEASED, REFUND, REFUND_REVERSED, PAYOUT, PAYOUT_FAILED = (
    "sale",
    "released",
    "refund",
    "refund_reversed",
    "payout",
    "payout_failed",
)
_KINDS = {
    ledger.SALE_CARD: SALE,
    ledger.SALE_CASH: SALE,
    ledger.RELEASE: RELEASED,
    ledger.REFUND: REFUND,
    ledger.PAYOUT_CREATED: PAYOUT,
    ledger.PAYOUT_FAILED: PAYOUT_FAILED,
}


@dataclass(frozen=True)
class Buckets:
    """Amounts owed to the cooperative: pending, payable and community fund (centimes)."""

    pending: int = 0
    payable: int = 0
    fund: int = 0

    def __add__(self, other: Buckets) -> Buckets:
        return Buckets(
            self.pending + other.pending, self.payable + other.payable, self.fund + other.fund
        )

    @property
    def total(self) -> int:
        """Everything owed."""
        return self.pending + self.payable + self.fund

    @classmethod
    def of(cls, amounts: dict[str, int]) -> Buckets:
        """Buckets from ledger sums per account (debit positive)."""
        owed = {"pending": 0, "payable": 0, "fund": 0}
        for account, amount in amounts.items():
            owed[BUCKETS[account]] -= amount
        return cls(**owed)


@dataclass(frozen=True)
class Movement:
    """One ledger entry as it changed the cooperative's buckets."""

    created_at: datetime
    kind: str
    #: The order number, or for a payout the entry's memo (its reference).
    reference: str
    amounts: Buckets


@dataclass(frozen=True)
class Statement:
    """A cooperative's Casablanca calendar month: opening, movements, closing."""

    year: int
    month: int
    start: datetime
    end: datetime
    opening: Buckets
    movements: list[Movement] = field(default_factory=list)
    closing: Buckets = Buckets()

    @property
    def first_day(self) -> date:
        """The month's first day."""
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """The month's last day."""
        return date(self.year, self.month, monthrange(self.year, self.month)[1])

    @property
    def moved(self) -> Buckets:
        """The sum of the month's movements."""
        total = Buckets()
        for movement in self.movements:
            total = total + movement.amounts
        return total


def _buckets_before(cooperative_id: int, moment: datetime) -> Buckets:
    rows = db.session.execute(
        select(JournalLine.account, func.sum(JournalLine.amount_cents))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account.in_(list(BUCKETS)),
            JournalEntry.created_at < moment,
        )
        .group_by(JournalLine.account)
    )
    return Buckets.of({account: int(total) for account, total in rows})


PAYOUT_KINDS = (ledger.PAYOUT_CREATED, ledger.PAYOUT_PAID, ledger.PAYOUT_FAILED)


def _payout_id(key: str) -> int | None:
    """The payout an entry key names ("payout:12:created" → 12)."""
    parts = key.split(":")
    return parse_int(parts[1], max=MAX_ID) if len(parts) > 1 and parts[0] == "payout" else None


def movement_kind(entry_kind: str, key: str) -> str:
    """The statement's word for an entry (a failed refund puts the parts back)."""
    if entry_kind == ledger.REFUND and key.endswith(":failed"):
        return REFUND_REVERSED
    return _KINDS.get(entry_kind, entry_kind)


#: A statement's movement: one entry's lines on one account, with its order's number.
MOVEMENT_COLUMNS = (
    JournalEntry.id,
    JournalEntry.created_at,
    JournalEntry.kind,
    JournalEntry.key,
    JournalEntry.memo,
    Order.number,
    JournalLine.account,
)


def statement(cooperative_id: int, year: int, month: int) -> Statement:
    """The month's statement; ValueError for a month that does not exist.

    Opening and closing balances are read independently of the movements,
    so opening + movements = closing is a real check of the ledger.
    """
    start, end = period_bounds(year, month)
    rows = db.session.execute(
        select(*MOVEMENT_COLUMNS, func.sum(JournalLine.amount_cents))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .outerjoin(Order, Order.id == JournalLine.order_id)
        .where(
            JournalLine.cooperative_id == cooperative_id,
            JournalLine.account.in_(list(BUCKETS)),
            JournalEntry.created_at >= start,
            JournalEntry.created_at < end,
        )
        .group_by(*MOVEMENT_COLUMNS)
        .order_by(JournalEntry.created_at, JournalEntry.id)
    ).all()
    entries: dict[int, tuple] = {}
    amounts: dict[int, dict[str, int]] = {}
    payout_ids: dict[int, int] = {}
    for entry_id, created_at, kind, key, memo, number, account, total in rows:
        entries.setdefault(entry_id, (created_at, movement_kind(kind, key), number or memo))
        per_account = amounts.setdefault(entry_id, {})
        per_account[account] = per_account.get(account, 0) + int(total)
        if kind in PAYOUT_KINDS:
            payout_ids[entry_id] = _payout_id(key)
    # A payout's entry has a leg per parcel it pays: it is named by the payout,
    # not by the orders of those parcels.
    references = (
        {
            p.id: p.reference
            for p in db.session.scalars(
                select(Payout).where(Payout.id.in_({i for i in payout_ids.values() if i}))
            )
        }
        if payout_ids
        else {}
    )
    movements = [
        Movement(
            created_at,
            kind,
            references.get(payout_ids.get(entry_id), reference) or "",
            Buckets.of(amounts[entry_id]),
        )
        for entry_id, (created_at, kind, reference) in entries.items()
    ]
    return Statement(
        year,
        month,
        start,
        end,
        _buckets_before(cooperative_id, start),
        movements,
        _buckets_before(cooperative_id, end),
    )
