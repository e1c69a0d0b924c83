"""Lots, hash-chained trace events (GS1 EPCIS 2.0 shape), QR codes and exports.

A lot is a batch of one variant. Its story is a list of trace events, each
stored as the canonical JSON of what was recorded plus
``hash = sha256(prev_hash + payload)``. Events are never edited: a mistake is
fixed by a correction event that points to the event it corrects. Anyone who
rewrites a stored event or hash breaks the chain, and ``verify_chain`` says
at which event.
"""
from __future__ import annotations

import enum
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import segno
from flask import current_app, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import (CheckConstraint, Column, Date, ForeignKey, Integer, Numeric, String,
                        Table, Text, UniqueConstraint, event, inspect, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

from producers.models import Cooperative, CooperativeStatus, Member
from shop.extensions import db
from shop.models import Timestamped, str_enum, utcnow
from shop.storage import get_storage

from .images import process_image
from .models import Certification, Product, Variant
from .validators import normalize_gtin


class TraceError(ValueError):
    """A refused lot or event operation, with a message for the manager."""

    def __init__(self, message: LazyString) -> None:
        """Keep the (lazy, translatable) user-facing ``message``."""
        super().__init__(message)
        self.message = message


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a recorded trace event."""


# ---------------------------------------------------------------- vocabulary

class EventType(enum.StrEnum):
    """The EPCIS 2.0 event types a cooperative records."""

    OBJECT = "ObjectEvent"
    TRANSFORMATION = "TransformationEvent"


class Action(enum.StrEnum):
    """EPCIS action of an ObjectEvent."""

    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


class Step(enum.StrEnum):
    """What happened to the lot, in the cooperatives' own words."""

    HARVESTING = "harvesting"
    COLLECTING = "collecting"
    DRYING = "drying"
    CRACKING = "cracking"
    ROASTING = "roasting"
    PRESSING = "pressing"
    FILTERING = "filtering"
    SEPARATING = "separating"
    SORTING = "sorting"
    EXTRACTING = "extracting"
    GRINDING = "grinding"
    MIXING = "mixing"
    ROLLING = "rolling"
    DISTILLING = "distilling"
    WEAVING = "weaving"
    SHAPING = "shaping"
    FIRING = "firing"
    BOTTLING = "bottling"
    PACKING = "packing"
    LAB_TEST = "lab_test"
    AUDIT = "audit"
    STORING = "storing"
    SHIPPING = "shipping"


STEP_LABELS: dict[Step, LazyString] = {
    Step.HARVESTING: _l("Harvest"),
    Step.COLLECTING: _l("Collection"),
    Step.DRYING: _l("Drying"),
    Step.CRACKING: _l("Cracking"),
    Step.ROASTING: _l("Roasting"),
    Step.PRESSING: _l("Pressing"),
    Step.FILTERING: _l("Filtering"),
    Step.SEPARATING: _l("Separation"),
    Step.SORTING: _l("Sorting"),
    Step.EXTRACTING: _l("Honey extraction"),
    Step.GRINDING: _l("Grinding"),
    Step.MIXING: _l("Mixing"),
    Step.ROLLING: _l("Rolling"),
    Step.DISTILLING: _l("Distillation"),
    Step.WEAVING: _l("Weaving"),
    Step.SHAPING: _l("Shaping"),
    Step.FIRING: _l("Kiln firing"),
    Step.BOTTLING: _l("Bottling"),
    Step.PACKING: _l("Packing"),
    Step.LAB_TEST: _l("Laboratory test"),
    Step.AUDIT: _l("Certification audit"),
    Step.STORING: _l("Storage"),
    Step.SHIPPING: _l("Shipping"),
}

#: The GS1 CBV 2.0 business step each step is exported as; our finer step
#: travels alongside as ``taawon:step``.
CBV_BIZ_STEPS: dict[Step, str] = {
    Step.HARVESTING: "commissioning",
    Step.COLLECTING: "commissioning",
    Step.BOTTLING: "packing",
    Step.PACKING: "packing",
    Step.LAB_TEST: "inspecting",
    Step.AUDIT: "inspecting",
    Step.STORING: "storing",
    Step.SHIPPING: "shipping",
}

#: UN/ECE Recommendation 20 unit codes accepted for quantities.
UOMS = frozenset({"KGM", "GRM", "LTR", "MLT", "H87"})
UOM_LABELS: dict[str, LazyString] = {
    "KGM": _l("%(qty)s kg"),
    "GRM": _l("%(qty)s g"),
    "LTR": _l("%(qty)s L"),
    "MLT": _l("%(qty)s ml"),
}

#: Material names shown on the trace page; ``lot`` is the lot's own product.
MATERIAL_LOT = "lot"
MATERIALS: dict[str, LazyString] = {
    "argan-fruit": _l("Argan fruit"),
    "argan-nuts": _l("Dried argan nuts"),
    "argan-kernels": _l("Argan kernels"),
    "argan-oil": _l("Argan oil"),
    "crocus-flowers": _l("Saffron crocus flowers"),
    "saffron-stigmas": _l("Saffron stigmas"),
    "honeycomb": _l("Honeycomb frames"),
    "honey": _l("Honey"),
    "almonds": _l("Almonds"),
    "amlou": _l("Amlou paste"),
    "dates": _l("Dates"),
    "olives": _l("Olives"),
    "olive-oil": _l("Olive oil"),
    "grain": _l("Grain"),
    "semolina": _l("Semolina"),
    "couscous": _l("Couscous"),
    "rose-petals": _l("Rose petals"),
    "rose-water": _l("Rose water"),
    "raw-ingredients": _l("Raw ingredients"),
    "wool": _l("Wool"),
    "palm-leaves": _l("Palm leaves"),
    "clay": _l("Clay"),
    "finished-goods": _l("Finished pieces"),
}

LOT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}")  # GS1 AI 10 allows 20 characters
MATERIAL = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
LANGS = ("ar", "fr", "en")
#: Evidence upload limit, overridable by ``EVIDENCE_MAX_BYTES``.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
#: Payload layout version, hashed with the rest, so a later layout can be told apart.
PAYLOAD_VERSION = 1
#: Keys every payload has; a row missing one is unreadable (tampered).
REQUIRED_KEYS = frozenset({"lot", "sequence", "type", "step", "bizStep", "eventTime",
                           "eventTimeZoneOffset", "place", "inputs", "outputs", "description",
                           "recordedAt"})
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
TAAWON_NS = "urn:taawon:voc:"


