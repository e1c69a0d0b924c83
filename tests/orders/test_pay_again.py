""" "Pay now" on a card order still waiting for its payment, offline with a fake Stripe."""

from __future__ import annotations

import calendar
import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from orders import services
from orders.models import Order, OrderStatus
from shop.extensions import db
from shop.models import utcnow


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def oil(make_cooperative, make_product, rates):
    coop = make_cooperative(legal_name="Coopérative Tifaout", region_code=9)
    return make_product(name_fr="Huile d'argan", cooperative=coop, price=12_000, stock=10).variants[
        0
    ]


@pytest.fixture
def place(client, fake, oil, add_to_cart, checkout, address):
    """Place a card order for 2 units as a guest; return (order, its page's link)."""

    def run(stripe_down: bool = False, lang: str = "fr"):
        fake.down = stripe_down
        add_to_cart(client, oil.sku, 2, lang=lang)
        response = checkout(client, {**address, "payment": "card"}, lang=lang)
        fake.down = False
        order = last_order()
        if stripe_down:
            assert response.status_code == 302
            return order, response.location
        assert response.status_code == 303
        success = fake.created()[-1]["form"]["cancel_url"]
        return order, success.split("http://shop.test", 1)[1]

    return run


def last_order() -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def pay_now(client, link: str, token: str | None = "from-page"):
    """Press "Pay now" on the order page at ``link``."""
    html = client.get(link).get_data(as_text=True)
    assert "Payer maintenant" in html
    data = {"csrf_token": csrf(html)}
    found = re.search(r'name="token" value="([^"]+)"', html)
    if token == "from-page" and found:
        data["token"] = found.group(1)
    elif token not in (None, "from-page"):
        data["token"] = token
    number = last_order().number
    return client.post(f"/fr/orders/{number}/pay", data=data)


def test_pay_now_after_stripe_was_down_starts_a_new_session(place, fake, client):
    order, link = place(stripe_down=True)
    assert order.status == OrderStatus.PENDING_PAYMENT and order.stripe_session_id is None
    first_due = order.payment_due_at
    response = pay_now(client, link)
    assert response.status_code == 303
    assert response.location == "https://checkout.stripe.com/c/pay/cs_test_1"
    order = last_order()
    assert order.stripe_session_id == "cs_test_1"
    assert order.payment_due_at > first_due  # the hold restarts with the new page
    call = fake.created()[-1]
    expires = calendar.timegm(services.checkout_expires_at(order).timetuple())
    assert call["headers"]["Idempotency-Key"] == f"checkout-{order.number}-{expires}"
    assert int(call["form"]["expires_at"]) == expires
    assert 30 * 60 <= expires - time.time() <= 33 * 60  # Stripe wants 30 minutes at least
    token = parse_qs(urlsplit(call["form"]["success_url"]).query)["token"][0]
    assert services.token_matches(order, token)  # the guest comes back to their page
    # A second press goes back to the same open page: no new session.
    again = pay_now(client, link)
    assert again.location == "https://checkout.stripe.com/c/pay/cs_test_1"
    assert len(fake.created()) == 2  # the failed attempt at checkout, then this one
    assert fake.requests[-1]["method"] == "get"


def test_pay_now_returns_to_the_open_session(place, fake, client):
    order, link = place()
    assert order.stripe_session_id == "cs_test_1"
    due = order.payment_due_at
    response = pay_now(client, link + "&checkout=cancelled")
    assert response.status_code == 303
    assert response.location == "https://checkout.stripe.com/c/pay/cs_test_1"
    assert fake.requests[-1]["path"] == "/v1/checkout/sessions/cs_test_1"
    assert len(fake.created()) == 1 and last_order().payment_due_at == due


def test_an_expired_session_gets_a_new_one_while_the_hold_lasts(place, fake, client):
    order, link = place()
    fake.session_status = "expired"
    response = pay_now(client, link)
    assert response.location == "https://checkout.stripe.com/c/pay/cs_test_2"
    assert last_order().stripe_session_id == "cs_test_2"


def test_a_paid_session_is_not_paid_twice(place, fake, client):
    order, link = place()
    fake.session_status = "complete"
    response = pay_now(client, link)
    assert response.status_code == 302 and response.location.startswith(
        f"/fr/orders/{order.number}?token="
    )
    page = client.get(response.location).get_data(as_text=True)
    assert "Stripe confirme votre paiement" in page
    assert len(fake.created()) == 1


def test_stripe_down_again_keeps_the_order_pending(place, fake, client):
    order, link = place(stripe_down=True)
    due = order.payment_due_at
    fake.down = True
    response = pay_now(client, link)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert (
        "Le paiement par carte est indisponible pour le moment. Votre commande est conservée"
        in page
    )
    order = last_order()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.stripe_session_id is None and order.payment_due_at == due


def test_after_the_hold_lapsed_the_page_says_the_order_expired(place, fake, client):
    order, link = place(stripe_down=True)
    html = client.get(link).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(payment_due_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    calls = len(fake.requests)
    page = client.get(link).get_data(as_text=True)
    assert "Cette commande a expiré : son paiement par carte n’a pas été effectué à temps" in page
    assert "Payer maintenant" not in page
    response = client.post(
        f"/fr/orders/{order.number}/pay", data={"csrf_token": csrf(page), "token": token}
    )
    assert response.status_code == 302
    assert "Cette commande a expiré" in client.get(response.location).get_data(as_text=True)
    assert last_order().status == OrderStatus.CANCELLED and len(fake.requests) == calls


def test_pay_now_needs_the_private_link_or_the_owner(place, fake, app):
    order, link = place(stripe_down=True)
    stranger = app.test_client()
    page = stranger.get("/fr/cart").get_data(as_text=True)  # cached pages carry no token
    response = stranger.post(
        f"/fr/orders/{order.number}/pay", data={"csrf_token": csrf(page), "token": "guess"}
    )
    assert response.status_code == 404
    assert (
        stranger.post(f"/fr/orders/{order.number}/pay", data={"token": "guess"}).status_code == 400
    )  # no CSRF token
    assert len(fake.created()) == 1  # only the failed checkout attempt
