"""Card payments with Stripe Checkout, offline: a fake HTTP client and self-signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from itertools import count
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, update

from catalog.models import Variant
from orders import services
from orders.models import Order, OrderStatus, ShipmentStatus, StripeEvent
from shop.extensions import db
from shop.models import utcnow

SECRET = "whsec_test_secret"
_ids = count(1)


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def oil(make_cooperative, make_product, rates):
    """A Souss-Massa product: 120 MAD, 300 g, 35 MAD to ship to Casablanca."""
    coop = make_cooperative(legal_name="Coopérative Tifaout", region_code=9)
    return make_product(
        name_fr="Huile d'argan",
        name_en="Argan oil",
        name_ar="زيت أركان",
        cooperative=coop,
        price=12_000,
        stock=10,
    ).variants[0]


@pytest.fixture
def card(address):
    return {**address, "payment": "card"}


@pytest.fixture
def pay(client, fake, oil, add_to_cart, checkout, card):
    """Place a card order for 2 units as a guest; return (order, response)."""

    def run(lang: str = "fr", quantity: int = 2):
        add_to_cart(client, oil.sku, quantity, lang=lang)
        response = checkout(client, card, lang=lang)
        return last_order(), response

    return run


def last_order() -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def stock() -> int:
    return db.session.scalar(select(Variant.stock))


def sign(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def send(client, event: dict, secret: str = SECRET, header: str | None = None):
    payload = json.dumps(event)
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": header or sign(payload, secret)},
    )


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_{next(_ids)}",
        "object": "event",
        "type": kind,
        "data": {"object": obj},
    }


def session_event(kind: str, order: Order, success_url: str = "", **fields) -> dict:
    obj = {
        "id": order.stripe_session_id or "cs_test_1",
        "object": "checkout.session",
        "client_reference_id": order.number,
        "metadata": {"order": order.number},
        "amount_total": order.total_cents,
        "currency": "mad",
        "payment_status": "paid" if kind.endswith("completed") else "unpaid",
        "payment_intent": "pi_test_1" if kind.endswith("completed") else None,
        "success_url": success_url,
        **fields,
    }
    return event(f"checkout.session.{kind}", obj)


def lapse(order: Order) -> None:
    """Move the order's payment deadline into the past."""
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(payment_due_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


# ---------------------------------------------------------------- starting the payment


@pytest.mark.parametrize("lang, locale", [("fr", "fr"), ("en", "en"), ("ar", "auto")])
def test_card_order_goes_to_a_checkout_session(pay, fake, outbox, lang, locale):
    order, response = pay(lang)
    assert response.status_code == 303
    assert response.location == "https://checkout.stripe.com/c/pay/cs_test_1"
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.stripe_session_id == "cs_test_1"
    assert stock() == 8  # held
    assert outbox() == []  # confirmed only once paid
    (call,) = fake.calls("/v1/checkout/sessions")
    form, headers = call["form"], call["headers"]
    assert call["method"] == "post"
    assert headers["Idempotency-Key"] == f"checkout-{order.number}"
    assert headers["Authorization"] == "Bearer sk_test_fake"
    assert form["currency"] == "mad" and form["mode"] == "payment"
    assert form["locale"] == locale
    assert form["client_reference_id"] == order.number
    assert form["metadata[order]"] == order.number
    assert form["payment_intent_data[metadata][order]"] == order.number
    assert form["customer_email"] == "amina@example.com"
    assert (
        form["line_items[0][quantity]"],
        form["line_items[0][price_data][unit_amount]"],
        form["line_items[0][price_data][currency]"],
    ) == ("2", "12000", "mad")
    assert (form["line_items[1][quantity]"], form["line_items[1][price_data][unit_amount]"]) == (
        "1",
        "3500",
    )  # shipping
    assert "line_items[2][quantity]" not in form
    assert order.total_cents == 27_500
    expires = int(form["expires_at"])
    assert 32 * 60 - 30 <= expires - time.time() <= 32 * 60 + 30  # 30 min + margin
    assert order.payment_due_at - services.HOLD_GRACE == services.checkout_expires_at(order)
    success = urlsplit(form["success_url"])
    assert success.path == f"/{lang}/orders/{order.number}"
    token = parse_qs(success.query)["token"][0]
    assert services.token_matches(order, token)
    assert urlsplit(form["cancel_url"]).path == f"/{lang}/orders/{order.number}"


def test_names_on_stripe_are_in_the_shoppers_language(pay, fake):
    pay("en")
    form = fake.calls("/v1/checkout/sessions")[0]["form"]
    assert form["line_items[0][price_data][product_data][name]"] == "Argan oil (250 ml)"
    assert "Coopérative Tifaout" in form["line_items[1][price_data][product_data][name]"]


def test_card_is_hidden_without_a_secret_key(app, client, oil, add_to_cart, checkout, card):
    app.config["STRIPE_SECRET_KEY"] = ""
    add_to_cart(client, oil.sku)
    assert 'value="card"' not in client.get("/fr/checkout").get_data(as_text=True)
    response = checkout(client, card, place=False)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Order.id))) == 0


