"""Form fields with bounds: the forms' half of ``shop/params.py``.

WTForms' own ``IntegerField`` takes any length of digits (2**63 overflows
the database), ``DateField`` any year (9999-12-31 plus a day overflows
Python's dates) and ``DecimalField`` ``NaN`` and ``Infinity``. These
replacements refuse such values with a translated message on the field, so
the form is shown again with the input kept. Every one reads Arabic-Indic
digits as ASCII (``shop/digits.py``); text fields holding numbers or
identifiers (GTIN, phone, postal code, ICE, RIB) use ``digits_filter``.
"""

from __future__ import annotations

import decimal
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DateTimeLocalField, DecimalField, IntegerField
from wtforms.validators import StopValidation

from .digits import ascii_digits, digits_filter
from .params import MAX_DATE, MAX_INT32, MIN_DATE, parse_int

__all__ = [
    "BoundedDateField",
    "BoundedDateTimeLocalField",
    "BoundedIntegerField",
    "FiniteDecimalField",
    "digits_filter",
]


def _first(valuelist: list[Any]) -> str | None:
    if not valuelist or not isinstance(valuelist[0], str):
        return None
    return ascii_digits(valuelist[0]).strip()


class _KeepsItsMessage:
    """A value that could not be read says why, rather than "This field is required".

    ``DataRequired`` clears a field's errors when its data is None, which is
    what a refused value leaves; stopping before the validators keeps the
    reason (and the typed text, shown again).
    """

    def pre_validate(self, form: Any) -> None:
        # Only for something typed: an empty field is for Optional() (which
        # clears WTForms' "not a valid number") or DataRequired() to judge.
        raw = getattr(self, "raw_data", None) or [""]
        typed = isinstance(raw[0], str) and raw[0].strip()
        if getattr(self, "process_errors", None) and typed:
            raise StopValidation()


class BoundedIntegerField(_KeepsItsMessage, IntegerField):
    """A whole number in ``minimum..maximum`` (by default 0 … 2**31-1, an INTEGER column)."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        minimum: int = 0,
        maximum: int = MAX_INT32,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = _first(valuelist)
        if not text:
            self.data = None
            return
        self.data = parse_int(text, min=self.minimum, max=self.maximum)
        if self.data is None:
            raise ValueError(
                _l(
                    "A whole number from %(min)s to %(max)s.",
                    min=self.minimum,
                    max=self.maximum,
                )
            )


class BoundedDateField(_KeepsItsMessage, DateField):
    """A date between 1900 and 2100: arithmetic on it (a day later, a year later) never overflows."""

    def __init__(
        self,
        label: Any = None,
        validators: Any = None,
        *,
        minimum: date = MIN_DATE,
        maximum: date = MAX_DATE,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = _first(valuelist)
        super().process_formdata([text] if text is not None else valuelist)
        if self.data is not None and not self.minimum <= self.data <= self.maximum:
            self.data = None
            raise ValueError(
                _l(
                    "A date between %(min)s and %(max)s.",
                    min=self.minimum.year,
                    max=self.maximum.year,
                )
            )


class FiniteDecimalField(_KeepsItsMessage, DecimalField):
    """A decimal number that is a number: ``NaN``, ``Infinity`` and huge exponents are refused."""

    #: Decimal('1e999999') is finite but overflows every column and every quantize().
    LIMIT = decimal.Decimal(10) ** 12

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = _first(valuelist)
        super().process_formdata([text] if text is not None else valuelist)
        if self.data is not None and (not self.data.is_finite() or abs(self.data) >= self.LIMIT):
            self.data = None
            raise ValueError(_l("Write a number, like 31.6295."))


class BoundedDateTimeLocalField(_KeepsItsMessage, DateTimeLocalField):
    """A date and time between 1900 and 2100 (a time zone offset added to it never overflows)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = _first(valuelist)
        super().process_formdata([text] if text is not None else valuelist)
        if self.data is not None and not MIN_DATE <= self.data.date() <= MAX_DATE:
            self.data = None
            raise ValueError(
                _l("A date between %(min)s and %(max)s.", min=MIN_DATE.year, max=MAX_DATE.year)
            )
