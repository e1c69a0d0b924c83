"""What placing an order costs: its queries, and the search index left alone."""

from __future__ import annotations

import pytest

from catalog.queries import Filters
from catalog.search import get_backend
from orders.services.inventory import put_back, take_stock
from shop.extensions import db


def ids(query: str, **filters) -> list[int]:
    """Product ids the index returns for ``query`` in French."""
    return get_backend().search(query, "fr", Filters(sort="relevance", **filters)).ids


def test_placing_an_order_runs_a_bounded_number_of_queries(
    count_queries, client, make_cooperative, make_product, rates, add_to_cart, post_form, address
):
    """The placing POST reads the cart once and allocates lots without loading them.

    Two items of two cooperatives: 19 statements on SQLite (it was 32), and the
    search index does not compare itself with the whole catalogue. A cash order
    now also writes the "confirm your order" text, which the test's in-process
    jobs deliver within the request (claim, read, mark sent: 3 statements that a
    worker runs in production): 22 in all, held to 25.
    """
    for _ in range(2):
        add_to_cart(client, make_product(cooperative=make_cooperative(), stock=50).variants[0].sku)
    review = post_form(client, "/fr/checkout", {**address, "action": "review"}, page="/fr/cart")
    html = review.get_data(as_text=True)
    total = html.split('name="expected_total"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    token = html.split('name="csrf_token"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    with count_queries() as statements:
        response = client.post(
            "/fr/checkout",
            data={**address, "action": "place", "expected_total": total, "csrf_token": token},
        )
    assert response.status_code == 302 and "/fr/orders/" in response.location
    assert len(statements) <= 25, f"{len(statements)}:\n" + "\n".join(statements)


@pytest.mark.parametrize(
    "index_place", ["memory", pytest.param("folder", marks=pytest.mark.search_on_disk)]
)
def test_a_sale_touches_the_index_only_when_it_sells_the_last_unit(
    app, make_product, monkeypatch, index_place
):
    product = make_product(name_fr="Amlou", stock=3)
    variant_id = product.variants[0].id
    backend = get_backend()
    assert hasattr(backend, "defer") == (index_place == "memory")
    assert ids("amlou", in_stock=True) == [product.id]  # the new product is in the index
    scans, writes = [], []
    snapshot, update = backend.snapshot, backend.update
    monkeypatch.setattr(backend, "snapshot", lambda: scans.append(1) or snapshot())
    monkeypatch.setattr(
        backend, "update", lambda docs, remove=(): writes.append(1) or update(docs, remove)
    )

    # Each commit's writes are counted after a search: an index in memory
    # (the tests') is written at its next read, an index in a folder at once.
    assert take_stock({variant_id: 1}) == []
    db.session.commit()
    assert ids("amlou", in_stock=True) == [product.id]
    assert scans == [] and writes == []  # units left: nothing the index holds changed

    assert take_stock({variant_id: 2}) == []  # the last units
    db.session.commit()
    assert ids("amlou", in_stock=True) == []
    assert scans == [] and writes == [1]
    assert take_stock({variant_id: 1}) == [variant_id]  # sold out: refused, nothing written
    db.session.rollback()

    put_back({variant_id: 2})  # a cancelled order: back in stock
    db.session.commit()
    assert ids("amlou", in_stock=True) == [product.id]
    assert scans == [] and writes == [1, 1]
    put_back({variant_id: 1})  # more of it: still in stock, nothing to re-index
    db.session.commit()
    assert ids("amlou", in_stock=True) == [product.id]
    assert writes == [1, 1]
