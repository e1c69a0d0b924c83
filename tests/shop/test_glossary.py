"""The catalogues use the glossary's one term for each of Taawon's words.

``translations/GLOSSARY.md`` holds a table: for each term its English source
words, the French and Arabic terms and the forms they may take. A message
whose English names a term must be translated with that term, must not use
the words the term avoids (the Arabic workspace once called lots and payouts
both "الدفعات"), and a reserved term's words appear only where the English
names it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
GLOSSARY = TRANSLATIONS / "GLOSSARY.md"
LANGS = ("fr", "ar")

# Arabic: short vowels, the dagger alif and the tatweel are not letters to compare.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
AR_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
AR_WORD = re.compile("[\u0621-\u064a]+")
AR_PREFIX = "(?:[وف])?(?:لل|[بكل]?(?:ال)?)"
AR_SUFFIX = "(?:ا|ه|ها|هم|هما|هن|ك|كم|كما|كن|نا|ي|ان|ين|ات)"


def ar_normal(text: str) -> str:
    """Arabic as compared: no short vowels or tatweel, one alif."""
    return re.sub("[أإآ]", "ا", AR_MARKS.sub("", text))


@dataclass
class Term:
    key: str
    english: list[str]
    forms: dict[str, list[str]]
    avoid_terms: list[str] = field(default_factory=list)
    avoid_forms: dict[str, list[str]] = field(default_factory=dict)
    reserved: list[str] = field(default_factory=list)

    def about(self, english: str) -> bool:
        """Whether an English message names this term (placeholders are not words)."""
        english = PLACEHOLDER.sub(" ", english)
        return any(
            re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", english, re.IGNORECASE)
            for word in self.english
        )

    def used_in(self, lang: str, text: str) -> bool:
        """Whether a translation contains one of the term's forms."""
        return uses_any(lang, self.forms[lang], text)


def _ar_token_pattern(word: str, first: bool) -> str:
    word = ar_normal(word)
    prefix = AR_PREFIX if first else "(?:ال)?"
    options = [f"{re.escape(word)}{AR_SUFFIX}?"]
    if word.endswith("ة"):
        options.append(f"{re.escape(word[:-1])}ت{AR_SUFFIX}")
    return f"{prefix}(?:{'|'.join(options)})"


def uses_any(lang: str, forms: list[str], text: str) -> bool:
    """Whether ``text`` (a translation in ``lang``) contains one of ``forms``."""
    if lang == "ar":
        words = AR_WORD.findall(ar_normal(text))
        for form in forms:
            parts = [
                re.compile(_ar_token_pattern(w, i == 0) + "$") for i, w in enumerate(form.split())
            ]
            for start in range(len(words) - len(parts) + 1):
                if all(p.match(words[start + i]) for i, p in enumerate(parts)):
                    return True
        return False
    return any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text, re.IGNORECASE) for form in forms)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(",") if part.strip()]


def read_glossary(text: str) -> tuple[dict[str, Term], list[tuple[str, str]]]:
    """The terms table and the exceptions (message, term key) of GLOSSARY.md."""
    terms: dict[str, Term] = {}
    exceptions: list[tuple[str, str]] = []
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = _cells(line)
        if section == "Terms" and cells[0] != "Key":
            key, english, _fr, fr_forms, _ar, ar_forms, avoid, reserved, _notes = cells
            term = Term(key, _split(english), {"fr": _split(fr_forms), "ar": _split(ar_forms)})
            for item in _split(avoid):
                lang, sep, form = item.partition(":")
                if sep:
                    term.avoid_forms.setdefault(lang, []).append(form)
                else:
                    term.avoid_terms.append(item)
            term.reserved = _split(reserved)
            terms[key] = term
        elif section == "Exceptions" and cells[0] != "Message":
            exceptions.append((cells[0], cells[1]))
    return terms, exceptions


