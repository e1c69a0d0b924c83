"""Accounts and orders in a browser (#14): a guest's order joins the account made
from its page, a manager's login lands in the workspace, and a city typed in
Arabic stays in Arabic. In ar and fr, on a phone."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from orders.models import Order
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from shop.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
LANGS = ["ar", "fr"]
CITY_AR = "الدار البيضاء"


def locale(lang: str) -> str:
    return "ar-MA" if lang == "ar" else "fr-FR"


@pytest.fixture
def honey(make_cooperative, make_product):
    ensure_default_rates()
    coop = make_cooperative(
        slug="chaouia", legal_name="Coopérative Chaouia des abeilles", region_code=6
    )
    product = make_product(
        cooperative=coop,
        name_fr="Miel de thym sauvage",
        name_ar="عسل الزعتر البري",
        price=9_500,
        stock=30,
    )
    db.session.commit()
    return product


def buy_as_guest(page, live_server, lang: str, product, shoot, email: str) -> str:
    """Cart, checkout (with the city in Arabic), review, place: the order's page."""
    page.goto(f"{live_server}/{lang}/products/{product.slug}")
    page.locator(".buy-form button[type=submit]").click()
    page.wait_for_url(f"**/{lang}/cart")
    page.locator(".order-summary a.button-primary").click()
    page.wait_for_url(f"**/{lang}/checkout")
    # An anonymous shopper is offered to log in first, and come back here.
    login = page.locator(".checkout-login a")
    assert login.is_visible()
    assert login.get_attribute("href") == f"/{lang}/account/login?next=/{lang}/checkout"
    page.fill("#email", email)
    page.fill("#phone", "0612345678")
    page.fill("#full_name", "أمينة العلوي" if lang == "ar" else "Amina Alaoui")
    page.fill("#address_line", "12 rue Ibn Battouta")
    page.fill("#city", CITY_AR)
    page.fill("#postal_code", "20250")
    shoot(page, f"journeys-1-checkout-{lang}-phone")
    page.locator("button[value=review]").click()
    page.locator("button[value=place]").click()
    page.wait_for_url("**/orders/TW-*")
    return page.url


@pytest.mark.parametrize("lang", LANGS)
def test_a_guest_order_joins_the_account_made_from_its_page(
    live_server, page_at, shoot, outbox, honey, lang
):
    page = page_at("phone", locale=locale(lang))
    email = f"amina.{lang}@example.com"
    order_url = buy_as_guest(page, live_server, lang, honey, shoot, email)
    # The city reads as it was typed, not as "Casablanca".
    address = page.locator(".order-summary address").inner_text()
    assert CITY_AR in address and "Casablanca" not in address
    # The order's page offers an account, with the order's address.
    offer = page.locator("#account-offer")
    assert offer.is_visible() and email in offer.inner_text()
    shoot(page, f"journeys-2-order-offer-{lang}-phone")
    offer.locator("a").click()
    page.wait_for_url(re.compile(rf".*/{lang}/account/register\?.*"))
    assert page.input_value("#email") == email
    page.fill("#name", "Amina Alaoui")
    shoot(page, f"journeys-3-register-{lang}-phone")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    (*_confirmation, message) = outbox()
    assert message["To"] == email
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"https?://[^/\s]+(/{lang}/account/register/\S+)", text).group(1)
    page.goto(live_server + link)
    page.fill("#password", "miel-de-chaouia-2026")
    page.fill("#confirm", "miel-de-chaouia-2026")
    page.click("main form button[type=submit]")
    # Back on the order, now in the account: no offer, a note saying so.
    page.wait_for_url(order_url)
    assert page.locator("#account-offer").count() == 0
    assert page.locator(".flash, .flashes, [role=status], [role=alert]").count() >= 1
    shoot(page, f"journeys-4-order-in-account-{lang}-phone")
    # "My orders" lists it.
    page.locator(".account-menu summary").click()
    page.locator(f'.account-menu a[href="/{lang}/account/orders"]').click()
    page.wait_for_url(f"**/{lang}/account/orders")
    order = db.session.scalar(select(Order).where(Order.email == email))
    assert order.number in page.locator("main").inner_text()
    shoot(page, f"journeys-5-my-orders-{lang}-phone")


@pytest.mark.parametrize("lang", LANGS)
def test_a_managers_login_lands_in_the_workspace(
    live_server, page_at, shoot, make_user, make_cooperative, lang
):
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    manager = make_user(email=f"fatima.{lang}@tifaout.ma", name="Fatima", locale=lang)
    db.session.add(Membership(user=manager, cooperative=coop, role=MembershipRole.OWNER))
    shopper = make_user(email=f"salma.{lang}@example.com", name="Salma", locale=lang)
    db.session.commit()
    for user, lands in ((manager, f"/{lang}/producer/tifaout/"), (shopper, f"/{lang}/products/")):
        page = page_at("phone", locale=locale(lang))
        page.goto(f"{live_server}/{lang}/products/")
        # The header's "Log in" link remembers the page, for a shopper's return.
        page.locator(".account-menu summary").click()
        page.locator(f'.account-menu a[href^="/{lang}/account/login?back="]').click()
        page.wait_for_url(re.compile(rf".*/{lang}/account/login\?back=.*"))
        page.fill("#email", user.email)
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{live_server}{lands}")
        who = "manager" if user is manager else "shopper"
        shoot(page, f"journeys-6-login-{who}-{lang}-phone")


@pytest.mark.parametrize("lang", LANGS)
def test_staff_read_the_city_as_typed_with_the_recognised_one(
    live_server, page_at, shoot, outbox, honey, make_user, lang
):
    guest = page_at("phone", locale=locale(lang))
    buy_as_guest(guest, live_server, lang, honey, shoot, f"karim.{lang}@example.com")
    number = guest.url.split("/orders/", 1)[1].split("?", 1)[0]
    admin = make_user(email=f"admin.{lang}@taawon.ma", is_admin=True, locale=lang)
    page = page_at("phone", locale=locale(lang))
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server}/{lang}/admin/")  # an admin starts in the back office
    page.goto(f"{live_server}/{lang}/admin/orders/{number}")
    address = page.locator("address.address").inner_text()
    assert CITY_AR in address and "Casablanca" in address
    shoot(page, f"journeys-7-admin-city-{lang}-phone")
