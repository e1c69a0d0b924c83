"""Lapsed card holds released before catalogue pages at most every
``HOLD_RELEASE_INTERVAL_SECONDS`` per process (issue #15: the query was about
8 % of an uncached home page); the "release-holds" job does it in between."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

import orders as orders_package
from catalog.models import Variant
from orders import services as orders
from orders.models import Order, OrderStatus, PaymentMethod
from orders.shipping import ensure_default_rates
from shop.extensions import db
from shop.models import utcnow
from tests.factories import shipping_address

ADDRESS = shipping_address()


class Clock:
    """The monotonic clock the releases are spaced by, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app, monkeypatch):
    ticking = Clock()
    monkeypatch.setattr(orders_package, "monotonic", ticking)
    monkeypatch.setitem(app.config, "HOLD_RELEASE_INTERVAL_SECONDS", 30)
    return ticking


def stock_of(variant: Variant) -> int:
    return db.session.scalar(select(Variant.stock).where(Variant.id == variant.id))


def test_the_default_interval_is_a_few_seconds():
    assert 0 < orders_package.HOLD_RELEASE_INTERVAL_SECONDS <= 60


def test_a_lapsed_hold_comes_back_on_the_page_after_the_interval(app, client, make_product, clock):
    ensure_default_rates()
    app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET="whsec_test")
    product = make_product(price=12_000, stock=3)
    variant = product.variants[0]
    order, _ = orders.place_order({variant.sku: 3}, ADDRESS, PaymentMethod.CARD, "fr")
    db.session.commit()
    page = f"/fr/products/{product.slug}"
    # Whenever this process last released holds, it does now (a minute later).
    clock.now += 60
    assert client.get(page).status_code == 200
    assert stock_of(variant) == 0  # held, not lapsed

    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(payment_due_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    # Within the interval, pages do not look for lapsed holds: still held.
    clock.now += 29
    assert "Plus que 3" not in client.get(page).get_data(as_text=True)
    assert client.get("/fr/").status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PENDING_PAYMENT
    assert stock_of(variant) == 0

    # Once it has passed, the next catalogue page releases it and shows the stock.
    clock.now += 2
    assert "Plus que 3" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.CANCELLED
    assert stock_of(variant) == 3


def test_zero_releases_before_every_page(app, client, make_product, clock):
    ensure_default_rates()
    app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET="whsec_test")
    app.config["HOLD_RELEASE_INTERVAL_SECONDS"] = 0
    product = make_product(price=12_000, stock=3)
    variant = product.variants[0]
    order, _ = orders.place_order({variant.sku: 3}, ADDRESS, PaymentMethod.CARD, "fr")
    db.session.commit()
    page = f"/fr/products/{product.slug}"
    assert client.get(page).status_code == 200
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(payment_due_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    # The clock has not moved: with 0 the page releases the hold all the same.
    assert "Plus que 3" in client.get(page).get_data(as_text=True)
    assert stock_of(variant) == 3
