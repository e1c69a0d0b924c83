"""SMS parts: GSM-7 and UCS-2 counted as the network bills them; every message template fits two.

The templates are rendered in ar, fr and en with long, realistic values and
the translations waiting in ``translations/pending/`` laid over the compiled
catalogs, so a new message is measured in every language before its
translations are merged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import flask_babel
import pytest
from babel import support
from jinja2 import meta

from shop.i18n import format_money
from shop.messaging import render_text
from shop.messaging.segments import (
    GSM7_BASIC,
    encoding,
    gsm_friendly,
    length,
    segments,
)

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("ar", "fr", "en")
MAX_SEGMENTS = 2


# ---------------------------------------------------------------- counting


def test_the_gsm_alphabet_has_its_127_characters():
    assert len(GSM7_BASIC) == 127  # 128 less the escape


@pytest.mark.parametrize(
    "text, kind, parts",
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("é" * 160, "GSM-7", 1),  # in the GSM alphabet
        ("€" * 80, "GSM-7", 1),  # the extension table: two septets each
        ("€" * 81, "GSM-7", 2),
        ("a" * 152 + "€", "GSM-7", 1),  # 154 septets, one part
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 3),  # 306 septets, but the pair is not split
        ("ê" + "a" * 69, "UCS-2", 1),  # one French ê: the whole text is UCS-2
        ("ç" + "a" * 70, "UCS-2", 2),
        ("س" * 70, "UCS-2", 1),
        ("س" * 71, "UCS-2", 2),
        ("س" * 134, "UCS-2", 2),
        ("س" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),  # two UTF-16 units each
        ("س" * 66 + "😀" + "س" * 5, "UCS-2", 2),  # 73 units; the emoji starts the second part
    ],
)
def test_segments(text, kind, parts):
    assert encoding(text) == kind
    assert segments(text) == parts


def test_the_extension_table_counts_two():
    assert length("[Taawon]") == 10
    assert length("سلام") == 4


def test_typographic_french_becomes_gsm_when_it_can():
    assert gsm_friendly("l’huile d’argan « bio »") == "l'huile d'argan \" bio \""
    assert gsm_friendly("où est ma commande ? ç") == "où est ma commande ? ç"  # UCS-2 anyway
    assert gsm_friendly("تعاون’") == "تعاون’"


# ---------------------------------------------------------------- every template


def pending_catalog(lang: str) -> dict[Any, str]:
    """The translations waiting in translations/pending/*.json, as a gettext catalog."""
    catalog: dict[Any, str] = {}
    for path in sorted((ROOT / "translations" / "pending").glob("*.json")):
        for key, entry in json.loads(path.read_text(encoding="utf-8")).items():
            value = entry[lang]
            if isinstance(value, list):
                for index, form in enumerate(value):
                    catalog[(key.split("|")[0], index)] = form
            else:
                catalog[key] = value
    return catalog


def with_pending_translations(monkeypatch) -> None:
    """Lay the pending translations over the compiled catalogs for the rest of the test."""
    original = flask_babel.Domain.get_translations
    layered: dict[str, support.Translations] = {}

    def get_translations(self):
        base = original(self)
        locale = str(flask_babel.get_locale())
        if locale not in layered:
            translations = support.Translations()
            translations.merge(base)
            if hasattr(base, "plural"):
                translations.plural = base.plural
            translations._catalog.update(pending_catalog(locale[:2]))
            layered[locale] = translations
        return layered[locale]

    monkeypatch.setattr(flask_babel.Domain, "get_translations", get_translations)


class Sample(str):
    """A long stand-in for a value no sample names: its attributes and calls are samples too."""

    def __getattr__(self, name: str) -> Sample:
        if name.startswith("__"):
            raise AttributeError(name)
        return Sample("Valeur d'exemple assez longue")

    def __call__(self, *args: Any, **kwargs: Any) -> Sample:
        return self


class SampleOrder(Sample):
    """An order as the cash-on-delivery and parcel texts read it (the longest real number)."""

    number = "TW-7KQ4XM2P"
    total_cents = 1_234_550


#: Realistic long values for the names message templates use.
SAMPLES: dict[str, Any] = {
    "order": SampleOrder("order"),
    # The template global itself: amounts as the shopper reads them.
    "money": lambda cents, *args, **kwargs: format_money(cents, *args, **kwargs),
    # An itsdangerous token of a six-digit order id, as orders.confirm_token makes it.
    "confirm_token": "MTIzNDU2.aS9Ryw.mKOm0Y8x1T7yBHDp5IyvWXdO3lU",
    # A stock alert's token: a six-digit size id and a Moroccan mobile (catalog.favourites).
    "alert_token": "WzEyMzQ1NiwiKzIxMjYxMjM0NTY3OCJd.MA2_Bk7jDYhxAAEMVcyIpAs_tq8",
    "order_number": "TW7K2M9Q4X8P",
    "number": "TW7K2M9Q4X8P",
    "tracking_number": "RR123456789MA",
    "carrier": "Amana Messagerie",
    "cooperative": "Coopérative Agricole Féminine Taitmatine de l'Huile d'Argan",
    "cooperative_name": "Coopérative Agricole Féminine Taitmatine de l'Huile d'Argan",
    "name": "Fatima-Zahra El Idrissi",
    "shopper": "Fatima-Zahra El Idrissi",
    "tracking_url": "https://www.amana.ma/suivi-colis?numero=RR123456789MA&lang=fr",
    "url": "https://taawon.ma/fr/orders/TW7K2M9Q4X8P/track",
    "link": "https://taawon.ma/fr/orders/TW7K2M9Q4X8P/track",
    "amount": "12 345,50 MAD",
    "total": "12 345,50 MAD",
    "city": "Casablanca",
    "phone": "+212612345678",
    "channel": "whatsapp",
    "count": 12,
    "parcels": 3,
}


def template_names(app) -> list[str]:
    return sorted(
        app.jinja_env.list_templates(
            filter_func=lambda name: name.startswith("messages/") and name.endswith(".txt")
        )
    )


def sample_context(app, name: str) -> dict[str, Any]:
    source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
    names = meta.find_undeclared_variables(app.jinja_env.parse(source))
    return {key: SAMPLES.get(key, Sample("Valeur d'exemple assez longue")) for key in names}


def test_there_are_templates_to_measure(app):
    assert "messages/channel_chosen.txt" in template_names(app)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_fits_in_two_sms_parts(app, monkeypatch, lang):
    with_pending_translations(monkeypatch)
    too_long = {}
    for name in template_names(app):
        key = name.removeprefix("messages/").removesuffix(".txt")
        variants = [sample_context(app, name)]
        if "channel" in variants[0]:
            variants.append({**variants[0], "channel": "sms"})
        for context in variants:
            with app.test_request_context(f"/{lang}/"):
                text = gsm_friendly(render_text(lang, key, **context))
            assert text.strip(), name
            if segments(text) > MAX_SEGMENTS:
                too_long[name] = (segments(text), encoding(text), length(text), text)
    assert too_long == {}


def test_the_channel_message_is_translated_in_arabic(app, monkeypatch):
    with_pending_translations(monkeypatch)
    with app.test_request_context("/ar/"):
        text = render_text("ar", "channel_chosen", channel="whatsapp")
    assert "واتساب" in text
    assert encoding(text) == "UCS-2"
    assert segments(text) <= MAX_SEGMENTS


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_channel_message_is_one_gsm_part_in_latin_script(app, monkeypatch, lang):
    # One ê or ç would make the whole text UCS-2: the French is written without them.
    with_pending_translations(monkeypatch)
    for channel in ("sms", "whatsapp"):
        with app.test_request_context(f"/{lang}/"):
            text = gsm_friendly(render_text(lang, "channel_chosen", channel=channel))
        assert (encoding(text), segments(text)) == ("GSM-7", 1), text
