"""A shopper whose parcel was delivered reviews the product with a photo, in Arabic on a
phone (390x844), then sees the review on the product page (issue #18)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.conftest import OVERFLOWING
from tests.browser.test_axe_browser import violations

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
#: Where the lead looks at the screenshots (not committed); the suite's own go to screenshots/.
SHOTS = Path(os.environ.get("REVIEW_SHOTS", "/work/shots/reviews"))


def _login(page, live_server, user, lang):
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", "correct horse battery")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def _fits(page, name: str, shoot) -> None:
    shoot(page, name)  # checks sideways overflow too
    if SHOTS.parent.exists():
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate(OVERFLOWING) == []


def test_a_delivered_shopper_reviews_with_a_photo_in_arabic_on_a_phone(
    live_server, browser, shoot, tmp_path, make_user, make_product, bought
):
    shopper = make_user(email="amina@example.com", name="أمينة العلوي", locale="ar")
    product = make_product(name_fr="Huile d’argan", name_ar="زيت أركان")
    line = bought(shopper, product)
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (800, 600), (190, 110, 50)).save(photo, "JPEG")

    # bypass_csp: axe is injected at the end, as tests/browser/test_axe_browser.py does.
    context = browser.new_context(viewport=PHONE_390, locale="ar-MA", bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        _login(page, live_server, shopper, "ar")
        page.goto(f"{live_server}/ar/orders/{line.order.number}")
        link = page.locator(".review-link")
        assert link.count() == 1
        _fits(page, "reviews-1-order-ar-phone", shoot)
        link.click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("#locale").input_value() == "ar"
        page.check("input[name=rating][value='5']")
        page.fill("#body", "زيت رائع، رائحته طيبة")
        page.set_input_files("#photos", str(photo))
        _fits(page, "reviews-2-form-ar-phone", shoot)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"**/ar/products/{product.slug}#reviews")

        review = page.locator(".review").first
        body = review.locator(".review-body")
        assert body.inner_text() == "زيت رائع، رائحته طيبة"
        assert body.get_attribute("lang") == "ar" and body.get_attribute("dir") == "rtl"
        assert "أمينة ع." in review.inner_text() and "العلوي" not in review.inner_text()
        assert review.locator(".tag-verified").count() == 1
        image = review.locator(".review-photos img")
        assert image.count() == 1
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        assert page.locator(".review-average strong").inner_text() == "5,0"
        _fits(page, "reviews-3-product-ar-phone", shoot)
        assert violations(page) == []  # axe-core, as tests/browser/test_axe_browser.py
    finally:
        context.close()
