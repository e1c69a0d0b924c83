"""CSV files people open in a spreadsheet: UTF-8 with a BOM, CRLF lines, no formulas.

The BOM makes Excel read UTF-8 (accented and Arabic names), which it
otherwise reads as Windows-1252. A text cell starting with a formula
character gets a leading apostrophe and its line breaks flattened, so a
name such as ``=HYPERLINK(…)`` is shown, never run (OWASP "CSV injection").
Amounts are written by the caller from integer centimes and left alone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

#: Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def text_cell(value) -> str:
    """A text cell a spreadsheet shows as text: on one line, formulas escaped."""
    text = "" if value is None else str(value).replace("\r", " ").replace("\n", " ")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """``rows`` as CSV text, with a BOM and CRLF line ends."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + out.getvalue()


@dataclass
class RowError:
    """A problem with one line of an imported file (all-or-nothing imports list them all)."""

    line: int
    message: Any  # lazy string, translated when shown

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class CsvFileError(Exception):
    """An uploaded CSV the csv module cannot read: its line, and why (translated)."""

    def __init__(self, line: int, message: Any) -> None:
        super().__init__(str(message))
        self.error = RowError(line, message)


class SafeDictReader(csv.DictReader):
    """``csv.DictReader`` for uploads: its failures are ``CsvFileError``, never a 500.

    Python's csv module raises ``_csv.Error`` for a cell over its size limit
    (128 KB) or a broken quote, which no import expects; and a NUL byte
    read into a text column is refused by PostgreSQL at the commit. Both
    become a line-numbered, translated error that the import lists like the
    others.
    """

    @property  # type: ignore[override]
    def fieldnames(self) -> Any:
        try:
            names = super().fieldnames
        except csv.Error:
            raise CsvFileError(1, _l("Line %(line)d cannot be read as CSV.", line=1)) from None
        _refuse_nul(names or [], 1)
        return names

    @fieldnames.setter
    def fieldnames(self, value: Any) -> None:
        self._fieldnames = value

    def __next__(self) -> dict[Any, Any]:
        try:
            row = super().__next__()
        except csv.Error:
            line = self.line_num + 1
            raise CsvFileError(
                line, _l("Line %(line)d cannot be read as CSV (a cell too long?).", line=line)
            ) from None
        _refuse_nul([v for v in row.values() if isinstance(v, str)], self.line_num)
        return row


def _refuse_nul(values: Iterable[str], line: int) -> None:
    if any("\x00" in value for value in values):
        raise CsvFileError(line, _l("Line %(line)d contains a NUL character.", line=line))
