"""A carrier's cash-on-delivery remittance statement, imported all or nothing.

The carrier hands over, in one transfer, the cash it collected for many
parcels, with a statement (CSV: ``tracking_number,amount,date``). An
administrator uploads it for that carrier; every line is checked first:

- the tracking number is one of this carrier's parcels, and appears once;
- the parcel is cash on delivery, has left (shipped or delivered), and its
  cash is not remitted yet;
- the amount (``shop.money.amounts.parse_mad``) is exactly what the carrier
  had to collect for it: its items plus its shipping, in centimes;
- the date is a valid day, not in the future nor before the parcel left.

If any line is bad nothing is written and every bad line is listed with its
number and a translated reason. Otherwise each parcel is remitted by
``orders.services.admin_cash_remitted``, the very operation of the "cash
remitted" button (claim, audit, ledger entry ``cash:shipment:<id>``); a
parcel still "shipped" is first marked delivered, the statement being the
carrier's word that it handed it over. The file's SHA-256 is stored
(``CodRemittance``, unique): the same statement sent twice is refused before
any line is read, and a different file naming a remitted parcel is refused
by that line.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from orders import services as order_services
from orders.carrier_status import fold, tracking_column, tracking_problems
from orders.models import Carrier, Order, PaymentMethod, Shipment, ShipmentStatus
from producers.money.models import CodRemittance
from shop.accounts.models import User
from shop.audit import audit
from shop.clock import local_date
from shop.extensions import db
from shop.i18n import format_money
from shop.money.amounts import parse_mad
from shop.params import parse_date
from shop.spreadsheet import CsvFileError, RowError, SafeDictReader

MAX_ROWS = 5_000
MAX_BYTES = 5 * 1024 * 1024
AMOUNT_COLUMNS = ("amount", "montant", "amount_collected")


@dataclass
class RemittanceLine:
    """A checked line: the parcel and the cash remitted for it."""

    line: int
    shipment: Shipment
    cents: int
    day: date


@dataclass
class RemittanceReport:
    """What an import did, or why it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    remittance: CodRemittance | None = None
    parcels: int = 0
    total_cents: int = 0

    @property
    def ok(self) -> bool:
        """True when the statement was imported."""
        return not self.errors


