"""The hash chain: canonical JSON of an event, its sha256 link to the previous one, the check.

Each event stores ``hash = sha256(prev_hash + payload)`` where ``payload``
is the canonical JSON of what was recorded; the first event links to the
lot's genesis hash. Anyone who rewrites a stored event or hash breaks the
chain, and the check says at which event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

#: Payload layout version, hashed with the rest, so a later layout can be told apart.
PAYLOAD_VERSION = 1
#: Keys every payload has; a row missing one is unreadable (tampered).
REQUIRED_KEYS = frozenset(
    {
        "lot",
        "sequence",
        "type",
        "step",
        "bizStep",
        "eventTime",
        "eventTimeZoneOffset",
        "place",
        "inputs",
        "outputs",
        "description",
        "recordedAt",
    }
)


@dataclass(frozen=True)
class ChainStatus:
    """The result of checking a lot's hash chain."""

    ok: bool
    #: Sequence number of the first event that fails the check.
    broken_at: int | None = None
    #: Hash of the last event (or the genesis); auditors can keep it to compare later.
    head: str = ""
    #: Events found intact (all of them when ``ok``).
    checked: int = 0

    @property
    def empty(self) -> bool:
        """Nothing recorded yet: nothing is broken, but nothing is verified either."""
        return self.ok and self.checked == 0

    @property
    def verified(self) -> bool:
        """At least one event, and every link recomputes."""
        return self.ok and self.checked > 0


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


class ChainedLot(Protocol):
    """What the check reads of a lot (``catalog.trace.models.Lot``)."""

    @property
    def genesis_hash(self) -> str: ...

    @property
    def public_id(self) -> str: ...


class ChainedEvent(Protocol):
    """What the check reads of a recorded event (``catalog.trace.models.TraceEvent``)."""

    @property
    def sequence(self) -> int: ...

    @property
    def prev_hash(self) -> str: ...

    @property
    def hash(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any] | None: ...

    def computed_hash(self) -> str: ...


def verify_events(lot: ChainedLot, events: Sequence[ChainedEvent]) -> ChainStatus:
    """Recompute every link of ``events``, in order; say where the chain first breaks."""
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
            return ChainStatus(False, number, expected_prev, number - 1)
        expected_prev = row.hash
    return ChainStatus(True, None, expected_prev, len(events))
