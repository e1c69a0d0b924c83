"""The order page reached by a guest's private link is personal: ``private, no-store`` (#13)."""

from __future__ import annotations

import re

from orders.models import Order
from shop.extensions import db


def test_guest_order_page_and_checkout_are_not_stored(
    client, app, make_cooperative, make_product, rates, add_to_cart, checkout, address, outbox
):
    product = make_product(cooperative=make_cooperative(region_code=6), price=9_000, stock=5)
    add_to_cart(client, product.variants[0].sku)
    review = checkout(client, address, place=False)
    assert review.status_code == 200 and review.headers["Cache-Control"] == "private, no-store"
    placed = checkout(client, address)
    assert placed.status_code == 302
    order = db.session.scalars(db.select(Order).order_by(Order.id.desc())).first()
    body = outbox()[-1].get_body(("plain",)).get_content()
    link = re.search(r"http://shop\.test(/fr/orders/\S+\?token=\S+)", body).group(1)
    stranger = app.test_client()  # the guest on another device: no session at all
    page = stranger.get(link)
    assert page.status_code == 200 and order.number in page.text
    assert page.headers["Cache-Control"] == "private, no-store"
    assert stranger.get(f"/fr/orders/{order.number}?token=wrong").headers["Cache-Control"] == (
        "private, no-store"
    )
