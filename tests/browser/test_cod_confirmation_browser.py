"""Cash on delivery confirmed from the SMS link, in Arabic on a 360 px phone: the order
waits, the shopper taps the link's button, and the parcel reaches the cooperative."""

from __future__ import annotations

import re

import pytest

from orders.models import Order, OrderStatus
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from shop.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
LINK = re.compile(r"http://shop\.test(/c/[\w.\-]+)")  # the text's short link


def test_cod_order_confirmed_from_the_sms_link_in_arabic_on_a_phone(
    live_server, page_at, shoot, make_cooperative, make_product, make_user, text_outbox
):
    ensure_default_rates()
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    owner = make_user(email="owner@tifaout.ma", name="عائشة", password=PASSWORD, locale="ar")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    oil = make_product(cooperative=coop, name_ar="زيت أركان للطبخ", price=18_000, stock=5)
    db.session.commit()

    page = page_at("phone", locale="ar-MA")
    page.goto(f"{live_server}/ar/products/{oil.slug}")
    page.locator(".buy-form button[type=submit]").click()
    page.wait_for_url("**/ar/cart")
    page.locator(".order-summary a.button-primary").click()
    page.wait_for_url("**/ar/checkout")
    page.fill("#email", "amina@example.com")
    page.fill("#phone", "٠٦١٢٣٤٥٦٧٨")  # typed in Arabic-Indic digits
    page.fill("#full_name", "أمينة العلوي")
    page.fill("#address_line", "12 زنقة ابن بطوطة")
    page.fill("#city", "Casablanca")
    page.fill("#postal_code", "20250")
    assert page.locator("input[name=contact][value=sms]").is_checked()  # the default
    shoot(page, "cod-checkout-ar-phone")
    page.locator("button[value=review]").click()
    page.locator("button[value=place]").click()
    page.wait_for_url("**/orders/TW-*")
    number = page.url.split("/orders/", 1)[1].split("?", 1)[0]
    assert page.locator(".order-status-awaiting_confirm").is_visible()
    shoot(page, "cod-awaiting-ar-phone")

    # The SMS is in the outbox, in Arabic, with the order's link.
    (sms,) = text_outbox()
    assert sms["to"] == "+212612345678" and number in sms["body"]
    path = LINK.search(sms["body"]).group(1)

    page.goto(f"{live_server}{path}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    button = page.locator("button[value=confirm]")
    assert button.is_visible()
    shoot(page, "cod-confirm-ar-phone")
    button.click()
    page.wait_for_load_state()
    assert page.locator(".order-status-confirmed").is_visible()
    shoot(page, "cod-confirmed-ar-phone")
    db.session.expire_all()
    order = db.session.query(Order).filter_by(number=number).one()
    assert order.status == OrderStatus.CONFIRMED

    # The cooperative's manager finds the parcel to prepare.
    manager = page_at("phone", locale="ar-MA")
    manager.goto(f"{live_server}/ar/account/login")
    manager.fill("#email", owner.email)
    manager.fill("#password", PASSWORD)
    manager.click("main form button[type=submit]")
    manager.wait_for_load_state()
    manager.goto(f"{live_server}/ar/producer/tifaout/parcels")
    assert manager.locator(".parcel", has_text=number).count() == 1
    shoot(manager, "cod-to-prepare-ar-phone")
