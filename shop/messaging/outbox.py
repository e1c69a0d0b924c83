"""The ``outbox_message`` table: each text written with its cause, sent once after commit.

As mail (``shop/mail.py``): ``queue`` adds the row in the transaction that
causes the message, so a rolled-back action texts nobody and a committed one
never loses its message; ``deliver`` runs after the commit (an RQ worker with
``REDIS_URL``, this process otherwise), claims the row with a conditional
UPDATE (``pending`` → ``sending``, committed before the provider is called),
sends it through the transport and marks it ``sent`` with the provider's id.
A second run, a retry or the sweeper finds it claimed or sent and does
nothing. A transport error puts the row back to ``pending`` and raises, so
the queue retries with backoff, until ``MESSAGING_MAX_ATTEMPTS``; a refusal
that cannot change (Twilio's 4xx: a bad number) is ``failed`` at once. The
window left is mail's: a process that dies after Twilio took the message
and before ``sent`` is committed leaves ``sending``, sent again by
``retry_stale`` after ``MESSAGING_SENDING_TIMEOUT``.

The carrier's reports (``apply_status``, from the status webhook) then move
a sent message to ``delivered``, ``undelivered`` or ``failed``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import case, or_, select, update

from .. import jobs
from .. import outbox as rows
from ..extensions import db
from ..models import utcnow
from ..urls import external_url
from . import limits
from .models import REPORTABLE, Channel, MessageStatus, OutboxMessage
from .segments import gsm_friendly, segments
from .transports import SendError, get_transport

log = logging.getLogger(__name__)

#: Twilio's message statuses, as ours (the others, ``queued``, ``sending``,
#: ``accepted``, ``scheduled``, leave the row ``sent``).
PROVIDER_STATUSES = {
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,  # WhatsApp: read, so delivered
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}


def queue(phone: str, channel: Channel | str, text: str) -> OutboxMessage:
    """Write the message to the outbox; ``deliver`` sends it once the transaction commits.

    Over a rate limit (``limits``) the row is written ``failed`` with the
    reason, logged, and never sent.
    """
    channel = Channel(channel)
    if channel == Channel.SMS:
        text = gsm_friendly(text)
    address = limits.client_address()
    row = OutboxMessage(
        phone=phone[:20],
        channel=channel,
        body=text,
        segments=segments(text) if channel == Channel.SMS else 1,
        status=MessageStatus.PENDING,
        attempts=0,
        last_error="",
        client_address=(address or "")[:64],
    )
    db.session.add(row)
    refusal = limits.take(phone, address)
    if refusal is not None:
        row.status = MessageStatus.FAILED
        row.last_error = str(refusal)
        log.warning(
            "%s message to %s not sent: %s (client %s)", channel, _masked(phone), refusal, address
        )
        return row
    jobs.after_commit(deliver, jobs.RowId(row))
    return row


def _masked(phone: str) -> str:
    # Logs keep the country and the last digits, enough to match a complaint.
    return phone[:4] + "…" + phone[-3:] if len(phone) > 8 else "…"


@jobs.job("messaging.deliver_text")
def deliver(outbox_id: int) -> bool:
    """Send outbox row ``outbox_id`` unless it is sent or being sent; True if this call sent it.

    Raises the transport's error after putting the row back, so that the
    queue retries it later (with backoff).
    """
    config = current_app.config
    if not rows.claim(OutboxMessage, MessageStatus, outbox_id, config["MESSAGING_SENDING_TIMEOUT"]):
        return False
    row = db.session.get(OutboxMessage, outbox_id)
    assert row is not None
    callback = None
    if config.get("MESSAGING_TRANSPORT") == "twilio":
        callback = external_url("twilio_webhooks.status", m=row.id)
    try:
        provider_id = get_transport().send(row, callback)
    except SendError as exc:
        give_up = exc.permanent or row.attempts >= config["MESSAGING_MAX_ATTEMPTS"]
        rows.finish(
            OutboxMessage,
            MessageStatus,
            outbox_id,
            MessageStatus.FAILED if give_up else MessageStatus.PENDING,
            last_error=str(exc)[:2000],
        )
        if give_up:
            log.error(
                "%s message %s to %s failed after %s attempts: %s",
                row.channel,
                outbox_id,
                _masked(row.phone),
                row.attempts,
                exc,
            )
            return False
        raise
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(
            # A report that came in before this commit (delivered) stays.
            status=case(
                (OutboxMessage.status == MessageStatus.SENDING, MessageStatus.SENT),
                else_=OutboxMessage.status,
            ),
            provider_id=provider_id[:64],
            sent_at=utcnow(),
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return True


def apply_status(
    outbox_id: int | None, provider_id: str, status: str, error: str = ""
) -> OutboxMessage | None:
    """Record the carrier's report on a message; the row, or None if it is not ours.

    Found by our id (in the callback's address) and the provider's id, which
    must agree. Only a message still ``sending`` or ``sent`` moves: reports
    arrive out of order, and a final status is not taken back. Flushes.
    """
    query = select(OutboxMessage).where(OutboxMessage.provider_id == provider_id)
    if outbox_id is not None:
        query = select(OutboxMessage).where(
            OutboxMessage.id == outbox_id,
            or_(OutboxMessage.provider_id.is_(None), OutboxMessage.provider_id == provider_id),
        )
    row = db.session.scalar(query.with_for_update())
    if row is None:
        return None
    new = PROVIDER_STATUSES.get(status)
    if new is None or new == MessageStatus.SENT or row.status not in REPORTABLE:
        return row
    row.status = new
    row.reported_at = utcnow()
    row.provider_id = row.provider_id or provider_id[:64]
    if error:
        row.last_error = error[:2000]
    db.session.flush()
    return row


@jobs.job("messaging-retry")
def retry_stale() -> int:
    """Hand over again the messages left behind; return how many (as ``mail.retry_stale``)."""
    config = current_app.config
    ids = rows.left_behind(
        OutboxMessage,
        MessageStatus,
        config["MESSAGING_RETRY_AFTER"],
        config["MESSAGING_SENDING_TIMEOUT"],
    )
    for outbox_id in ids:
        jobs.submit(deliver, outbox_id)
    return len(ids)


@jobs.job("messaging-purge")
def purge_old() -> int:
    """Delete the messages older than ``MESSAGING_KEEP_DAYS``; return how many.

    A message holds a phone number and what was said to it; the failed ones
    stay as long, for an administrator to see what went wrong.
    """
    before = utcnow() - timedelta(days=current_app.config["MESSAGING_KEEP_DAYS"])
    return rows.purge(
        OutboxMessage,
        OutboxMessage.created_at < before,
        OutboxMessage.status.not_in((MessageStatus.PENDING, MessageStatus.SENDING)),
    )


def init_outbox(app: Flask) -> None:
    """Outbox settings and the periods of the sweeper and the purge."""
    app.config.setdefault("MESSAGING_MAX_ATTEMPTS", 1 + len(app.config["JOB_RETRY_INTERVALS"]))
    app.config.setdefault("MESSAGING_SENDING_TIMEOUT", 15 * 60)
    app.config.setdefault("MESSAGING_RETRY_AFTER", 60 * 60)
    app.config.setdefault("MESSAGING_KEEP_DAYS", 90)
    jobs.every(app, 5 * 60, retry_stale)
    jobs.every(app, 6 * 3600, purge_old)
