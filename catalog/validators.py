"""Identifier checks: GS1 GTIN check digits and Moroccan ICE numbers."""

from __future__ import annotations

from shop.digits import ascii_digits, ice_check_digits, is_ice, normalize_ice

__all__ = ["gs1_check_digit", "ice_check_digits", "is_ice", "normalize_gtin", "normalize_ice"]


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(value: str) -> str:
    """A valid GTIN-8/12/13/14 as 14 ASCII digits; ValueError otherwise.

    Arabic-Indic digits are read as ASCII: a GTIN stored as typed broke its
    QR code and GS1 Digital Link, which only know ASCII digits.
    """
    digits = ascii_digits(value).strip().replace(" ", "")
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in (8, 12, 13, 14):
        raise ValueError("a GTIN has 8, 12, 13 or 14 digits")
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        raise ValueError("wrong GTIN check digit")
    return digits.zfill(14)