# ---------------------------------------------------------------- models

lot_certification = Table(
    "lot_certification",
    db.metadata,
    Column("lot_id", ForeignKey("lot.id", ondelete="CASCADE"), primary_key=True),
    Column("certification_id", ForeignKey("certification.id", ondelete="CASCADE"),
           primary_key=True),
)


class Lot(Timestamped, db.Model):
    """A batch of one variant, with its origin and the members who made it."""

    __tablename__ = "lot"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "code"),
        CheckConstraint("quantity_produced >= 0", name="quantity_produced_not_negative"),
        CheckConstraint("quantity_remaining >= 0 AND quantity_remaining <= quantity_produced",
                        name="quantity_remaining_in_range"),
        CheckConstraint("harvest_start IS NULL OR harvest_end IS NULL "
                        "OR harvest_start <= harvest_end", name="harvest_period"),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)",
                        name="longitude"),
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


class ContributionKind(enum.StrEnum):
    """What a member brought to a lot."""

    KG_SUPPLIED = "kg_supplied"
    HOURS_WORKED = "hours_worked"


class LotContribution(db.Model):
    """How much one member supplied to (or worked on) a lot; private to the cooperative."""

    __tablename__ = "lot_contribution"
    __table_args__ = (
        UniqueConstraint("lot_id", "member_id", "kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[ContributionKind] = mapped_column(str_enum(ContributionKind))
    #: Kilograms or hours, as ``kind`` says.
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 3))

    lot: Mapped[Lot] = relationship(back_populates="contributions")
    member: Mapped[Member] = relationship()


class TraceEvent(Timestamped, db.Model):
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
        if not isinstance(value, dict) or not REQUIRED_KEYS <= value.keys():
            return None
        return value

    def computed_hash(self) -> str:
        """sha256 of the previous hash followed by the stored payload."""
        return sha256_hex(self.prev_hash + self.payload)

    def __repr__(self) -> str:
        return f"<TraceEvent {self.lot_id}#{self.sequence}>"


@event.listens_for(TraceEvent, "before_update")
def _refuse_update(mapper, connection, target: TraceEvent) -> None:
    state = inspect(target)
    # A relationship change elsewhere can mark an event dirty without touching
    # its columns; only a real column change is an edit.
    if any(state.attrs[attr.key].history.has_changes() for attr in mapper.column_attrs):
        raise AppendOnlyError("trace events are append-only: record a correction instead")


