"""A cooperative's private files, opened by administrators: documents, scans, evidence.

Every route is ``admin_required``, checked on each request; the cooperative's
own managers open the same files from their workspace
(``producers/workspace/files.py``). The files live in the private storage
area, which no public URL reaches, and leave through
``shop.private_files.send_stored`` (``private, no-store``, ``nosniff``,
shown inline only in a sandbox).
"""

from __future__ import annotations

from flask import abort

from catalog.models import Certification
from catalog.trace import Lot
from catalog.trace.evidence import send_evidence
from producers.models import CooperativeDocument
from shop.accounts import admin_required
from shop.extensions import db
from shop.private_files import EXTENSIONS, safe_filename, send_stored
from shop.storage import get_private_storage

__all__ = ["EXTENSIONS", "certificate_document", "document", "lot_evidence", "safe_filename"]


@admin_required
def document(id: int):
    """A document sent with a cooperative's application."""
    doc = db.get_or_404(CooperativeDocument, id)
    return send_stored(
        get_private_storage(),
        doc.storage_name,
        content_type=doc.content_type,
        download_name=doc.filename,
    )


@admin_required
def certificate_document(certificate_id: int):
    """The scan of a cooperative's certificate."""
    certificate = db.get_or_404(Certification, certificate_id)
    name = certificate.document_name
    if not name:
        abort(404)
    return send_stored(
        get_private_storage(),
        name,
        download_name=f"{certificate.kind.value}-{certificate.number}.{name.rsplit('.', 1)[-1]}",
    )


@admin_required
def lot_evidence(lot_id: int, sequence: int):
    """The photo or PDF behind a trace event, private or not."""
    return send_evidence(db.get_or_404(Lot, lot_id), sequence, allowed_private=True)
