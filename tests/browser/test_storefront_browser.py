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
