"""Guest orders join the account of their address once the address is confirmed (#14).

Opening the registration link (which creates the account) or a password-reset
link proves the person owns the mailbox that already holds the orders' links;
then the orders placed with that address, in any case, join the account.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from orders.models import Order
from shop.accounts.services import find_user, make_registration_token, make_reset_token
from shop.extensions import db

PASSWORD = "a long enough password 2026"


@pytest.fixture
def product(make_product, rates):
    return make_product(name_fr="Miel de thym", price=9_000, stock=50)


@pytest.fixture
def guest_order(app, client, product, add_to_cart, checkout, address):
    """Place an order as a guest (a fresh browser each time) with ``email``."""

    def place(email: str) -> Order:
        guest = app.test_client()
        add_to_cart(guest, product.variants[0].sku, lang="en")
        response = checkout(guest, {**address, "email": email}, lang="en")
        assert response.status_code == 302, response.status_code
        return db.session.scalars(select(Order).order_by(Order.id.desc())).first()

    return place


def flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]


def register_through_the_mail(client, post_form, outbox, email: str):
    asked = post_form(client, "/en/account/register", {"name": "Amina Alaoui", "email": email})
    assert asked.status_code == 200
    body = outbox()[-1].get_body(("plain",)).get_content()
    link = re.search(r"http://shop\.test(/en/account/register/\S+)", body).group(1)
    return post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})


def test_registering_attaches_the_guest_orders_of_the_address(
    client, post_form, outbox, guest_order, make_user
):
    first, second = guest_order("amina@example.com"), guest_order("amina@example.com")
    # Typed in another case in an older order: the same mailbox.
    shouted = guest_order("amina@example.com")
    shouted.email = "Amina@Example.COM"
    stranger = guest_order("someone.else@example.com")
    # An order of another account that once used the address stays with it.
    other = make_user(email="old.owner@example.com")
    taken = guest_order("amina@example.com")
    taken.user_id = other.id
    db.session.commit()

    done = register_through_the_mail(client, post_form, outbox, "Amina@example.com")
    assert done.status_code == 302
    user = find_user("amina@example.com")
    for order in (first, second, shouted, stranger, taken):
        db.session.refresh(order)
    assert {first.user_id, second.user_id, shouted.user_id} == {user.id}
    assert stranger.user_id is None and taken.user_id == other.id
    assert "Your 3 earlier orders are now in your account." in flashes(client)
    history = client.get("/en/account/orders").get_data(as_text=True)
    for order in (first, second, shouted):
        assert order.number in history
    assert stranger.number not in history and taken.number not in history
    # Now theirs: the order page opens without the e-mailed secret.
    assert client.get(f"/en/orders/{first.number}").status_code == 200


def test_one_order_is_named_in_the_singular(client, post_form, outbox, guest_order):
    guest_order("amina@example.com")
    register_through_the_mail(client, post_form, outbox, "amina@example.com")
    assert "Your earlier order is now in your account." in flashes(client)


def test_nothing_to_attach_says_nothing(client, post_form, outbox, guest_order):
    guest_order("someone.else@example.com")
    register_through_the_mail(client, post_form, outbox, "amina@example.com")
    assert not any("earlier order" in message for message in flashes(client))


def test_a_refused_registration_attaches_nothing(client, post_form, guest_order):
    order = guest_order("amina@example.com")
    link = f"/en/account/register/{make_registration_token('amina@example.com', 'Amina', 'en')}"
    page = post_form(client, link, {"password": "1234567890", "confirm": "1234567890"})
    assert page.status_code == 200  # the weak password is refused, the form shown again
    db.session.refresh(order)
    assert order.user_id is None and find_user("amina@example.com") is None


def test_a_reset_link_attaches_orders_placed_as_a_guest_since(
    client, post_form, make_user, guest_order
):
    user = make_user(email="amina@example.com")
    # Placed without logging in, after the account was made.
    order = guest_order("amina@example.com")
    assert order.user_id is None
    link = f"/en/account/reset/{make_reset_token(user)}"
    done = post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302
    db.session.refresh(order)
    assert order.user_id == user.id
    assert "Your earlier order is now in your account." in flashes(client)


def test_logging_in_alone_attaches_nothing(client, make_user, login, guest_order):
    # Only a link opened from the mailbox proves the address; a login proves the password.
    user = make_user(email="amina@example.com")
    order = guest_order("amina@example.com")
    login(client, user)
    db.session.refresh(order)
    assert order.user_id is None
