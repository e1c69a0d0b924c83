"""The catalog's errors: refused operations (``UserError``) and one programming error.

``ImageError`` also stays a ``ValueError``: a photo that is not an image
is a bad value wherever it is checked, and ``store_evidence`` callers (and
its test) rely on catching it as one. The others are plain ``UserError``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.exceptions import UserError
from shop.i18n import format_money

from .models import FloorCheck, Unit


class CatalogError(UserError):
    """A refused catalog operation, with a translated message."""


class FloorError(CatalogError):
    """A price under the floor: the message names the floor and the price that meets it."""

    def __init__(self, check: FloorCheck) -> None:
        reference = {
            Unit.ML: _l("per litre"),
            Unit.G: _l("per kilogram"),
            Unit.PIECE: _l("per piece"),
        }[check.floor.unit]
        super().__init__(
            _l(
                "%(sku)s pays the cooperative %(revenue)s %(reference)s, under the floor of "
                "%(floor)s %(reference)s for this category. A price of at least %(price)s meets it.",
                sku=check.variant.sku,
                revenue=format_money(check.revenue_per_reference),
                floor=format_money(check.floor.cents_per_reference),
                reference=reference,
                price=format_money(check.min_price_cents),
            )
        )
        self.check = check


class ImageError(UserError, ValueError):
    """An upload refused, with a message for the person who sent it."""


class TraceError(UserError):
    """A refused lot or event operation, with a message for the manager."""


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete a recorded trace event (a programming error)."""
