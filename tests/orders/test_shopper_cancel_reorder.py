"""A shopper cancels an order before it ships, and orders a past order again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog.models import ProductStatus, Variant
from orders.models import OrderStatus, PaymentMethod, ShipmentStatus
from orders.services import mark_shipped
from shop.audit import AuditEntry
from shop.extensions import db
from tests.factories import place_confirmed

from .test_services import CASABLANCA

pytestmark = pytest.mark.usefixtures("rates")


def stock_of(variant_id: int) -> int:
    return db.session.scalar(select(Variant.stock).where(Variant.id == variant_id))


@pytest.fixture
def guest_order(make_cooperative, make_product):
    oil = make_product(cooperative=make_cooperative(), stock=5, name_fr="Huile d’argan")
    honey = make_product(cooperative=make_cooperative(), stock=5, name_fr="Miel de thym")
    order, token = place_confirmed(
        {oil.variants[0].sku: 2, honey.variants[0].sku: 1}, CASABLANCA, PaymentMethod.COD, "fr"
    )
    db.session.commit()
    return order, token, oil.variants[0], honey.variants[0]


def test_a_guest_cancels_with_the_private_link_and_the_stock_comes_back(
    client, guest_order, post_form, outbox
):
    order, token, oil, _honey = guest_order
    page = f"/fr/orders/{order.number}?token={token}"
    html = client.get(page).get_data(as_text=True)
    assert "Annuler cette commande" in html
    assert stock_of(oil.id) == 3

    response = post_form(client, f"/fr/orders/{order.number}/cancel", {"token": token}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert order.status == OrderStatus.CANCELLED
    assert stock_of(oil.id) == 5
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.cancel"))
    assert entry.actor is None and entry.data["by_shopper"] is True
    assert "Annuler cette commande" not in client.get(page).get_data(as_text=True)


def test_no_cancel_once_a_parcel_has_shipped(client, guest_order, post_form):
    order, token, oil, _honey = guest_order
    mark_shipped(order.shipments[0], "Amana", "RR1")
    db.session.commit()
    page = f"/fr/orders/{order.number}?token={token}"
    assert "Annuler cette commande" not in client.get(page).get_data(as_text=True)
    post_form(client, f"/fr/orders/{order.number}/cancel", {"token": token}, page=page)
    db.session.expire_all()
    assert order.status == OrderStatus.SHIPPED or order.status == OrderStatus.PARTIALLY_SHIPPED
    assert order.shipments[0].status == ShipmentStatus.SHIPPED
    assert stock_of(oil.id) == 3


def test_without_the_link_or_as_someone_else_nothing_happens(
    client, guest_order, post_form, make_user, login
):
    order, _token, oil, _honey = guest_order
    page = f"/fr/orders/{order.number}?token=wrong"
    assert client.post(f"/fr/orders/{order.number}/cancel").status_code in (400, 404)
    login(client, make_user())
    response = post_form(
        client, f"/fr/orders/{order.number}/cancel", {"token": "wrong"}, page="/fr/cart"
    )
    assert response.status_code == 404 and page
    db.session.expire_all()
    assert order.status == OrderStatus.CONFIRMED and stock_of(oil.id) == 3


def test_reorder_fills_the_cart_with_what_is_still_for_sale(client, guest_order, post_form):
    order, token, oil, honey = guest_order
    honey.product.status = ProductStatus.ARCHIVED
    db.session.commit()
    page = f"/fr/orders/{order.number}?token={token}"
    response = post_form(client, f"/fr/orders/{order.number}/reorder", {"token": token}, page=page)
    assert response.status_code == 302 and response.location.endswith("/fr/cart")
    cart = client.get("/fr/cart").get_data(as_text=True)
    assert "Huile d’argan" in cart
    assert "Plus disponible : Miel de thym." in cart
