"""Core model helpers shared by every domain."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """Naive UTC now: the database stores UTC without an offset."""
    return datetime.now(UTC).replace(tzinfo=None)


class Timestamped:
    """Adds ``created_at`` (UTC)."""

    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


def str_enum(cls: type[enum.StrEnum]) -> Enum:
    """A column type storing a StrEnum's values as VARCHAR (no native enum,
    so adding a value needs no ALTER TYPE on PostgreSQL)."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