@event.listens_for(TraceEvent, "before_delete")
def _refuse_delete(mapper, connection, target: TraceEvent) -> None:
    raise AppendOnlyError("trace events are never deleted")


# ---------------------------------------------------------------- value objects

@dataclass(frozen=True)
class LotDetails:
    """The editable facts of a lot (what the workspace form edits)."""

    quantity_produced: int
    harvest_start: date | None = None
    harvest_end: date | None = None
    produced_on: date | None = None
    best_before: date | None = None
    #: Empty origin fields default to the cooperative's.
    commune: str = ""
    province: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class Contribution:
    """A member's share in a lot: kilograms supplied or hours worked."""

    member: Member
    kind: ContributionKind
    amount: Decimal


@dataclass(frozen=True)
class Quantity:
    """An input or output of an event, e.g. 1200 KGM of argan fruit."""

    material: str
    quantity: Decimal
    uom: str


@dataclass(frozen=True)
class Place:
    """Where an event happened; empty fields default to the lot's origin."""

    name: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None


@dataclass(frozen=True)
class Evidence:
    """A stored photo or PDF backing an event, named by its digest."""

    kind: Literal["photo", "pdf"]
    #: sha256 of the PDF's bytes, or the photo's pixel content address.
    sha256: str
    #: Media storage name of the file to show (a web-sized rendition for a photo).
    name: str


@dataclass(frozen=True)
class ChainStatus:
    """The result of checking a lot's hash chain."""

    ok: bool
    #: Sequence number of the first event that fails the check.
    broken_at: int | None = None
    #: Hash of the last event (or the genesis); auditors can keep it to compare later.
    head: str = ""


# ---------------------------------------------------------------- helpers

def sha256_hex(text: str) -> str:
    """Hex sha256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(value: Any) -> str:
    """The one serialisation that is hashed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decimal_str(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros ("1200", "0.5")."""
    return format(value.normalize(), "f")


def offset_str(moment: datetime) -> str:
    """The "+01:00" offset of an aware datetime."""
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def event_moment(data: Mapping[str, Any]) -> datetime:
    """An event's time (aware) from its payload."""
    return datetime.fromisoformat(data["eventTime"])


def _check_owner(cooperative: Cooperative, owner_id: int) -> None:
    if owner_id != cooperative.id:
        raise TraceError(_l("This belongs to another cooperative."))


def _coordinate(value: Decimal | None, limit: int) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value).quantize(Decimal("0.000001"))
    except (InvalidOperation, TypeError) as exc:
        raise TraceError(_l("Coordinates must be numbers.")) from exc
    if not -limit <= number <= limit:
        raise TraceError(_l("Coordinates are out of range."))
    return number


def _checked_details(details: LotDetails, cooperative: Cooperative) -> dict[str, Any]:
    if details.quantity_produced < 0:
        raise TraceError(_l("The quantity produced cannot be negative."))
    start, end = details.harvest_start, details.harvest_end
    if start and end and start > end:
        raise TraceError(_l("The harvest cannot end before it starts."))
    if details.produced_on and details.best_before and details.best_before < details.produced_on:
        raise TraceError(_l("The best-before date cannot precede the production date."))
    latitude = _coordinate(details.latitude, 90)
    longitude = _coordinate(details.longitude, 180)
    if (latitude is None) != (longitude is None):
        raise TraceError(_l("Give both latitude and longitude, or neither."))
    if latitude is None:
        latitude, longitude = cooperative.latitude, cooperative.longitude
    return {
        "quantity_produced": details.quantity_produced,
        "harvest_start": details.harvest_start, "harvest_end": details.harvest_end,
        "produced_on": details.produced_on, "best_before": details.best_before,
        "commune": details.commune.strip() or cooperative.commune,
        "province": details.province.strip() or cooperative.province,
        "latitude": latitude, "longitude": longitude,
    }


def _set_links(lot: Lot, cooperative: Cooperative, certifications: Iterable[Certification],
               contributions: Iterable[Contribution]) -> None:
    certs = list(certifications)
    for cert in certs:
        _check_owner(cooperative, cert.cooperative_id)
    rows = []
    for item in contributions:
        _check_owner(cooperative, item.member.cooperative_id)
        if item.amount <= 0:
            raise TraceError(_l("A contribution must be more than zero."))
        rows.append(LotContribution(member=item.member, kind=item.kind, amount=item.amount))
    if len({(r.member.id, r.kind) for r in rows}) != len(rows):
        raise TraceError(_l("Each member is listed once per kind of contribution."))
    lot.certifications = certs
    lot.contributions = rows


