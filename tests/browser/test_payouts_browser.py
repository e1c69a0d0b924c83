"""Payout pages in a real browser: the admin batch (ar phone, fr desktop), the bank page (fr)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orders.models import PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from producers.money import connect as stripe_connect
from producers.money import payouts
from shop.extensions import db
from tests.factories import place_confirmed

pytestmark = pytest.mark.browser

RIB = "011519000001205000534921"
CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)


def log_in(page, base: str, lang: str, email: str) -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("#email", email)
    page.fill("#password", "correct horse battery")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def batch(app, make_user, make_cooperative, make_product):
    """A batch with a bank payout, a Stripe one that could not be sent, and a failed one."""
    with app.test_request_context("/fr/"):  # order mails build links
        return _batch(make_user, make_cooperative, make_product)


def _batch(make_user, make_cooperative, make_product):
    ensure_default_rates()
    make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)
    owner = make_user(email="owner@amal.ma", name="Aicha")
    coops = [
        make_cooperative(
            slug="amal",
            legal_name="Coopérative Amal pour l'huile d'argan",
            rib=RIB,
            rib_holder="COOPERATIVE AMAL",
        ),
        make_cooperative(
            slug="tifaout", legal_name="تعاونية تيفاوت", stripe_account_id="acct_1Tif"
        ),
        make_cooperative(slug="safran", legal_name="Coopérative Safran", rib=RIB),
    ]
    db.session.add(Membership(user=owner, cooperative=coops[0], role=MembershipRole.OWNER))
    for coop in coops:
        variant = make_product(cooperative=coop, stock=10, price=12_345).variants[0]
        order, _token = place_confirmed({variant.sku: 2}, CASABLANCA, PaymentMethod.COD, "fr")
        for shipment in order.shipments:
            mark_shipped(shipment, "Amana", f"RR{shipment.id}")
            mark_delivered(shipment)
            mark_cash_remitted(shipment)
            shipment.delivered_at -= timedelta(days=15)
    db.session.commit()
    made = payouts.run_payouts()
    db.session.commit()
    stripe_connect.send_transfers(next(p for p in made.payouts if p.cooperative_id == coops[1].id))
    payouts.mark_failed(
        next(p for p in made.payouts if p.cooperative_id == coops[2].id),
        "Compte clôturé par la banque",
        None,
    )
    db.session.commit()
    return made


def test_admin_batch_page(live_server, page_at, shoot, batch):
    for lang, size in (("ar", "phone"), ("fr", "desktop")):
        page = page_at(size)
        errors: list[str] = []
        page.on(
            "console",
            lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None,
        )
        log_in(page, live_server, lang, "admin@taawon.ma")
        response = page.goto(f"{live_server}/{lang}/admin/payouts/{batch.id}")
        assert response.status == 200
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.locator("tr[data-status]").count() == 3
        shoot(page, f"admin-payout-batch-{lang}-{size}")
        page.goto(f"{live_server}/{lang}/admin/payouts")
        shoot(page, f"admin-payouts-{lang}-{size}")
        assert errors == []

    page = page_at("desktop")
    log_in(page, live_server, "fr", "admin@taawon.ma")
    page.goto(f"{live_server}/fr/admin/payouts/{batch.id}")
    bank = next(
        p for p in batch.payouts if p.method.value == "bank" and p.status.value == "created"
    )
    page.locator(f"#actions-{bank.id} button.button-primary").click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert page.locator(f"#payout-{bank.id}").get_attribute("data-status") == "paid"


def test_bank_page(live_server, page_at, shoot, batch):
    page = page_at("desktop")
    log_in(page, live_server, "fr", "owner@amal.ma")
    response = page.goto(f"{live_server}/fr/producer/amal/bank")
    assert response.status == 200
    assert page.locator("[data-rib]").inner_text() == "011 •••• … 4921"
    shoot(page, "producer-bank-fr-desktop")
    page.fill("#rib", "011 519 0000012050005349 22")
    page.fill("#current_password", "correct horse battery")
    page.locator("main form.form-card button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#rib-error").count() == 1
    shoot(page, "producer-bank-error-fr-desktop")
    phone = page_at("phone")
    log_in(phone, live_server, "ar", "owner@amal.ma")
    phone.goto(f"{live_server}/ar/producer/amal/bank")
    shoot(phone, "producer-bank-ar-phone")
