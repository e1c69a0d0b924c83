"""The short-message outbox: one row per SMS or WhatsApp message, and the channels.

Kept apart from the package's ``__init__`` so that ``shop.accounts.models``
can name ``Channel`` for a user's choice without importing the senders.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..models import str_enum, utcnow


class Channel(enum.StrEnum):
    """How a person wants to hear from Taawon."""

    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"


class MessageStatus(enum.StrEnum):
    """Where a message is.

    ``pending`` → ``sending`` (claimed by one sender) → ``sent`` (the
    transport took it), then what the carrier reports: ``delivered`` or
    ``undelivered``. ``failed``: refused by the provider, given up after
    retries, or never sent because a rate limit stopped it (``last_error``
    says which).
    """

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"


#: Statuses the carrier's report may still change.
REPORTABLE = (MessageStatus.SENDING, MessageStatus.SENT)


class OutboxMessage(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy's dynamic base
    """One outgoing SMS or WhatsApp message and how its sending went."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: E.164 (``+212612345678``), without WhatsApp's ``whatsapp:`` prefix.
    phone: Mapped[str] = mapped_column(String(20), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    body: Mapped[str] = mapped_column(Text)
    #: SMS parts the body costs (``segments.segments``); 1 on WhatsApp.
    segments: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[MessageStatus] = mapped_column(
        str_enum(MessageStatus), default=MessageStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The provider's id of the message (Twilio's ``SM…``/``MM…`` SID, or the
    #: outbox file's name), unique: a status report finds its row by it.
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: The client address of the request that caused the message (rate limits, abuse).
    client_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: When the last attempt claimed the row (a stale ``sending`` is retried).
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: When the carrier last reported on it (delivered, undelivered, failed).
    reported_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.channel} {self.status}>"
