"""Which picture a real browser fetches: ``sizes`` against the layout (issue #15).

A 360 px phone at 2 or 3 device pixels per CSS pixel never downloads the
1280 px rendition, neither on the product page (the picture spans the
screen) nor on the listing (two cards a row); a desktop at 2x still gets
a sharp one.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from catalog.services import add_image
from shop.extensions import db
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser

CURRENT = """(selector) => [...document.querySelectorAll(selector)].map((img) => img.currentSrc)"""


def picture(width: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, width), (190, 110, 50)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def products(make_product):
    made = [make_product(name_fr=f"Huile d’argan {n}") for n in range(4)]
    for product in made:
        add_image(product, picture(1600))
    db.session.commit()
    return made


def visit(browser, url: str, viewport: dict[str, int], scale: float) -> tuple[list[str], list[str]]:
    """The media URLs the page fetched, and the ``currentSrc`` of its pictures."""
    context = browser.new_context(viewport=viewport, device_scale_factor=scale)
    fetched: list[str] = []
    context.on("request", lambda r: fetched.append(r.url) if "/media/" in r.url else None)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    current = page.evaluate(CURRENT, ".gallery img, .product-card img")
    context.close()
    return fetched, current


@pytest.mark.parametrize("scale", [2, 3])
def test_a_phone_never_fetches_the_1280_picture(live_server, browser, products, scale):
    fetched, current = visit(browser, f"{live_server}/fr/products/{products[0].slug}", PHONE, scale)
    assert fetched, "the product page fetched no picture"
    assert not [u for u in fetched if "-1280." in u], fetched
    # 328 CSS px wide: 656 device px at 2x, 984 at 3x; the 1080 one covers both
    # (Chromium takes the smallest at least as wide as needed).
    assert current[0].endswith(("-640.webp", "-1080.webp")), current

    fetched, current = visit(browser, f"{live_server}/fr/products/", PHONE, scale)
    assert current and all(src.endswith(("-320.webp", "-640.webp")) for src in current), current
    assert not [u for u in fetched if "-1280." in u or "-1080." in u], fetched


def test_a_desktop_at_2x_gets_a_sharp_picture(live_server, browser, products):
    _fetched, current = visit(browser, f"{live_server}/fr/products/{products[0].slug}", DESKTOP, 2)
    # The gallery is about 36rem (590 px) wide at 1280 px: 1180 device px.
    assert current[0].endswith("-1280.webp"), current
