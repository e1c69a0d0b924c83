"""Lots, hash-chained trace events (GS1 EPCIS 2.0 shape), QR codes and exports.

A lot is a batch of one variant. Its story is a list of trace events, each
stored as the canonical JSON of what was recorded plus
``hash = sha256(prev_hash + payload)``. Events are never edited: a mistake is
fixed by a correction event that points to the event it corrects. Anyone who
rewrites a stored event or hash breaks the chain, and ``verify_chain`` says
at which event.

The rooms: ``vocabulary`` (event types, steps, units, materials), ``models``,
``chain`` (canonical JSON, hashes, the check), ``identifiers`` (lot codes,
GTIN, Digital Link, QR), ``services`` (the named operations), ``queries``
(reading lots), ``epcis`` (the JSON-LD export) and ``views`` (the public
pages, blueprint ``trace``). Other packages import the names below from
``catalog.trace``.
"""

from __future__ import annotations

from ..exceptions import AppendOnlyError, TraceError
from .chain import ChainStatus, canonical_json
from .models import Lot, LotContribution, TraceEvent
from .queries import timeline, verify_chain
from .services import (
    Contribution,
    Evidence,
    LotDetails,
    Place,
    Quantity,
    create_lot,
    record_correction,
    record_trace_event,
    store_evidence,
    update_lot,
)
from .vocabulary import MATERIALS, STEP_LABELS, UOMS, Action, ContributionKind, EventType, Step

__all__ = [
    "MATERIALS",
    "STEP_LABELS",
    "UOMS",
    "Action",
    "AppendOnlyError",
    "ChainStatus",
    "Contribution",
    "ContributionKind",
    "EventType",
    "Evidence",
    "Lot",
    "LotContribution",
    "LotDetails",
    "Place",
    "Quantity",
    "Step",
    "TraceError",
    "TraceEvent",
    "canonical_json",
    "create_lot",
    "record_correction",
    "record_trace_event",
    "store_evidence",
    "timeline",
    "update_lot",
    "verify_chain",
]
