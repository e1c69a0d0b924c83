"""Short messages beside e-mail: one ``notify`` for every notice to a person.

Every notice (an order to confirm, a parcel shipped, a new parcel to prepare)
goes through ``notify(recipient, key, subject, **context)``:

- ``Channel.EMAIL`` renders ``mail/<key>.txt`` and ``mail/<key>.html`` in the
  recipient's language and puts them in the mail outbox (``shop.mail``);
- ``Channel.SMS`` and ``Channel.WHATSAPP`` render ``messages/<key>.txt`` (one
  short paragraph) in the recipient's language and hand it to the configured
  transport once the transaction commits (``send_text``).

A recipient without a phone number falls back to e-mail. Replies and delivery
statuses come back through Twilio's webhooks: a domain registers a handler
with ``on_reply`` (the cash-on-delivery confirmation does) and the inbound
webhook calls ``dispatch_reply``.

This package is the contract the domains use; behind it:

- ``models.py``: ``Channel`` and the ``outbox_message`` table;
- ``outbox.py``: ``send_text`` writes a row in the causing transaction, the
  ``messaging.deliver_text`` job claims it after the commit with a
  conditional UPDATE and sends it once, retried like mail;
- ``transports.py``: files in ``instance/outbox/messages/`` by default,
  Twilio (SMS and WhatsApp) with ``MESSAGING_TRANSPORT=twilio``;
- ``segments.py``: what a text costs in SMS parts (GSM-7 or UCS-2);
- ``limits.py``: per number, per client address and daily limits against
  SMS pumping;
- ``webhooks.py``: Twilio's signed delivery reports and inbound replies;
- ``replies.py``: ``on_reply`` and ``dispatch_reply``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g, render_template
from flask_babel import force_locale

from .. import mail
from .models import Channel, MessageStatus, OutboxMessage
from .outbox import deliver as deliver_text
from .outbox import queue
from .replies import ReplyHandler, dispatch_reply, on_reply
from .replies import _reply_handlers as _reply_handlers  # the tests reset it
from .segments import segments

__all__ = [
    "Channel",
    "MessageStatus",
    "OutboxMessage",
    "Recipient",
    "ReplyHandler",
    "deliver_text",
    "dispatch_reply",
    "init_messaging",
    "notify",
    "on_reply",
    "render_text",
    "segments",
    "send_text",
]


@dataclass(frozen=True)
class Recipient:
    """Who a notice goes to, in which language, by which channel."""

    lang: str
    email: str = ""
    phone: str = ""
    channel: Channel = Channel.EMAIL

    @classmethod
    def for_user(cls, user: Any) -> Recipient:
        """The recipient an account describes: its language, e-mail, phone and chosen channel.

        ``user`` is a ``shop.accounts.models.User`` (not imported: accounts
        imports this package for ``Channel``).
        """
        return cls(
            lang=user.locale or "fr",
            email=user.email or "",
            phone=user.phone or "",
            channel=Channel(user.message_channel or Channel.EMAIL),
        )

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


def send_text(phone: str, channel: Channel, text: str) -> OutboxMessage:
    """Send ``text`` to ``phone`` by SMS or WhatsApp after the commit; the outbox row.

    The row is written now, in the caller's transaction (a rollback removes
    it); over a rate limit it is written ``failed`` and nothing is sent.
    """
    return queue(phone, channel, text)


def init_messaging(app: Flask) -> None:
    """The outbox's settings and periodic jobs, the rate limits, Twilio's webhooks."""
    from .limits import init_limits
    from .outbox import init_outbox
    from .webhooks import bp

    init_outbox(app)
    init_limits(app)
    app.register_blueprint(bp)
