"""A cooperative gives its legal details, ships a parcel, and the invoice is there:
in the workspace and on the shopper's order page, in French and in Arabic, on
a phone and on a desktop. The invoice's PDF is rendered to PNG (pdftoppm)
and shown in the browser for the screenshots.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from orders.carriers import ensure_default_carriers
from orders.invoicing.models import Invoice
from orders.models import PaymentMethod
from orders.services import Address
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from shop.extensions import db
from tests.factories import place_confirmed

from .conftest import SCREENSHOTS, TAKE_SHOTS

pytestmark = pytest.mark.browser


@pytest.fixture
def parcel(app, make_user, make_cooperative, make_product):
    """A cooperative without its IF and TP yet, its owner, and a paid parcel to prepare."""
    with app.test_request_context("/fr/"):
        coop = make_cooperative(
            slug="tifaout",
            legal_name="Coopérative Tifaout",
            tax_id=None,
            tp_number=None,
            odco_number="2012/45",
            odco_court="Tribunal de première instance de Taroudant",
        )
        owner = make_user(email="owner@tifaout.ma", name="Aicha Ait Lahcen")
        shopper = make_user(email="amina@example.com", name="Amina Alaoui", locale="ar")
        db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
        ensure_default_rates()
        ensure_default_carriers()
        db.session.commit()
        oil = make_product(
            cooperative=coop, name_fr="Huile d'argan", name_ar="زيت أركان", price=12_000, stock=20
        ).variants[0]
        honey = make_product(
            cooperative=coop, name_fr="Miel de thym", name_ar="عسل الزعتر", price=9_550, stock=20
        ).variants[0]
        address = Address(
            email=shopper.email,
            phone="+212612345678",
            full_name="أمينة العلوي",
            address_line="12 زنقة ابن بطوطة",
            city="الدار البيضاء",
            postal_code="20250",
            country="MA",
            region_code=6,
        )
        order, _token = place_confirmed(
            {oil.sku: 2, honey.sku: 1}, address, PaymentMethod.COD, "ar", user_id=shopper.id
        )
        db.session.commit()
    return coop, owner, shopper, order


def _login(page, live_server, user, lang):
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", "correct horse battery")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_legal_details_then_shipping_then_the_invoice(live_server, page_at, shoot, parcel):
    coop, owner, shopper, order = parcel
    desk = page_at("desktop", locale="fr-FR")
    _login(desk, live_server, owner, "fr")
    desk.goto(f"{live_server}/fr/producer/tifaout/parcels")
    assert desk.locator(".flash-warning").count() == 1  # the legal details are missing
    shoot(desk, "invoices-1-parcels-missing-fr")
    desk.goto(f"{live_server}/fr/producer/tifaout/profile/legal")
    desk.fill("#tax_id", "40A")
    desk.click("main form button[type=submit]")
    desk.wait_for_load_state()
    assert desk.locator("#tax_id").input_value() == "40A"  # kept, with its message
    shoot(desk, "invoices-2-legal-error-fr")
    desk.fill("#tax_id", "40123456")
    desk.fill("#tp_number", "48123456")
    desk.click("main form button[type=submit]")
    desk.wait_for_load_state()
    desk.goto(f"{live_server}/fr/producer/tifaout/parcels")
    assert desk.locator(".flash-warning").count() == 0
    desk.select_option(f"#carrier-{order.shipments[0].id}", label="Amana")
    desk.fill(f"#tracking-{order.shipments[0].id}", "RR123456789MA")
    desk.click("main form.field-row button[type=submit]")
    desk.wait_for_load_state()
    invoice = db.session.scalar(db.select(Invoice))
    assert invoice is not None
    desk.goto(f"{live_server}/fr/producer/tifaout/invoices")
    assert invoice.number in desk.locator("main").inner_text()
    shoot(desk, "invoices-3-workspace-list-fr")

    phone = page_at("phone", locale="ar-MA")
    _login(phone, live_server, shopper, "ar")
    phone.goto(f"{live_server}/ar/orders/{order.number}")
    link = phone.locator(".parcel-invoices a")
    assert link.count() == 1
    shoot(phone, "invoices-4-order-ar-phone")
    pdf = phone.request.get(f"{live_server}{link.get_attribute('href')}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / "invoices-5-invoice.pdf"
    path.write_bytes(pdf.body())
    if TAKE_SHOTS and shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "110", "-singlefile", str(path), str(path.with_suffix(""))],
            check=True,
        )
        desk.goto(path.with_suffix(".png").as_uri())
        desk.screenshot(path=str(SCREENSHOTS / "invoices-6-invoice-pdf.png"), full_page=True)
