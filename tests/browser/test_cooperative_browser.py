"""A cooperative's whole path in a browser: apply in Arabic, approval, first product."""

from __future__ import annotations

import re

import pytest
from PIL import Image, ImageDraw

from producers.models import Cooperative, CooperativeStatus
from shop.extensions import db

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def product_photo(path) -> str:
    image = Image.new("RGB", (900, 900), (244, 226, 196))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((330, 200, 570, 760), radius=60, fill=(201, 143, 38))
    draw.rectangle((410, 120, 490, 210), fill=(120, 80, 40))
    image.save(path, "PNG")
    return str(path)


def test_apply_approve_publish(
    live_server, page_at, shoot, make_user, tmp_path, categories, outbox
):
    admin = make_user(email="admin@taawon.ma", name="Admin", is_admin=True)
    page = page_at("phone", locale="ar-MA")
    # 1. A new user registers (through the mailed link) and applies, in Arabic.
    page.goto(live_server + "/ar/account/register")
    page.fill("#name", "عائشة أيت لحسن")
    page.fill("#email", "aicha@tamount.ma")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    (message,) = outbox()
    text = message.get_body(("plain",)).get_content()
    page.goto(live_server + re.search(r"https?://[^/\s]+(/ar/account/register/\S+)", text).group(1))
    page.fill("#password", "zaafran-taliouine")
    page.fill("#confirm", "zaafran-taliouine")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(live_server + "/ar/producer/apply")
    assert page.locator("html").get_attribute("dir") == "rtl"
    for field, value in {
        "legal_name": "Coopérative Tamount",
        "odco_number": "2016/45",
        "odco_court": "المحكمة الابتدائية تارودانت",
        "ice": "001234567000062",
        "province": "تارودانت",
        "commune": "تالوين",
        "founded_year": "2016",
        "members_count": "24",
        "women_members_count": "24",
        "contact_name": "عائشة",
        "email": "contact@tamount.ma",
        "phone": "0612345678",
        "story_ar": "نساء يقطفن الزعفران عند الفجر.",
    }.items():
        page.fill(f"#{field}", value)
    page.select_option("#region_code", "9")
    page.click("button[name=save]")
    page.wait_for_url("**/ar/producer/apply/tamount")
    pdf = tmp_path / "odco.pdf"
    pdf.write_bytes(PDF)
    page.set_input_files("#doc-file", str(pdf))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url("**/ar/producer/apply/tamount")
    assert "odco.pdf" in page.content()
    page.click("button[name=send]")
    page.wait_for_url("**/ar/producer/apply/tamount")
    shoot(page, "coop-1-applied-ar-phone")
    coop = db.session.scalar(db.select(Cooperative).filter_by(slug="tamount"))
    assert coop.status == CooperativeStatus.PENDING

    # 2. An administrator approves it.
    desk = page_at("desktop", locale="fr-FR")
    desk.goto(live_server + "/fr/account/login")
    desk.fill("#email", admin.email)
    desk.fill("#password", "correct horse battery")
    desk.click("main form button[type=submit]")
    desk.goto(live_server + f"/fr/admin/cooperatives/{coop.id}")
    assert "Coopérative Tamount" in desk.content()
    shoot(desk, "coop-2-review-fr-desktop")
    approve = desk.locator(
        "form.admin-decision", has=desk.locator('input[name="action"][value="approve"]')
    )
    approve.locator("button").click()
    desk.wait_for_load_state()
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).status == CooperativeStatus.APPROVED

    # 3. The manager creates a product with a picture and publishes it.
    page.goto(live_server + "/ar/producer/tamount/products/new")
    page.select_option("#category_id", label="— الزعفران")
    page.fill("#name_ar", "زعفران تالوين")
    page.fill("#name_fr", "Safran de Taliouine")
    page.fill("#description_ar", "خيوط حمراء من الصنف الأول.")
    page.locator("main form.form-card button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/products/\d+$"))  # not /products/new
    product_url = page.url
    page.goto(product_url + "/variants/new")
    page.fill("#sku", "TAM-1G")
    page.fill("#unit_quantity", "1")
    page.select_option("#unit", "g")
    page.fill("#price", "45")
    page.fill("#stock", "30")
    page.fill("#weight_g", "20")
    page.locator("main form.form-card button[type=submit]").click()
    page.wait_for_url(product_url)
    page.set_input_files("#image", product_photo(tmp_path / "safran.png"))
    page.locator("#pictures form[enctype] button[type=submit]").click()
    page.wait_for_url(product_url + "#pictures")
    assert page.locator(".image-manager img").count() == 1
    page.locator(
        'form input[name="status"][value="published"] + button, '
        'form:has(input[name="status"][value="published"]) button'
    ).first.click()
    page.wait_for_url(product_url)
    shoot(page, "coop-3-product-ar-phone")

    # 4. Shoppers see it.
    page.goto(live_server + "/ar/products/?cooperative=tamount")
    assert page.locator(".product-card").count() == 1
    page.locator(".product-card a").first.click()
    assert page.locator("h1").inner_text() == "زعفران تالوين"
    shoot(page, "coop-4-storefront-ar-phone")
