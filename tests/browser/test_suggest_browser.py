"""Autocomplete with a typo, in Arabic and French, on a phone and a desktop (issue #14).

"argn" typed in the header's search box used to suggest nothing on any page,
and Latin letters nothing on an Arabic page, while the results page found the
products.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NAMES = {
    "ar": {"زيت أركان غذائي", "زيت الأركان البلدي", "Huile d’argan du Souss"},
    "fr": {"Huile d’argan alimentaire", "زيت الأركان البلدي", "Huile d’argan du Souss"},
}
#: The name shown in another language than the page's, and its marking.
FOREIGN = {"ar": ("Huile d’argan du Souss", "fr", "ltr"), "fr": ("زيت الأركان البلدي", "ar", "rtl")}


@pytest.mark.parametrize("size", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_typo_in_the_header_search_suggests_argan(
    live_server, page_at, shoot, make_product, make_cooperative, lang, size
):
    coop = make_cooperative(legal_name="Coopérative Tifaout")
    make_product(
        name_fr="Huile d’olive vierge extra",
        name_ar="زيت الزيتون البكر",
        category="olive-oil",
        cooperative=coop,
    )
    make_product(
        name_fr="Huile d’argan alimentaire",
        name_ar="زيت أركان غذائي",
        name_en="Culinary argan oil",
        cooperative=coop,
    )
    make_product(name_fr=None, name_ar="زيت الأركان البلدي", category="cosmetics", cooperative=coop)
    make_product(name_fr="Huile d’argan du Souss", cooperative=coop)
    make_product(name_fr="Miel de thym", name_ar="عسل الزعتر", category="honey", cooperative=coop)

    page = page_at(size)
    page.goto(f"{live_server}/{lang}/")
    box = page.locator("#site-search-q")
    box.click()
    box.press_sequentially("argn", delay=40)
    options = page.locator("#site-search-suggestions [role=option]")
    options.first.wait_for()
    assert set(options.all_inner_texts()) == NAMES[lang]
    assert box.get_attribute("aria-expanded") == "true"
    # Names in the page's language are plain; another language's name is marked.
    text, own_lang, direction = FOREIGN[lang]
    foreign = options.filter(has_text=text).locator("span")
    assert (foreign.get_attribute("lang"), foreign.get_attribute("dir")) == (own_lang, direction)
    plain = options.filter(has_text=next(iter(NAMES[lang] - {text}))).locator("span").first
    assert plain.get_attribute("lang") is None
    # The list lies inside the screen.
    width = page.evaluate("document.documentElement.clientWidth")
    box_of_list = page.locator("#site-search-suggestions").bounding_box()
    assert box_of_list["x"] >= 0 and box_of_list["x"] + box_of_list["width"] <= width + 1
    shoot(page, f"suggest-argn-{lang}-{size}")

    # The keyboard picks a suggestion and lands on its product.
    box.press("ArrowDown")
    first = options.first.inner_text()
    box.press("Enter")
    page.wait_for_url("**/products/**")
    assert first in page.locator("h1").inner_text()

    # "huile dargan" on the results page: argan oils before the olive oil.
    page.goto(f"{live_server}/{lang}/")
    box = page.locator("#site-search-q")
    box.fill("huile dargan")
    box.press("Enter")  # nothing highlighted: the form submits the words
    page.wait_for_url("**/search?q=**")
    titles = page.locator(".product-card-title").all_inner_texts()
    olive = "زيت الزيتون البكر" if lang == "ar" else "Huile d’olive vierge extra"
    assert titles and olive not in titles[:2]
    shoot(page, f"search-huile-dargan-{lang}-{size}")
