"""Search in a real browser: autocomplete on a phone, then the results page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "lang,typed,word,expected",
    [
        ("fr", "hu", "huile", "Huile d’argan de Tifaout"),
        ("ar", "زي", "زيت", "زيت أركان تافوت"),
    ],
)
def test_autocomplete_then_results_on_a_phone(
    live_server, page_at, shoot, make_product, lang, typed, word, expected
):
    make_product(
        name_fr="Huile d’argan de Tifaout", name_ar="زيت أركان تافوت", certifications=("organic",)
    )
    make_product(name_fr="Miel de thym", name_ar="عسل الزعتر", category="honey")
    page = page_at("phone")
    page.goto(f"{live_server}/{lang}/")
    box = page.locator("#site-search-q")
    box.click()
    box.press_sequentially(typed, delay=50)
    options = page.locator("#site-search-suggestions [role=option]")
    options.first.wait_for()
    assert options.all_inner_texts() == [expected]
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "site-search-suggestion-0"
    assert options.first.get_attribute("aria-selected") == "true"
    # The list stays inside the phone's width, in both directions.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1
    shoot(page, f"search-autocomplete-{lang}-phone")
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == typed
    box.fill(word)
    box.press("Enter")  # nothing highlighted: the form submits the words
    page.wait_for_url("**/search?q=**")
    assert page.locator(".product-card").count() == 1
    assert expected in page.locator(".product-card-title").inner_text()
    shoot(page, f"search-results-{lang}-phone")
