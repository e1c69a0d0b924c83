"""The orders domain's refusals: each a :class:`~shop.exceptions.UserError`.

Views run the services inside :func:`shop.actions.commit_or_flash` (or catch
these to choose where to send the shopper); the ``message`` is lazy and
translated, for the person who asked.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.exceptions import UserError


class OrderError(UserError):
    """A refused order operation, with a message for the person who asked."""


class IllegalTransition(OrderError):
    """A status change the state machine does not allow."""


class SoldOut(OrderError):
    """Some items could not be taken from stock; ``names`` says which."""

    def __init__(self, names: list[str]) -> None:
        """Name the items that sold out."""
        super().__init__(
            _l(
                "Sorry, sold out before your order went through: %(items)s. "
                "Your cart is kept; change it and try again.",
                items=", ".join(names),
            )
        )
        self.names = names


class PriceChanged(OrderError):
    """The total differs from the one the shopper reviewed."""


class RefundError(OrderError):
    """A refused refund or cancellation, with a message for the administrator."""


class CartError(UserError):
    """A refused cart change, with a message for the shopper."""
