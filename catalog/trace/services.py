"""The named trace operations: create or edit a lot, store evidence, record an event.

Events are never edited: a mistake is fixed by a correction event that
points to the event it corrects (``record_correction``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from producers.models import Cooperative, Member
from shop.extensions import db
from shop.models import utcnow
from shop.storage import Storage, get_private_storage, get_storage, is_public_name

from ..exceptions import TraceError
from ..images import clean_photo, process_image
from ..models import Certification, Variant
from .chain import PAYLOAD_VERSION, canonical_json, decimal_str, offset_str, sha256_hex
from .identifiers import LOT_CODE
from .models import Lot, LotContribution, TraceEvent
from .vocabulary import (
    CBV_BIZ_STEPS,
    LANGS,
    MATERIAL,
    UOMS,
    Action,
    ContributionKind,
    EventType,
    Step,
)

#: Evidence upload limit, overridable by ``EVIDENCE_MAX_BYTES``.
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


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
    #: sha256 of the PDF's (or private photo's) bytes, or a public photo's pixel content address.
    sha256: str
    #: Storage name of the file to show: a web-sized rendition (``img/``) for a
    #: public photo, else ``evidence/...`` in the private area.
    name: str
    #: Seen only by the cooperative's managers and the administrators.
    private: bool = False


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


def _position(
    latitude: Decimal | None,
    longitude: Decimal | None,
    default: tuple[Decimal | None, Decimal | None],
) -> tuple[Decimal | None, Decimal | None]:
    """Checked GPS coordinates, both or neither; ``default`` when neither is given."""
    latitude = _coordinate(latitude, 90)
    longitude = _coordinate(longitude, 180)
    if (latitude is None) != (longitude is None):
        raise TraceError(_l("Give both latitude and longitude, or neither."))
    if latitude is None:
        return default
    return latitude, longitude


def _checked_details(details: LotDetails, cooperative: Cooperative) -> dict[str, Any]:
    if details.quantity_produced < 0:
        raise TraceError(_l("The quantity produced cannot be negative."))
    start, end = details.harvest_start, details.harvest_end
    if start and end and start > end:
        raise TraceError(_l("The harvest cannot end before it starts."))
    if details.produced_on and details.best_before and details.best_before < details.produced_on:
        raise TraceError(_l("The best-before date cannot precede the production date."))
    latitude, longitude = _position(
        details.latitude, details.longitude, (cooperative.latitude, cooperative.longitude)
    )
    return {
        "quantity_produced": details.quantity_produced,
        "harvest_start": details.harvest_start,
        "harvest_end": details.harvest_end,
        "produced_on": details.produced_on,
        "best_before": details.best_before,
        "commune": details.commune.strip() or cooperative.commune,
        "province": details.province.strip() or cooperative.province,
        "latitude": latitude,
        "longitude": longitude,
    }


def _set_links(
    lot: Lot,
    cooperative: Cooperative,
    certifications: Iterable[Certification],
    contributions: Iterable[Contribution],
) -> None:
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


def create_lot(
    cooperative: Cooperative,
    variant: Variant,
    code: str,
    details: LotDetails,
    certifications: Iterable[Certification] = (),
    contributions: Iterable[Contribution] = (),
) -> Lot:
    """Create a lot of ``variant`` for ``cooperative``, which must own it."""
    _check_owner(cooperative, variant.product.cooperative_id)
    code = code.strip().upper()
    if not LOT_CODE.fullmatch(code):
        raise TraceError(_l("A lot code has 1 to 20 letters, digits or dashes."))
    taken = select(Lot.id).where(Lot.cooperative_id == cooperative.id, Lot.code == code)
    if db.session.scalar(taken) is not None:
        raise TraceError(_l("This cooperative already has a lot with this code."))
    fields = _checked_details(details, cooperative)
    lot = Lot(
        cooperative=cooperative,
        variant=variant,
        code=code,
        public_id=_unique_public_id(cooperative.slug, code),
        quantity_remaining=details.quantity_produced,
        **fields,
    )
    _set_links(lot, cooperative, certifications, contributions)
    db.session.add(lot)
    db.session.flush()
    return lot


def update_lot(
    lot: Lot,
    cooperative: Cooperative,
    details: LotDetails,
    certifications: Iterable[Certification] = (),
    contributions: Iterable[Contribution] = (),
) -> Lot:
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


def store_evidence(data: bytes, *, private: bool = False) -> Evidence:
    """Check and store a PDF or photo backing an event.

    PDFs always go to the private area (even public ones are served only by
    the trace route, in a sandbox, never from ``/media/``); so do private
    photos, as one metadata-free JPEG. Public photos are renditions in the
    public media, like product pictures.
    """
    limit = int(current_app.config.get("EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES))
    if len(data) > limit:
        raise TraceError(
            _l("The file is too large (at most %(mb)s MB).", mb=f"{limit / 2**20:.3g}")
        )
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise TraceError(_l("The PDF file is damaged or incomplete."))
        digest = hashlib.sha256(data).hexdigest()
        name = f"evidence/{digest[:2]}/{digest}.pdf"
        get_private_storage().save(name, data)
        return Evidence("pdf", digest, name, private)
    # Photos are re-encoded, their metadata (GPS!) removed.
    if private:
        photo = clean_photo(data, max_bytes=limit)  # ImageError is a UserError too
        digest = hashlib.sha256(photo).hexdigest()
        name = f"evidence/{digest[:2]}/{digest}.jpg"
        get_private_storage().save(name, photo)
        return Evidence("photo", digest, name, True)
    image = process_image(data, get_storage(), max_bytes=limit)
    webp = [r for r in image.renditions if r.fmt == "webp"]
    shown = max((r for r in webp if r.width <= 640), key=lambda r: r.width, default=webp[0])
    return Evidence("photo", image.key, shown.name)


def evidence_storage(name: str) -> Storage | None:
    """The area holding an evidence file named in a recorded event (None: not evidence).

    Only the two shapes ``store_evidence`` writes are accepted, so a route
    serving evidence can never be made to hand out a document.
    """
    if is_public_name(name):
        return get_storage()
    if name.startswith("evidence/"):
        return get_private_storage()
    return None


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
        out.append({"material": item.material, "quantity": decimal_str(quantity), "uom": item.uom})
    return out


def _description(texts: Mapping[str, str]) -> dict[str, str]:
    cleaned = {lang: texts[lang].strip() for lang in LANGS if (texts.get(lang) or "").strip()}
    if not cleaned or set(texts) - set(LANGS):
        raise TraceError(_l("Describe the event in Arabic, French or English."))
    if any(len(text) > 2000 for text in cleaned.values()):
        raise TraceError(_l("A description has at most 2,000 characters."))
    return cleaned


def record_trace_event(
    lot: Lot,
    cooperative: Cooperative,
    *,
    event_type: EventType,
    step: Step,
    occurred_at: datetime,
    description: Mapping[str, str],
    place: Place = Place(),
    action: Action | None = None,
    inputs: Sequence[Quantity] = (),
    outputs: Sequence[Quantity] = (),
    evidence: Evidence | None = None,
    corrects: TraceEvent | None = None,
) -> TraceEvent:
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
    latitude, longitude = _position(place.latitude, place.longitude, (lot.latitude, lot.longitude))
    previous = db.session.scalar(
        select(TraceEvent)
        .where(TraceEvent.lot_id == lot.id)
        .order_by(TraceEvent.sequence.desc())
        .limit(1)
    )
    sequence = previous.sequence + 1 if previous else 1
    content: dict[str, Any] = {
        "v": PAYLOAD_VERSION,
        "lot": lot.public_id,
        "sequence": sequence,
        "type": event_type.value,
        "step": step.value,
        "bizStep": CBV_BIZ_STEPS[step],
        "eventTime": occurred_at.replace(microsecond=0).isoformat(),
        "eventTimeZoneOffset": offset_str(occurred_at),
        "place": {
            "name": place.name.strip() or lot.commune,
            **(
                {"latitude": decimal_str(latitude), "longitude": decimal_str(longitude)}
                if latitude is not None
                else {}
            ),
        },
        "inputs": _quantities(inputs),
        "outputs": _quantities(outputs),
        "description": _description(description),
        "recordedAt": utcnow().replace(microsecond=0).isoformat() + "Z",
    }
    if action is not None:
        content["action"] = Action(action).value
    if evidence is not None:
        content["evidence"] = {
            "kind": evidence.kind,
            "sha256": evidence.sha256,
            "name": evidence.name,
            # Written only when set: earlier payloads (hashed as they are) keep their shape.
            **({"private": True} if evidence.private else {}),
        }
    if corrects is not None:
        content["corrects"] = {"sequence": corrects.sequence, "hash": corrects.hash}
    payload = canonical_json(content)
    prev_hash = previous.hash if previous else lot.genesis_hash
    row = TraceEvent(
        lot=lot,
        sequence=sequence,
        payload=payload,
        prev_hash=prev_hash,
        hash=sha256_hex(prev_hash + payload),
        corrects=corrects,
    )
    db.session.add(row)
    db.session.flush()
    return row


def record_correction(original: TraceEvent, cooperative: Cooperative, **fields: Any) -> TraceEvent:
    """Record the corrected version of ``original`` as a new event pointing to it.

    ``fields`` are those of ``record_trace_event``; the description should
    say what was wrong.
    """
    _check_owner(cooperative, original.lot.cooperative_id)
    already = select(TraceEvent.id).where(TraceEvent.corrects_id == original.id)
    if db.session.scalar(already) is not None:
        raise TraceError(_l("This event was already corrected: correct the correction."))
    return record_trace_event(original.lot, cooperative, corrects=original, **fields)
