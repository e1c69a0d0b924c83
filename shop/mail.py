"""Outgoing mail: SMTP when configured, else files in ``instance/outbox/``.

The standard library's smtplib and email packages do the work; an extension
would add nothing but another dependency for a single function.
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import db
from .models import utcnow

#: ``Session.info`` key of the mails waiting for their transaction to commit.
QUEUE = "mail_after_commit"


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
    """Render a mail in ``lang`` (see ``render``) and send it now."""
    send(render(to, lang, template, subject, **context))


def send_after_commit(message: EmailMessage) -> None:
    """Send ``message`` once the session's transaction commits; never if it rolls back."""
    db.session.info.setdefault(QUEUE, []).append(message)


def drop_queued() -> None:
    """Forget the mails waiting for the current transaction."""
    db.session.info.pop(QUEUE, None)


def _send_queued(session: Session) -> None:
    for message in session.info.pop(QUEUE, []):
        try:
            send(message)
        except OSError:  # a mail server down must not undo what was committed
            current_app.logger.exception("could not send %s", message["Subject"])


def _drop_queued(session: Session) -> None:
    session.info.pop(QUEUE, None)


def init_queue() -> None:
    """Send queued mails after commit, drop them on rollback (once per process)."""
    if not event.contains(Session, "after_commit", _send_queued):
        event.listen(Session, "after_commit", _send_queued)
        event.listen(Session, "after_rollback", _drop_queued)
