"""Order fixtures: shipping rates, a checkout address, a one-call purchase."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from orders.shipping import ensure_default_rates
from shop.extensions import db

ADDRESS = {
    "email": "amina@example.com",
    "phone": "06 12 34 56 78",
    "full_name": "Amina Alaoui",
    "address_line": "12 rue Ibn Battouta, appt 4",
    "city": "Casablanca",
    "postal_code": "20250",
    "country": "MA",
    "payment": "cod",
}


@pytest.fixture
def rates(app) -> None:
    """The default shipping rates (local 25/35/60 MAD, national 35/50/90 MAD…)."""
    ensure_default_rates()
    db.session.commit()


@pytest.fixture
def address() -> dict[str, str]:
    """A valid Moroccan checkout form (Casablanca, region 6)."""
    return dict(ADDRESS)


@pytest.fixture
def add_to_cart(post_form) -> Callable[..., Any]:
    """Add a variant through the product page's form."""

    def add(client, sku: str, quantity: int = 1, lang: str = "fr"):
        return post_form(
            client,
            f"/{lang}/cart/add",
            {"variant": sku, "quantity": quantity},
            page=f"/{lang}/cart",
        )

    return add


@pytest.fixture
def checkout(post_form) -> Callable[..., Any]:
    """Review then place an order from the client's cart; returns the last response."""

    def run(client, data: dict[str, str], lang: str = "fr", place: bool = True):
        url = f"/{lang}/checkout"
        review = post_form(client, url, {**data, "action": "review"}, page=f"/{lang}/cart")
        if not place or review.status_code != 200:
            return review
        html = review.get_data(as_text=True)
        total = html.split('name="expected_total"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        return post_form(
            client, url, {**data, "action": "place", "expected_total": total}, page=f"/{lang}/cart"
        )

    return run
