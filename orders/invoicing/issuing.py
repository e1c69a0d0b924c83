"""Issuing documents: a parcel's invoice, a refund's credit notes, a month's commission.

Each is written in the transaction of its event (the parcel shipped, the
refund's money left, the month closed), with its number taken last
(``numbering.take_number``), and its PDF rendered after the commit by the
``invoice-pdf`` job. Each names its event in a unique ``key``, so issuing
again finds the document already there and writes nothing.

Numbering: a cooperative's invoices and credit notes share one sequence per
year (``coop:<id>``; F-2026-000041, AV-2026-000042, F-2026-000043): the
cooperative's book of documents is then a single unbroken chain, which is
what an inspector checks for gaps, and a credit note can never be slipped in
or left out unseen. The platform's commission invoices have their own series
(``platform``), since the platform, not a cooperative, issues them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from producers.models import Cooperative
from shop import clock, jobs
from shop.extensions import db

from ..discounts.allocation import units_share
from ..exceptions import OrderError
from ..models import Order, OrderLine, Refund, RefundStatus, Shipment
from . import identity
from .models import PREFIXES, Invoice, InvoiceKind
from .numbering import format_number, take_number

#: The invoice line of a parcel's shipping.
SHIPPING_FR, SHIPPING_AR = "Frais de livraison", "مصاريف الشحن"
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTHS_AR = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
)


class InvoiceError(OrderError):
    """An invoice that cannot be issued, with a message for the person who asked."""


def find(key: str) -> Invoice | None:
    """The document issued for event ``key``, if any."""
    return db.session.scalar(select(Invoice).where(Invoice.key == key))


def _gross_left(line: OrderLine) -> int:
    """The gross of a line's units not refunded: a cooperative's discount code is in it,
    each refunded unit having taken its share (``discounts.allocation.units_share``)."""
    done = line.refunded_quantity
    refunded = line.unit_price_cents * done - units_share(
        line.discount_cents or 0, line.quantity, done
    )
    return line.gross_cents - refunded


def _line(
    name_fr: str, name_ar: str, label: str, quantity: int, total_cents: int, rate_bp: int
) -> dict[str, Any]:
    net = identity.net_of(total_cents, rate_bp)
    return {
        "name_fr": name_fr,
        "name_ar": name_ar,
        "label": label,
        "quantity": quantity,
        "unit_cents": total_cents // quantity if quantity else total_cents,
        "net_cents": net,
        "rate_bp": rate_bp,
        "tax_cents": total_cents - net,
        "total_cents": total_cents,
    }


def _buyer(order: Order) -> dict[str, Any]:
    return {
        "name": order.full_name,
        "address": order.address_line,
        "city": order.city,
        "postal_code": order.postal_code,
        "country": order.country,
        "email": order.email,
    }


def _write(
    key: str,
    kind: InvoiceKind,
    series: str,
    cooperative_id: int,
    content: dict[str, Any],
    **refs: Any,
) -> Invoice:
    """Number the document (last: the counter stays locked until the commit) and write it."""
    lines = content["lines"]
    net = sum(line["net_cents"] for line in lines)
    tax = sum(line["tax_cents"] for line in lines)
    today = clock.local_date()
    sequence = take_number(series, today.year)
    number = format_number(PREFIXES[kind], today.year, sequence)
    content = {
        **content,
        "kind": kind.value,
        "number": number,
        "date": today.isoformat(),
        "net_cents": net,
        "tax_cents": tax,
        "total_cents": net + tax,
        "currency": "MAD",
    }
    invoice = Invoice(
        key=key,
        kind=kind,
        series=series,
        year=today.year,
        sequence=sequence,
        number=number,
        issue_date=today,
        cooperative_id=cooperative_id,
        net_cents=net,
        tax_cents=tax,
        total_cents=net + tax,
        content=content,
        **refs,
    )
    db.session.add(invoice)
    db.session.flush()
    if current_app.config.get("INVOICE_PDF_AFTER_COMMIT", True):
        # After the commit: the PDF (slow) never holds the numbering lock.
        jobs.after_commit("invoice-pdf", jobs.RowId(invoice))
    return invoice


def refuse_incomplete(coop: Cooperative) -> None:
    """Raise InvoiceError naming what the cooperative must give before it can invoice."""
    missing = identity.missing_identifiers(coop)
    if missing:
        raise InvoiceError(
            _l(
                "Each parcel leaves with its invoice, and yours needs the cooperative's "
                "legal details first: %(missing)s. Add them under Profile, Legal details, "
                "then mark the parcel as shipped again.",
                missing=", ".join(str(item) for item in missing),
            )
        )


def issue_invoice(shipment: Shipment) -> Invoice:
    """The parcel's invoice, from its cooperative to the shopper (it is shipping now).

    Units and shipping already refunded are left out: they do not leave with
    the parcel. Refuses (InvoiceError) while the cooperative's legal details
    are incomplete: an invoice without ICE, IF or TP is not one.
    """
    key = f"invoice:shipment:{shipment.id}"
    existing = find(key)
    if existing is not None:
        return existing
    coop, order = shipment.cooperative, shipment.order
    refuse_incomplete(coop)
    vat = identity.vat_terms(coop)
    lines = []
    for line in shipment.lines:
        units = line.quantity - line.refunded_quantity
        if units > 0:
            lines.append(
                _line(
                    line.name_fr or line.name_en or line.name_ar,
                    line.name_ar or line.name_fr or line.name_en,
                    line.variant_label,
                    units,
                    _gross_left(line),
                    vat["rate_bp"],
                )
            )
    refunds = [
        refund
        for refund in db.session.scalars(
            select(Refund).where(Refund.order_id == order.id, Refund.status != RefundStatus.FAILED)
        )
        if any(item.shipment_id == shipment.id for item in refund.lines)
    ]
    refunded_shipping = sum(
        item.shipping_cents
        for refund in refunds
        for item in refund.lines
        if item.shipment_id == shipment.id
    )
    shipping = shipment.shipping_cents - refunded_shipping
    if shipping > 0:
        lines.append(_line(SHIPPING_FR, SHIPPING_AR, "", 1, shipping, vat["rate_bp"]))
    content = {
        "seller": identity.seller(coop),
        "buyer": _buyer(order),
        "order_number": order.number,
        "payment_method": order.payment_method.value,
        "vat": vat,
        "lines": lines,
        # Refunds recorded before the parcel left are already out of its
        # lines: their credit notes must not take them out twice.
        "deducted_refunds": sorted(refund.id for refund in refunds),
    }
    return _write(
        key,
        InvoiceKind.INVOICE,
        f"coop:{coop.id}",
        coop.id,
        content,
        order_id=order.id,
        shipment_id=shipment.id,
    )


def issue_credit_notes(refund: Refund) -> list[Invoice]:
    """A credit note for each invoiced parcel the refund gives money back for.

    Issued when the refund's money leaves (a failed card refund gives none).
    Parcels not invoiced yet need none: their invoice, when they ship, leaves
    the refunded units out.
    """
    issued = []
    by_shipment: dict[int, list[Any]] = {}
    for item in refund.lines:
        by_shipment.setdefault(item.shipment_id, []).append(item)
    for shipment_id, items in sorted(by_shipment.items()):
        invoice = find(f"invoice:shipment:{shipment_id}")
        if invoice is None or refund.id in invoice.content.get("deducted_refunds", []):
            continue
        key = f"credit:refund:{refund.id}:shipment:{shipment_id}"
        existing = find(key)
        if existing is not None:
            issued.append(existing)
            continue
        coop = invoice.cooperative
        vat = invoice.content["vat"]
        lines = []
        for item in items:
            if item.order_line is not None and item.gross_cents:
                line = item.order_line
                lines.append(
                    _line(
                        line.name_fr or line.name_en or line.name_ar,
                        line.name_ar or line.name_fr or line.name_en,
                        line.variant_label,
                        item.quantity,
                        item.gross_cents,
                        vat["rate_bp"],
                    )
                )
            if item.shipping_cents:
                lines.append(
                    _line(SHIPPING_FR, SHIPPING_AR, "", 1, item.shipping_cents, vat["rate_bp"])
                )
        if not lines:
            continue
        content = {
            "seller": identity.seller(coop),
            "buyer": invoice.content["buyer"],
            "order_number": invoice.content["order_number"],
            "payment_method": invoice.content["payment_method"],
            "vat": vat,
            "lines": lines,
            "refers_to": {"number": invoice.number, "date": invoice.issue_date.isoformat()},
            "reason": refund.reason,
        }
        issued.append(
            _write(
                key,
                InvoiceKind.CREDIT_NOTE,
                invoice.series,
                coop.id,
                content,
                order_id=refund.order_id,
                shipment_id=shipment_id,
                refund_id=refund.id,
                refers_to_id=invoice.id,
            )
        )
    return issued


def issue_refusal_credit_note(shipment: Shipment) -> Invoice | None:
    """A credit note cancelling the invoice of a parcel refused at the door.

    The invoice was issued when the parcel left; the sale never happened, so
    the whole invoice is credited back (its own lines, shipping included).
    None when the parcel had no invoice.
    """
    invoice = find(f"invoice:shipment:{shipment.id}")
    if invoice is None:
        return None
    key = f"credit:refused:shipment:{shipment.id}"
    existing = find(key)
    if existing is not None:
        return existing
    content = {
        "seller": invoice.content["seller"],
        "buyer": invoice.content["buyer"],
        "order_number": invoice.content["order_number"],
        "payment_method": invoice.content["payment_method"],
        "vat": invoice.content["vat"],
        "lines": invoice.content["lines"],
        "refers_to": {"number": invoice.number, "date": invoice.issue_date.isoformat()},
        "reason": REFUSED_REASON,
    }
    return _write(
        key,
        InvoiceKind.CREDIT_NOTE,
        invoice.series,
        invoice.cooperative_id,
        content,
        order_id=shipment.order_id,
        shipment_id=shipment.id,
        refers_to_id=invoice.id,
    )


#: The reason a refused parcel's credit note gives (the PDF is French and Arabic).
REFUSED_REASON = "Colis refusé à la livraison – طرد مرفوض عند التسليم"


def month_names(period: str) -> tuple[str, str]:
    """``2026-11`` as "novembre 2026" and "نونبر 2026"."""
    year, month = (int(part) for part in period.split("-"))
    return f"{MONTHS_FR[month - 1]} {year}", f"{MONTHS_AR[month - 1]} {year}"


def issue_commission(coop: Cooperative, period: str, total_cents: int) -> Invoice:
    """The platform's invoice to ``coop`` for its commission of ``period`` (tax included).

    ``total_cents`` is the month's commission as the ledger has it, so the
    invoice's total reconciles with the commission account.
    """
    key = f"commission:coop:{coop.id}:{period}"
    existing = find(key)
    if existing is not None:
        return existing
    platform = identity.platform()
    rate = platform.pop("vat_rate_bp")
    month_fr, month_ar = month_names(period)
    line = _line(
        f"Commission de la plateforme – {month_fr}",
        f"عمولة المنصة – {month_ar}",
        "",
        1,
        total_cents,
        rate,
    )
    content = {
        "seller": platform,
        "buyer": {
            **identity.seller(coop),
            "city": "",
            "postal_code": "",
            "country": "MA",
        },
        "period": period,
        "payment_method": "deduction",
        "vat": {"rate_bp": rate, "exemption_fr": "", "exemption_ar": ""},
        "lines": [line],
    }
    return _write(key, InvoiceKind.COMMISSION, "platform", coop.id, content, period=period)


def period_of(day: date) -> str:
    """``2026-11`` for a day of November 2026."""
    return f"{day.year:04d}-{day.month:02d}"