@pytest.mark.parametrize("failure", ["network", "server"])
def test_stripe_down_keeps_the_order_pending_and_the_hold_lapses(
    pay, fake, client, outbox, failure
):
    fake.down = failure == "network"
    fake.status = 503 if failure == "server" else 200
    order, response = pay()
    assert response.status_code == 302
    assert response.location.startswith(f"/fr/orders/{order.number}?token=")
    page = client.get(response.location).get_data(as_text=True)
    assert "Card payment is not available right now" in page or "paiement par carte" in page
    assert order.status == OrderStatus.PENDING_PAYMENT and order.stripe_session_id is None
    assert stock() == 8  # still held, consistently
    lapse(order)
    client.get("/fr/cart")  # any cart or checkout page releases lapsed holds
    order = last_order()
    assert order.status == OrderStatus.CANCELLED
    assert all(s.status == ShipmentStatus.CANCELLED for s in order.shipments)
    assert stock() == 10
    assert len(outbox()) == 1  # "cancelled, you owe nothing"


def test_release_command_and_concurrent_release(pay, runner):
    order, _ = pay()
    assert services.release_expired_holds() == []  # not due yet
    lapse(order)
    result = runner.invoke(args=["orders", "release-holds"])
    assert result.exit_code == 0 and order.number in result.output
    assert stock() == 10
    # A second releaser finds nothing to claim: the status UPDATE is conditional.
    assert services.cancel_unpaid([order.id]) == []
    db.session.commit()
    assert stock() == 10


# ---------------------------------------------------------------- the webhook


def test_signed_completion_marks_the_order_paid(pay, client, outbox):
    order, _ = pay()
    response = send(client, session_event("completed", order))
    assert response.status_code == 200
    order = last_order()
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert order.stripe_payment_intent == "pi_test_1"
    assert stock() == 8
    (mail,) = outbox()
    assert order.number in mail["Subject"]
    page = client.get(f"/fr/orders/{order.number}?token=x")
    assert page.status_code == 404  # the webhook gives no access by itself


def test_confirmation_mail_carries_the_guest_link(pay, fake, client, outbox):
    order, _ = pay()
    success_url = fake.calls("/v1/checkout/sessions")[0]["form"]["success_url"]
    send(client, session_event("completed", order, success_url=success_url))
    body = outbox()[-1].get_body(("plain",)).get_content()
    link = body.split("http://shop.test", 1)[1].split()[0]
    assert link.startswith(f"/fr/orders/{order.number}?token=")
    assert client.get(link).status_code == 200


@pytest.mark.parametrize("header", ["", "t=1,v1=deadbeef", "garbage", None])
def test_forged_or_missing_signatures_are_refused(pay, client, header):
    order, _ = pay()
    payload = json.dumps(session_event("completed", order))
    headers = (
        {} if header == "" else {"Stripe-Signature": header or sign(payload, "whsec_someone_else")}
    )
    response = client.post(
        "/stripe/webhook", data=payload, content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    assert last_order().status == OrderStatus.PENDING_PAYMENT
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0


def test_an_old_signature_is_refused(pay, client):
    order, _ = pay()
    payload = json.dumps(session_event("completed", order))
    response = client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, timestamp=int(time.time()) - 900)},
    )
    assert response.status_code == 400


def test_webhook_needs_no_csrf_and_no_language(pay, client):
    order, _ = pay()
    assert send(client, event("customer.created", {"id": "cus_1"})).status_code == 200
    assert client.get("/stripe/webhook").status_code == 405


def test_a_replayed_event_changes_nothing(pay, client, outbox):
    order, _ = pay()
    completed = session_event("completed", order)
    assert send(client, completed).status_code == 200
    expired_late = session_event("expired", order)
    assert send(client, completed).get_json() == {"received": True, "duplicate": True}
    assert send(client, expired_late).status_code == 200  # about a paid order: ignored
    assert last_order().status == OrderStatus.PAID
    assert stock() == 8
    assert len(outbox()) == 1
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 2


