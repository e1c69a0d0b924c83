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
