"""Legal invoices: each parcel's invoice from its cooperative to the shopper, credit
notes for refunds, and the platform's monthly commission invoices.

``issuing`` writes the documents in their event's transaction (numbers from
``numbering``, gapless per series and year), ``rendering`` makes their
bilingual PDF once, after the commit, and ``queries`` finds them for the
pages that offer them (the order page, the workspace, the back office), each
of which checks who asks.
"""

from __future__ import annotations

from flask import Flask

from .issuing import (
    InvoiceError,
    issue_commission,
    issue_credit_notes,
    issue_invoice,
    issue_refusal_credit_note,
    refuse_incomplete,
)
from .models import Invoice, InvoiceCounter, InvoiceKind
from .queries import for_cooperative, for_order, send_invoice

__all__ = [
    "Invoice",
    "InvoiceCounter",
    "InvoiceError",
    "InvoiceKind",
    "for_cooperative",
    "for_order",
    "init_app",
    "issue_commission",
    "issue_credit_notes",
    "issue_invoice",
    "issue_refusal_credit_note",
    "refuse_incomplete",
    "send_invoice",
]


def init_app(app: Flask) -> None:
    """The documents' template folder, the PDF job, the platform's identifiers' defaults."""
    from flask import Blueprint

    from . import rendering  # noqa: F401  (declares the invoice-pdf job)
    from .identity import PLATFORM_DEFAULTS, missing_identifiers

    # Templates only: the routes that send documents belong to the pages that
    # offer them (orders.views, the workspace, the back office).
    app.register_blueprint(Blueprint("invoicing", __name__, template_folder="templates"))
    # For pages of other rooms that show documents beside what they already
    # show (the back office's order, the workspace's parcels).
    app.add_template_global(for_order, "order_invoices")
    app.add_template_global(missing_identifiers, "invoice_details_missing")
    app.config.setdefault("PLATFORM_LEGAL", dict(PLATFORM_DEFAULTS))
    app.config.setdefault("INVOICE_PDF_AFTER_COMMIT", True)
