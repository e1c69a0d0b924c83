"""The cooperative's invoices: those it issued (parcels, credit notes) and Taawon's to it.

Behind ``workspace()`` like every screen; a document is found by id *and*
the cooperative, so another cooperative's manager gets 404 for it.
"""

from __future__ import annotations

from flask import abort, g, render_template
from sqlalchemy import select

from orders import invoicing
from producers.workspace.access import workspace
from shop.extensions import db
from shop.params import query_page

PER_PAGE = 50


@workspace()
def invoices(**_kw):
    """Every document of the cooperative, newest first, a page at a time."""
    page = db.paginate(
        invoicing.for_cooperative(g.coop.id), page=query_page(), per_page=PER_PAGE, error_out=False
    )
    return render_template("producers/invoices.html", coop=g.coop, page=page)


@workspace()
def invoice_pdf(invoice_id: int):
    """One of the cooperative's documents as PDF (404 for anyone else's)."""
    document = db.session.scalar(
        select(invoicing.Invoice).where(
            invoicing.Invoice.id == invoice_id, invoicing.Invoice.cooperative_id == g.coop.id
        )
    )
    if document is None:
        abort(404)
    return invoicing.send_invoice(document)
