"""Views run a service, then commit once, or roll back and say why.

::

    with commit_or_flash(_("Saved.")) as outcome:
        services.rename(product, form.name.data)
    if outcome.ok:
        return redirect(...)
    return render_template(...)  # the form again, its input kept

A :class:`~shop.exceptions.UserError` raised in the block rolls the session
back and flashes its message as an error; anything else propagates (the
500 handler rolls back too).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import flash

from .exceptions import UserError
from .extensions import db


@dataclass
class Outcome:
    """What became of the block: ``ok``, or the ``error`` that refused it."""

    error: UserError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def commit_or_flash(success: Any = None, *, category: str = "success") -> Iterator[Outcome]:
    """Commit what the block did and flash ``success``; on a UserError roll back and flash it."""
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except UserError as exc:
        db.session.rollback()
        outcome.error = exc
        flash(str(exc.message), "error")
    else:
        if success is not None:
            flash(str(success), category)
