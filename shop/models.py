"""Core model helpers shared by every domain."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Naive UTC now: the database stores UTC without an offset."""
    return datetime.now(UTC).replace(tzinfo=None)


class Timestamped:
    """Adds ``created_at`` (UTC)."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
