"""Product cards read plain columns (catalog/cards.py) and say what the products say."""

from __future__ import annotations

import pytest
from flask import g, url_for

from catalog import queries
from catalog.cards import cards_by_ids, cards_of, paginate_cards
from catalog.presentation import fast_url_for
from shop.extensions import db


def test_a_card_says_what_its_product_says(app, make_product, make_cooperative):
    coop = make_cooperative(legal_name="Coopérative Tifaout")
    plain = make_product(cooperative=coop, name_fr="Miel", name_en="Honey", stock=0)
    several = make_product(
        cooperative=coop,
        name_fr=None,
        name_ar="زيت أركان",
        variants=3,
        certifications=("organic", "onssa"),
    )
    several.variants[0].active = False  # not sellable: not counted
    db.session.commit()
    cards = {c.id: c for c in cards_of(queries.filtered_products(queries.Filters()), 10)}
    for product in (plain, several):
        card = cards[product.id]
        assert card.slug == product.slug
        for lang in ("ar", "fr", "en"):
            assert card.name(lang) == product.name(lang)
        assert card.in_stock == product.in_stock
        assert card.min_price_cents == product.min_price_cents
        assert card.variant_count == len(product.sellable_variants)
        assert card.cooperative_name == product.cooperative.legal_name
        assert card.region == product.cooperative.region
        kinds = list(dict.fromkeys(c.kind for c in product.certifications))
        assert sorted(card.certification_kinds) == sorted(kinds)
    assert cards[plain.id].in_stock is False and cards[several.id].variant_count == 2


def test_cards_keep_the_order_asked_and_skip_hidden_products(app, make_product):
    first, hidden, last = make_product(), make_product(), make_product()
    hidden.status = hidden.status.ARCHIVED
    db.session.commit()
    cards = cards_by_ids([last.id, hidden.id, first.id], queries.visible_products())
    assert [c.id for c in cards] == [last.id, first.id]


def test_card_pages_count_and_page_like_flask_sqlalchemy(app, make_product):
    made = [make_product() for _ in range(5)]
    query = queries.filtered_products(queries.Filters())
    ours, theirs = paginate_cards(query, 2, 2), db.paginate(query, page=2, per_page=2)
    assert (ours.total, ours.pages, list(ours.iter_pages())) == (
        theirs.total,
        theirs.pages,
        list(theirs.iter_pages()),
    )
    assert [c.id for c in ours.items] == [p.id for p in theirs.items]
    assert len(made) == ours.total
    assert paginate_cards(query, 9, 2).items == []  # past the end: empty, not an error


@pytest.mark.parametrize(
    ("endpoint", "name", "value"),
    [
        ("catalog.product", "slug", "huile-d-argan-250"),
        ("catalog.product", "slug", "Olive_oil.v2~x"),
        ("catalog.product", "slug", "miel de thym"),  # quoted: url_for builds it
        ("catalog.product", "slug", "زيت"),
        ("catalog.product", "slug", "100%"),
        ("catalog.media", "name", "img/ab/abcdef-640.webp"),
        ("catalog.media", "name", "img/a b/é?.jpg"),
    ],
)
def test_fast_links_are_url_for_links(app, endpoint, name, value):
    with app.test_request_context("/fr/"):
        # The same request in two languages (a mail in the visitor's own): each its links.
        for lang in ("fr", "ar", "fr"):
            g.lang = lang
            assert fast_url_for(endpoint, name, value) == url_for(endpoint, **{name: value})


def test_the_home_page_features_the_four_approved_cooperatives_with_most_members(
    app, make_cooperative
):
    from catalog.cards import cooperative_cards
    from producers.models import CooperativeStatus

    for slug, members in (("a", 12), ("b", 90), ("c", 40), ("d", 40), ("e", 7), ("f", 65)):
        make_cooperative(slug=slug, members_count=members)
    make_cooperative(slug="suspended", members_count=500, status=CooperativeStatus.SUSPENDED)
    make_cooperative(slug="pending", members_count=400, status=CooperativeStatus.PENDING)
    db.session.commit()
    featured = cooperative_cards(queries.featured_cooperatives())
    # Most members first, ties by slug; only approved cooperatives.
    assert [card.slug for card in featured] == ["b", "f", "c", "d"]
