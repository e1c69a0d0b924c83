"""Two checkouts race for a code's last use: one order gets it, the other is refused
and keeps nothing (its stock goes back with the rollback)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from catalog.models import Variant
from orders.discounts.models import DiscountCode, DiscountRedemption
from orders.models import Order
from shop.extensions import db
from tests.orders.discount_support import make_code

from .conftest import ADDRESS

pytestmark = [pytest.mark.slow, pytest.mark.commits]
BUYERS = 2


def _field(html: str, name: str) -> str:
    return html.split(f'name="{name}"', 1)[1].split('value="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    "limit, same_shopper",
    [({"max_uses": 1}, False), ({"per_shopper": 1}, True)],
    ids=["last use", "one per shopper"],
)
def test_the_last_use_of_a_code_goes_to_one_checkout(
    app, make_product, rates, add_to_cart, post_form, limit, same_shopper
):
    # The per-shopper count runs after the conditional UPDATE, which holds the
    # code's row: the second checkout counts the first's use once it committed.
    variant = make_product(name_fr="Amlou", stock=10, price=8_000).variants[0]
    make_code("DERNIER", **limit)
    prepared = []
    for i in range(BUYERS):
        client = app.test_client()
        add_to_cart(client, variant.sku, 1)
        post_form(client, "/fr/cart/code", {"code": "dernier"}, page="/fr/cart")
        email = "amina@example.com" if same_shopper else f"buyer{i}@example.com"
        data = {**ADDRESS, "email": email, "action": "review"}
        review = post_form(client, "/fr/checkout", data, page="/fr/cart")
        html = review.get_data(as_text=True)
        assert "Code DERNIER" in html
        prepared.append(
            (
                client,
                {
                    **data,
                    "action": "place",
                    "expected_total": _field(html, "expected_total"),
                    "csrf_token": html.split('name="csrf_token" type="hidden" value="', 1)[1].split(
                        '"', 1
                    )[0],
                },
            )
        )
    db.session.remove()

    start = threading.Barrier(BUYERS)
    results: list = [None] * BUYERS
    errors: list[BaseException] = []

    def buy(index: int) -> None:
        client, data = prepared[index]
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
    won = [r for r in results if "/orders/TW-" in r[1]]
    lost = [r for r in results if r[0] == 422]
    assert len(won) == 1 and len(lost) == 1, results
    assert db.session.scalar(select(DiscountCode.uses)) == 1
    assert db.session.scalar(select(func.count(DiscountRedemption.id))) == 1
    assert db.session.scalar(select(func.count(Order.id))) == 1
    assert db.session.scalar(select(Variant.stock).where(Variant.id == variant.id)) == 9