def _unique_public_id(slug: str, code: str) -> str:
    base = f"{slug}-{code}".lower()
    candidate, n = base, 1
    # "a-b" + "c" and "a" + "b-c" would collide: number the later one.
    while db.session.scalar(select(Lot.id).where(Lot.public_id == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


# ---------------------------------------------------------------- lot services

def create_lot(cooperative: Cooperative, variant: Variant, code: str, details: LotDetails,
               certifications: Iterable[Certification] = (),
               contributions: Iterable[Contribution] = ()) -> Lot:
    """Create a lot of ``variant`` for ``cooperative``, which must own it."""
    _check_owner(cooperative, variant.product.cooperative_id)
    code = code.strip().upper()
    if not LOT_CODE.fullmatch(code):
        raise TraceError(_l("A lot code has 1 to 20 letters, digits or dashes."))
    taken = select(Lot.id).where(Lot.cooperative_id == cooperative.id, Lot.code == code)
    if db.session.scalar(taken) is not None:
        raise TraceError(_l("This cooperative already has a lot with this code."))
    fields = _checked_details(details, cooperative)
    lot = Lot(cooperative=cooperative, variant=variant, code=code,
              public_id=_unique_public_id(cooperative.slug, code),
              quantity_remaining=details.quantity_produced, **fields)
    _set_links(lot, cooperative, certifications, contributions)
    db.session.add(lot)
    db.session.flush()
    return lot


def update_lot(lot: Lot, cooperative: Cooperative, details: LotDetails,
               certifications: Iterable[Certification] = (),
               contributions: Iterable[Contribution] = ()) -> Lot:
    """Edit a lot's facts; its code and variant, printed on labels, never change."""
    _check_owner(cooperative, lot.cooperative_id)
    fields = _checked_details(details, cooperative)
    sold = lot.quantity_produced - lot.quantity_remaining
    if details.quantity_produced < sold:
        raise TraceError(_l("More units of this lot have already been sold."))
    for name, value in fields.items():
        setattr(lot, name, value)
    lot.quantity_remaining = details.quantity_produced - sold
    _set_links(lot, cooperative, certifications, contributions)
    db.session.flush()
    return lot


def store_evidence(data: bytes) -> Evidence:
    """Check and store a PDF or photo backing an event."""
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES))
    if len(data) > limit:
        raise TraceError(_l("The file is too large (at most %(mb)s MB).",
                            mb=f"{limit / 2**20:.3g}"))
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise TraceError(_l("The PDF file is damaged or incomplete."))
        digest = hashlib.sha256(data).hexdigest()
        name = f"evidence/{digest[:2]}/{digest}.pdf"
        get_storage().save(name, data)
        return Evidence("pdf", digest, name)
    # Photos go through the image pipeline: re-encoded, metadata (GPS!) removed.
    image = process_image(data, get_storage(), max_bytes=limit)
    webp = [r for r in image.renditions if r.fmt == "webp"]
    shown = max((r for r in webp if r.width <= 640), key=lambda r: r.width, default=webp[0])
    return Evidence("photo", image.key, shown.name)


# ---------------------------------------------------------------- events

def _quantities(items: Sequence[Quantity]) -> list[dict[str, str]]:
    out = []
    for item in items:
        if not MATERIAL.fullmatch(item.material):
            raise TraceError(_l("Unknown material."))
        if item.uom not in UOMS:
            raise TraceError(_l("Unknown unit of measure."))
        try:
            quantity = Decimal(item.quantity)
        except (InvalidOperation, TypeError) as exc:
            raise TraceError(_l("A quantity must be a number.")) from exc
        if not quantity.is_finite() or quantity <= 0:
            raise TraceError(_l("A quantity must be more than zero."))
        if item.uom == "H87" and quantity != quantity.to_integral_value():
            raise TraceError(_l("Pieces are counted in whole numbers."))
        out.append({"material": item.material, "quantity": decimal_str(quantity),
                    "uom": item.uom})
    return out


