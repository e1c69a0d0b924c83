"""Readable ASCII slugs from names in any script (Arabic, Tifinagh, French…).

A slug is an address people read, type and share, so a name written only in
Arabic must still give a word of its own, not a placeholder: ``تعاونية أركان
تمنار`` becomes ``taawnya-arkan-tmnar``. ``anyascii`` does the transliteration
for every script; before it, a few Arabic letters are written the way
Moroccan names are usually spelt in Latin letters (alif as ``a``, the
feminine ending as ``a``, ``ain`` as ``a``), where anyascii would drop them
or write apostrophes that split the words.
"""

from __future__ import annotations

import re

from anyascii import anyascii

#: What a slug may be: lowercase ASCII words joined by single hyphens.
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80

_ARABIC = str.maketrans(
    {
        "ا": "a",
        "أ": "a",
        "إ": "i",
        "آ": "a",
        "ٱ": "a",
        "ة": "a",
        "ى": "a",
        "ع": "a",
        "ء": "",
        "ئ": "i",
        "ؤ": "u",
        "ـ": "",  # tatweel: a stretch, not a letter
    }
)


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """``text`` as lowercase ASCII words joined by hyphens ("" when nothing is left)."""
    # The text's own apostrophes separate words (d'argan); those anyascii
    # writes for hamza or ain would split one word in two, so they go.
    text = re.sub(r"['`’]", " ", text).translate(_ARABIC)
    ascii_text = re.sub(r"['`]", "", anyascii(text)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:max_length].rstrip("-")


def is_slug(text: str, max_length: int = SLUG_MAX) -> bool:
    """True for a well-formed slug of at most ``max_length`` characters."""
    return bool(SLUG.match(text)) and len(text) <= max_length
