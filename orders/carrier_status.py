"""Carriers' status files: many parcels out for delivery or delivered at once.

A carrier's export (CSV: ``tracking_number,status,date``) is read for one
carrier, chosen by the administrator, since tracking numbers are unique only
within a carrier. Every line is checked first; on any bad line nothing is
written and every bad line is listed (``shop.spreadsheet.RowError``). A line
the parcel already reflects (delivered twice, out for delivery once it is
delivered) changes nothing: carriers send cumulative files. The parcels then
move through the same services as a click (``mark_out_for_delivery``,
``mark_delivered``), so the shopper is told the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.audit import audit
from shop.clock import ZONE, day_start, local_date, to_utc, utcnow
from shop.digits import ascii_digits
from shop.extensions import db
from shop.params import parse_date
from shop.spreadsheet import CsvFileError, RowError, SafeDictReader

from . import services
from .models import Carrier, Order, Shipment, ShipmentStatus

MAX_ROWS = 5_000
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
#: What carriers write, folded (lower case, spaces and dashes as underscores).
STATUS_WORDS = {
    "out_for_delivery": OUT_FOR_DELIVERY,
    "en_cours_de_livraison": OUT_FOR_DELIVERY,
    "en_livraison": OUT_FOR_DELIVERY,
    "delivered": DELIVERED,
    "livre": DELIVERED,
    "livré": DELIVERED,
}
#: A local time as carriers write it: ``YYYY-MM-DD HH:MM``.
LOCAL_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
TRACKING_COLUMNS = ("tracking_number", "tracking", "numero", "number")


def tracking_problems(
    number: str, shipment: Shipment | None, seen: dict[str, int], carrier: Carrier
) -> list[Any]:
    """What is wrong with a carrier file's tracking number (status and remittance files
    alike): missing, already on an earlier line (``seen``), or no parcel of ``carrier``."""
    if not number:
        return [_l("The tracking number is missing.")]
    if number in seen:
        return [
            _l(
                "Tracking number %(number)s is already on line %(line)d.",
                number=number,
                line=seen[number],
            )
        ]
    if shipment is None:
        return [
            _l(
                "No parcel left with %(carrier)s under the tracking number %(number)s.",
                carrier=carrier.name_fr,
                number=number,
            )
        ]
    return []


def fold(value: str) -> str:
    """A header or status as compared: lower case, spaces and dashes as underscores."""
    return "_".join(value.strip().lower().replace("-", " ").split())


def tracking_column(header: list[str]) -> str | None:
    """The header's tracking-number column, if it has one."""
    return next((name for name in TRACKING_COLUMNS if name in header), None)


def parse_when(text: str, earliest: date | None) -> datetime | None:
    """A carrier's date (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``, Morocco time) as stored.

    None when unreadable, in the future, or before ``earliest`` (the day the
    parcel left). A bare date means the end of that day, or now if today.
    """
    value = ascii_digits(text or "").strip()
    today = local_date()
    if len(value) > 10:
        if not LOCAL_MINUTE.fullmatch(value):
            return None
        try:
            moment = datetime.fromisoformat(value).replace(tzinfo=ZONE)
        except ValueError:
            return None
        stored = to_utc(moment)
        day = moment.date()
        if stored > utcnow() + timedelta(minutes=5):
            return None
    else:
        parsed = parse_date(value, max=today)
        if parsed is None:
            return None
        day = parsed
        stored = min(utcnow(), day_start(day + timedelta(days=1)) - timedelta(minutes=1))
    if earliest is not None and day < earliest:
        return None
    return stored


@dataclass
class StatusLine:
    """A checked line: the parcel, what the carrier says, and when."""

    line: int
    shipment: Shipment
    status: str
    at: datetime


