"""Money as integer centimes: parsing and plain (non-localized) writing."""
from __future__ import annotations

import re
from decimal import Decimal

_AMOUNT = re.compile(r"^\d{1,8}(?:[.,]\d{1,2})?$")


def parse_mad(text: str) -> int:
    """'120', '120.5' or '120,50' → centimes; ValueError on anything else."""
    value = text.strip()
    if not _AMOUNT.match(value):
        raise ValueError(f"not an amount in dirhams: {text!r}")
    return int(Decimal(value.replace(",", ".")) * 100)


def mad_str(cents: int) -> str:
    """Centimes as a plain decimal string, '120.50' (for CSV and forms)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"
