"""The Sales page and the admin home's figures in a browser: Arabic on a phone, French on a desktop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orders.models import PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from shop.extensions import db
from shop.models import utcnow
from shop.money.ledger import JournalEntry
from tests.factories import place_confirmed

pytestmark = pytest.mark.browser

CITIES = [
    ("Casablanca", "20250", 6),
    ("Marrakech", "40000", 7),
    ("Agadir", "80000", 9),
    ("Fès", "30000", 3),
]


def _address(city: str, postal: str, region: int) -> Address:
    return Address(
        full_name="Amina Alaoui",
        email="amina@example.com",
        phone="+212612345678",
        address_line="12 rue Ibn Battouta",
        city=city,
        postal_code=postal,
        country="MA",
        region_code=region,
    )


def _sell(variant, quantity: int, city, days_ago: int) -> None:
    order, _token = place_confirmed(
        {variant.sku: quantity}, _address(*city), PaymentMethod.COD, "fr"
    )
    db.session.commit()
    shipment = order.shipments[0]
    mark_shipped(shipment, "Amana", "AM123456MA")
    mark_delivered(shipment)
    mark_cash_remitted(shipment)
    # Spread the sales over the weeks: the sale entry is dated when the cash came in.
    db.session.execute(
        db.update(JournalEntry)
        .where(JournalEntry.key == f"cash:shipment:{shipment.id}")
        .values(created_at=utcnow() - timedelta(days=days_ago))
    )
    db.session.commit()


@pytest.fixture
def cooperative(app, make_user, make_cooperative, make_product):
    with app.test_request_context("/fr/"):
        coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
        owner = make_user(email="owner@tifaout.ma", name="Aicha Ait Lahcen")
        db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
        ensure_default_rates()
        db.session.commit()
        products = [
            make_product(cooperative=coop, name_fr=fr, name_ar=ar, price=price, stock=500)
            for fr, ar, price in (
                (
                    "Huile d'argan cosmétique pressée à froid",
                    "زيت أركان تجميلي معصور على البارد",
                    12_000,
                ),
                ("Amlou aux amandes", "أملو باللوز", 6_500),
                ("Miel de thym", "عسل الزعتر", 9_000),
            )
        ]
        for n in range(14):
            variant = products[n % 3].variants[0]
            _sell(variant, 1 + n % 3, CITIES[n % 4], days_ago=n * 2)
        return coop, owner


def _login(page, live_server, user, lang):
    page.goto(f"{live_server}/{lang}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", "correct horse battery")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_the_sales_page_in_arabic_on_a_phone_and_french_on_a_desktop(
    live_server, page_at, shoot, cooperative
):
    _coop, owner = cooperative
    phone = page_at("phone", locale="ar-MA")
    _login(phone, live_server, owner, "ar")
    phone.goto(f"{live_server}/ar/producer/tifaout/sales")
    assert phone.locator("html").get_attribute("dir") == "rtl"
    assert phone.locator("svg.chart").count() == 3
    # The chart fits the phone's width.
    box = phone.locator("#chart-sales").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 361
    shoot(phone, "figures-1-sales-ar-phone")
    phone.locator(".figure-table summary").first.click()
    shoot(phone, "figures-2-sales-table-ar-phone")

    desk = page_at("desktop", locale="fr-FR")
    _login(desk, live_server, owner, "fr")
    desk.goto(f"{live_server}/fr/producer/tifaout/sales?days=90")
    assert desk.locator(".workspace-nav a[aria-current=page]").count() == 1
    assert desk.locator("#chart-sales rect").count() == 13
    shoot(desk, "figures-3-sales-fr-desktop")


def test_the_admin_home_figures_on_a_desktop(live_server, page_at, shoot, cooperative, make_user):
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    desk = page_at("desktop", locale="fr-FR")
    _login(desk, live_server, admin, "fr")
    desk.goto(f"{live_server}/fr/admin/?days=365")
    assert desk.locator("svg.chart").count() == 3
    shoot(desk, "figures-4-admin-fr-desktop")
    phone = page_at("phone", locale="ar-MA")
    _login(phone, live_server, admin, "ar")
    phone.goto(f"{live_server}/ar/admin/")
    shoot(phone, "figures-5-admin-ar-phone")
