"""The money domain's refusals: each a :class:`shop.exceptions.UserError` with a
lazy, translated ``message`` for the person who asked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shop.exceptions import UserError


class PayoutError(UserError):
    """A refused payout operation, with a translated message."""


class PolicyError(UserError):
    """A refused change, with translated messages (overall and per form field)."""

    def __init__(self, message: Any, errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        #: field name → message, for the form to show beside each field.
        self.errors = dict(errors or {})


class PolicyConflict(PolicyError):
    """Another administrator changed the same thing meanwhile."""


class DistributionError(UserError):
    """A refused change of the member distribution, with a message for the manager."""


class BankDetailsError(UserError):
    """A refused change of bank details, with a translated message."""

    def __init__(self, message: Any, field: str = "current_password") -> None:
        super().__init__(message)
        #: The form field the message belongs beside.
        self.field = field
