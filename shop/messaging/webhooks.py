"""Twilio's calls back: delivery reports and inbound replies, each signed.

``POST /webhooks/twilio/status`` (the ``status_callback`` of every message
sent, with our outbox id in its query) moves the outbox row to
``delivered``, ``undelivered`` or ``failed``; ``POST /webhooks/twilio/inbound``
(the number's "a message comes in" address in Twilio's console) hands the
reply to ``dispatch_reply`` and answers an empty TwiML document (no reply
text: the handler sends its own, through the outbox, if it has one).

Both are exempt from CSRF (Twilio holds no session) and checked instead
with ``X-Twilio-Signature``: an HMAC-SHA1, keyed with ``TWILIO_AUTH_TOKEN``,
of the address Twilio called and the form it posted. The address is rebuilt
from ``PUBLIC_BASE_URL``, never from the request's Host, so a signature made
for another site is refused too. A missing or forged signature is a 403 that
changes nothing; without a token nothing can be checked, so everything is refused.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from flask import Blueprint, Response, abort, current_app, request

from ..extensions import csrf, db, limiter
from ..params import query_int
from ..urls import base_url
from .outbox import apply_status
from .replies import dispatch_reply

log = logging.getLogger(__name__)

bp = Blueprint("twilio_webhooks", __name__, url_prefix="/webhooks/twilio")

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_url() -> str:
    """The address Twilio signed: the public base URL, this path and query."""
    url = base_url().url + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url


def verified() -> bool:
    """True when ``X-Twilio-Signature`` matches this request, by ``TWILIO_AUTH_TOKEN``."""
    from twilio.request_validator import RequestValidator

    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    return bool(RequestValidator(token).validate(signed_url(), request.form, signature))


def _refuse() -> NoReturn:
    log.warning(
        "Twilio webhook %s refused: bad or missing signature (client %s)",
        request.path,
        request.remote_addr,
    )
    abort(403)


@bp.route("/status", methods=["POST"])
@csrf.exempt
@limiter.exempt
def status() -> Response:
    """A delivery report: the outbox row takes the carrier's status."""
    if not verified():
        _refuse()
    form = request.form
    error = form.get("ErrorCode", "")[:20]
    row = apply_status(
        query_int("m", None, min=1),
        form.get("MessageSid", "")[:64],
        form.get("MessageStatus", "")[:20],
        f"Twilio error {error}" if error else "",
    )
    if row is None:
        log.info("Twilio status for an unknown message %s", form.get("MessageSid", "")[:64])
    db.session.commit()
    return Response(status=204)


@bp.route("/inbound", methods=["POST"])
@csrf.exempt
@limiter.exempt
def inbound() -> Response:
    """A reply: the first handler that takes it acts; Twilio gets an empty answer."""
    if not verified():
        _refuse()
    phone = request.form.get("From", "").removeprefix("whatsapp:")[:20]
    body = request.form.get("Body", "")[:1600]
    try:
        taken = dispatch_reply(phone, body)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("reply from %s failed", phone[:4])
        raise
    if not taken:
        log.info("reply from %s… taken by no handler", phone[:4])
    return Response(EMPTY_TWIML, mimetype="text/xml")
