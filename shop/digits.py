"""Digits as Moroccans type them: one normaliser for every numeric field.

Phones and keyboards in Morocco type Arabic-Indic digits (٠١٢٣٤٥٦٧٨٩) and,
on Persian layouts, Eastern Arabic-Indic digits (۰۱۲۳۴۵۶۷۸۹). Python's
``int()`` reads them, but a GTIN, phone number, postal code or ICE stored
as typed breaks everything that expects ASCII (barcodes, QR codes, GS1
Digital Links, bank files, the carriers' systems). Every numeric or
identifier field, the CSV importers and the request parameter readers pass
their text through :func:`ascii_digits`, so what is stored is always ASCII.

Only decimal digits (Unicode category Nd) are mapped: superscripts such as
``²`` are digits to ``str.isdigit()`` but not to ``int()``, and stay as
they are so that the field refuses them.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from stdnum.ma import ice as stdnum_ice

#: Arabic-Indic (U+0660…) and Eastern Arabic-Indic (U+06F0…) digits, and
#: the Arabic decimal separator, to ASCII; other decimal digits are mapped
#: on the fly by ``_other_digit``.
_TABLE = {
    **{0x0660 + i: str(i) for i in range(10)},
    **{0x06F0 + i: str(i) for i in range(10)},
    0x066B: ".",  # ARABIC DECIMAL SEPARATOR
}


def ascii_digits(text: str) -> str:
    """``text`` with every decimal digit (Arabic-Indic, Eastern Arabic-Indic…) as ASCII."""
    text = text.translate(_TABLE)
    if text.isascii():
        return text
    return "".join(_other_digit(c) for c in text)


def _other_digit(char: str) -> str:
    if char.isascii() or not char.isdecimal():
        return char
    return str(unicodedata.decimal(char))


def digits_filter(value: Any) -> Any:
    """WTForms filter: :func:`ascii_digits` on text, anything else unchanged."""
    return ascii_digits(value) if isinstance(value, str) else value


#: What people put between a phone number's digits.
_PHONE_NOISE = re.compile(r"[\s.\-/()]")
#: A Moroccan number written nationally (06…) or internationally (+212 6…,
#: 00212 6…), with the national 0 kept in brackets or not (+212 (0)6 …).
_MOROCCAN = re.compile(r"(?:\(?(?:\+|00)?212\)?(?:\(0\)|0)?|0)([5-7][0-9]{8})")
_INTERNATIONAL = re.compile(r"(?:\+|00)([1-9][0-9]{7,14})")


def moroccan_phone(text: str, *, mobile: bool = False) -> str | None:
    """A Moroccan phone number as ``+212…`` (``mobile``: 06/07 only), or None.

    Accepts every way it is written: ``06 12 34 56 78``, ``0612345678``,
    ``+212 612 345 678``, ``00212…``, ``+212 (0)6 12 34 56 78``, in any digits.
    """
    compact = re.sub(r"[\s.\-/]", "", ascii_digits(text))
    match = _MOROCCAN.fullmatch(compact)
    if not match or (mobile and match.group(1)[0] not in "67"):
        return None
    return "+212" + match.group(1)


def international_phone(text: str) -> str | None:
    """A phone number with its country code as ``+…``, or None."""
    compact = _PHONE_NOISE.sub("", ascii_digits(text))
    match = _INTERNATIONAL.fullmatch(compact)
    return "+" + match.group(1) if match else None


def normalize_ice(value: str) -> str:
    """A valid ICE as its 15 ASCII digits; ValueError otherwise.

    The ICE (Identifiant Commun de l'Entreprise) ends with two check digits
    (ISO 7064 mod 97-10), checked by python-stdnum: a typo is caught here,
    not by the tax office.
    """
    try:
        return stdnum_ice.validate(ascii_digits(value))
    except stdnum_ice.ValidationError:
        raise ValueError("not a valid ICE") from None


def is_ice(value: str) -> bool:
    """True for a valid ICE (15 digits whose last two are its check digits)."""
    try:
        normalize_ice(value)
    except ValueError:
        return False
    return True


def ice_check_digits(body: str) -> str:
    """The two check digits that make ``body`` (13 digits) a valid ICE (demo data, tests)."""
    return f"{-int(body) * 100 % 97:02d}"
