"""A lot's story as a GS1 EPCIS 2.0 JSON-LD document (GS1's JSON schema is the judge)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from shop.models import utcnow

from .identifiers import lot_class_uri
from .models import Lot, TraceEvent
from .queries import verify_chain
from .vocabulary import MATERIAL_LOT, EventType, cbv_biz_step

#: The versioned context: the unversioned address follows GS1's latest release,
#: which may change what our terms mean.
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
TAAWON_NS = "urn:taawon:voc:"


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


def _epcis_event(
    lot: Lot, row: TraceEvent, data: dict[str, Any], correction: TraceEvent | None
) -> dict[str, Any]:
    def elements(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [
            {
                "epcClass": lot_class_uri(lot)
                if item["material"] == MATERIAL_LOT
                else f"urn:taawon:lot:{lot.public_id}:{item['material']}",
                "quantity": _number(item["quantity"]),
                "uom": item["uom"],
            }
            for item in items
        ]

    place = data["place"]
    read_point = (
        f"geo:{place['latitude']},{place['longitude']}"
        if "latitude" in place
        else f"urn:taawon:cooperative:{lot.cooperative.slug}"
    )
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
    # From the step, not the recorded ``bizStep``: events recorded before every
    # step had a CBV value hold "transforming", which no EPCIS reader accepts
    # (the hashed record keeps what was written, in ``taawon:record``).
    out["bizStep"] = cbv_biz_step(data["step"])
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
    out["taawon:description"] = [
        {"@value": text, "@language": lang} for lang, text in sorted(data["description"].items())
    ]
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
        # A story with no event is not a verified one.
        "taawon:chainVerified": status.verified,
        **({"taawon:chainBrokenAt": status.broken_at} if not status.ok else {}),
        "epcisBody": {
            "eventList": [_epcis_event(lot, e, data, corrections.get(e.id)) for e, data in readable]
        },
    }
