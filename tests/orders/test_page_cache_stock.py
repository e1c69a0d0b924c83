"""Orders change stock all day: they leave the page cache alone, and the cart and
checkout read stock live whatever the cached pages say (shop/pagecache.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from catalog.models import Variant
from shop.extensions import db
from shop.pagecache import EXTENSION


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 60}


def test_an_order_keeps_the_cached_pages(
    app, client, make_product, rates, address, add_to_cart, checkout
):
    product = make_product(stock=10)
    generation = app.extensions[EXTENSION].generation
    before = generation.current()
    assert add_to_cart(client, product.variants[0].sku, 2).status_code == 302
    placed = checkout(client, address)
    assert placed.status_code == 302 and "/orders/" in placed.headers["Location"]
    db.session.refresh(product.variants[0])
    assert product.variants[0].stock == 8
    assert generation.current() == before


def test_the_cart_reads_stock_live_while_the_page_is_cached(app, client, make_product, add_to_cart):
    product = make_product(stock=10, name_en="Argan oil")
    url = f"/en/products/{product.slug}"
    for _ in range(2):
        assert "In stock" in client.get(url).get_data(as_text=True)
    assert add_to_cart(client, product.variants[0].sku, 3, lang="en").status_code == 302
    db.session.execute(update(Variant).where(Variant.id == product.variants[0].id).values(stock=2))
    db.session.commit()
    cart = client.get("/en/cart").get_data(as_text=True)  # where adding leads, with its message
    assert "Only 2 left: lower the quantity to continue." in cart
    assert "In stock" in client.get(url).get_data(as_text=True)  # up to 60 s old, by design