def test_an_expired_session_releases_the_stock(pay, client, outbox):
    order, _ = pay()
    assert send(client, session_event("expired", order)).status_code == 200
    order = last_order()
    assert order.status == OrderStatus.CANCELLED and stock() == 10
    assert order.cancel_reason
    assert len(outbox()) == 1


def test_a_failed_card_keeps_the_order_pending(pay, client):
    order, _ = pay()
    failed = event(
        "payment_intent.payment_failed",
        {
            "id": "pi_test_1",
            "object": "payment_intent",
            "metadata": {"order": order.number},
            "last_payment_error": {"code": "card_declined"},
        },
    )
    assert send(client, failed).status_code == 200
    order = last_order()
    assert order.status == OrderStatus.PENDING_PAYMENT and stock() == 8
    assert "card_declined" in order.payment_note


def test_completion_after_the_hold_lapsed_takes_the_stock_again(pay, client, outbox):
    order, _ = pay()
    lapse(order)
    client.get("/fr/cart")
    assert last_order().status == OrderStatus.CANCELLED and stock() == 10
    assert send(client, session_event("completed", order)).status_code == 200
    order = last_order()
    assert order.status == OrderStatus.PAID and order.cancelled_at is None
    assert all(s.status == ShipmentStatus.TO_PREPARE for s in order.shipments)
    assert stock() == 8
    assert len(outbox()) == 2  # cancelled, then confirmed


def test_completion_after_the_stock_was_sold_is_refunded(pay, client, fake, outbox):
    order, _ = pay()
    lapse(order)
    client.get("/fr/cart")
    db.session.execute(update(Variant).values(stock=1))  # someone else bought the rest
    db.session.commit()
    assert send(client, session_event("completed", order)).status_code == 200
    order = last_order()
    assert order.status == OrderStatus.REFUNDED
    assert stock() == 1  # nothing taken, nothing left half-taken
    (refund,) = fake.calls("/v1/refunds")
    assert refund["form"]["payment_intent"] == "pi_test_1"
    assert refund["headers"]["Idempotency-Key"] == f"refund-{order.number}-pi_test_1"
    assert "refunded" in outbox()[-1]["Subject"] or "rembours" in outbox()[-1]["Subject"]
    # Stripe then reports the refund: nothing more happens.
    charge = event(
        "charge.refunded",
        {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": "pi_test_1",
            "amount": 27_500,
            "amount_refunded": 27_500,
            "refunded": True,
        },
    )
    assert send(client, charge).status_code == 200
    assert len(outbox()) == 2 and last_order().status == OrderStatus.REFUNDED


def test_refund_failure_is_retried_by_stripe(pay, client, fake):
    order, _ = pay()
    lapse(order)
    client.get("/fr/cart")
    db.session.execute(update(Variant).values(stock=0))
    db.session.commit()
    fake.down = True
    completed = session_event("completed", order)
    assert send(client, completed).status_code == 500
    assert last_order().status == OrderStatus.CANCELLED
    assert db.session.scalar(select(func.count(StripeEvent.id))) == 0  # not recorded
    fake.down = False
    assert send(client, completed).status_code == 200
    assert last_order().status == OrderStatus.REFUNDED


def test_full_and_partial_refunds_from_the_dashboard(pay, client, outbox):
    order, _ = pay()
    send(client, session_event("completed", order))

    def refunded(amount: int) -> dict:
        return event(
            "charge.refunded",
            {
                "id": "ch_1",
                "object": "charge",
                "payment_intent": "pi_test_1",
                "amount": 27_500,
                "amount_refunded": amount,
                "currency": "mad",
                "refunded": amount == 27_500,
            },
        )

    assert send(client, refunded(5_000)).status_code == 200
    order = last_order()
    assert order.status == OrderStatus.PAID and "partial refund" in order.payment_note
    assert send(client, refunded(27_500)).status_code == 200
    order = last_order()
    assert order.status == OrderStatus.REFUNDED
    assert all(s.status == ShipmentStatus.CANCELLED for s in order.shipments)
    assert stock() == 10  # nothing had shipped: back on sale
    assert len(outbox()) == 2


def test_a_wrong_amount_is_not_taken_as_payment(pay, client):
    order, _ = pay()
    assert send(client, session_event("completed", order, amount_total=100)).status_code == 200
    order = last_order()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert "check by hand" in order.payment_note
