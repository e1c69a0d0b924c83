"""Payment hardening (issue #13): Stripe's word only moves card orders; placing needs the review.

Before: a signed ``checkout.session.completed`` naming a cancelled
cash-on-delivery order (its number as the session's reference) refunded a
payment at Stripe and turned the order REFUNDED with a card-refund mail; a
dashboard refund naming a delivered COD order marked it refunded; and an
order could be placed without the total the shopper reviewed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from itertools import count

import pytest
from sqlalchemy import select

from orders import services
from orders.models import Order, OrderStatus, PaymentMethod, ShipmentStatus
from shop.extensions import db

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
    coop = make_cooperative(legal_name="Coopérative Tifaout", region_code=9)
    return make_product(cooperative=coop, price=12_000, stock=10).variants[0]


def last_order() -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def send(client, kind: str, obj: dict):
    payload = json.dumps(
        {"id": f"evt_h{next(_ids)}", "object": "event", "type": kind, "data": {"object": obj}}
    )
    timestamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": f"t={timestamp},v1={mac.hexdigest()}"},
    )


def completion(order: Order, session: str = "cs_test_1", intent: str = "pi_test_1") -> dict:
    return {
        "id": session,
        "object": "checkout.session",
        "client_reference_id": order.number,
        "metadata": {"order": order.number},
        "amount_total": order.total_cents,
        "currency": "mad",
        "payment_status": "paid",
        "payment_intent": intent,
        "success_url": "",
    }


@pytest.fixture
def cod_order(client, fake, oil, add_to_cart, checkout, address):
    """A cash-on-delivery order placed through the shop, and confirmed by the shopper."""
    add_to_cart(client, oil.sku, 2)
    assert checkout(client, address).status_code == 302
    order = last_order()
    assert order.payment_method == PaymentMethod.COD
    assert services.confirm_cod(order, "link")
    db.session.commit()
    return order


def snapshot(order: Order) -> tuple:
    return (
        order.status,
        order.paid_at,
        order.stripe_session_id,
        order.stripe_payment_intent,
        order.cancel_reason,
        [s.status for s in order.shipments],
        sum(line.refunded_quantity for line in order.lines),
    )


# ------------------------------------------------------------------ Stripe and COD orders


def test_a_signed_completion_for_a_cancelled_cod_order_changes_nothing(
    client, fake, cod_order, outbox
):
    services.cancel_order(cod_order, "Plus besoin")
    db.session.commit()
    before, mails = snapshot(last_order()), len(outbox())
    assert send(client, "checkout.session.completed", completion(cod_order)).status_code == 200
    order = last_order()
    assert snapshot(order) == before
    assert order.status == OrderStatus.CANCELLED
    assert fake.calls("/v1/refunds") == []  # no money moved at Stripe either
    assert len(outbox()) == mails  # the shopper is told nothing
    assert "completion of session cs_test_1 for a cod order (cancelled)" in order.payment_note
    assert "refund by hand" in order.payment_note


def test_a_signed_completion_for_a_live_cod_order_does_not_mark_it_paid(client, fake, cod_order):
    before = snapshot(last_order())
    assert send(client, "checkout.session.completed", completion(cod_order)).status_code == 200
    order = last_order()
    assert snapshot(order) == before and order.paid_at is None
    assert "for a cod order (confirmed)" in order.payment_note


def test_a_dashboard_refund_naming_a_delivered_cod_order_changes_nothing(client, fake, cod_order):
    shipment = cod_order.shipments[0]
    services.mark_shipped(shipment, "Amana", "AM1")
    services.mark_delivered(shipment)
    db.session.commit()
    before = snapshot(last_order())
    charge = {
        "id": "ch_x",
        "object": "charge",
        "payment_intent": "pi_other",
        "metadata": {"order": cod_order.number},
        "amount": cod_order.total_cents,
        "amount_refunded": cod_order.total_cents,
        "currency": "mad",
        "refunded": True,
    }
    assert send(client, "charge.refunded", charge).status_code == 200
    order = last_order()
    assert snapshot(order) == before and order.status != OrderStatus.REFUNDED
    assert "refund of charge ch_x for a cod order" in order.payment_note


# ------------------------------------------------------------------ card orders in other states


@pytest.fixture
def card_order(client, fake, oil, add_to_cart, checkout, address):
    add_to_cart(client, oil.sku, 2)
    checkout(client, {**address, "payment": "card"})
    order = last_order()
    assert order.status == OrderStatus.PENDING_PAYMENT
    return order


def test_a_second_payment_for_a_paid_order_is_noted_not_applied(client, fake, card_order, outbox):
    session = card_order.stripe_session_id
    assert send(client, "checkout.session.completed", completion(card_order, session)).status_code
    paid = last_order()
    assert paid.status == OrderStatus.PAID
    before, mails = snapshot(paid), len(outbox())
    again = completion(card_order, session, intent="pi_test_2")
    assert send(client, "checkout.session.completed", again).status_code == 200
    order = last_order()
    assert snapshot(order) == before and len(outbox()) == mails
    assert "second payment pi_test_2" in order.payment_note
    assert fake.calls("/v1/refunds") == []


def test_a_completion_for_a_refunded_order_changes_nothing(client, fake, card_order, outbox):
    session = card_order.stripe_session_id
    send(client, "checkout.session.completed", completion(card_order, session))
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": "pi_test_1",
        "amount": card_order.total_cents,
        "amount_refunded": card_order.total_cents,
        "currency": "mad",
        "refunded": True,
    }
    assert send(client, "charge.refunded", charge).status_code == 200
    refunded = last_order()
    assert refunded.status == OrderStatus.REFUNDED
    assert all(s.status == ShipmentStatus.CANCELLED for s in refunded.shipments)
    before, mails = snapshot(refunded), len(outbox())
    assert send(client, "checkout.session.completed", completion(card_order, session)).status_code
    assert snapshot(last_order()) == before and len(outbox()) == mails


# ------------------------------------------------------------------ placing needs the review


def _review(client, post_form, address):
    review = post_form(client, "/en/checkout", {**address, "action": "review"}, page="/en/cart")
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    return html.split('name="expected_total"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("total", [None, "", "abc", "²", "1"])
def test_placing_without_the_reviewed_total_is_refused(
    client, oil, add_to_cart, post_form, address, total
):
    add_to_cart(client, oil.sku, 2, lang="en")
    reviewed = _review(client, post_form, address)
    data = {**address, "action": "place"}
    if total is not None:
        data["expected_total"] = total
    response = post_form(client, "/en/checkout", data, page="/en/cart")
    assert response.status_code in (409, 422)
    html = response.get_data(as_text=True)
    assert 'name="expected_total"' in html and f'value="{reviewed}"' in html  # the review again
    assert db.session.scalar(select(Order.id)) is None
    if total == "1":
        assert "Prices or shipping changed since you reviewed your order." in html
    else:
        assert "Check the total of your order, then place it." in html


def test_placing_with_the_reviewed_total_works(client, oil, add_to_cart, post_form, address):
    add_to_cart(client, oil.sku, 2, lang="en")
    reviewed = _review(client, post_form, address)
    response = post_form(
        client,
        "/en/checkout",
        {**address, "action": "place", "expected_total": reviewed},
        page="/en/cart",
    )
    assert response.status_code == 302
    assert last_order().total_cents == int(reviewed)
