"""The fair-trade rules, the impact page and the policy editor in a real browser."""

from __future__ import annotations

import pytest

from catalog.models import FloorPrice, Unit
from producers.money import policy as policy_services
from shop.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def published(app, make_user, make_cooperative, categories):
    """An administrator, two published versions and two floors."""
    admin = make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)
    policy_services.publish_policy(admin, 1100, 500, 14, "Les frais de carte ont augmenté.")
    policy_services.publish_policy(
        admin,
        1250,
        600,
        10,
        "Prime relevée pour financer les cours d’alphabétisation des coopératives du Souss.",
    )
    db.session.add_all(
        [
            FloorPrice(category=categories["argan-oil"], unit=Unit.ML, cents_per_reference=15_000),
            FloorPrice(category=categories["saffron"], unit=Unit.G, cents_per_reference=2_500_000),
        ]
    )
    db.session.commit()
    make_cooperative(legal_name="Coopérative Tamsoult du Safran")
    make_cooperative(legal_name="Coopérative Amal")
    return admin


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_public_pages(live_server, page_at, shoot, published):
    for lang, size in (("ar", "phone"), ("fr", "desktop"), ("fr", "phone")):
        page = page_at(size)
        errors = watch(page)
        for name in ("fair-trade", "impact"):
            response = page.goto(f"{live_server}/{lang}/{name}")
            assert response.status == 200, (lang, size, name)
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            shoot(page, f"{name}-{lang}-{size}")
        assert page.locator("[data-rate=commission]").count() == 0  # not on the impact page
        page.goto(f"{live_server}/{lang}/fair-trade")
        assert page.locator("[data-rate=commission]").inner_text().startswith("12,5")
        assert page.locator(".policy-versions > li").count() == 3  # with the defaults, v1
        assert errors == []


def test_admin_policy_pages(live_server, page_at, shoot, published):
    for lang, size in (("fr", "desktop"), ("ar", "phone")):
        page = page_at(size)
        errors = watch(page)
        page.goto(f"{live_server}/{lang}/account/login")
        page.fill("#email", "admin@taawon.ma")
        page.fill("#password", "correct horse battery")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto(f"{live_server}/{lang}/admin/policy")
        shoot(page, f"admin-policy-{lang}-{size}")
        page.goto(f"{live_server}/{lang}/admin/policy/floors")
        shoot(page, f"admin-floors-{lang}-{size}")
        assert errors == []

    # A refused change re-renders with the message beside the field, then a valid one publishes.
    page = page_at("desktop")
    page.goto(f"{live_server}/fr/account/login")
    page.fill("#email", "admin@taawon.ma")
    page.fill("#password", "correct horse battery")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/fr/admin/policy")
    page.fill("#commission", "16")
    page.fill("#note", "Essai")
    page.locator(".policy-form button[type=submit]").click()
    page.wait_for_load_state()
    assert (
        "La commission ne peut jamais dépasser 15" in page.locator("#commission-error").inner_text()
    )
    shoot(page, "admin-policy-fr-desktop-error")
    page.fill("#commission", "13")
    page.locator(".policy-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert page.locator("[data-current-version]").get_attribute("data-current-version") == "4"


def test_product_page_money_block(live_server, page_at, shoot, published, make_product):
    from orders.shipping import ensure_default_rates

    ensure_default_rates()
    db.session.commit()
    product = make_product(name_ar="زيت أركان تجميلي", price=12_000, variants=2)
    for lang, size in (("ar", "phone"), ("fr", "desktop")):
        page = page_at(size)
        page.goto(f"{live_server}/{lang}/products/{product.slug}")
        block = page.locator(".money-split")
        assert block.locator(".split-shipping").count() == 1
        block.scroll_into_view_if_needed()
        shoot(page, f"product-split-{lang}-{size}")
