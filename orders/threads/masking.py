"""Hiding phone numbers and e-mail addresses typed into messages.

Before a shopper has placed an order with a cooperative, the platform keeps
both on it: the buyer's protection (refunds, disputes, the fair-trade split)
holds only for orders placed here. ``mask`` replaces each phone number and
e-mail address it finds with ``PLACEHOLDER``; the original text is not kept.

Phones: any run of digits, in any script (``shop.digits.ascii_digits`` maps
Arabic-Indic and Eastern Arabic-Indic digits one for one, so spans found in
the ASCII text are the original's), possibly separated by spaces, dots,
dashes, slashes or brackets, that holds 9 digits or more (a Moroccan number
has 10 nationally, 9 after 212), or 8 or more after ``+`` or ``00``. Shorter
numbers (quantities, prices, dates like 12/03/2026) stay.

E-mails: ``name@domain.tld``, with spaces around ``@``, and the usual
disguises: ``(at)``, ``[at]``, `` at ``, ``arobase``; ``(dot)``, ``[dot]``,
`` dot ``, `` point ``, ``نقطة``. A word "at" with a plain dot needs the dot
without spaces (``at taawon.ma``), so "at home. Thanks" is left alone.
"""

from __future__ import annotations

import re

from shop.digits import ascii_digits

#: What replaces a phone number or an e-mail address.
PLACEHOLDER = "•••"

# Invisible marks people (or keyboards) leave between digits.
_SEP = r"[\s.\-/()\u200e\u200f\u061c\u066c\u2060]"
_PHONE = re.compile(rf"(?<![0-9])(?:\+\s?|00)?\(?[0-9](?:{_SEP}{{0,3}}[0-9]){{6,}}")

_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
_AT_MARK = rf"(?:\s?@\s?|\s?{_OPEN}\s?(?:at|@|arobase)\s?{_CLOSE}\s?)"
_AT_WORD = r"(?:\s+(?:at|arobase)\s+)"
_DOT_STRICT = rf"(?:\.|\s?{_OPEN}\s?(?:dot|point|\.|نقطة)\s?{_CLOSE}\s?|\s+(?:dot|point|نقطة)\s+)"
_DOT_LOOSE = rf"(?:{_DOT_STRICT}|\s\.\s)"
_LOCAL = r"(?<![\w.+\-])[\w.+\-]*\w"
_LABEL = r"[\w\-]+"
_TLD = r"[a-z]{2,24}\b"
_EMAIL = re.compile(
    rf"{_LOCAL}(?:{_AT_MARK}{_LABEL}(?:{_DOT_LOOSE}{_LABEL})*{_DOT_LOOSE}{_TLD}"
    rf"|{_AT_WORD}{_LABEL}(?:{_DOT_STRICT}{_LABEL})*{_DOT_STRICT}{_TLD})",
    re.IGNORECASE,
)


def _is_phone(candidate: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    international = candidate.startswith(("+", "00"))
    return digits >= 9 or (international and digits >= 8)


def mask(text: str) -> tuple[str, bool]:
    """``text`` with its phone numbers and e-mail addresses hidden; whether any was."""
    # E-mails first: an address's digits are not a phone number.
    text, count = _EMAIL.subn(PLACEHOLDER, text)
    plain = ascii_digits(text)  # the same length, digit for digit
    spans = [m.span() for m in _PHONE.finditer(plain) if _is_phone(m.group())]
    for start, end in reversed(spans):
        text = text[:start] + PLACEHOLDER + text[end:]
    return text, bool(spans or count)
