"""Short messages beside e-mail: one ``notify`` for every notice to a person.

Every notice (an order to confirm, a parcel shipped, a new parcel to prepare)
goes through ``notify(recipient, key, subject, **context)``:

- ``Channel.EMAIL`` renders ``mail/<key>.txt`` and ``mail/<key>.html`` in the
  recipient's language and puts them in the mail outbox (``shop.mail``);
- ``Channel.SMS`` and ``Channel.WHATSAPP`` render ``messages/<key>.txt`` (one
  short paragraph) in the recipient's language and hand it to the configured
  transport once the transaction commits (``send_text``).

A recipient without a phone number falls back to e-mail. Replies and delivery
statuses come back through ``inbound``: a domain registers a handler with
``on_reply`` (the cash-on-delivery confirmation does) and the webhook calls
``dispatch_reply``.

This package is the contract the domains use; the transports (files in
``instance/outbox/messages/`` by default, Twilio when configured), the
per-number rate limits and the webhook live beside it.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, g, render_template
from flask_babel import force_locale

from .. import jobs, mail
from ..clock import utcnow


class Channel(enum.StrEnum):
    """How a person wants to hear from Taawon."""

    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


@dataclass(frozen=True)
class Recipient:
    """Who a notice goes to, in which language, by which channel."""

    lang: str
    email: str = ""
    phone: str = ""
    channel: Channel = Channel.EMAIL

    @property
    def effective_channel(self) -> Channel:
        """The channel actually used: e-mail when there is no phone number."""
        if self.channel != Channel.EMAIL and not self.phone:
            return Channel.EMAIL
        return self.channel


def render_text(lang: str, key: str, **context: Any) -> str:
    """``messages/<key>.txt`` rendered in ``lang``, whitespace collapsed to one paragraph."""
    previous = g.get("lang")
    g.lang = lang
    try:
        with force_locale(lang):
            text = render_template(f"messages/{key}.txt", **context)
    finally:
        g.lang = previous
    return " ".join(text.split())


def notify(recipient: Recipient, key: str, subject: Any, **context: Any) -> None:
    """Tell ``recipient`` about something, by their channel, once the transaction commits."""
    channel = recipient.effective_channel
    if channel == Channel.EMAIL:
        if recipient.email:
            mail.send_template(recipient.email, recipient.lang, key, subject, **context)
        return
    send_text(recipient.phone, channel, render_text(recipient.lang, key, **context))


def send_text(phone: str, channel: Channel, text: str) -> None:
    """Send ``text`` to ``phone`` by SMS or WhatsApp after the commit."""
    jobs.after_commit(deliver_text, phone, str(channel), text)


@jobs.job("messaging.deliver_text")
def deliver_text(phone: str, channel: str, text: str) -> None:
    """Hand one message to the outbox folder (the default transport)."""
    folder = Path(current_app.config["OUTBOX_DIR"]) / "messages"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    record = {"to": phone, "channel": channel, "body": text, "at": utcnow().isoformat()}
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")


#: Handlers of inbound replies, tried in order until one says it took the reply.
ReplyHandler = Callable[[str, str], bool]
_reply_handlers: list[ReplyHandler] = []


def on_reply(handler: ReplyHandler) -> ReplyHandler:
    """Register ``handler(phone, body) -> bool`` for inbound replies (a decorator)."""
    if handler not in _reply_handlers:
        _reply_handlers.append(handler)
    return handler


def dispatch_reply(phone: str, body: str) -> bool:
    """Give an inbound reply to the first handler that takes it; False if none does."""
    return any(handler(phone, body) for handler in list(_reply_handlers))
