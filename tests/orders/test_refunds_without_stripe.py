"""Refunding a card order on a shop without Stripe keys: explained to the admin, not offered."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select

from orders import services
from orders.models import Order, OrderStatus, PaymentMethod, Refund
from orders.services import Address
from shop.extensions import db
from tests.factories import place_confirmed

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
ADMIN_WORDS = "no Stripe key is set on this shop"
SHOPPER_WORDS = "Your order is kept, unpaid"


@pytest.fixture
def app_config():
    """A shop whose Stripe keys are not set (the tests' default, said out loud)."""
    return {"STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}


@pytest.fixture
def oil(rates, make_product):
    return make_product(name_fr="Huile d'argan", price=4_567, stock=50).variants[0]


@pytest.fixture
def admin_client(app, make_user, login):
    client = app.test_client()
    login(client, make_user(email="admin@taawon.ma", is_admin=True), lang="en")
    return client


def card_order(variant, paid: bool = True) -> Order:
    """A card order placed while the keys were set (removed since, or a copied database)."""
    config = current_app.config
    config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET="whsec_x")
    try:
        order, _ = place_confirmed({variant.sku: 2}, CASABLANCA, PaymentMethod.CARD, "fr")
        db.session.commit()
    finally:
        config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="")
    if paid:
        assert services.confirm_card_payment(order, f"cs_{order.id}", f"pi_{order.id}")
        db.session.commit()
    return order


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_refund_and_cancel_buttons_are_not_offered(oil, admin_client):
    order = card_order(oil)
    html = text(admin_client.get(f"/en/admin/orders/{order.number}"))
    assert ADMIN_WORDS in html
    assert 'name="action" value="refund"' not in html
    assert f'action="/en/admin/orders/{order.number}/cancel#cancel"' not in html
    assert SHOPPER_WORDS not in html


def test_a_refund_sent_anyway_gets_the_admins_explanation(oil, admin_client, post_form):
    order = card_order(oil)
    url = f"/en/admin/orders/{order.number}"
    line = order.lines[0]
    response = post_form(
        admin_client,
        url + "/refund",
        {f"units-{line.id}": "1", "reason": "Broken", "action": "refund"},
        page=url,
    )
    assert response.status_code == 400
    assert ADMIN_WORDS in text(response) and SHOPPER_WORDS not in text(response)
    assert db.session.scalar(select(func.count(Refund.id))) == 0


def test_a_cancel_sent_anyway_gets_the_admins_explanation(oil, admin_client, post_form):
    order = card_order(oil)
    url = f"/en/admin/orders/{order.number}"
    response = post_form(admin_client, url + "/cancel", {"cancel_reason": "Twice"}, page=url)
    assert response.status_code == 400
    assert ADMIN_WORDS in text(response) and SHOPPER_WORDS not in text(response)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID


def test_cash_on_delivery_and_unpaid_card_orders_keep_their_buttons(oil, admin_client):
    cod, _ = place_confirmed({oil.sku: 1}, CASABLANCA, PaymentMethod.COD, "fr")
    unpaid = card_order(oil, paid=False)
    db.session.commit()
    for order in (cod, unpaid):
        html = text(admin_client.get(f"/en/admin/orders/{order.number}"))
        assert ADMIN_WORDS not in html
    # The unpaid card order can still be cancelled (no money to send back).
    html = text(admin_client.get(f"/en/admin/orders/{unpaid.number}"))
    assert f'action="/en/admin/orders/{unpaid.number}/cancel#cancel"' in html