def _description(texts: Mapping[str, str]) -> dict[str, str]:
    cleaned = {lang: texts[lang].strip() for lang in LANGS if (texts.get(lang) or "").strip()}
    if not cleaned or set(texts) - set(LANGS):
        raise TraceError(_l("Describe the event in Arabic, French or English."))
    if any(len(text) > 2000 for text in cleaned.values()):
        raise TraceError(_l("A description has at most 2,000 characters."))
    return cleaned


def record_trace_event(lot: Lot, cooperative: Cooperative, *, event_type: EventType,
                       step: Step, occurred_at: datetime, description: Mapping[str, str],
                       place: Place = Place(), action: Action | None = None,
                       inputs: Sequence[Quantity] = (), outputs: Sequence[Quantity] = (),
                       evidence: Evidence | None = None,
                       corrects: TraceEvent | None = None) -> TraceEvent:
    """Append an event to ``lot``'s chain; nothing recorded is ever edited."""
    _check_owner(cooperative, lot.cooperative_id)
    if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
        raise TraceError(_l("An event time needs its time-zone offset."))
    if occurred_at.astimezone(UTC) > datetime.now(UTC) + timedelta(minutes=5):
        raise TraceError(_l("An event cannot be in the future."))
    event_type, step = EventType(event_type), Step(step)
    if event_type == EventType.OBJECT:
        if action is None:
            raise TraceError(_l("An object event needs an action."))
        if not inputs and not outputs:
            raise TraceError(_l("Give the quantity this event concerns."))
    else:
        if action is not None:
            raise TraceError(_l("A transformation has no action."))
        if not inputs or not outputs:
            raise TraceError(_l("A transformation needs inputs and outputs."))
    latitude = _coordinate(place.latitude, 90)
    longitude = _coordinate(place.longitude, 180)
    if (latitude is None) != (longitude is None):
        raise TraceError(_l("Give both latitude and longitude, or neither."))
    if latitude is None:
        latitude, longitude = lot.latitude, lot.longitude
    previous = db.session.scalar(
        select(TraceEvent).where(TraceEvent.lot_id == lot.id)
        .order_by(TraceEvent.sequence.desc()).limit(1))
    sequence = previous.sequence + 1 if previous else 1
    content: dict[str, Any] = {
        "v": PAYLOAD_VERSION,
        "lot": lot.public_id,
        "sequence": sequence,
        "type": event_type.value,
        "step": step.value,
        "bizStep": CBV_BIZ_STEPS.get(step, "transforming"),
        "eventTime": occurred_at.replace(microsecond=0).isoformat(),
        "eventTimeZoneOffset": offset_str(occurred_at),
        "place": {"name": place.name.strip() or lot.commune,
                  **({"latitude": decimal_str(latitude), "longitude": decimal_str(longitude)}
                     if latitude is not None else {})},
        "inputs": _quantities(inputs),
        "outputs": _quantities(outputs),
        "description": _description(description),
        "recordedAt": utcnow().replace(microsecond=0).isoformat() + "Z",
    }
    if action is not None:
        content["action"] = Action(action).value
    if evidence is not None:
        content["evidence"] = {"kind": evidence.kind, "sha256": evidence.sha256,
                               "name": evidence.name}
    if corrects is not None:
        content["corrects"] = {"sequence": corrects.sequence, "hash": corrects.hash}
    payload = canonical_json(content)
    prev_hash = previous.hash if previous else lot.genesis_hash
    row = TraceEvent(lot=lot, sequence=sequence, payload=payload, prev_hash=prev_hash,
                     hash=sha256_hex(prev_hash + payload), corrects=corrects)
    db.session.add(row)
    db.session.flush()
    return row


def record_correction(original: TraceEvent, cooperative: Cooperative,
                      **fields: Any) -> TraceEvent:
    """Record the corrected version of ``original`` as a new event pointing to it.

    ``fields`` are those of ``record_trace_event``; the description should
    say what was wrong.
    """
    _check_owner(cooperative, original.lot.cooperative_id)
    already = select(TraceEvent.id).where(TraceEvent.corrects_id == original.id)
    if db.session.scalar(already) is not None:
        raise TraceError(_l("This event was already corrected: correct the correction."))
    return record_trace_event(original.lot, cooperative, corrects=original, **fields)


