"""The foundation in a real browser: RTL, the switcher, accounts."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_arabic_home_is_right_to_left(live_server, page_at, shoot):
    for size in ("phone", "desktop"):
        page = page_at(size, locale="ar-MA")
        page.goto(live_server + "/")
        assert page.url.endswith("/ar/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        # The brand sits on the right in RTL: its box starts right of the middle.
        box = page.locator(".brand").bounding_box()
        width = page.viewport_size["width"]
        assert box["x"] > width / 2
        shoot(page, f"home-ar-{size}")


def test_switching_language_keeps_the_page(live_server, page_at, shoot):
    page = page_at("desktop", locale="ar-MA")
    page.goto(live_server + "/ar/account/register")
    page.locator(".lang-menu summary").click()
    page.locator('.lang-menu a[hreflang="fr"]').click()
    page.wait_for_url("**/fr/account/register")
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator("h1").inner_text() == "Créer un compte"
    shoot(page, "register-fr-desktop")


def test_register_logout_login(live_server, page_at, shoot, outbox):
    page = page_at("phone", locale="fr-FR")
    page.goto(live_server + "/fr/account/register")
    page.fill("#name", "Hanane Idrissi")
    page.fill("#email", "hanane@example.ma")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    (message,) = outbox()
    text = message.get_body(("plain",)).get_content()
    page.goto(live_server + re.search(r"https?://[^/\s]+(/fr/account/register/\S+)", text).group(1))
    page.fill("#password", "safran-de-taliouine")
    page.fill("#confirm", "safran-de-taliouine")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/fr/")
    assert "Bienvenue sur Taawon" in page.content()
    shoot(page, "registered-fr-phone")

    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/fr/")
    assert "Vous êtes déconnecté." in page.content()

    page.goto(live_server + "/fr/account/login")
    page.fill("#email", "hanane@example.ma")
    page.fill("#password", "wrong password")
    page.click("main form button[type=submit]")
    assert (
        page.locator(".field .error").inner_text() == "L’e-mail ou le mot de passe est incorrect."
    )
    assert page.input_value("#email") == "hanane@example.ma"  # input kept
    shoot(page, "login-error-fr-phone")
    page.fill("#password", "safran-de-taliouine")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/fr/")
    assert "Bon retour, Hanane Idrissi." in page.content()
