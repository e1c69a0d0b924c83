"""Identifier checks: GS1 GTIN check digits and Moroccan ICE numbers."""

from __future__ import annotations


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(value: str) -> str:
    """A valid GTIN-8/12/13/14 as 14 digits; ValueError otherwise."""
    digits = value.strip().replace(" ", "")
    if not digits.isdigit() or len(digits) not in (8, 12, 13, 14):
        raise ValueError("a GTIN has 8, 12, 13 or 14 digits")
    if gs1_check_digit(digits[:-1]) != int(digits[-1]):
        raise ValueError("wrong GTIN check digit")
    return digits.zfill(14)


def is_ice(value: str) -> bool:
    """An ICE (Identifiant Commun de l'Entreprise) is 15 digits."""
    return len(value) == 15 and value.isdigit()
