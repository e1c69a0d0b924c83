"""The threads' reads: lists a page at a time, one thread for whoever may see it."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from shop.accounts.models import User
from shop.extensions import db

from .models import Thread

#: Threads per page (the shopper's list, the inbox, the back office's reports).
PAGE_SIZE = 20


def inbox(cooperative_id: int) -> Select:
    """A cooperative's threads, those waiting for its answer first, then the newest."""
    return (
        select(Thread)
        .where(Thread.cooperative_id == cooperative_id)
        .options(joinedload(Thread.shopper).load_only(User.name))
        .order_by(Thread.awaiting_reply.desc(), Thread.last_message_at.desc(), Thread.id.desc())
    )


def of_shopper(user_id: int) -> Select:
    """A shopper's threads, the most recently active first."""
    return (
        select(Thread)
        .where(Thread.shopper_id == user_id)
        .order_by(Thread.last_message_at.desc(), Thread.id.desc())
    )


def reported() -> Select:
    """Reported threads, the latest report first (all the back office may open)."""
    return (
        select(Thread)
        .where(Thread.reported_at.is_not(None))
        .options(joinedload(Thread.cooperative))
        .order_by(Thread.reported_at.desc(), Thread.id.desc())
    )


def for_shopper(thread_id: int, user_id: int) -> Thread | None:
    """The thread if it is this shopper's (anyone else: None, a 404)."""
    return _one(select(Thread).where(Thread.id == thread_id, Thread.shopper_id == user_id))


def for_cooperative(thread_id: int, cooperative_id: int) -> Thread | None:
    """The thread if it is this cooperative's (another's: None, a 404)."""
    return _one(
        select(Thread).where(Thread.id == thread_id, Thread.cooperative_id == cooperative_id)
    )


def reported_one(thread_id: int) -> Thread | None:
    """The thread if it was reported (the only ones administrators may read)."""
    return _one(select(Thread).where(Thread.id == thread_id, Thread.reported_at.is_not(None)))


def _one(statement: Select) -> Thread | None:
    return db.session.scalar(statement)
