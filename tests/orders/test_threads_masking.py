"""Phone numbers and e-mail addresses hidden from messages before an order.

Examples as people write them in Arabic, French and English, and properties:
any phone (Moroccan or international, any digits, any spacing) or e-mail
(plain or disguised) in random text is hidden, and the text around it kept.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orders.threads.masking import PLACEHOLDER, mask

P = PLACEHOLDER


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # French
        ("Appelez-moi au 06 12 34 56 78, merci !", f"Appelez-moi au {P}, merci !"),
        ("Mon WhatsApp : +212 6.12.34.56.78", f"Mon WhatsApp : {P}"),
        ("écrivez à amina.b@gmail.com avant lundi", f"écrivez à {P} avant lundi"),
        ("amina arobase yahoo point fr", P),
        ("mon mail: amina (at) hotmail (dot) fr", f"mon mail: {P}"),
        ("le fixe 0528-85-12-34", f"le fixe {P}"),
        # Arabic, with Arabic-Indic and Eastern Arabic-Indic digits
        ("اتصل بي على ٠٦١٢٣٤٥٦٧٨ من فضلك", f"اتصل بي على {P} من فضلك"),
        ("رقمي ۰۷ ۱۲ ۳۴ ۵۶ ۷۸", f"رقمي {P}"),
        ("واتساب +٢١٢٦١٢٣٤٥٦٧٨", f"واتساب {P}"),
        ("راسلني fatima@gmail.com شكرا", f"راسلني {P} شكرا"),
        ("بريدي fatima [at] gmail نقطة com", f"بريدي {P}"),
        # English, international numbers, spaced digits
        ("Call me on +44 20 7946 0958 tomorrow", f"Call me on {P} tomorrow"),
        ("my number is 0 6 1 2 3 4 5 6 7 8", f"my number is {P}"),
        ("00212 (0)6 12 34 56 78 any time", f"{P} any time"),
        ("mail me: john at example dot com", f"mail me: {P}"),
        ("john [at] example [dot] co [dot] uk please", f"{P} please"),
    ],
)
def test_examples_are_masked(text, expected):
    assert mask(text) == (expected, True)


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais 2 bouteilles de 250 ml pour 120 MAD.",
        "Livraison le 12/03/2026 à Casablanca, commande TW-7KQ4XM.",
        "هل يمكن إرسال 3 علب قبل 15 رمضان؟",
        "I am at home. Thanks for the 1.5 kg of couscous!",
        "Is it certified ONSSA 12345?",
    ],
)
def test_ordinary_text_is_kept(text):
    assert mask(text) == (text, False)


# ---------------------------------------------------------------- properties

WORDS = st.sampled_from(
    [
        "bonjour",
        "merci",
        "huile",
        "argan",
        "livraison",
        "quand",
        "prix",
        "شكرا",
        "زيت",
        "أركان",
        "متى",
        "التوصيل",
        "hello",
        "thanks",
        "price",
        "when",
        "delivery",
        "jar",
        "honey,",
        "!",
        "?",
        ":",
        "«».",
    ]
)
SURROUNDING = st.lists(WORDS, max_size=8).map(" ".join)
DIGIT_SETS = st.sampled_from(["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"])
GAPS = st.sampled_from(["", "", " ", ".", "-", " - ", "\u00a0", "/"])


@st.composite
def phones(draw) -> str:
    """A phone number as people type it: Moroccan or international, any digits and gaps."""
    subscriber = draw(st.sampled_from("567")) + draw(st.text("0123456789", min_size=8, max_size=8))
    kind = draw(st.sampled_from(["national", "plus212", "00212", "international"]))
    if kind == "national":
        prefix, digits = "", "0" + subscriber
    elif kind == "plus212":
        prefix, digits = "+", "212" + subscriber
    elif kind == "00212":
        prefix, digits = "", "00212" + subscriber
    else:
        prefix = "+"
        digits = draw(st.text("123456789", min_size=1, max_size=1)) + draw(
            st.text("0123456789", min_size=7, max_size=12)
        )
    script = draw(DIGIT_SETS)
    out = prefix
    for i, digit in enumerate(digits):
        if i:
            out += draw(GAPS)
        out += script[int(digit)]
    return out


@st.composite
def emails(draw) -> str:
    """An e-mail address, plain or disguised."""
    local = draw(st.from_regex(r"[a-z][a-z0-9._]{0,10}[a-z0-9]", fullmatch=True))
    domain = draw(st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z]", fullmatch=True))
    tld = draw(st.sampled_from(["com", "ma", "fr", "org", "co.uk"]))
    at = draw(st.sampled_from(["@", " @ ", " (at) ", " [at] ", " at ", " arobase "]))
    if at.strip() in ("at", "arobase"):
        dot = draw(st.sampled_from([" dot ", " (dot) ", " [dot] ", " point ", "."]))
    else:
        dot = draw(st.sampled_from([".", " . ", " (dot) ", " [dot] ", " dot ", " point "]))
    return f"{local}{at}{domain}{dot}{tld.replace('.', dot)}"


@given(SURROUNDING, phones(), SURROUNDING)
def test_any_phone_in_any_text_is_masked(before, phone, after):
    text = " ".join(part for part in (before, phone, after) if part)
    masked, changed = mask(text)
    assert changed
    assert masked == " ".join(part for part in (before, P, after) if part)
    assert not any(c.isdigit() for c in masked)


@given(SURROUNDING, emails(), SURROUNDING)
def test_any_email_in_any_text_is_masked(before, address, after):
    text = " ".join(part for part in (before, address, after) if part)
    masked, changed = mask(text)
    assert changed
    assert masked == " ".join(part for part in (before, P, after) if part)


@given(st.lists(WORDS, max_size=20).map(" ".join))
def test_text_without_contacts_is_unchanged(text):
    assert mask(text) == (text, False)
