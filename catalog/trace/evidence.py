"""Serving the file behind a trace event: public evidence to anyone, private to the allowed.

The routes decide who may ask (the public trace page, the cooperative's
workspace, the back office); this module finds the file an event names and
sends it through ``shop.private_files``, so every piece of evidence, public or
private, leaves with the same sandbox and ``nosniff`` headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, abort, request, url_for
from flask_login import current_user
from sqlalchemy import select

from producers.models import Membership
from shop.extensions import db
from shop.private_files import send_stored

from .models import Lot, TraceEvent
from .services import evidence_storage

#: Public evidence never changes (its name is its digest), but a lot can go
#: offline with its cooperative: a day of caching at most.
PUBLIC_CACHE = "public, max-age=86400"


def event_evidence(lot: Lot, sequence: int) -> Mapping[str, Any]:
    """The evidence recorded with event ``sequence`` of ``lot`` (404 if none)."""
    event = db.session.scalar(
        select(TraceEvent).where(TraceEvent.lot_id == lot.id, TraceEvent.sequence == sequence)
    )
    data = event.data if event is not None else None
    evidence = (data or {}).get("evidence")
    if not isinstance(evidence, Mapping) or not isinstance(evidence.get("name"), str):
        abort(404)
    return evidence


def send_evidence(lot: Lot, sequence: int, *, allowed_private: bool) -> Response:
    """Send the evidence of an event; private evidence only if ``allowed_private``.

    The caller has checked the permission this request; a private file is
    sent with ``private, no-store``. Refused private evidence is a 404, so
    the public route does not even confirm that it exists.
    """
    evidence = event_evidence(lot, sequence)
    private = bool(evidence.get("private"))
    if private and not allowed_private:
        abort(404)
    name = evidence["name"]
    storage = evidence_storage(name)
    if storage is None:
        abort(404)
    label = "evidence" if evidence.get("kind") == "photo" else "report"
    return send_stored(
        storage,
        name,
        download_name=f"{lot.code}-{sequence}-{label}.{name.rsplit('.', 1)[-1]}",
        cache_control="private, no-store" if private or allowed_private else PUBLIC_CACHE,
    )


def evidence_url(lot: Lot, event: TraceEvent, evidence: Mapping[str, Any]) -> str | None:
    """Where the person viewing the page opens an event's evidence (None: not for them).

    In the workspace every file opens from the workspace's route. Elsewhere
    public evidence opens from the public route; private evidence from the
    back office for an administrator, from the workspace for the
    cooperative's managers, and not at all for anyone else.
    """
    workspace = url_for(
        "producers.lot_evidence",
        slug=lot.cooperative.slug,
        lot_id=lot.id,
        sequence=event.sequence,
    )
    if request.blueprint == "producers":  # the workspace's decorator let a manager in
        return workspace
    if not evidence.get("private"):
        return url_for("trace.evidence", public_id=lot.public_id, sequence=event.sequence)
    if not current_user.is_authenticated:
        return None
    if current_user.is_admin:
        return url_for("admin.lot_evidence", lot_id=lot.id, sequence=event.sequence)
    manages = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == current_user.id, Membership.cooperative_id == lot.cooperative_id
        )
    )
    return None if manages is None else workspace