def verify_chain(lot: Lot, events: Sequence[TraceEvent] | None = None) -> ChainStatus:
    """Recompute every link from the stored rows; say where the chain first breaks."""
    if events is None:
        events = db.session.scalars(select(TraceEvent).where(TraceEvent.lot_id == lot.id)
                                    .order_by(TraceEvent.sequence)).all()
    expected_prev = lot.genesis_hash
    for number, row in enumerate(events, start=1):
        data = row.data
        intact = (
            row.sequence == number  # a deleted event leaves a gap
            and row.prev_hash == expected_prev
            and row.computed_hash() == row.hash
            and data is not None
            and data.get("sequence") == number
            and data.get("lot") == lot.public_id
        )
        if not intact:
            return ChainStatus(False, number, expected_prev)
        expected_prev = row.hash
    return ChainStatus(True, None, expected_prev)


# ---------------------------------------------------------------- reading

def public_lot(public_id: str) -> Lot | None:
    """A lot of an approved cooperative, with all its trace page shows."""
    return db.session.scalar(
        select(Lot).join(Lot.cooperative)
        .where(Lot.public_id == public_id, Cooperative.status == CooperativeStatus.APPROVED)
        .options(
            selectinload(Lot.variant).selectinload(Variant.product)
            .selectinload(Product.translations),
            selectinload(Lot.certifications),
            selectinload(Lot.contributions).selectinload(LotContribution.member),
            selectinload(Lot.events),
        )
    )


def lots_on_sale(product: Product) -> list[Lot]:
    """Lots of the product's active variants with units left, newest first, in one query."""
    return list(db.session.scalars(
        select(Lot).join(Lot.variant)
        .where(Variant.product_id == product.id, Variant.active.is_(True),
               Lot.quantity_remaining > 0)
        .order_by(Lot.produced_on.desc().nulls_last(), Lot.id.desc())
    ))


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
    entries = [TimelineEntry(e, status.ok or e.sequence < (status.broken_at or 0),
                             corrected_by.get(e.id)) for e in events]

    def order(entry: TimelineEntry) -> tuple[bool, datetime, int]:
        # Unreadable events go last, in recording order.
        moment = entry.moment
        return (moment is None, moment.astimezone(UTC) if moment else datetime.min.replace(
            tzinfo=UTC), entry.event.sequence)

    return sorted(entries, key=order)


# ---------------------------------------------------------------- identifiers

def lot_gtin(lot: Lot) -> str | None:
    """The lot's GTIN-14 when its variant has a valid one."""
    if not lot.variant.gtin:
        return None
    try:
        return normalize_gtin(lot.variant.gtin)
    except ValueError:
        return None


def lot_class_uri(lot: Lot) -> str:
    """The EPCIS class of the lot: its canonical GS1 Digital Link, or our URN."""
    gtin = lot_gtin(lot)
    if gtin:
        return f"https://id.gs1.org/01/{gtin}/10/{lot.code}"
    return f"urn:taawon:lot:{lot.public_id}"


def qr_url(lot: Lot) -> str:
    """What the label's QR code says: the Digital Link with a GTIN, else the trace URL."""
    gtin = lot_gtin(lot)
    if gtin:
        return url_for("trace.digital_link", gtin=gtin, code=lot.code, _external=True)
    return url_for("trace.resolve", public_id=lot.public_id, _external=True)


def qr_code(lot: Lot) -> segno.QRCode:
    """The lot's QR code; level M survives a scratched or creased label."""
    return segno.make(qr_url(lot), error="m", micro=False)


def find_lot_by_gtin(gtin: str, code: str) -> Lot | None:
    """Resolve a GS1 Digital Link: ValueError on a bad GTIN, None if unknown."""
    gtin14 = normalize_gtin(gtin)
    return db.session.scalar(
        select(Lot).join(Lot.variant).join(Lot.cooperative)
        .where(Variant.gtin == gtin14, Lot.code == code.upper(),
               Cooperative.status == CooperativeStatus.APPROVED))


# ---------------------------------------------------------------- map

#: The equirectangular projection static/img/morocco.svg is drawn in:
#: west, north edges, pixels per degree, and cos(28.3°) to keep shapes right.
MAP_WEST, MAP_NORTH, MAP_SCALE, MAP_COS = -17.3, 36.0, 20.0, 0.88
MAP_WIDTH, MAP_HEIGHT = 289, 308


def map_point(latitude: Decimal | None, longitude: Decimal | None) -> tuple[float, float] | None:
    """Where a GPS position falls on the static map, or None off the map."""
    if latitude is None or longitude is None:
        return None
    x = (float(longitude) - MAP_WEST) * MAP_SCALE * MAP_COS
    y = (MAP_NORTH - float(latitude)) * MAP_SCALE
    if not (0 <= x <= MAP_WIDTH and 0 <= y <= MAP_HEIGHT):
        return None
    return round(x, 1), round(y, 1)


