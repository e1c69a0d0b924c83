"""Storefront pages in a real browser, in ar and fr, phone and desktop."""

from __future__ import annotations

import pytest

from shop.extensions import db

pytestmark = pytest.mark.browser


def test_storefront_pages_render(live_server, page_at, shoot, make_product, make_cooperative):
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    products = [
        make_product(
            cooperative=coop,
            name_fr=f"Huile d’argan {i}",
            name_ar=f"زيت أركان {i}",
            certifications=("organic",),
            variants=2,
        )
        for i in range(6)
    ]
    db.session.commit()
    pages = {
        "home": "/{lang}/",
        "listing": "/{lang}/products/",
        "product": f"/{{lang}}/products/{products[0].slug}",
        "cooperative": "/{lang}/cooperatives/tifaout",
    }
    for lang in ("ar", "fr"):
        for size in ("phone", "desktop"):
            page = page_at(size)
            for name, url in pages.items():
                response = page.goto(live_server + url.format(lang=lang))
                assert response.status == 200
                assert page.locator("html").get_attribute("dir") == (
                    "rtl" if lang == "ar" else "ltr"
                )
                shoot(page, f"{name}-{lang}-{size}")  # also checks sideways overflow
    page = page_at("phone")
    page.goto(live_server + "/fr/products/?sort=price_desc")
    page.locator(".filters-details summary").click()
    page.select_option("#f-category", "argan-oil")
    page.locator(".filters button[type=submit]").click()
    page.wait_for_url("**category=argan-oil**")
    assert page.locator(".product-card").count() == 6


@pytest.mark.parametrize("javascript", [True, False])
def test_desktop_shows_the_filters_open_beside_the_results(
    live_server, browser, make_product, javascript
):
    """At 960 px and wider the filters are open, whether or not scripts run.

    They used to start folded with a summary that ignored the mouse, so only
    the keyboard could open them.
    """
    make_product(name_fr="Miel de thym")
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="fr-FR", java_script_enabled=javascript
    )
    try:
        page = context.new_page()
        for path in ("/fr/products/", "/fr/search?q=miel"):
            page.goto(live_server + path)
            assert page.locator(".filters select").first.is_visible(), path
            assert page.locator(".filters button[type=submit]").is_visible(), path
            filters = page.locator(".filters").bounding_box()
            results = page.locator(".product-card").first.bounding_box()
            assert filters and results
            # Beside, not above: the first result starts level with the panel.
            assert abs(results["y"] - filters["y"]) < 200, path
            page.locator(".filters-details summary").click()
            assert page.locator(".filters select").first.is_visible(), path
    finally:
        context.close()


def test_phone_filters_open_on_a_tap_and_close_again(live_server, page_at, make_product):
    make_product(name_fr="Miel de thym")
    db.session.commit()
    page = page_at("phone")
    page.goto(live_server + "/fr/products/")
    select = page.locator(".filters select").first
    assert not select.is_visible()
    page.locator(".filters-details summary").click()
    assert select.is_visible()
    page.locator(".filters-details summary").click()
    assert not select.is_visible()
    assert page.locator(".product-card").first.is_visible()


@pytest.mark.parametrize("javascript", [True, False])
def test_choosing_a_size_updates_price_split_and_cart(
    live_server, browser, make_product, javascript
):
    """Picking 250 ml shows its price, its money split and adds that size.

    The sizes were radios that changed nothing on the page: the price, the
    "for 100 ml" line and the split stayed on the first size, which also still
    looked chosen.
    """
    product = make_product(name_fr="Huile d’argan", price=12_000, variants=2)
    small, large = product.variants
    small.label, small.unit_quantity = "100 ml", 100
    db.session.commit()
    context = browser.new_context(
        viewport={"width": 360, "height": 800}, locale="fr-FR", java_script_enabled=javascript
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/fr/products/{product.slug}")
        assert "120,00" in page.locator(".price-large").inner_text()
        assert "100 ml" in page.locator(".money-split .muted").inner_text()
        assert "100 ml" in page.locator(".variant-option.is-chosen").inner_text()
        before = page.locator(".money-split .split-amount").first.inner_text()
        if javascript:
            page.evaluate("window.samePage = true")

        page.locator(".variant-option", has_text="250 ml").click()
        page.wait_for_url(f"**variant={large.sku}")
        page.locator(".variant-option.is-chosen", has_text="250 ml").wait_for()
        assert "130,00" in page.locator(".price-large").inner_text()
        assert "250 ml" in page.locator(".money-split .muted").inner_text()
        assert page.locator(".money-split .split-amount").first.inner_text() != before
        assert page.locator(".variant-option.is-chosen").count() == 1
        # With JavaScript the page updated in place; without, it reloaded.
        assert page.evaluate("window.samePage === true") is javascript

        page.locator(".buy-form button[type=submit]").click()
        page.wait_for_url("**/cart**")
        assert "250 ml" in page.locator("main").inner_text()
        assert "100 ml" not in page.locator("main").inner_text()
    finally:
        context.close()
