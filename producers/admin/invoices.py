"""Every invoice, credit note and commission invoice, for the back office (admin-only)."""

from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from orders import invoicing
from producers.admin.listing import PER_PAGE, page_args, page_number
from shop.accounts import admin_required
from shop.extensions import db
from shop.params import query_choice

KINDS = tuple(kind.value for kind in invoicing.InvoiceKind)


@admin_required
def invoices():
    """Documents newest first, of one kind when asked (``?kind=commission``)."""
    kind = query_choice("kind", KINDS, "")
    query = (
        select(invoicing.Invoice)
        .options(selectinload(invoicing.Invoice.cooperative))
        .order_by(invoicing.Invoice.issued_at.desc(), invoicing.Invoice.id.desc())
    )
    if kind:
        query = query.where(invoicing.Invoice.kind == invoicing.InvoiceKind(kind))
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/invoices.html", page=page, page_args=page_args(), kind=kind, kinds=KINDS
    )


@admin_required
def invoice_pdf(invoice_id: int):
    """Any document's PDF."""
    document = db.session.get(invoicing.Invoice, invoice_id)
    if document is None:
        abort(404)
    return invoicing.send_invoice(document)
