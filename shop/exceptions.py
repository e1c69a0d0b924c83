"""The one error pattern: a refused operation with a message for the person.

Services raise a ``UserError`` subclass from their domain's
``exceptions.py`` (``orders.exceptions.OrderError``,
``producers.exceptions.ProducerError``…) with a lazy, translated message;
views call them inside :func:`shop.actions.commit_or_flash`, which commits
or rolls back and shows the message. Programming errors are not
``UserError``: they reach the 500 page.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A refused operation whose ``message`` (lazy, translated) is for the person who asked."""

    def __init__(self, message: Any) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)
