"""The double-entry ledger: every centime that moves, as balanced, immutable entries.

Accounts are named by code (below). A line's ``amount_cents`` is positive for
a debit and negative for a credit, so an entry balances when its lines sum to
zero and the whole ledger always sums to zero. Balances are sums of lines,
never stored numbers. This module knows no domain: a line may name the
cooperative, order and shipment it concerns by id, which is what statements,
payouts and ``ledger check`` group by.

Each entry has a unique ``key`` naming the event that caused it
("card:order:12", "release:shipment:5", …): posting the same event twice is
refused by the database and skipped by ``post``, so replays change nothing.
Entries are written in the same transaction as their event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    CompoundSelect,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    and_,
    event,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.extensions import Model, db
from shop.models import among, utcnow

# ------------------------------------------------------------------ accounts
#: Money collected from shoppers and held by the platform (Stripe balance,
#: cash remitted by carriers) until it is refunded, paid out or spent on fees.
CLEARING = "customer.clearing"
#: The platform's revenue.
COMMISSION = "platform.commission"
#: Card and cash-on-delivery fees, an expense the platform bears.
FEES = "platform.fees"
#: Discount codes the platform funds, an expense the platform bears: debited
#: at each sale by what the shopper did not pay, credited back by refunds, so
#: the cooperatives' accounts get the undiscounted parts.
DISCOUNTS = "platform.discounts"
#: Refunds owed to shoppers until the money leaves.
REFUNDS = "refunds"
#: Payouts created and not yet confirmed paid (or failed).
IN_TRANSIT = "payouts.in_transit"
#: A cooperative's producer revenue: pending until delivery plus the hold,
#: then payable.
COOP_REVENUE_PENDING = "coop.revenue.pending"
COOP_REVENUE = "coop.revenue.payable"
#: What shoppers paid for a cooperative's parcels.
COOP_SHIPPING_PENDING = "coop.shipping.pending"
COOP_SHIPPING = "coop.shipping.payable"
#: The fair-trade premium: the cooperative's community fund.
COOP_FUND_PENDING = "coop.fund.pending"
COOP_FUND = "coop.fund.payable"

PENDING_ACCOUNTS = (COOP_REVENUE_PENDING, COOP_SHIPPING_PENDING, COOP_FUND_PENDING)
PAYABLE_ACCOUNTS = (COOP_REVENUE, COOP_SHIPPING, COOP_FUND)
#: pending account → the payable account it is released to.
RELEASES_TO = dict(zip(PENDING_ACCOUNTS, PAYABLE_ACCOUNTS, strict=True))
COOPERATIVE_ACCOUNTS = PENDING_ACCOUNTS + PAYABLE_ACCOUNTS
PLATFORM_ACCOUNTS = (CLEARING, COMMISSION, FEES, DISCOUNTS, REFUNDS, IN_TRANSIT)
ACCOUNTS = PLATFORM_ACCOUNTS + COOPERATIVE_ACCOUNTS

# ------------------------------------------------------------------ entry kinds
SALE_CARD = "sale.card"  # a card payment confirmed
SALE_CASH = "sale.cash"  # a parcel's cash remitted by the carrier
RELEASE = "release"  # delivered and the hold elapsed: pending → payable
REFUND = "refund"  # the refunded lines' parts reversed
REFUND_PAID = "refund.paid"  # the refund's money left (Stripe refund, cash handed back)
PAYOUT_CREATED = "payout.created"
PAYOUT_PAID = "payout.paid"
PAYOUT_FAILED = "payout.failed"  # the money returns to the balance
CARD_FEE = "fee.card"
CASH_FEE = "fee.cash"
KINDS = (
    SALE_CARD,
    SALE_CASH,
    RELEASE,
    REFUND,
    REFUND_PAID,
    PAYOUT_CREATED,
    PAYOUT_PAID,
    PAYOUT_FAILED,
    CARD_FEE,
    CASH_FEE,
)


class UnbalancedEntry(ValueError):
    """An entry whose debits and credits differ: never written."""


class JournalEntry(Model):
    """One event's movement of money; its lines sum to zero."""

    __tablename__ = "journal_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Names the event; unique, so an event is posted at most once.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    memo: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[JournalLine]] = relationship(
        back_populates="entry", order_by="JournalLine.id"
    )


