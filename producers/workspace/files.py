"""The cooperative's private files, opened by its managers: documents, scans, evidence.

Each route sits behind ``workspace()``, which checks on every request that the
signed-in person is on the cooperative's team now: a manager removed from the
team gets 403 on the next click, whatever links they kept. Each file is sent
by ``shop.private_files`` (``private, no-store``, ``nosniff``, sandboxed).
"""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import select

from catalog.models import Certification
from catalog.trace import Lot
from catalog.trace.evidence import send_evidence
from producers.models import CooperativeDocument
from producers.workspace.access import owned_or_404, workspace
from shop.extensions import db
from shop.private_files import send_private


@workspace()
def document(document_id: int):
    """A document of the cooperative's application (registration certificate...)."""
    doc = db.session.scalar(
        select(CooperativeDocument).where(
            CooperativeDocument.id == document_id,
            CooperativeDocument.cooperative_id == g.coop.id,
        )
    )
    if doc is None:
        abort(404)
    return send_private(doc.storage_name, content_type=doc.content_type, download_name=doc.filename)


@workspace()
def certificate_document(certificate_id: int):
    """The scan of one of the cooperative's certificates."""
    certificate = owned_or_404(Certification, certificate_id)
    return send_private(certificate.document_name, download_name=certificate.document_download_name)


@workspace()
def lot_evidence(lot_id: int, sequence: int):
    """The photo or PDF behind an event of one of the cooperative's lots, private or not."""
    return send_evidence(owned_or_404(Lot, lot_id), sequence, allowed_private=True)
