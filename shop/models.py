"""Core model helpers shared by every domain."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Enum, Integer, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Mapped, mapped_column

from .extensions import db


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


def among(
    column: InstrumentedAttribute[Any] | ColumnElement[Any], ids: Sequence[int]
) -> ColumnElement[bool]:
    """``column IN ids`` for long lists of integer ids.

    On PostgreSQL one array parameter (``= ANY(:ids)``) instead of a bound
    parameter per id, which costs the driver and the planner per id; on
    SQLite ``IN (...)`` (keep lists under its limit of variables).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(Integer)))
    return column.in_(list(ids))
