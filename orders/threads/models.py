"""Conversations between a shopper and a cooperative: threads, their messages, and
each cooperative's usual response time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Product
from producers.models import Cooperative
from shop.accounts.models import User
from shop.extensions import Model
from shop.models import utcnow

from ..models import Order


class Thread(Model):
    """One conversation: a shopper's question about a product, or about an order."""

    __tablename__ = "thread"
    __table_args__ = (
        # The inbox: a cooperative's unanswered threads first, then the newest.
        Index("ix_thread_inbox", "cooperative_id", "awaiting_reply", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    shopper_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("order.id", ondelete="SET NULL"), index=True
    )
    #: What it is about, as the shopper saw it when asking (a product's name, an order's number).
    subject: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    last_message_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: The shopper wrote last: the cooperative owes an answer (inbox order).
    awaiting_reply: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When the cooperative first answered (its response time).
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Reported by someone in the thread: only then may an administrator read it.
    reported_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    report_reason: Mapped[str] = mapped_column(Text, default="")

    cooperative: Mapped[Cooperative] = relationship()
    shopper: Mapped[User] = relationship(foreign_keys=[shopper_id])
    product: Mapped[Product | None] = relationship()
    order: Mapped[Order | None] = relationship()
    messages: Mapped[list[ThreadMessage]] = relationship(
        back_populates="thread",
        order_by="ThreadMessage.id",
        cascade="all, delete-orphan",
    )


class ThreadMessage(Model):
    """One message of a thread, as stored: contact details already masked when they had to be."""

    __tablename__ = "thread_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("thread.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: Written by one of the cooperative's managers (else by the shopper).
    from_cooperative: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    #: Contact details were hidden from this message (the original is not kept).
    masked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A photo in the private storage (``threads/…jpg``), re-encoded without metadata.
    image_name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    thread: Mapped[Thread] = relationship(back_populates="messages")


class ResponseTime(Model):
    """A cooperative's median first-response time over the last 90 days (its public profile).

    Computed when it answers a thread for the first time and by a daily job,
    so the profile reads one row by its key.
    """

    __tablename__ = "cooperative_response_time"

    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), primary_key=True
    )
    #: None while there are too few answered threads to say.
    median_minutes: Mapped[int | None] = mapped_column(Integer)
    threads_count: Mapped[int] = mapped_column(Integer, default=0)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
