"""How many SMS parts a text costs: GSM-7 or UCS-2, single or concatenated.

An SMS carries 140 bytes. A text written only with the GSM 03.38 alphabet is
sent in 7-bit septets: 160 characters, or 153 per part once it is split (the
concatenation header takes the rest); the extension table's characters
(``€ [ ] { } ^ ~ | \\`` and form feed) take two septets, an escape and the
character, and a part never splits the pair. Any other character (Arabic,
but also French ``ç ê â î ô û œ`` and typographic quotes) turns the whole
text into UCS-2: 70 UTF-16 units, or 67 per part, a character outside the
Basic Multilingual Plane (an emoji) taking two that stay in one part.

Each part is billed as one message, so templates under ``messages/`` are
kept within two parts in every language (tests/shop/test_messaging_segments.py):
134 units in Arabic.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

#: GSM 03.38's basic table (the escape, 0x1B, left out: it is not text).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: each character costs an escape and itself.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


def encoding(text: str) -> Encoding:
    """``"GSM-7"`` when every character is in the GSM alphabet, else ``"UCS-2"``."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        return "GSM-7"
    return "UCS-2"


def _costs(text: str, kind: Encoding) -> list[int]:
    """What each character takes: septets in GSM-7, UTF-16 units in UCS-2."""
    if kind == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _parts(costs: Iterable[int], size: int) -> int:
    """Parts of ``size`` that hold these characters, none split between two parts."""
    parts, used = 1, 0
    for cost in costs:
        if used + cost > size:
            parts, used = parts + 1, 0
        used += cost
    return parts


def length(text: str) -> int:
    """The text's length as the network counts it (septets or UTF-16 units)."""
    return sum(_costs(text, encoding(text)))


def segments(text: str) -> int:
    """How many SMS parts ``text`` is sent (and billed) as; 0 for an empty text."""
    if not text:
        return 0
    kind = encoding(text)
    costs = _costs(text, kind)
    single, part = (GSM7_SINGLE, GSM7_PART) if kind == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    if sum(costs) <= single:
        return 1
    return _parts(costs, part)


#: Typographic characters with a plain GSM-7 look-alike (what Twilio's
#: "Smart Encoding" does): French text uses ’ « » and narrow spaces.
_LOOKALIKES = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "\u00a0": " ",
        "\u202f": " ",
        "–": "-",
        "—": "-",
        "…": "...",
    }
)


def gsm_friendly(text: str) -> str:
    """``text`` with typographic quotes, dashes and spaces made plain, if that makes it GSM-7.

    One ’ in a French message would otherwise send all of it as UCS-2 (70
    characters a part instead of 160); a text that is UCS-2 anyway (Arabic)
    keeps its typography.
    """
    plain = text.translate(_LOOKALIKES)
    return plain if encoding(plain) == "GSM-7" else text
