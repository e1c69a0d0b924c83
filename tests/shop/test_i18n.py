"""Languages in the URL, negotiation, switcher, formatting, fallback."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from shop.i18n import Localized, format_money, format_when, pick


@pytest.mark.parametrize(
    ("headers", "cookie", "expected"),
    [
        ({}, None, "fr"),
        ({"Accept-Language": "en-US,en;q=0.9"}, None, "en"),
        ({"Accept-Language": "ar-MA,ar;q=0.9,fr;q=0.5"}, None, "ar"),
        ({"Accept-Language": "de-DE,de;q=0.9"}, None, "fr"),
        ({"Accept-Language": "en"}, "ar", "ar"),  # the cookie wins
        ({"Accept-Language": "en"}, "xx", "en"),  # a bad cookie is ignored
    ],
)
def test_root_redirects_to_best_language(client, headers, cookie, expected):
    if cookie:
        client.set_cookie("lang", cookie, domain="shop.test")
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/{expected}/")


def test_visiting_a_language_remembers_it(client):
    client.get("/en/")
    response = client.get("/", headers={"Accept-Language": "ar"})
    assert response.headers["Location"].endswith("/en/")


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_html_lang_and_dir(client, lang, direction):
    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in html


def test_unknown_language_is_404(client):
    assert client.get("/de/").status_code == 404


def test_hreflang_alternates_and_switcher_keep_the_page(client):
    html = client.get("/ar/account/login?next=/ar/cart").get_data(as_text=True)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="(\w+)" href="([^"]+)"', html))
    assert set(alternates) == {"ar", "fr", "en"}
    assert alternates["fr"].startswith("http://shop.test/fr/account/login")
    assert "next=%2Far%2Fcart" in alternates["fr"] or "next=/ar/cart" in alternates["fr"]
    switcher = re.findall(r'<a href="([^"]+)" hreflang="fr" lang="fr"', html)
    assert switcher and switcher[0].startswith("/fr/account/login")
    assert client.get(switcher[0]).status_code == 200


def test_translated_interface(client):
    assert "تسجيل الدخول" in client.get("/ar/account/login").get_data(as_text=True)
    assert "Se connecter" in client.get("/fr/account/login").get_data(as_text=True)
    assert "Log in" in client.get("/en/account/login").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", "1\u202f234,50\xa0MAD"),
        ("en", "MAD\xa01,234.50"),
        ("ar", "\u200f1.234,50\xa0درهم"),
    ],
)
def test_money_format_per_locale(app, lang, expected):
    assert format_money(123450, lang=lang) == expected


def test_money_refuses_floats(app):
    with pytest.raises(TypeError):
        format_money(1234.5, lang="fr")


def test_dates_are_shown_in_casablanca(app):
    # 2026-07-01 23:30 UTC is already 2 July 00:30 in Casablanca (UTC+1).
    with app.test_request_context("/fr/"):
        from flask import g

        g.lang = "fr"
        text = format_when(datetime(2026, 7, 1, 23, 30), "short")
    assert text.startswith("02/07/2026") and "00:30" in text


def test_fallback_marks_language():
    value = pick({"fr": "Huile d'argan", "en": None, "ar": ""}, "en")
    assert value == Localized("Huile d'argan", "fr")
    assert str(value.render("en")) == '<span lang="fr" dir="ltr">Huile d&#39;argan</span>'
    arabic = pick({"ar": "زيت"}, "fr")
    assert 'dir="rtl"' in arabic.render("fr")
    assert pick({"en": "Oil", "fr": "Huile"}, "en").render("en") == "Oil"
    assert pick({}, "ar").text == ""
