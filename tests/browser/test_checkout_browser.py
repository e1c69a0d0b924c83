"""A guest buys from two cooperatives with cash on delivery, in ar and fr, phone and desktop."""

from __future__ import annotations

import pytest

from orders.shipping import ensure_default_rates
from shop.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_items(make_cooperative, make_product):
    ensure_default_rates()
    souss = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout", region_code=9)
    casa = make_cooperative(
        slug="chaouia", legal_name="Coopérative Chaouia des abeilles", region_code=6
    )
    oil = make_product(
        cooperative=souss,
        name_fr="Huile d’argan alimentaire",
        name_ar="زيت أركان للطبخ",
        price=18_000,
        stock=40,
    )
    honey = make_product(
        cooperative=casa,
        name_fr="Miel de thym sauvage",
        name_ar="عسل الزعتر البري",
        price=9_500,
        stock=3,
    )
    db.session.commit()
    return oil, honey


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_guest_checkout_with_cash_on_delivery(live_server, page_at, shoot, shop_items, lang, size):
    oil, honey = shop_items
    page = page_at(size, locale="ar-MA" if lang == "ar" else "fr-FR")
    for product, quantity in ((oil, "2"), (honey, "1")):
        page.goto(f"{live_server}/{lang}/products/{product.slug}")
        page.fill("#qty", quantity)
        page.locator(".buy-form button[type=submit]").click()
        page.wait_for_url(f"**/{lang}/cart")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator(".parcel").count() == 2
    assert page.locator("[data-cart-count]").inner_text() == "3"
    shoot(page, f"cart-{lang}-{size}")

    page.locator(".order-summary a.button-primary").click()
    page.wait_for_url(f"**/{lang}/checkout")
    page.fill("#email", "amina@example.com")
    page.fill("#phone", "0612345678")
    page.fill("#full_name", "أمينة العلوي" if lang == "ar" else "Amina Alaoui")
    page.fill("#address_line", "12 rue Ibn Battouta")
    page.fill("#city", "Casablanca")
    page.fill("#postal_code", "2025")  # wrong on purpose: one digit short
    page.locator("button[value=review]").click()
    assert page.locator("#postal_code-error").is_visible()
    assert page.input_value("#address_line") == "12 rue Ibn Battouta"
    page.fill("#postal_code", "20250")
    shoot(page, f"checkout-{lang}-{size}")
    page.locator("button[value=review]").click()
    assert page.locator(".parcel").count() == 2
    shoot(page, f"review-{lang}-{size}")

    page.locator("button[value=place]").click()
    page.wait_for_url("**/orders/TW-*")
    assert page.locator(".parcel").count() == 2
    assert page.locator("[data-cart-count]").inner_text() == "0"
    shoot(page, f"order-{lang}-{size}")
