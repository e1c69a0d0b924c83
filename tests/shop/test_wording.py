"""Wording the catalogues cannot fix alone: plurals built in English, data shown
in English, and a currency whose abbreviation doubled a sentence's period."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import g
from flask_babel import get_translations, gettext

from shop.extensions import db
from shop.i18n import format_money
from shop.money.policy import PolicyVersion

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
}

# A count followed by an English plural noun ("%(num)d days"), or "day(s)".
BUILT_PLURAL = re.compile(
    r"%\((?:\w+)\)d\s+(?:(?:new|more|other)\s+)?(?!contains\b)[A-Za-z]+s\b"
    r"|%\((?:num|count|n|days|hours|minutes)\)s\s+[A-Za-z]+s\b"
    r"|\w\(s\)"
)

# Bounds written as constants in the code (a password's length, the size of
# an upload, a link's life): not yet plural entries, so Arabic reads right
# only for the constant of today. Converting them is follow-up work; the list
# is exact, so it neither grows silently nor keeps converted messages.
CONSTANT_BOUNDS = {
    "Use at least %(min)d characters.",
    "Use at most %(max)d characters.",
    "Keep the reason under %(num)d characters.",
    "Column %(column)s is longer than %(n)d characters.",
    "Bad slug “%(value)s”: lower-case letters, digits and single dashes, at most %(n)d characters.",
    (
        "Use lowercase letters a to z, digits and single hyphens (no spaces or accents), "
        "at most %(max)d characters."
    ),
    "A product has at most %(n)d pictures.",
    "The hold period is at most %(days)d days.",
    "The logo must be at least %(px)d pixels wide.",
    (
        "The link works for %(hours)d hours. If you did not ask for an account, "
        "ignore this message: nothing is created."
    ),
    (
        "The link works for %(minutes)d minutes and only once. If you did not ask for it, "
        "ignore this message: your password stays the same."
    ),
}


def plurals_built_in_english() -> set[str]:
    """Singular messages of the code and templates that hold a count and a plural noun."""
    with (TRANSLATIONS / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for folder in ("shop", "catalog", "orders", "producers"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, method_map, options_map, keywords=KEYWORDS
        ):
            if isinstance(message, str) and BUILT_PLURAL.search(message):
                found.add(message)
    return found


def test_counted_nouns_go_through_ngettext():
    assert plurals_built_in_english() == CONSTANT_BOUNDS


@pytest.mark.parametrize(
    ("message", "built"),
    [
        ("For safety, payouts to a new account wait %(days)s days after the change.", True),
        ("Batch %(id)s: %(count)s payouts, %(total)s in all.", True),
        ("Stock updated for %(n)d sizes.", True),
        ("Import done: %(new)d new products, %(updated)d updated.", True),
        ("piece(s)", True),
        ("Line %(line)d contains a NUL character.", False),
        ("%(coop)s ships for free from %(amount)s of its products.", False),
        ("Hours of work: %(qty)s", False),
    ],
)
def test_the_plural_check_knows_a_built_plural(message, built):
    assert bool(BUILT_PLURAL.search(message)) is built


def translation_exists(msgid: str, lang: str) -> bool:
    """In the catalogue, or waiting in translations/pending/ for the merge."""
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        if any(m.id == msgid and m.string for m in read_po(fh)):
            return True
    for path in (TRANSLATIONS / "pending").glob("*.json"):
        entry = json.loads(path.read_text(encoding="utf-8")).get(msgid)
        if entry and entry.get(lang):
            return True
    return False


FIRST_NOTE = "Initial published rules."
FRENCH_NOTE = "Premières règles publiées."


@pytest.fixture
def first_version(app, monkeypatch):
    """Version 1 as the migration publishes it, and its note's French in the catalogue."""
    db.session.add(
        PolicyVersion(version=1, commission_bp=1_000, premium_bp=500, hold_days=14, note=FIRST_NOTE)
    )
    db.session.flush()
    with app.test_request_context("/fr/"):
        g.lang = "fr"
        # The .mo files are compiled from the catalogue once the pending
        # translations are merged; set the entry here so the test does not wait.
        monkeypatch.setitem(get_translations()._catalog, FIRST_NOTE, FRENCH_NOTE)
    assert translation_exists(FIRST_NOTE, "fr") and translation_exists(FIRST_NOTE, "ar")


def test_the_first_policy_note_is_shown_translated(first_version, client):
    page = client.get("/fr/fair-trade").get_data(as_text=True)
    assert FRENCH_NOTE in page
    assert FIRST_NOTE not in page


def test_the_admin_policy_page_shows_the_first_note_translated(first_version, make_user, login):
    from flask import current_app

    admin = current_app.test_client()
    login(admin, make_user(email="admin@taawon.ma", is_admin=True))
    page = admin.get("/fr/admin/policy").get_data(as_text=True)
    assert FRENCH_NOTE in page
    assert FIRST_NOTE not in page


def test_an_administrators_note_is_shown_as_typed(app):
    row = PolicyVersion(version=2, commission_bp=1_000, premium_bp=500, hold_days=14, note="x")
    assert row.shown_note == "x"


DOUBLE_PERIOD = re.compile(r"\.[\s\u200e\u200f]*\.")


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_an_amount_does_not_end_with_a_period(app, lang):
    for cents in (0, 5, 30_000, 123_456_789, -250):
        assert not format_money(cents, lang=lang).strip("\u200e\u200f").endswith(".")


def test_a_sentence_ending_with_an_amount_has_one_period(app):
    """The review page's hint, in Arabic: it read "… 300,00 د.م..", two periods."""
    with app.test_request_context("/ar/"):
        g.lang = "ar"
        hint = gettext(
            "Free shipping from this cooperative from %(amount)s.", amount=format_money(30_000)
        )
    assert hint != "Free shipping from this cooperative from %(amount)s."  # translated
    assert not DOUBLE_PERIOD.search(hint), hint
