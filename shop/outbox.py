"""What the mail and text outboxes share: claiming a row, finishing it, and the sweeps.

``shop/mail.py`` (``outbox_mail``) and ``shop/messaging/outbox.py``
(``outbox_message``) keep each message as a row written with its cause and
send it after the commit. Both tables have ``id``, ``status`` (an enum with
``PENDING`` and ``SENDING``), ``attempts``, ``created_at`` and
``attempted_at``; these functions are the rules both follow, so a message is
claimed, given back and found again the same way whatever carries it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, update

from .extensions import db
from .models import utcnow

#: Rows a sweep hands over, or deletes in one statement, at a time.
BATCH = 500


def claim(model: Any, status: Any, row_id: int, timeout: int) -> bool:
    """Claim row ``row_id`` for sending: ``pending``, or ``sending`` for over ``timeout`` seconds.

    A conditional UPDATE (``sending``, one more attempt), committed before the
    caller talks to the carrier, so a second run, a retry or the sweeper finds
    the row taken. True if this call claimed it.
    """
    now = utcnow()
    stale = now - timedelta(seconds=timeout)
    claimed = db.session.scalar(
        update(model)
        .where(
            model.id == row_id,
            or_(
                model.status == status.PENDING,
                and_(model.status == status.SENDING, model.attempted_at < stale),
            ),
        )
        .values(status=status.SENDING, attempts=model.attempts + 1, attempted_at=now)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # the claim is visible to every other sender before we send
    return claimed is not None


def finish(model: Any, status: Any, row_id: int, new_status: Any, **values: object) -> None:
    """Move a row this process claimed (still ``sending``) to ``new_status``, and commit."""
    db.session.execute(
        update(model)
        .where(model.id == row_id, model.status == status.SENDING)
        .values(status=new_status, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def left_behind(model: Any, status: Any, retry_after: int, timeout: int) -> list[int]:
    """Rows to hand over again, oldest first (at most ``BATCH``).

    ``pending`` rows older than ``retry_after`` seconds and not tried since
    (their job was lost: no worker, Redis down at the commit, an in-process
    failure), and ``sending`` rows claimed over ``timeout`` seconds ago (a
    sender died). Ends the read transaction.
    """
    now = utcnow()
    waited = now - timedelta(seconds=retry_after)
    stale = now - timedelta(seconds=timeout)
    ids = list(
        db.session.scalars(
            select(model.id)
            .where(
                or_(
                    and_(
                        model.status == status.PENDING,
                        model.created_at < waited,
                        or_(model.attempted_at.is_(None), model.attempted_at < waited),
                    ),
                    and_(model.status == status.SENDING, model.attempted_at < stale),
                )
            )
            .order_by(model.id)
            .limit(BATCH)
        )
    )
    db.session.rollback()
    return ids


def purge(model: Any, *conditions: ColumnElement[bool]) -> int:
    """Delete the rows matching ``conditions``, in batches, and commit; return how many."""
    ids = list(db.session.scalars(select(model.id).where(*conditions)))
    for start in range(0, len(ids), BATCH):
        db.session.execute(delete(model).where(model.id.in_(ids[start : start + BATCH])))
    db.session.commit()
    return len(ids)
