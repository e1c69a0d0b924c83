"""Reading lots: the public lot, lots on sale, the chain check of stored events, the timeline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from producers.models import Cooperative, CooperativeStatus
from shop.extensions import db, read

from ..models import Product, Unit, Variant
from .chain import ChainStatus, event_moment, verify_events
from .models import Lot, LotContribution, TraceEvent
from .vocabulary import ContributionKind


def verify_chain(lot: Lot, events: Sequence[TraceEvent] | None = None) -> ChainStatus:
    """Recompute every link from the stored rows; say where the chain first breaks."""
    if events is None:
        events = db.session.scalars(
            select(TraceEvent).where(TraceEvent.lot_id == lot.id).order_by(TraceEvent.sequence)
        ).all()
    return verify_events(lot, events)


def public_lot(public_id: str) -> Lot | None:
    """A lot of an approved cooperative, with all its trace page shows."""
    return db.session.scalar(
        select(Lot)
        .join(Lot.cooperative)
        .where(Lot.public_id == public_id, Cooperative.status == CooperativeStatus.APPROVED)
        .options(
            selectinload(Lot.variant)
            .selectinload(Variant.product)
            .selectinload(Product.translations),
            selectinload(Lot.certifications),
            selectinload(Lot.contributions).selectinload(LotContribution.member),
            selectinload(Lot.events),
        )
    )


#: Lots a product's page lists: the newest on sale (a product sold for years
#: may have dozens); the others are counted. Each lot's page stays reachable
#: from its label's QR code.
LOTS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class LotVariant:
    """The size of a lot on sale, as ``variant_label`` reads a ``Variant``."""

    label: str
    unit: Unit
    unit_quantity: int


@dataclass(frozen=True, slots=True)
class LotOnSale:
    """What the product page shows of a lot on sale: its link, code, size and dates."""

    public_id: str
    code: str
    produced_on: date | None
    best_before: date | None
    variant: LotVariant


def lots_on_sale(product: Any) -> tuple[list[LotOnSale], int]:
    """The newest ``LOTS_SHOWN`` lots of the product's active variants with units left,
    and how many such lots there are, in one query.

    Plain columns, read past the ORM (``shop.extensions.read``): loading
    ``Lot`` and ``Variant`` objects cost the product page more than the query.
    """
    rows = read(_lots_on_sale(LOTS_SHOWN), {"product_id": product.id}).all()
    lots = [
        LotOnSale(public_id, code, produced_on, best_before, LotVariant(label, unit, quantity))
        for public_id, code, produced_on, best_before, label, unit, quantity, _total in rows
    ]
    return lots, rows[0][-1] if rows else 0


@cache
def _lots_on_sale(shown: int) -> Select:
    """The statement of ``lots_on_sale`` for ``:product_id``, built once per page size."""
    return (
        select(
            Lot.public_id,
            Lot.code,
            Lot.produced_on,
            Lot.best_before,
            Variant.label,
            Variant.unit,
            Variant.unit_quantity,
            func.count().over(),
        )
        .join(Lot.variant)
        .where(
            Variant.product_id == bindparam("product_id"),
            Variant.active.is_(True),
            Lot.quantity_remaining > 0,
        )
        .order_by(Lot.produced_on.desc().nulls_last(), Lot.id.desc())
        .limit(shown)
    )


@dataclass
class ContributionSummary:
    """What the public may know of a lot's contributors: counts and totals only."""

    members: int = 0
    women: int = 0
    kg_supplied: Decimal = Decimal(0)
    hours_worked: Decimal = Decimal(0)


def contribution_summary(lot: Lot) -> ContributionSummary:
    """Count the contributing members and add up what they brought."""
    summary = ContributionSummary()
    members = {c.member.id: c.member for c in lot.contributions}
    summary.members = len(members)
    summary.women = sum(1 for m in members.values() if m.gender == "female")
    for item in lot.contributions:
        if item.kind == ContributionKind.KG_SUPPLIED:
            summary.kg_supplied += item.amount
        else:
            summary.hours_worked += item.amount
    return summary


@dataclass(frozen=True)
class TimelineEntry:
    """An event as the trace page shows it."""

    event: TraceEvent
    #: False for the event where the chain breaks and every later one.
    verified: bool
    #: Sequence number of the event correcting this one, if any.
    corrected_by: int | None

    @property
    def data(self) -> dict[str, Any] | None:
        """The recorded content (None if unreadable)."""
        return self.event.data

    @property
    def moment(self) -> datetime | None:
        """When it happened (aware), if readable."""
        return event_moment(self.data) if self.data else None


def timeline(events: Sequence[TraceEvent], status: ChainStatus) -> list[TimelineEntry]:
    """Events in the order they happened; those from a break on are marked unverified."""
    corrected_by = {e.corrects_id: e.sequence for e in events if e.corrects_id}
    entries = [
        TimelineEntry(e, status.ok or e.sequence < (status.broken_at or 0), corrected_by.get(e.id))
        for e in events
    ]

    def order(entry: TimelineEntry) -> tuple[bool, datetime, int]:
        # Unreadable events go last, in recording order.
        moment = entry.moment
        return (
            moment is None,
            moment.astimezone(UTC) if moment else datetime.min.replace(tzinfo=UTC),
            entry.event.sequence,
        )

    return sorted(entries, key=order)
