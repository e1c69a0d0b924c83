"""Thirty buyers race for the last five units: exactly five orders, never oversold.

Runs on whatever database the suite uses (a SQLite file by default, PostgreSQL
with TEST_DATABASE_URL): each buyer is a thread with its own test client, so
its own app context, session and database connection.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from catalog.models import Product, Variant
from orders.models import Order, OrderLine
from shop.extensions import db

from .conftest import ADDRESS

BUYERS = 30
STOCK = 5

pytestmark = [pytest.mark.slow, pytest.mark.commits]


def test_the_last_units_are_sold_exactly_once(app, make_product, rates, add_to_cart, post_form):
    product = make_product(name_fr="Safran de Taliouine", stock=STOCK, price=5_000)
    variant = product.variants[0]
    clients, totals = [], []
    for i in range(BUYERS):
        client = app.test_client()
        add_to_cart(client, variant.sku, 1)
        data = {**ADDRESS, "email": f"buyer{i}@example.com", "action": "review"}
        review = post_form(client, "/fr/checkout", data, page="/fr/cart")
        assert review.status_code == 200
        html = review.get_data(as_text=True)
        totals.append(
            html.split('name="expected_total"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        )
        clients.append(
            (
                client,
                {
                    **data,
                    "action": "place",
                    "expected_total": totals[-1],
                    "csrf_token": html.split('name="csrf_token" type="hidden" value="', 1)[1].split(
                        '"', 1
                    )[0],
                },
            )
        )
    db.session.remove()  # the test's own connection must not hold anything open

    start = threading.Barrier(BUYERS)
    results: list[tuple[int, str]] = [None] * BUYERS  # type: ignore[list-item]
    errors: list[BaseException] = []

    def buy(index: int) -> None:
        client, data = clients[index]
        try:
            start.wait()
            response = client.post("/fr/checkout", data=data)
            results[index] = (response.status_code, response.location or "")
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    won = [i for i, (code, location) in enumerate(results) if "/orders/TW-" in location]
    lost = [i for i, (code, location) in enumerate(results) if location.endswith("/fr/cart")]
    assert len(won) == STOCK, results
    assert len(lost) == BUYERS - STOCK, results

    assert db.session.scalar(select(Variant.stock).where(Variant.id == variant.id)) == 0
    assert db.session.scalar(select(Product.stock_total).where(Product.id == product.id)) == 0
    assert db.session.scalar(select(func.count(Order.id))) == STOCK
    assert db.session.scalar(select(func.sum(OrderLine.quantity))) == STOCK
    for index in lost[:3]:
        html = clients[index][0].get("/fr/cart").get_data(as_text=True)
        assert "Désolé, épuisé avant que votre commande ne passe" in html
        assert "Safran de Taliouine" in html  # the cart is kept