def read_catalog(path: Path) -> list[tuple[str, list[str]]]:
    """(English, translations) of each message: plural entries give every form."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    entries = []
    for message in catalog:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else " | ".join(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        entries.append((english, [s for s in strings if s]))
    return entries


def read_pending(lang: str) -> list[tuple[str, list[str]]]:
    """Translations waiting in translations/pending/*.json for the lead's merge."""
    entries = []
    for path in sorted((TRANSLATIONS / "pending").glob("*.json")):
        for key, value in json.loads(path.read_text(encoding="utf-8")).items():
            strings = value[lang] if isinstance(value[lang], list) else [value[lang]]
            entries.append((key.replace("|", " | "), [s for s in strings if s]))
    return entries


def problems(
    terms: dict[str, Term],
    exceptions: list[tuple[str, str]],
    catalogs: dict[str, list[tuple[str, list[str]]]],
) -> list[str]:
    """Every way the catalogues depart from the glossary, one line each."""
    excepted = {(message, key) for message, key in exceptions}
    found = []
    for lang, entries in catalogs.items():
        for english, strings in entries:
            singular = english.split(" | ")[0]
            about = {
                key
                for key, term in terms.items()
                if term.about(english) and (singular, key) not in excepted
            }
            for key in sorted(about):
                term = terms[key]
                for text in strings:
                    if not term.used_in(lang, text):
                        found.append(f"{lang} {key}: missing term in {english!r} -> {text!r}")
                    for other in term.avoid_terms:
                        if other not in about and terms[other].used_in(lang, text):
                            found.append(f"{lang} {key}: uses {other} in {english!r} -> {text!r}")
                    if uses_any(lang, term.avoid_forms.get(lang, []), text):
                        found.append(f"{lang} {key}: avoided word in {english!r} -> {text!r}")
            for key, term in terms.items():
                if lang not in term.reserved or key in about:
                    continue
                if (singular, key) in excepted:
                    continue
                for text in strings:
                    if term.used_in(lang, text):
                        found.append(f"{lang} {key}: reserved term in {english!r} -> {text!r}")
    return found


def load() -> tuple[dict[str, Term], list[tuple[str, str]]]:
    return read_glossary(GLOSSARY.read_text(encoding="utf-8"))


def test_glossary_names_the_domain_terms():
    terms, _ = load()
    for key in (
        "lot",
        "payout",
        "parcel",
        "fund",
        "cod",
        "commission",
        "premium",
        "member",
        "cooperative",
        "manager",
        "owner",
        "order",
        "refund",
        "statement",
        "balance",
        "hold",
        "traceability",
        "evidence",
        "certificate",
        "floor",
        "shipping",
    ):
        assert key in terms, key
        assert terms[key].english and terms[key].forms["fr"] and terms[key].forms["ar"], key
    for term in terms.values():
        assert set(term.avoid_terms) <= set(terms), term.key
        assert set(term.reserved) <= set(LANGS), term.key


def test_lot_and_payout_cannot_share_a_word():
    terms, _ = load()
    for lang in LANGS:
        lot, payout = terms["lot"].forms[lang], terms["payout"].forms[lang]
        assert not any(uses_any(lang, payout, form) for form in lot), lang
        assert not any(uses_any(lang, lot, form) for form in payout), lang


def test_catalogs_follow_the_glossary():
    terms, exceptions = load()
    catalogs = {
        lang: read_catalog(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po") + read_pending(lang)
        for lang in LANGS
    }
    found = problems(terms, exceptions, catalogs)
    assert found == [], f"{len(found)} departures from GLOSSARY.md:\n" + "\n".join(found)


def test_every_exception_is_a_real_message():
    """A stale exception would silently switch a check off."""
    terms, exceptions = load()
    entries = read_catalog(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po")
    singulars = {english.split(" | ")[0] for english, _ in entries}
    for message, key in exceptions:
        assert message in singulars, message
        assert terms[key].about(message), (message, key)


GLOSSARY_SAMPLE = """
## Terms
| Key | English | French | French forms | Arabic | Arabic forms | Avoid | Reserved | Notes |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
| lot | lot, lots | lot | lot, lots | حصة | حصة, حصص | payout, ar:تشغيلة | ar | x |
| payout | payout, payouts | versement | versement, versements | دفعة | دفعة, دفعات | lot | ar | x |
"""


@pytest.mark.parametrize(
    ("english", "lang", "text", "bad"),
    [
        ("New lot", "ar", "حصة جديدة", False),
        ("Lots", "ar", "الحصص", False),
        ("Lot %(code)s saved.", "ar", "تم حفظ الحصة %(code)s.", False),
        ("%(num)d lot", "ar", "حصتان", False),
        ("About this lot", "ar", "عن حصتها", False),
        ("New lot", "ar", "دفعة جديدة", True),  # the old catalogue
        ("Lots", "ar", "الدفعات", True),
        ("Edit the lot", "ar", "تعديل التشغيلة", True),
        ("Payouts", "ar", "الحصص", True),
        ("Share", "ar", "الحصة", True),  # reserved: a lot and nothing else
        ("In your next payout", "ar", "في دفعتكم القادمة", False),
        ("Payout", "fr", "Versement", False),
        ("Payout", "fr", "Paiement", True),
    ],
)
def test_the_check_catches_a_bad_translation(english, lang, text, bad):
    terms, exceptions = read_glossary(GLOSSARY_SAMPLE)
    found = problems(terms, exceptions, {lang: [(english, [text])]})
    assert bool(found) is bad, found


# French wording: digits and apostrophes.


def french_strings() -> list[tuple[str, str]]:
    return [
        (english, text)
        for english, strings in read_catalog(TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po")
        for text in strings
    ]


def digits_with_de(text: str) -> list[str]:
    """ "%(num)d de jours": "de" after a number written in digits (CLDR's "many"
    form is for words like "un million de jours", not for digits)."""
    return re.findall(r"%\(\w+\)d d(?:e\s|’|')\w+", text)


def straight_apostrophes(text: str) -> list[str]:
    """Apostrophes typed as ' in running text (the catalogue writes ’)."""
    return re.findall(r"\w'\w", text)


def test_french_numbers_in_digits_take_no_de():
    found = [(e, t) for e, t in french_strings() if digits_with_de(t)]
    assert found == []


def test_french_uses_one_apostrophe():
    found = [(e, t) for e, t in french_strings() if straight_apostrophes(t)]
    assert found == []


def test_the_french_checks_catch_bad_text():
    assert digits_with_de("%(num)d de jours restants")
    assert digits_with_de("%(num)d d’articles")
    assert not digits_with_de("%(num)d jours, soit %(share)s de femmes")
    assert straight_apostrophes("Aucun versement pour l'instant.")
    assert not straight_apostrophes("Aucun versement pour l’instant.")
