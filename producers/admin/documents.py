"""A cooperative's private files, opened by administrators: documents, scans, evidence.

Every route is ``admin_required``, checked on each request; the cooperative's
own managers open the same files from their workspace
(``producers/workspace/files.py``). The files live in the private storage
area, which no public URL reaches, and leave through
``shop.private_files.send_stored`` (``private, no-store``, ``nosniff``,
shown inline only in a sandbox).
"""

from __future__ import annotations

from catalog.models import Certification
from catalog.trace import Lot
from catalog.trace.evidence import send_evidence
from producers.models import CooperativeDocument
from shop.accounts import admin_required
from shop.extensions import db
from shop.private_files import EXTENSIONS, safe_filename, send_private

__all__ = ["EXTENSIONS", "certificate_document", "document", "lot_evidence", "safe_filename"]


@admin_required
def document(id: int):
    """A document sent with a cooperative's application."""
    doc = db.get_or_404(CooperativeDocument, id)
    return send_private(doc.storage_name, content_type=doc.content_type, download_name=doc.filename)


@admin_required
def certificate_document(certificate_id: int):
    """The scan of a cooperative's certificate."""
    certificate = db.get_or_404(Certification, certificate_id)
    return send_private(certificate.document_name, download_name=certificate.document_download_name)


@admin_required
def lot_evidence(lot_id: int, sequence: int):
    """The photo or PDF behind a trace event, private or not."""
    return send_evidence(db.get_or_404(Lot, lot_id), sequence, allowed_private=True)
