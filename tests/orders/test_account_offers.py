"""Checkout offers to log in, a guest order's page offers an account (#14)."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from orders.models import Order
from producers.models import Membership, MembershipRole
from shop.extensions import db

PASSWORD = "a long enough password 2026"


@pytest.fixture
def product(make_product, rates):
    return make_product(name_fr="Miel de thym", price=9_000, stock=50)


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_checkout_offers_a_visitor_to_log_in_and_come_back(
    client, product, add_to_cart, make_user, make_cooperative, post_form
):
    add_to_cart(client, product.variants[0].sku)
    page = main(client.get("/fr/checkout").get_data(as_text=True))
    link = re.search(r'href="(/fr/account/login\?[^"]*)"', page)
    assert link, "no login link on the checkout page"
    url = html_lib.unescape(link.group(1))
    assert parse_qs(urlsplit(url).query)["next"] == ["/fr/checkout"]
    # Back to checkout after logging in, whoever logs in (a manager too), cart kept.
    manager = make_user(email="fatima@example.com")
    db.session.add(
        Membership(user=manager, cooperative=make_cooperative(), role=MembershipRole.OWNER)
    )
    db.session.commit()
    done = post_form(client, url, {"email": manager.email, "password": "correct horse battery"})
    assert done.status_code == 302 and done.location == "/fr/checkout"
    checkout = client.get("/fr/checkout").get_data(as_text=True)
    assert "Miel de thym" in checkout
    assert "/fr/account/login?next" not in main(checkout)  # logged in: no offer


def test_a_guest_orders_page_offers_an_account_with_its_address(
    client, app, product, add_to_cart, checkout, address, post_form, outbox
):
    add_to_cart(client, product.variants[0].sku, lang="en")
    placed = checkout(client, {**address, "email": "amina@example.com"}, lang="en")
    order_link = placed.location
    order = db.session.scalars(select(Order).order_by(Order.id.desc())).first()
    page = main(client.get(order_link).get_data(as_text=True))
    assert "Create an account to follow all your orders" in page
    assert '<bdi dir="ltr">amina@example.com</bdi>' in page
    offer = re.search(r'href="(/en/account/register\?[^"]*)"', page)
    assert offer, "no registration link on the order page"
    register_url = html_lib.unescape(offer.group(1))
    query = parse_qs(urlsplit(register_url).query)
    assert query["email"] == ["amina@example.com"]
    assert query["next"] == [order_link]
    # The form comes filled in with the order's address and keeps where to return.
    form = client.get(register_url).get_data(as_text=True)
    assert 'value="amina@example.com"' in form
    assert f'name="next" value="{html_lib.escape(order_link)}"' in form
    # The mailed link creates the account; the order joins it; back on the order.
    post_form(client, register_url, {"name": "Amina Alaoui", "email": "amina@example.com"})
    body = outbox()[-1].get_body(("plain",)).get_content()
    link = re.search(r"http://shop\.test(/en/account/register/\S+)", body).group(1)
    done = post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302 and done.location == order_link
    db.session.refresh(order)
    assert order.user_id is not None
    # Theirs now: no offer any more, and it is in "My orders".
    assert "Create an account to follow" not in client.get(order_link).get_data(as_text=True)
    assert order.number in client.get("/en/account/orders").get_data(as_text=True)


def test_an_account_holders_order_page_offers_nothing(
    client, product, add_to_cart, checkout, address, make_user, login
):
    login(client, make_user(), lang="en")
    add_to_cart(client, product.variants[0].sku, lang="en")
    placed = checkout(client, address, lang="en")
    page = client.get(placed.location).get_data(as_text=True)
    assert "Create an account to follow" not in page
