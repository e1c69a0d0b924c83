"""The threads' refusals, each a :class:`~orders.exceptions.OrderError` (so a ``UserError``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..exceptions import OrderError


class ThreadError(OrderError):
    """A refused message or thread, with a message for the person who wrote it."""


class TooManyMessages(ThreadError):
    """Over a rate limit: the message is not sent, the text stays in the form."""

    def __init__(self) -> None:
        """Say so, and that the text is kept."""
        super().__init__(
            _l(
                "You have sent many messages in a short time. Your text is kept below: "
                "please wait a little and send it again."
            )
        )
