"""Form fields that read money and rates typed by people, kept as integers."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from .amounts import parse_mad, parse_percent


class MoneyField(StringField):
    """Dirhams typed as text ('120', '120.50', '120,50'), kept as integer centimes."""

    cents: int | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.cents = None
        if self.data:
            try:
                self.cents = parse_mad(self.data)
            except ValueError:
                raise ValueError(_l("Write an amount in dirhams, like 120.00.")) from None


class PercentField(StringField):
    """A percentage typed as text ('10', '7.5', '7,25'), kept as integer basis points."""

    bp: int | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        self.bp = None
        if self.data:
            try:
                self.bp = parse_percent(self.data)
            except ValueError:
                raise ValueError(
                    _l("Write a percentage like 10 or 7.5 (two decimals at most).")
                ) from None