def import_remittance(
    carrier: Carrier, data: bytes, filename: str, actor: User | None
) -> RemittanceReport:
    """Check the statement ``data`` of ``carrier``, then remit every parcel in it.

    On any error nothing is written; the caller commits when ``report.ok`` and
    rolls back otherwise.
    """
    digest = hashlib.sha256(data).hexdigest()
    earlier = db.session.scalar(select(CodRemittance).where(CodRemittance.sha256 == digest))
    if earlier is not None:
        return RemittanceReport(
            errors=[
                RowError(
                    1,
                    _l(
                        "This statement was already imported (statement no. %(id)d): "
                        "nothing was remitted twice.",
                        id=earlier.id,
                    ),
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return RemittanceReport(errors=[RowError(1, _l("The file is not UTF-8 text."))])
    try:
        lines, errors = _check(carrier, SafeDictReader(io.StringIO(text, newline="")))
    except CsvFileError as exc:
        return RemittanceReport(errors=[exc.error])
    if errors:
        return RemittanceReport(errors=errors)
    total = sum(checked.cents for checked in lines)
    remittance = CodRemittance(
        carrier_id=carrier.id,
        sha256=digest,
        filename=filename[:200],
        parcel_count=len(lines),
        total_cents=total,
        created_by=actor,
    )
    db.session.add(remittance)
    for checked in lines:
        shipment = checked.shipment
        if shipment.status == ShipmentStatus.SHIPPED:
            # The carrier collected the cash: it handed the parcel over.
            order_services.mark_delivered(shipment)
        order_services.admin_cash_remitted(shipment, actor)
    db.session.flush()
    audit(
        actor,
        "carrier.remittance_import",
        carrier,
        label=carrier.name_fr,
        remittance_id=remittance.id,
        parcels=len(lines),
        total_cents=total,
        shipment_ids=[checked.shipment.id for checked in lines],
    )
    return RemittanceReport(remittance=remittance, parcels=len(lines), total_cents=total)


def _check(carrier: Carrier, reader: SafeDictReader) -> tuple[list[RemittanceLine], list[RowError]]:
    """Every line checked against the database in one query; the good lines and every error."""
    header = [fold(h or "") for h in (reader.fieldnames or [])]
    number_column = tracking_column(header)
    amount_column = next((name for name in AMOUNT_COLUMNS if name in header), None)
    if number_column is None or amount_column is None or "date" not in header:
        return [], [RowError(1, _l("The file needs the columns tracking_number, amount and date."))]
    reader.fieldnames = header
    raw: list[tuple[int, dict[str, str]]] = []
    end = reader.line_num
    for index, row in enumerate(reader):
        line, end = end + 1, reader.line_num
        if index >= MAX_ROWS:
            return [], [RowError(line, _l("Too many rows (at most %(n)d).", n=MAX_ROWS))]
        values = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if any(values.values()):
            raw.append((line, values))
    if not raw:
        return [], [RowError(1, _l("The file has no lines."))]
    numbers = sorted({values[number_column] for _line, values in raw if values[number_column]})
    parcels = {
        s.tracking_number: s
        for s in db.session.scalars(
            select(Shipment)
            .where(Shipment.carrier_id == carrier.id, Shipment.tracking_number.in_(numbers))
            .options(
                selectinload(Shipment.order).selectinload(Order.shipments),
                selectinload(Shipment.cooperative),
                selectinload(Shipment.lines),
            )
        )
    }
    today = local_date()
    good: list[RemittanceLine] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for line, values in raw:
        number = values[number_column]
        shipment = parcels.get(number)
        problems: list[Any] = tracking_problems(number, shipment, seen, carrier)
        if not problems and shipment is not None:
            problems.extend(_parcel_problems(shipment))
        cents: int | None = None
        try:
            cents = parse_mad(values[amount_column])
        except ValueError:
            problems.append(
                _l(
                    "Bad amount “%(value)s”: dirhams, such as 245.50.",
                    value=values[amount_column],
                )
            )
        if (
            cents is not None
            and shipment is not None
            and cents != shipment.cash_to_collect_cents
            and not problems
        ):
            problems.append(
                _l(
                    "Wrong amount: %(amount)s instead of %(due)s for this parcel.",
                    amount=format_money(cents),
                    due=format_money(shipment.cash_to_collect_cents),
                )
            )
        earliest = (
            local_date(shipment.shipped_at)
            if shipment is not None and shipment.shipped_at
            else None
        )
        day = parse_date(values["date"], max=today)
        if day is None or (earliest is not None and day < earliest):
            problems.append(
                _l(
                    "Bad date “%(value)s”: YYYY-MM-DD, not in the future nor before "
                    "the parcel left.",
                    value=values["date"],
                )
            )
        if number:
            seen.setdefault(number, line)
        errors.extend(RowError(line, problem) for problem in problems)
        if not problems:
            assert shipment is not None and cents is not None and day is not None
            good.append(RemittanceLine(line, shipment, cents, day))
    return good, errors


def _parcel_problems(shipment: Shipment) -> list[Any]:
    """Why this carrier's parcel cannot be remitted now (nothing when it can)."""
    if shipment.order.payment_method != PaymentMethod.COD:
        return [_l("This parcel was paid by card: there is no cash to remit.")]
    if shipment.cash_remitted_at is not None:
        return [_l("The cash of this parcel is already remitted.")]
    if shipment.status not in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
        return [_l("This parcel has not left (or was cancelled).")]
    return []


def statements(limit: int = 50) -> list[CodRemittance]:
    """The latest imported statements, newest first, with their carrier and author."""
    return list(
        db.session.scalars(
            select(CodRemittance)
            .order_by(CodRemittance.created_at.desc(), CodRemittance.id.desc())
            .limit(limit)
            .options(selectinload(CodRemittance.created_by), selectinload(CodRemittance.carrier))
        )
    )
