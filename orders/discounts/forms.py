"""The cart's code field, and the administrators' and cooperatives' code form."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from shop.clock import day_start
from shop.fields import BoundedIntegerField

from .codes import CODE_MAX
from .manage import CodeInput
from .models import DiscountKind


class CartCodeForm(FlaskForm):
    """A code typed in the cart, or the button that removes it."""

    code = StringField(_l("Discount code"), validators=[Optional(), Length(max=CODE_MAX + 20)])
    remove = SubmitField(_l("Remove the code"))


KIND_LABELS = {
    DiscountKind.PERCENT: _l("A percentage off"),
    DiscountKind.AMOUNT: _l("An amount off"),
    DiscountKind.FREE_SHIPPING: _l("Free shipping"),
}


class CodeForm(FlaskForm):
    """A new code: what it takes off, when, for which basket, how often."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=CODE_MAX)])
    kind = RadioField(
        _l("What it gives"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=DiscountKind.PERCENT.value,
    )
    percent = BoundedIntegerField(
        _l("Percentage (1 to 100)"), validators=[Optional(), NumberRange(1, 100)]
    )
    amount = BoundedIntegerField(
        _l("Amount in MAD"), validators=[Optional(), NumberRange(1, 1_000_000)]
    )
    starts = DateField(_l("First day (optional)"), validators=[Optional()])
    ends = DateField(_l("Last day (optional)"), validators=[Optional()])
    min_basket = BoundedIntegerField(
        _l("Minimum basket in MAD (optional)"), validators=[Optional(), NumberRange(0, 1_000_000)]
    )
    max_uses = BoundedIntegerField(
        _l("Uses in all (optional)"), validators=[Optional(), NumberRange(1, 1_000_000)]
    )
    per_shopper = BoundedIntegerField(
        _l("Uses per shopper (optional)"), validators=[Optional(), NumberRange(1, 1_000_000)]
    )

    def to_input(self) -> CodeInput:
        """The form's values for ``manage.create_code`` (days in the shop's time zone)."""
        kind = DiscountKind(self.kind.data)
        value = {
            DiscountKind.PERCENT: self.percent.data or 0,
            DiscountKind.AMOUNT: (self.amount.data or 0) * 100,
            DiscountKind.FREE_SHIPPING: 0,
        }[kind]
        return CodeInput(
            code=self.code.data or "",
            kind=kind,
            value=value,
            starts_at=_day(self.starts.data),
            # The last day counts in full: the code ends as the next day begins.
            ends_at=_day(self.ends.data + timedelta(days=1) if self.ends.data else None),
            min_basket_cents=(self.min_basket.data or 0) * 100,
            max_uses=self.max_uses.data,
            per_shopper=self.per_shopper.data,
        )


def _day(day: date | None) -> datetime | None:
    return None if day is None else day_start(day)
