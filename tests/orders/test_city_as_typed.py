"""A city typed in Arabic stays in Arabic (#14): the order keeps what the shopper
typed, and the city it was recognised as beside it, which the shipping zone
follows and which staff and carriers read."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orders.models import Order, ShippingZone
from producers.models import Membership, MembershipRole
from shop.extensions import db
from tests.orders.test_checkout import OfflineStripe


@pytest.fixture
def casablanca_coop(make_cooperative, make_product, rates):
    """A cooperative of Casablanca-Settat (region 6): local shipping to Casablanca."""
    coop = make_cooperative(slug="chaouia", legal_name="Coopérative Chaouia", region_code=6)
    return make_product(name_fr="Miel de thym", cooperative=coop, price=9_000, stock=10)


def place(client, product, add_to_cart, checkout, address, city: str, lang: str = "ar") -> Order:
    add_to_cart(client, product.variants[0].sku, lang=lang)
    response = checkout(client, {**address, "city": city}, lang=lang)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
    order.link = response.location  # the guest's page, with its secret
    return order


def address_block(html: str) -> str:
    start = html.index('<address class="address">')
    return html[start : html.index("</address>", start)]


def test_an_arabic_city_is_kept_with_the_recognised_one_beside_it(
    client, casablanca_coop, add_to_cart, checkout, address
):
    order = place(client, casablanca_coop, add_to_cart, checkout, address, "  الدار   البيضاء ")
    assert order.city == "الدار البيضاء"  # spaces tidied, the words kept
    assert order.city_canonical == "Casablanca"
    assert order.city_recognised == "Casablanca"
    # The zone comes from the recognised city: Casablanca is local to the cooperative.
    assert order.shipments[0].zone == ShippingZone.LOCAL
    # The shopper reads back what they typed.
    page = client.get(order.link).get_data(as_text=True)
    assert "الدار البيضاء" in address_block(page) and "Casablanca" not in address_block(page)


def test_the_review_step_shows_the_city_as_typed(
    client, casablanca_coop, add_to_cart, checkout, address
):
    add_to_cart(client, casablanca_coop.variants[0].sku, lang="fr")
    review = checkout(client, {**address, "city": "الدار البيضاء"}, lang="fr", place=False)
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert "20250</bdi> الدار البيضاء" in html


def test_staff_see_the_typed_city_and_the_recognised_one(
    app, client, casablanca_coop, add_to_cart, checkout, address, make_user, login
):
    order = place(client, casablanca_coop, add_to_cart, checkout, address, "الدار البيضاء")
    admin = app.test_client()
    login(admin, make_user(is_admin=True), lang="en")
    html = admin.get(f"/en/admin/orders/{order.number}").get_data(as_text=True)
    assert "الدار البيضاء</bdi>" in html
    assert "Recognised as <bdi>Casablanca</bdi>" in html
    manager = make_user()
    db.session.add(
        Membership(user=manager, cooperative=casablanca_coop.cooperative, role=MembershipRole.OWNER)
    )
    db.session.commit()
    workspace = app.test_client()
    login(workspace, manager)
    slip = workspace.get(f"/fr/producer/chaouia/parcels/{order.shipments[0].id}/slip")
    assert "<bdi>الدار البيضاء</bdi> (<bdi>Casablanca</bdi>)" in slip.get_data(as_text=True)


def test_a_city_typed_like_its_name_is_not_repeated(
    app, client, casablanca_coop, add_to_cart, checkout, address, make_user, login
):
    order = place(client, casablanca_coop, add_to_cart, checkout, address, "casablanca", "fr")
    assert (order.city, order.city_canonical, order.city_recognised) == (
        "casablanca",
        "Casablanca",
        "",
    )
    admin = app.test_client()
    login(admin, make_user(is_admin=True), lang="en")
    html = admin.get(f"/en/admin/orders/{order.number}").get_data(as_text=True)
    assert "Recognised as" not in html


def test_a_city_abroad_is_its_own_canonical(
    app, client, casablanca_coop, add_to_cart, checkout, address
):
    app.config.update(STRIPE_SECRET_KEY="sk_test_123", STRIPE_WEBHOOK_SECRET="whsec_123")
    app.extensions["stripe_http_client"] = OfflineStripe()
    abroad = {
        **address,
        "country": "FR",
        "city": " saint-étienne ",
        "postal_code": "42000",
        "phone": "+33 6 12 34 56 78",
        "payment": "card",
    }
    order = place(client, casablanca_coop, add_to_cart, checkout, abroad, abroad["city"], "fr")
    assert (order.city, order.city_canonical, order.city_recognised) == (
        "saint-étienne",
        "saint-étienne",
        "",
    )
    assert order.shipments[0].zone == ShippingZone.INTERNATIONAL
