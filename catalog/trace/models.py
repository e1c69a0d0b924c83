"""Lots, the members' contributions to them, and their append-only trace events."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from producers.models import Cooperative, Member
from shop.extensions import Model, db
from shop.models import Timestamped, str_enum

from ..exceptions import AppendOnlyError
from ..models import Certification, Variant
from .chain import REQUIRED_KEYS, event_moment, sha256_hex
from .vocabulary import ContributionKind

lot_certification = Table(
    "lot_certification",
    db.metadata,
    Column("lot_id", ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "certification_id", ForeignKey("certification.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Lot(Timestamped, Model):
    """A batch of one variant, with its origin and the members who made it."""

    __tablename__ = "lot"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "code"),
        CheckConstraint("quantity_produced >= 0", name="quantity_produced_not_negative"),
        CheckConstraint(
            "quantity_remaining >= 0 AND quantity_remaining <= quantity_produced",
            name="quantity_remaining_in_range",
        ),
        CheckConstraint(
            "harvest_start IS NULL OR harvest_end IS NULL OR harvest_start <= harvest_end",
            name="harvest_period",
        ),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Copied from the variant's product so the code can be unique per cooperative.
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"), index=True)
    #: The lot number printed on the label (GS1 AI 10); unique within the cooperative.
    code: Mapped[str] = mapped_column(String(20))
    #: Globally unique, URL-safe identifier of the public pages ("tifaout-arg-2507").
    public_id: Mapped[str] = mapped_column(String(120), unique=True)
    #: Units of the variant (bottles, jars, pieces) produced in this lot.
    quantity_produced: Mapped[int] = mapped_column(Integer)
    #: Units still to sell; the orders issue decrements it (FIFO allocation).
    quantity_remaining: Mapped[int] = mapped_column(Integer)
    harvest_start: Mapped[date | None] = mapped_column(Date)
    harvest_end: Mapped[date | None] = mapped_column(Date)
    produced_on: Mapped[date | None] = mapped_column(Date)
    best_before: Mapped[date | None] = mapped_column(Date)
    commune: Mapped[str] = mapped_column(String(120), default="")
    province: Mapped[str] = mapped_column(String(120), default="")
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))

    cooperative: Mapped[Cooperative] = relationship()
    variant: Mapped[Variant] = relationship()
    certifications: Mapped[list[Certification]] = relationship(secondary=lot_certification)
    contributions: Mapped[list[LotContribution]] = relationship(
        back_populates="lot", cascade="all, delete-orphan", order_by="LotContribution.id"
    )
    events: Mapped[list[TraceEvent]] = relationship(
        back_populates="lot", order_by="TraceEvent.sequence"
    )

    @property
    def genesis_hash(self) -> str:
        """The ``prev_hash`` of the first event: binds the chain to this lot."""
        return sha256_hex(f"taawon-lot\n{self.public_id}")

    def __repr__(self) -> str:
        return f"<Lot {self.public_id}>"


class LotContribution(Model):
    """How much one member supplied to (or worked on) a lot; private to the cooperative."""

    __tablename__ = "lot_contribution"
    __table_args__ = (
        UniqueConstraint("lot_id", "member_id", "kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ContributionKind] = mapped_column(str_enum(ContributionKind))
    #: Kilograms or hours, as ``kind`` says.
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 3))

    lot: Mapped[Lot] = relationship(back_populates="contributions")
    member: Mapped[Member] = relationship()


class TraceEvent(Timestamped, Model):
    """One recorded step of a lot's story; append-only and hash-chained."""

    __tablename__ = "trace_event"
    __table_args__ = (
        # Two writers appending at once cannot both take the next number: the
        # chain never forks.
        UniqueConstraint("lot_id", "sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    #: 1, 2, 3… in recording order ("chain broken at event N").
    sequence: Mapped[int] = mapped_column(Integer)
    #: Canonical JSON of everything recorded; the hash covers exactly these bytes.
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: The event this one corrects (its number and hash are in the payload too).
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("trace_event.id"), index=True)

    lot: Mapped[Lot] = relationship(back_populates="events")
    corrects: Mapped[TraceEvent | None] = relationship(remote_side=[id])

    @property
    def data(self) -> dict[str, Any] | None:
        """The recorded content, or None when the stored JSON is unreadable."""
        try:
            value = json.loads(self.payload)
            event_moment(value)
        except (TypeError, ValueError, KeyError):
            return None
        if not isinstance(value, dict) or not value.keys() >= REQUIRED_KEYS:
            return None
        return value

    def computed_hash(self) -> str:
        """sha256 of the previous hash followed by the stored payload."""
        return sha256_hex(self.prev_hash + self.payload)

    def __repr__(self) -> str:
        return f"<TraceEvent {self.lot_id}#{self.sequence}>"


@event.listens_for(TraceEvent, "before_update")
def _refuse_update(mapper, connection, target: TraceEvent) -> None:
    state: Any = inspect(target)
    # A relationship change elsewhere can mark an event dirty without touching
    # its columns; only a real column change is an edit.
    if any(state.attrs[attr.key].history.has_changes() for attr in mapper.column_attrs):
        raise AppendOnlyError("trace events are append-only: record a correction instead")


@event.listens_for(TraceEvent, "before_delete")
def _refuse_delete(mapper, connection, target: TraceEvent) -> None:
    raise AppendOnlyError("trace events are never deleted")
