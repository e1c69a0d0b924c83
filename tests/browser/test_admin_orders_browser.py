"""The administrators' order pages in a real browser: fr desktop and ar phone, a refund preview."""

from __future__ import annotations

import pytest

from orders import refunds
from orders.models import PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from shop.extensions import db
from tests.factories import place_confirmed

pytestmark = pytest.mark.browser

CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="أمينة العلوي",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)


def log_in(page, base: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("#email", "admin@taawon.ma")
    page.fill("#password", "correct horse battery")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def order(app, make_user, make_cooperative, make_product):
    """A cash order from two cooperatives: one parcel delivered, paid and partly refunded."""
    with app.test_request_context():  # the mails build absolute links
        return _order(make_user, make_cooperative, make_product)


def _order(make_user, make_cooperative, make_product):
    admin = make_user(email="admin@taawon.ma", name="Salma Admin", is_admin=True)
    ensure_default_rates()
    oil = make_product(
        cooperative=make_cooperative(legal_name="Coopérative Tifaout pour l'huile d'argan bio"),
        name_fr="Huile d'argan alimentaire",
        name_ar="زيت أركان غذائي",
        price=4_567,
        stock=20,
    ).variants[0]
    honey = make_product(
        cooperative=make_cooperative(legal_name="Coopérative Nahla"),
        name_fr="Miel de thym",
        name_ar="عسل الزعتر",
        price=6_000,
        stock=20,
        category="honey",
    ).variants[0]
    placed, _ = place_confirmed({oil.sku: 3, honey.sku: 1}, CASABLANCA, PaymentMethod.COD, "ar")
    db.session.commit()
    parcel = next(s for s in placed.shipments if s.lines[0].variant_id == oil.id)
    mark_shipped(parcel, "Amana", "RR123456789MA")
    mark_delivered(parcel)
    mark_cash_remitted(parcel)
    db.session.commit()
    line = next(line for line in placed.lines if line.variant_id == oil.id)
    refunds.create_refund(placed, {line.id: 1}, (), "Bouteille cassée à la livraison", admin)
    db.session.commit()
    return placed, line


def test_admin_order_pages(live_server, page_at, shoot, order):
    placed, line = order
    for lang, size in (("fr", "desktop"), ("ar", "phone")):
        page = page_at(size)
        errors: list[str] = []
        page.on(
            "console",
            lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None,
        )
        log_in(page, live_server, lang)
        response = page.goto(f"{live_server}/{lang}/admin/orders")
        assert response.status == 200
        assert page.locator(f"text={placed.number}").count() == 1
        shoot(page, f"admin-orders-{lang}-{size}")
        page.locator(f"a:has-text('{placed.number}')").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.locator(f"#units-{line.id}").get_attribute("max") == "2"
        shoot(page, f"admin-order-{lang}-{size}")
        page.fill(f"#units-{line.id}", "2")
        page.fill("#reason", "Colis abîmé" if lang == "fr" else "طرد تالف")
        page.locator("button[value=preview]").click()
        page.wait_for_load_state()
        summary = page.locator(".refund-summary")
        assert summary.count() == 1
        assert (
            "91,34" in summary.inner_text().replace("\u202f", " ").replace("\xa0", " ")
            or "91٫34" in summary.inner_text()
        )
        shoot(page, f"admin-order-refund-preview-{lang}-{size}")
        assert errors == []
