"""Phone numbers that can receive a text: parsed and checked by ``phonenumbers``.

A number is read as Moroccans write it (``06 12 34 56 78``, ``+212 6…``,
``00212…``, Arabic-Indic digits) or with any other country's code, checked
against Google's libphonenumber metadata (the number plans of every country:
a Moroccan 05 landline cannot take an SMS, a French 06 can) and stored in
E.164, the form Twilio and WhatsApp address.
"""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from ..digits import ascii_digits

#: Kinds of numbers a text can reach (many countries do not tell fixed
#: lines and mobiles apart: those are taken).
TEXTABLE = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER}
)


class NotAPhone(ValueError):
    """Not a valid phone number at all."""


class NotAMobile(ValueError):
    """A valid number that cannot take text messages (a landline)."""


def mobile_number(text: str, region: str = "MA") -> str:
    """``text`` as an E.164 mobile number (``+212612345678``).

    Without a country code the number is read as ``region``'s. Raises
    ``NotAPhone`` or ``NotAMobile``.
    """
    cleaned = ascii_digits(text or "").strip()
    if not cleaned or len(cleaned) > 30:
        raise NotAPhone(text)
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException:
        raise NotAPhone(text) from None
    if not phonenumbers.is_valid_number(number):
        raise NotAPhone(text)
    if phonenumbers.number_type(number) not in TEXTABLE:
        raise NotAMobile(text)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def readable(e164: str) -> str:
    """A stored number as people read it: national for Morocco, international otherwise."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    kind = (
        PhoneNumberFormat.NATIONAL
        if number.country_code == 212
        else PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, kind)