# ---------------------------------------------------------------- EPCIS export

def _number(text: str) -> int | float:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(value)


def _event_id(row: TraceEvent) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'urn:taawon:event:' + row.hash)}"


def _ilmd(lot: Lot) -> dict[str, Any]:
    dates = {
        "cbvmda:bestBeforeDate": lot.best_before,
        "cbvmda:harvestStartDate": lot.harvest_start,
        "cbvmda:harvestEndDate": lot.harvest_end,
        "taawon:productionDate": lot.produced_on,
    }
    return {
        "cbvmda:lotNumber": lot.code,
        "cbvmda:countryOfOrigin": "MA",
        **{key: value.isoformat() for key, value in dates.items() if value},
        "taawon:commune": lot.commune,
        "taawon:province": lot.province,
        "taawon:quantityProduced": lot.quantity_produced,
    }


def _epcis_event(lot: Lot, row: TraceEvent, data: dict[str, Any],
                 correction: TraceEvent | None) -> dict[str, Any]:
    def elements(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [{
            "epcClass": lot_class_uri(lot) if item["material"] == MATERIAL_LOT
            else f"urn:taawon:lot:{lot.public_id}:{item['material']}",
            "quantity": _number(item["quantity"]),
            "uom": item["uom"],
        } for item in items]

    place = data["place"]
    read_point = (f"geo:{place['latitude']},{place['longitude']}" if "latitude" in place
                  else f"urn:taawon:cooperative:{lot.cooperative.slug}")
    out: dict[str, Any] = {
        "type": data["type"],
        "eventID": _event_id(row),
        "eventTime": data["eventTime"],
        "eventTimeZoneOffset": data["eventTimeZoneOffset"],
    }
    if data["type"] == EventType.OBJECT:
        out["action"] = data["action"]
        out["quantityList"] = elements(data["outputs"] or data["inputs"])
    else:
        out["inputQuantityList"] = elements(data["inputs"])
        out["outputQuantityList"] = elements(data["outputs"])
    out["bizStep"] = data["bizStep"]
    out["readPoint"] = {"id": read_point}
    out["bizLocation"] = {"id": f"urn:taawon:cooperative:{lot.cooperative.slug}"}
    creates_lot = any(item["material"] == MATERIAL_LOT for item in data["outputs"])
    # ILMD is allowed only where objects come into being: ADD or a transformation.
    if creates_lot and (data["type"] == EventType.TRANSFORMATION or data.get("action") == "ADD"):
        out["ilmd"] = _ilmd(lot)
    if correction is not None:
        out["errorDeclaration"] = {
            "declarationTime": correction.data["recordedAt"],
            "reason": "incorrect_data",
            "correctiveEventIDs": [_event_id(correction)],
        }
    out["taawon:step"] = data["step"]
    out["taawon:placeName"] = place["name"]
    out["taawon:description"] = [{"@value": text, "@language": lang}
                                 for lang, text in sorted(data["description"].items())]
    if "evidence" in data:
        out["taawon:evidenceSha256"] = data["evidence"]["sha256"]
    out["taawon:sequence"] = row.sequence
    out["taawon:previousHash"] = row.prev_hash
    out["taawon:hash"] = row.hash
    # The exact hashed bytes, so anyone can recompute the chain from the export.
    out["taawon:record"] = row.payload
    return out


def epcis_document(lot: Lot, events: Sequence[TraceEvent] | None = None) -> dict[str, Any]:
    """The lot's story as an EPCIS 2.0 JSON-LD document."""
    events = list(lot.events if events is None else events)
    corrections = {e.corrects_id: e for e in events if e.corrects_id and e.data}
    status = verify_chain(lot, events)
    readable = [(e, e.data) for e in events if e.data is not None]
    return {
        "@context": [EPCIS_CONTEXT, {"taawon": TAAWON_NS}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": utcnow().replace(microsecond=0).isoformat() + "Z",
        "taawon:lot": lot_class_uri(lot),
        "taawon:chainVerified": status.ok,
        **({"taawon:chainBrokenAt": status.broken_at} if not status.ok else {}),
        "epcisBody": {"eventList": [_epcis_event(lot, e, data, corrections.get(e.id))
                                    for e, data in readable]},
    }