@dataclass
class StatusReport:
    """What a status import did, or why it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    out_for_delivery: int = 0
    delivered: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        """True when the file was imported."""
        return not self.errors


def import_statuses(carrier: Carrier, stream: IO[str], actor: Any) -> StatusReport:
    """Check every line of ``stream``, then move the parcels; nothing on any error.

    The caller commits when ``report.ok`` and rolls back otherwise.
    """
    try:
        lines, report = _check(carrier, SafeDictReader(stream))
    except CsvFileError as exc:
        return StatusReport(errors=[exc.error])
    if report.errors:
        return report
    for checked in lines:
        shipment = checked.shipment
        if checked.status == OUT_FOR_DELIVERY:
            if shipment.status != ShipmentStatus.SHIPPED or shipment.out_for_delivery_at:
                report.unchanged += 1
                continue
            services.mark_out_for_delivery(shipment, at=checked.at)
            report.out_for_delivery += 1
        else:
            if shipment.status == ShipmentStatus.DELIVERED:
                report.unchanged += 1
                continue
            services.mark_delivered(shipment, at=checked.at)
            report.delivered += 1
    if report.out_for_delivery or report.delivered:
        audit(
            actor,
            "carrier.status_import",
            carrier,
            label=carrier.name_fr,
            out_for_delivery=report.out_for_delivery,
            delivered=report.delivered,
            unchanged=report.unchanged,
        )
    db.session.flush()
    return report


def _check(carrier: Carrier, reader: SafeDictReader) -> tuple[list[StatusLine], StatusReport]:
    report = StatusReport()
    header = [fold(h or "") for h in (reader.fieldnames or [])]
    number_column = tracking_column(header)
    if number_column is None or "status" not in header or "date" not in header:
        report.errors.append(
            RowError(1, _l("The file needs the columns tracking_number, status and date."))
        )
        return [], report
    reader.fieldnames = header
    raw: list[tuple[int, dict[str, str]]] = []
    end = reader.line_num
    for index, row in enumerate(reader):
        line, end = end + 1, reader.line_num
        if index >= MAX_ROWS:
            report.errors.append(RowError(line, _l("Too many rows (at most %(n)d).", n=MAX_ROWS)))
            return [], report
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if any(values.values()):
            raw.append((line, values))
    if not raw:
        report.errors.append(RowError(1, _l("The file has no lines.")))
        return [], report
    numbers = {values[number_column] for _line, values in raw if values[number_column]}
    parcels = {
        s.tracking_number: s
        for s in db.session.scalars(
            select(Shipment)
            .where(Shipment.carrier_id == carrier.id, Shipment.tracking_number.in_(sorted(numbers)))
            .options(selectinload(Shipment.order).selectinload(Order.shipments))
        )
    }
    lines: list[StatusLine] = []
    seen: dict[str, int] = {}
    for line, values in raw:
        number = values[number_column]
        shipment = parcels.get(number)
        status = STATUS_WORDS.get(fold(values["status"]))
        problems: list[Any] = tracking_problems(number, shipment, seen, carrier)
        if status is None:
            problems.append(
                _l(
                    "Unknown status “%(value)s”: write out_for_delivery or delivered.",
                    value=values["status"],
                )
            )
        earliest = local_date(shipment.shipped_at) if shipment and shipment.shipped_at else None
        at = parse_when(values["date"], earliest)
        if at is None:
            problems.append(
                _l(
                    "Bad date “%(value)s”: YYYY-MM-DD, not in the future nor before "
                    "the parcel left.",
                    value=values["date"],
                )
            )
        if shipment is not None and shipment.status not in (
            ShipmentStatus.SHIPPED,
            ShipmentStatus.DELIVERED,
        ):
            problems.append(_l("This parcel has not left (or was cancelled)."))
        if number:
            seen.setdefault(number, line)
        report.errors.extend(RowError(line, p) for p in problems)
        if not problems:
            assert shipment is not None and status is not None and at is not None
            lines.append(StatusLine(line, shipment, status, at))
    return lines, report
