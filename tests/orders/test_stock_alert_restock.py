"""Units going back in stock from orders (a cancellation, a refund before shipping) send
the sold-out size's stock alerts once, after the commit (catalog.favourites.alerts)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.favourites.models import StockAlert
from orders import refunds, services
from orders.models import PaymentMethod
from orders.services import Address, cancel_order, place_order
from shop import jobs
from shop.extensions import db

SECRET = "whsec_test_secret"
CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina Alaoui",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


def wait_for(variant, email: str) -> None:
    db.session.add(StockAlert(variant_id=variant.id, email=email, phone="", lang="fr"))
    db.session.commit()


def alerts_left() -> int:
    return len(db.session.scalars(select(StockAlert.id)).all())


def sent_to(outbox, email: str) -> int:
    return sum(1 for m in outbox() if m["To"] == email and "Huile" in str(m["Subject"]))


def test_a_cancelled_order_brings_the_last_units_back_and_tells_who_waited(
    rates, make_product, outbox
):
    variant = make_product(name_fr="Huile", stock=2).variants[0]
    order, _token = place_order({variant.sku: 2}, CASABLANCA, PaymentMethod.COD, "fr")
    assert services.confirm_cod(order, "link")
    db.session.commit()
    wait_for(variant, "karim@example.com")
    cancel_order(order, "changed my mind")
    assert sent_to(outbox, "karim@example.com") == 0  # not before the commit
    db.session.commit()
    assert sent_to(outbox, "karim@example.com") == 1
    assert alerts_left() == 0


def test_a_refund_before_shipping_brings_units_back_and_tells_who_waited_once(
    rates, make_product, fake, outbox
):
    variant = make_product(name_fr="Huile", stock=3).variants[0]
    order, _token = place_order({variant.sku: 3}, CASABLANCA, PaymentMethod.CARD, "fr")
    db.session.commit()
    assert services.confirm_card_payment(order, "cs_1", "pi_1")
    db.session.commit()
    wait_for(variant, "karim@example.com")
    (line,) = order.lines
    refunds.create_refund(order, {line.id: 1}, (), "Bouteille cassée", None)
    db.session.commit()
    assert sent_to(outbox, "karim@example.com") == 1 and alerts_left() == 0
    # A second unit back: the size was no longer sold out, so no job runs; an
    # alert written meanwhile (not through the form, which refuses an in-stock
    # size) waits for the hourly sweep.
    wait_for(variant, "other@example.com")
    refunds.create_refund(order, {line.id: 1}, (), "Bouteille cassée", None)
    db.session.commit()
    assert sent_to(outbox, "karim@example.com") == 1
    assert sent_to(outbox, "other@example.com") == 0
    assert jobs.run_here("stock-alerts-sweep")
    assert sent_to(outbox, "other@example.com") == 1 and alerts_left() == 0
