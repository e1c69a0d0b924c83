"""A cached product page in Chromium: the header's cart count comes from the cookie,
and adding to the cart works without a token (shop/pagecache.py)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    """A live server (127.0.0.1) with the page cache on."""
    return {"SERVER_NAME": None, "PAGE_CACHE_SECONDS": 60}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_cached_page_shows_this_visitors_cart(live_server, page_at, shoot, make_product, lang):
    product = make_product(name_fr="Huile d’argan", name_ar="زيت أركان", stock=20)
    url = f"{live_server}/{lang}/products/{product.slug}"
    page = page_at("phone", locale="ar-MA" if lang == "ar" else "fr-FR")
    page.goto(url)
    badge = page.locator('[data-cart-count="cookie"]')
    assert badge.inner_text() == "0"
    assert page.locator('meta[name="csrf-token"]').count() == 0
    page.fill("#qty", "2")
    page.locator(".buy-form button[type=submit]").click()  # no token: checked by origin
    page.wait_for_url(f"**/{lang}/cart")
    assert page.locator("[data-cart-count]").inner_text() == "2"
    page.goto(url)
    assert badge.inner_text() == "2"
    shoot(page, f"cached-product-{lang}-phone")
    page.go_back()
    page.go_forward()
    assert page.locator('[data-cart-count="cookie"]').inner_text() == "2"