class JournalLine(Model):
    """A debit (positive) or credit (negative) to one account."""

    __tablename__ = "journal_line"
    __table_args__ = (Index("ix_journal_line_account_cooperative", "account", "cooperative_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    account: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int] = mapped_column(Integer)
    #: What the line concerns (ids only: the ledger imports no domain).
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipment.id"), index=True)

    entry: Mapped[JournalEntry] = relationship(back_populates="lines")


@event.listens_for(JournalEntry, "before_update")
@event.listens_for(JournalEntry, "before_delete")
@event.listens_for(JournalLine, "before_update")
@event.listens_for(JournalLine, "before_delete")
def _immutable(_mapper: Any, _connection: Any, _target: Any) -> None:
    raise ValueError("journal entries are never changed; post a reversing entry")


@dataclass(frozen=True)
class Leg:
    """One line of an entry to post."""

    account: str
    amount: int
    cooperative_id: int | None = None
    order_id: int | None = None
    shipment_id: int | None = None


def debit(account: str, amount: int, **refs: int | None) -> Leg:
    """A debit of ``amount`` centimes."""
    return Leg(account, amount, **refs)


def credit(account: str, amount: int, **refs: int | None) -> Leg:
    """A credit of ``amount`` centimes."""
    return Leg(account, -amount, **refs)


def _checked(legs: Iterable[Leg]) -> list[Leg]:
    kept = []
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise TypeError("ledger amounts are integer centimes")
        if leg.account not in ACCOUNTS:
            raise ValueError(f"unknown account {leg.account!r}")
        if leg.account in COOPERATIVE_ACCOUNTS and leg.cooperative_id is None:
            raise ValueError(f"{leg.account} needs a cooperative")
        if leg.amount:
            kept.append(leg)
    if sum(leg.amount for leg in kept) != 0:
        raise UnbalancedEntry(f"debits and credits differ by {sum(leg.amount for leg in kept)}")
    return kept


def posted(key: str) -> bool:
    """True when the event ``key`` is already in the ledger."""
    return db.session.scalar(select(JournalEntry.id).where(JournalEntry.key == key)) is not None


def post(
    key: str, kind: str, legs: Iterable[Leg], memo: str = "", when: datetime | None = None
) -> JournalEntry | None:
    """Write a balanced entry for event ``key``; None (and nothing written) if it exists.

    Zero legs are dropped; an entry with no money at all is still written, so
    the event counts as posted. Raises UnbalancedEntry when the legs do not
    sum to zero. Flushes; the caller commits with its event.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    kept = _checked(legs)
    if posted(key):
        return None
    entry = JournalEntry(key=key, kind=kind, memo=memo, created_at=when or utcnow())
    entry.lines = [
        JournalLine(
            account=leg.account,
            amount_cents=leg.amount,
            cooperative_id=leg.cooperative_id,
            order_id=leg.order_id,
            shipment_id=leg.shipment_id,
        )
        for leg in kept
    ]
    db.session.add(entry)
    db.session.flush()
    return entry


def post_many(
    entries: Sequence[tuple[str, str, Sequence[Leg]]], memo: str = "", when: datetime | None = None
) -> int:
    """Post many new entries with bulk INSERTs (payout runs, releases); return how many.

    Each is checked like ``post``; keys already posted are skipped. The lines
    go in one COPY on PostgreSQL (``_insert_lines``).
    """
    checked = [(key, kind, _checked(legs)) for key, kind, legs in entries]
    for _key, kind, _legs in checked:
        if kind not in KINDS:
            raise ValueError(f"unknown entry kind {kind!r}")
    keys = [key for key, _kind, _legs in checked]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing.update(
            db.session.scalars(
                select(JournalEntry.key).where(JournalEntry.key.in_(keys[start : start + 500]))
            )
        )
    fresh = [item for item in checked if item[0] not in existing]
    if not fresh:
        return 0
    now = when or utcnow()
    ids = dict(
        db.session.execute(
            insert(JournalEntry).returning(
                JournalEntry.key, JournalEntry.id, sort_by_parameter_order=True
            ),
            [{"key": key, "kind": kind, "memo": memo, "created_at": now} for key, kind, _ in fresh],
        ).all()
    )
    _insert_lines(
        [
            (
                ids[key],
                leg.account,
                leg.amount,
                leg.cooperative_id,
                leg.order_id,
                leg.shipment_id,
            )
            for key, _kind, legs in fresh
            for leg in legs
        ]
    )
    return len(fresh)


LINE_COLUMNS = ("entry_id", "account", "amount_cents", "cooperative_id", "order_id", "shipment_id")


def _insert_lines(rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert journal lines given as tuples in ``LINE_COLUMNS`` order.

    On PostgreSQL with psycopg, one COPY in the session's transaction: the
    rows stream without a bound parameter each (the same constraints, foreign
    keys and indexes apply). Elsewhere one executemany INSERT.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        driver = connection.connection.driver_connection
        assert driver is not None  # a checked-out connection has its driver's
        columns = ", ".join(LINE_COLUMNS)
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY journal_line ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    db.session.execute(
        insert(JournalLine), [dict(zip(LINE_COLUMNS, row, strict=True)) for row in rows]
    )


#: Most events per ``post_select`` call: their entries' ids go in an IN (…) list.
CHUNK = 1000


def post_select(
    kind: str,
    keys: Select[Any] | CompoundSelect[Any],
    lines: Select[Any] | CompoundSelect[Any],
    memo: str = "",
    when: datetime | None = None,
) -> int:
    """Post one entry per key that ``keys`` selects, with the lines ``lines`` selects, in SQL.

    For runs over thousands of events (releases, payouts): the rows never pass
    through Python, two INSERT … SELECT statements write them. ``keys``
    selects one column, the events' keys (at most ``CHUNK`` of them);
    ``lines`` selects ``key, account, amount_cents, cooperative_id, order_id,
    shipment_id``, one row per leg (debit positive). As with ``post``: keys
    already posted are skipped with their lines, zero legs are dropped, an
    event without money still gets its entry. The new entries are then
    checked in the database like ``post`` checks its legs: UnbalancedEntry
    when one does not sum to zero, ValueError for an unknown account or a
    cooperative account without a cooperative (the caller rolls back). Returns
    how many entries were posted.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    wanted = keys.subquery()
    key = wanted.c[0]
    entry_ids = db.session.scalars(
        insert(JournalEntry)
        .from_select(
            ["key", "kind", "memo", "created_at"],
            select(key, literal(kind), literal(memo), literal(when or utcnow(), DateTime)).where(
                ~exists().where(JournalEntry.key == key)
            ),
        )
        .returning(JournalEntry.id)
    ).all()
    if not entry_ids:
        return 0
    legs = lines.subquery()
    db.session.execute(
        insert(JournalLine).from_select(
            list(LINE_COLUMNS),
            select(
                JournalEntry.id,
                legs.c.account,
                legs.c.amount_cents,
                legs.c.cooperative_id,
                legs.c.order_id,
                legs.c.shipment_id,
            )
            .join(JournalEntry, JournalEntry.key == legs.c.key)
            .where(among(JournalEntry.id, entry_ids), legs.c.amount_cents != 0),
        )
    )
    _check_entries(entry_ids)
    return len(entry_ids)


def _check_entries(entry_ids: Sequence[int]) -> None:
    """What ``_checked`` refuses, looked for among the lines of entries already written."""
    unbalanced = db.session.execute(
        select(JournalEntry.key, func.sum(JournalLine.amount_cents))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .where(among(JournalEntry.id, entry_ids))
        .group_by(JournalEntry.id, JournalEntry.key)
        .having(func.sum(JournalLine.amount_cents) != 0)
        .limit(1)
    ).first()
    if unbalanced is not None:
        raise UnbalancedEntry(f"{unbalanced[0]}: debits and credits differ by {unbalanced[1]}")
    wrong = db.session.scalar(
        select(JournalLine.account)
        .where(
            among(JournalLine.entry_id, entry_ids),
            or_(
                JournalLine.account.not_in(ACCOUNTS),
                and_(
                    JournalLine.account.in_(COOPERATIVE_ACCOUNTS),
                    JournalLine.cooperative_id.is_(None),
                ),
            ),
        )
        .limit(1)
    )
    if wrong is not None:
        raise ValueError(f"{wrong}: an unknown account, or a cooperative account without one")


# ------------------------------------------------------------------ reading


def balance(account: str, cooperative_id: int | None = None, **where: Any) -> int:
    """The sum of an account's lines (debit positive), optionally for one cooperative."""
    query = select(func.coalesce(func.sum(JournalLine.amount_cents), 0)).where(
        JournalLine.account == account
    )
    if cooperative_id is not None:
        query = query.where(JournalLine.cooperative_id == cooperative_id)
    for name, value in where.items():
        query = query.where(getattr(JournalLine, name) == value)
    # An aggregate without GROUP BY returns exactly one row.
    return int(db.session.execute(query).scalar_one())


def balances(cooperative_ids: Iterable[int] | None = None) -> dict[tuple[str, int | None], int]:
    """Every account's balance, keyed by (account, cooperative id), in one query."""
    query = select(
        JournalLine.account, JournalLine.cooperative_id, func.sum(JournalLine.amount_cents)
    ).group_by(JournalLine.account, JournalLine.cooperative_id)
    if cooperative_ids is not None:
        query = query.where(JournalLine.cooperative_id.in_(list(cooperative_ids)))
    return {(account, coop): int(total) for account, coop, total in db.session.execute(query)}


def cooperative_balances(cooperative_id: int) -> dict[str, int]:
    """What the platform owes one cooperative, per account, as positive numbers."""
    found = balances([cooperative_id])
    return {account: -found.get((account, cooperative_id), 0) for account in COOPERATIVE_ACCOUNTS}


def shipment_balances(
    accounts: Sequence[str], shipment_ids: Iterable[int]
) -> dict[int, dict[str, int]]:
    """``{shipment id: {account: balance}}`` for the given accounts (debit positive)."""
    ids = list(shipment_ids)
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for start in range(0, len(ids), 500):
        for shipment_id, account, total in db.session.execute(
            select(JournalLine.shipment_id, JournalLine.account, func.sum(JournalLine.amount_cents))
            .where(
                JournalLine.shipment_id.in_(ids[start : start + 500]),
                JournalLine.account.in_(accounts),
            )
            .group_by(JournalLine.shipment_id, JournalLine.account)
        ):
            # Never None: the query keeps only the shipment ids asked for.
            found[cast(int, shipment_id)][account] = int(total)
    return found


def kind_totals(
    account: str,
    kinds: Sequence[str],
    cooperative_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> int:
    """The sum of ``account``'s lines in entries of ``kinds`` (debit positive)."""
    query = (
        select(func.coalesce(func.sum(JournalLine.amount_cents), 0))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.account == account, JournalEntry.kind.in_(kinds))
    )
    if cooperative_id is not None:
        query = query.where(JournalLine.cooperative_id == cooperative_id)
    if since is not None:
        query = query.where(JournalEntry.created_at >= since)
    if until is not None:
        query = query.where(JournalEntry.created_at < until)
    # An aggregate without GROUP BY returns exactly one row.
    return int(db.session.execute(query).scalar_one())


def integrity_problems() -> list[str]:
    """Entries that do not balance, lines of unknown accounts, a ledger not summing to zero."""
    problems = []
    unbalanced = db.session.execute(
        select(JournalEntry.key, func.sum(JournalLine.amount_cents))
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.key)
        .having(func.sum(JournalLine.amount_cents) != 0)
    ).all()
    problems += [f"entry {key} does not balance: off by {total}" for key, total in unbalanced]
    unknown = db.session.scalars(
        select(JournalLine.account).distinct().where(JournalLine.account.not_in(ACCOUNTS))
    ).all()
    problems += [f"unknown account {name}" for name in unknown]
    total = db.session.scalar(select(func.coalesce(func.sum(JournalLine.amount_cents), 0)))
    if total:
        problems.append(f"the ledger sums to {total}, not zero")
    return problems
