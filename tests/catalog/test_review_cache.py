"""The product page is cached: a new or hidden review renews it, a report does not."""

from __future__ import annotations

import pytest

from catalog.reviews.services import hide_review, report_review
from shop import pagecache
from shop.extensions import db


@pytest.fixture
def app_config():
    return {"PAGE_CACHE_SECONDS": 60}


def test_reviews_renew_the_cached_product_page(app, client, bought, make_review, make_user):
    line = bought()
    url = f"/fr/products/{_slug(line)}"
    client.get(url)
    assert "Très bonne huile." not in client.get(url).get_data(as_text=True)  # stored
    review = make_review(line, body="Très bonne huile.")
    assert "Très bonne huile." in client.get(url).get_data(as_text=True)
    generation = app.extensions[pagecache.EXTENSION].generation
    before = generation.current()
    report_review(review.id)
    db.session.commit()
    assert generation.current() == before  # a report changes nothing shown
    hide_review(review, "Publicité", make_user(is_admin=True))
    db.session.commit()
    assert generation.current() != before
    assert "Très bonne huile." not in client.get(url).get_data(as_text=True)


def _slug(line) -> str:
    from catalog.models import Product

    return db.session.get(Product, line.product_id).slug
