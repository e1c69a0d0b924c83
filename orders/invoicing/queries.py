"""Finding documents for the pages that offer them, and sending one (the route checks who asks)."""

from __future__ import annotations

from flask import Response
from sqlalchemy import Select, select

from shop.extensions import db
from shop.private_files import send_private

from .models import Invoice, InvoiceKind
from .rendering import ensure_pdf


def for_order(order_id: int) -> dict[int, list[Invoice]]:
    """An order's invoices and credit notes by parcel id, oldest first (one query)."""
    found: dict[int, list[Invoice]] = {}
    for invoice in db.session.scalars(
        select(Invoice)
        .where(
            Invoice.order_id == order_id,
            Invoice.kind.in_((InvoiceKind.INVOICE, InvoiceKind.CREDIT_NOTE)),
        )
        .order_by(Invoice.id)
    ):
        found.setdefault(invoice.shipment_id or 0, []).append(invoice)
    return found


def for_cooperative(cooperative_id: int) -> Select[Invoice]:
    """Every document of a cooperative, issued or received, newest first (for paging)."""
    return (
        select(Invoice)
        .where(Invoice.cooperative_id == cooperative_id)
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
    )


def send_invoice(invoice: Invoice) -> Response:
    """The document's PDF, as a private file (rendered now if the job has not run yet)."""
    name = ensure_pdf(invoice)
    return send_private(name, download_name=invoice.download_name, content_type="application/pdf")
