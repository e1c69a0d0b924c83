"""Money as integer centimes, rates as basis points: parsing and plain writing."""

from __future__ import annotations

import re
from decimal import Decimal

_AMOUNT = re.compile(r"^\d{1,8}(?:[.,]\d{1,2})?$")
#: A percentage as typed: "10", "7.5", "7,25" (a sign is accepted, to be refused in words).
PERCENT = re.compile(r"^[-+]?\d{1,3}(?:[.,]\d{1,2})?$")


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


def parse_percent(text: str) -> int:
    """'10', '7.5' or '7,25' (percent) → basis points, exactly; ValueError otherwise."""
    value = (text or "").strip()
    if not PERCENT.match(value):
        raise ValueError(f"not a percentage: {text!r}")
    return int(Decimal(value.replace(",", ".")) * 100)
