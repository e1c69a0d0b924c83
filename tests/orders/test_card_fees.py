"""Stripe's card fee reaches the ledger once, from ``charge.succeeded`` / ``charge.updated``."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from orders import services
from orders.models import Order, PaymentMethod
from orders.services import Address
from producers.money.reconciliation import reconcile
from shop.extensions import db
from shop.money import ledger

SECRET = "whsec_fee_test"
HOME = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina",
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


@pytest.fixture
def paid(app, rates, make_product, fake):
    api = fake
    variant = make_product(price=10_000, stock=5).variants[0]
    order, _ = services.place_order({variant.sku: 1}, HOME, PaymentMethod.CARD, "fr")
    db.session.commit()
    services.confirm_card_payment(order, "cs_1", "pi_fee")
    db.session.commit()
    return db.session.get(Order, order.id), api


def send(client, kind: str, charge: dict, event_id: str):
    payload = json.dumps(
        {"id": event_id, "object": "event", "type": kind, "data": {"object": charge}}
    )
    stamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{stamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return client.post(
        "/stripe/webhook",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": f"t={stamp},v1={mac}"},
    )


def test_the_fee_is_fetched_posted_once_and_reconciles(client, paid):
    order, api = paid
    charge = {
        "id": "ch_fee",
        "object": "charge",
        "status": "succeeded",
        "payment_intent": "pi_fee",
        "balance_transaction": "txn_1",
    }
    assert send(client, "charge.succeeded", charge, "evt_a").status_code == 200
    assert send(client, "charge.updated", charge, "evt_b").status_code == 200
    assert [r["path"] for r in api.requests] == ["/v1/balance_transactions/txn_1"] * 2
    assert ledger.balance(ledger.FEES) == 367
    assert ledger.balance(ledger.CLEARING) == order.total_cents - 367
    assert reconcile() == []


def test_an_expanded_fee_in_another_currency_is_noted_not_posted(client, paid):
    order, api = paid
    charge = {
        "id": "ch_eur",
        "object": "charge",
        "status": "succeeded",
        "payment_intent": "pi_fee",
        "balance_transaction": {"id": "txn_2", "fee": 41, "currency": "eur"},
    }
    assert send(client, "charge.succeeded", charge, "evt_c").status_code == 200
    assert api.requests == []
    assert ledger.balance(ledger.FEES) == 0
    db.session.expire_all()
    assert "card fee 41 EUR for ch_eur" in db.session.get(Order, order.id).payment_note
