"""Outgoing mail: an outbox table, a job that sends, SMTP or ``instance/outbox/``.

Every mail is a row of ``outbox_mail`` (recipient, subject, the whole
message as EML bytes, status, attempts, sent_at), written in the transaction
that causes it, so a rolled-back action mails nobody and a committed one
never loses its mail. After the commit the ``deliver`` job sends it: through
a worker when ``REDIS_URL`` is set, in this process otherwise (as before).

Never twice: ``deliver`` claims the row with a conditional UPDATE
(``pending`` → ``sending``, committed) before it talks to the mail server,
and marks it ``sent`` right after. A second run, a retry or the sweeper finds
the row claimed or sent and does nothing. The one window left: a process
that dies after the server accepted the message and before ``sent`` is
committed leaves the row ``sending``; ``retry_stale`` sends it again once
``MAIL_SENDING_TIMEOUT`` has passed, so that mail may arrive twice (SMTP has
no way to ask whether a message was taken). A failed send puts the row back
to ``pending`` and raises, so RQ retries it with backoff; after
``MAIL_MAX_ATTEMPTS`` the row is ``failed`` and stays for an administrator.

The standard library's smtplib and email packages do the work; an extension
would add nothing but another dependency for a single function.
"""

from __future__ import annotations

import email
import email.policy
import enum
import logging
import smtplib
import ssl
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import (
    DateTime,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from . import jobs, outbox
from .extensions import db
from .models import str_enum, utcnow

log = logging.getLogger(__name__)


class OutboxStatus(enum.StrEnum):
    """Where a mail is: waiting, claimed by a sender, sent, or given up."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMail(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy's dynamic base
    """One outgoing mail and how its sending went."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    #: The whole message as sent (RFC 5322 bytes: headers, text and HTML parts).
    message: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: When the last attempt claimed the row (a stale ``sending`` is retried).
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    """A multipart message with a plain-text part and an optional HTML part."""
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="taawon.ma")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def send(msg: EmailMessage) -> None:
    """Deliver through SMTP, or write the message to the outbox folder."""
    cfg = current_app.config
    if cfg.get("MAIL_SERVER"):
        _send_smtp(msg, cfg)
        return
    outbox = Path(cfg["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    (outbox / name).write_bytes(bytes(msg))


def _send_smtp(msg: EmailMessage, cfg) -> None:
    context = ssl.create_default_context()
    if cfg["MAIL_USE_SSL"]:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            cfg["MAIL_SERVER"], cfg["MAIL_PORT"], context=context, timeout=20
        )
    else:
        server = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=20)
    with server:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            server.starttls(context=context)
        if cfg["MAIL_USERNAME"]:
            server.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        server.send_message(msg)


def render(to: str, language: str, template: str, subject, **context) -> EmailMessage:
    """Render ``mail/<template>.txt`` and ``.html`` in ``language`` into a message to ``to``.

    ``subject`` is a lazy string, resolved in the recipient's language; money,
    dates and links in the mail follow that language too.
    """
    previous = g.get("lang")
    g.lang = language
    try:
        with force_locale(language):
            text = render_template(f"mail/{template}.txt", **context)
            html = render_template(f"mail/{template}.html", **context)
            return build_message(to, str(subject), text, html)
    finally:
        g.lang = previous


def send_template(to: str, lang: str, template: str, subject, **context) -> None:
    """Render a mail in ``lang`` (see ``render``); it goes out once the transaction commits."""
    send_after_commit(render(to, lang, template, subject, **context))


def send_after_commit(message: EmailMessage) -> OutboxMail:
    """Put ``message`` in the outbox; ``deliver`` sends it once the transaction commits.

    A rollback removes the row and the job with it: the mail never leaves.
    """
    row = OutboxMail(
        recipient=str(message["To"] or "")[:320],
        subject=str(message["Subject"] or "")[:500],
        message=bytes(message),
        status=OutboxStatus.PENDING,
        attempts=0,
        last_error="",
    )
    db.session.add(row)
    jobs.after_commit(deliver, jobs.RowId(row))
    return row


def drop_queued() -> None:
    """Take back the mails written in the current transaction (the demo's fictional shoppers)."""
    for (row_id,) in jobs.drop(deliver):
        row = row_id.obj
        if row in db.session.new:
            db.session.expunge(row)
        elif row in db.session:
            db.session.delete(row)


@jobs.job("mail-deliver")
def deliver(outbox_id: int) -> bool:
    """Send outbox row ``outbox_id`` unless it is sent or being sent; True if this call sent it.

    Raises the mail server's error after putting the row back, so that the
    queue retries it later (with backoff).
    """
    if not outbox.claim(
        OutboxMail, OutboxStatus, outbox_id, current_app.config["MAIL_SENDING_TIMEOUT"]
    ):
        return False
    row = db.session.get(OutboxMail, outbox_id)
    assert row is not None
    message = email.message_from_bytes(row.message, policy=email.policy.default)
    try:
        send(message)  # type: ignore[arg-type]
    except OSError as exc:  # smtplib's errors are OSErrors too
        give_up = row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
        outbox.finish(
            OutboxMail,
            OutboxStatus,
            outbox_id,
            OutboxStatus.FAILED if give_up else OutboxStatus.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        if give_up:
            log.error(
                "mail %s to %s given up after %s attempts", outbox_id, row.recipient, row.attempts
            )
            return False
        raise
    outbox.finish(
        OutboxMail, OutboxStatus, outbox_id, OutboxStatus.SENT, sent_at=utcnow(), last_error=""
    )
    return True


@jobs.job("mail-retry")
def retry_stale() -> int:
    """Hand over again the mails left behind (``shop.outbox.left_behind``); return how many.

    After ``MAIL_RETRY_AFTER`` for a ``pending`` row, ``MAIL_SENDING_TIMEOUT``
    for a ``sending`` one.
    """
    config = current_app.config
    ids = outbox.left_behind(
        OutboxMail, OutboxStatus, config["MAIL_RETRY_AFTER"], config["MAIL_SENDING_TIMEOUT"]
    )
    for outbox_id in ids:
        jobs.submit(deliver, outbox_id)
    return len(ids)


@jobs.job("mail-purge")
def purge_sent() -> int:
    """Delete the sent mails older than ``MAIL_KEEP_DAYS``; return how many.

    A sent message holds links (a reset link's token until it expires) and
    personal data that need not stay; failed ones stay for an administrator.
    """
    before = utcnow() - timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    return outbox.purge(
        OutboxMail, OutboxMail.status == OutboxStatus.SENT, OutboxMail.sent_at < before
    )


def init_mail(app: Flask) -> None:
    """Outbox settings and the periods of the sweeper and the purge."""
    app.config.setdefault("MAIL_MAX_ATTEMPTS", 1 + len(app.config["JOB_RETRY_INTERVALS"]))
    app.config.setdefault("MAIL_SENDING_TIMEOUT", 15 * 60)
    app.config.setdefault("MAIL_RETRY_AFTER", 60 * 60)
    app.config.setdefault("MAIL_KEEP_DAYS", 30)
    jobs.every(app, 5 * 60, retry_stale)
    jobs.every(app, 6 * 3600, purge_sent)
