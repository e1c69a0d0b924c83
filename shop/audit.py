"""The audit log: who did what, to what, when and why (immutable rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts.models import User
from .extensions import db
from .models import utcnow


class AuditEntry(db.Model):
    """One recorded decision or administrative action."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    #: None for actions of the system itself (CLI imports, scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: Dotted verb, e.g. "cooperative.approve", "policy.update".
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    #: A short label of the target as it was (its name may change later).
    target_label: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _immutable(_mapper, _connection, _target) -> None:
    raise ValueError("audit entries are never changed")


def audit(
    actor: User | None, action: str, target: Any, reason: str = "", label: str = "", **data: Any
) -> AuditEntry:
    """Record ``action`` by ``actor`` on ``target`` (a model instance) in the session."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=getattr(target, "id", None),
        target_label=label or str(target),
        reason=reason,
        data=data,
    )
    db.session.add(entry)
    return entry
