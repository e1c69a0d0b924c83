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

from .models import utcnow


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


def send_template(to: str, lang: str, template: str, subject: str, **context) -> None:
    """Render ``mail/<template>.txt`` and ``.html`` in ``lang`` and send them.

    ``subject`` is a lazy string, resolved in the recipient's language.
    """
    previous = g.get("lang")
    g.lang = lang  # money and dates in the mail follow the recipient
    try:
        with force_locale(lang):
            text = render_template(f"mail/{template}.txt", **context)
            html = render_template(f"mail/{template}.html", **context)
            send(build_message(to, str(subject), text, html))
    finally:
        g.lang = previous
