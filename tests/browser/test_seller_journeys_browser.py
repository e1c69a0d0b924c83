"""Becoming a seller in a browser: the “Sell on Taawon” page, applying after registering,
the dashboard's money and an admin changing a cooperative's address (issue #14)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from orders.models import PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Cooperative, Membership, MembershipRole
from shop import clock
from shop.extensions import db
from tests.factories import place_confirmed

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def log_in(page, live_server, user, lang="fr"):
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_sell_page(live_server, page_at, shoot, lang, size):
    page = page_at(size, locale="ar-MA" if lang == "ar" else "fr-FR")
    # The home page invites cooperatives to it.
    page.goto(f"{live_server}/{lang}/")
    invite = page.locator(".sell-invite a")
    assert invite.is_visible()
    assert page.locator(f'.site-footer a[href="/{lang}/sell"]').count() == 1
    invite.click()
    page.wait_for_url(f"**/{lang}/sell")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("h1").inner_text()
    # Fees of the policy in force (defaults: 10 %, 5 %, 14 days).
    assert page.locator("[data-rate=commission]").inner_text().startswith("10")
    assert page.locator("[data-rate=premium]").inner_text().startswith("5")
    assert "14" in page.locator("[data-hold-days]").inner_text()
    assert page.locator("[data-document]").count() == 3
    assert page.locator("a[data-apply]").first.is_visible()
    shoot(page, f"sell-{lang}-{size}")


def test_apply_after_registering_from_the_login_redirect(live_server, page_at, shoot, outbox):
    page = page_at("phone", locale="fr-FR")
    page.goto(f"{live_server}/fr/sell")
    page.locator("a[data-apply]").first.click()
    # Not signed in: the login page, which remembers the application.
    page.wait_for_url(re.compile(r".*/fr/account/login\?next=.*"))
    shoot(page, "seller-1-login-fr-phone")
    page.locator("main .form-links a[href*='/account/register']").click()
    page.wait_for_url(re.compile(r".*/fr/account/register\?next=.*"))
    page.fill("#name", "Fatima Zahra")
    page.fill("#email", "fatima@tamanar.ma")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # The mailed link carries the destination: choosing the password ends there.
    (message,) = outbox()
    text = message.get_body(("plain",)).get_content()
    page.goto(live_server + re.search(r"https?://[^/\s]+(/fr/account/register/\S+)", text).group(1))
    page.fill("#password", "argan-de-tamanar")
    page.fill("#confirm", "argan-de-tamanar")
    page.click("main form button[type=submit]")
    # Back on the application form, signed in.
    page.wait_for_url(re.compile(r".*/fr/producer/apply$"))
    assert page.locator("#application-form").is_visible()
    shoot(page, "seller-2-apply-fr-phone")
    for field, value in {
        "legal_name": "تعاونية أركان تمنار",
        "odco_number": "2012/88",
        "odco_court": "Tribunal d’Essaouira",
        "ice": "001234567000062",
        "founded_year": "2012",
        "province": "Essaouira",
        "commune": "Tamanar",
        "members_count": "30",
        "women_members_count": "30",
        "contact_name": "Fatima Zahra",
        "email": "contact@tamanar.ma",
        "phone": "0612345678",
        "story_fr": "Des femmes qui pressent l’argan à la main.",
    }.items():
        page.fill(f"#{field}", value)
    page.select_option("#region_code", "9")
    page.click("button[name=save]")
    # An Arabic-only name gets a readable address of its own.
    page.wait_for_url("**/fr/producer/apply/arkan-tmnar")
    # The documents come before the button that sends the application.
    docs = page.locator("#docs-title").bounding_box()
    send = page.locator("button[name=send]").bounding_box()
    assert docs["y"] < send["y"]
    shoot(page, "seller-3-documents-fr-phone")


def sell_and_pay(variant) -> None:
    address = Address(
        full_name="Amina Alaoui",
        email="amina@example.com",
        phone="+212612345678",
        address_line="12 rue Ibn Battouta",
        city="Casablanca",
        postal_code="20250",
        country="MA",
        region_code=6,
    )
    order, _token = place_confirmed({variant.sku: 3}, address, PaymentMethod.COD, "fr")
    db.session.commit()
    shipment = order.shipments[0]
    mark_shipped(shipment, "Amana", "AM123")
    mark_delivered(shipment)
    shipment.delivered_at = clock.utcnow() - timedelta(days=20)
    mark_cash_remitted(shipment)
    db.session.commit()


def test_dashboard_money_and_an_admin_changing_the_address(
    app, live_server, page_at, shoot, make_user, make_cooperative, make_product
):
    coop = make_cooperative(
        slug="cooperative", legal_name="تعاونية أركان تمنار", rib="011519000001205000534921"
    )
    owner = make_user(email="owner@tamanar.ma", name="Fatima", locale="ar")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    ensure_default_rates()
    variant = make_product(cooperative=coop, name_ar="زيت الأركان", price=24_000).variants[0]
    with app.test_request_context():  # the order's mails link to its page
        sell_and_pay(variant)

    page = page_at("phone", locale="ar-MA")
    log_in(page, live_server, owner, "ar")
    page.goto(f"{live_server}/ar/producer/cooperative/")
    for name in ("sales", "due", "next-payout"):
        assert (
            page.locator(f'[data-money="{name}"] dt a')
            .get_attribute("href")
            .endswith("/ar/producer/cooperative/balance")
        )
    assert page.locator('[data-money="next-payout"] time').count() == 1
    shoot(page, "seller-4-dashboard-ar-phone")

    admin = make_user(email="admin@taawon.ma", is_admin=True)
    desk = page_at("desktop", locale="fr-FR")
    log_in(desk, live_server, admin)
    desk.goto(f"{live_server}/fr/admin/cooperatives/{coop.id}")
    desk.fill("#slug", "Arkan Tamanar")
    desk.locator("#shop-address button[type=submit]").click()
    desk.wait_for_load_state()
    assert desk.locator("#slug-error").is_visible()
    assert desk.locator("#slug").input_value() == "Arkan Tamanar"  # the input kept
    shoot(desk, "seller-5-slug-error-fr-desktop")
    desk.fill("#slug", "arkan-tamanar")
    desk.locator("#shop-address button[type=submit]").click()
    desk.wait_for_load_state()
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).slug == "arkan-tamanar"
    response = desk.goto(f"{live_server}/fr/cooperatives/cooperative")
    assert desk.url.endswith("/fr/cooperatives/arkan-tamanar") and response.status == 200
    shoot(desk, "seller-6-moved-fr-desktop")
