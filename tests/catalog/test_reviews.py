"""The product page's reviews: summary, list, JSON-LD that matches the page, hidden
reviews absent from both, cards' figures, reporting by origin, constant queries."""

from __future__ import annotations

import json
import re

from catalog.queries import PAGE_SIZE
from catalog.reviews.models import Review
from catalog.reviews.queries import PAGE_SIZE as REVIEWS_PAGE_SIZE
from catalog.reviews.services import hide_review
from shop.audit import AuditEntry
from shop.extensions import db
from tests.catalog.schemaorg import check

JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def product_ld(html: str) -> dict:
    """The page's Product JSON-LD."""
    nodes = [json.loads(block) for block in JSONLD.findall(html)]
    return next(node for node in nodes if node.get("@type") == "Product")


def test_the_page_shows_the_summary_and_reviews_and_the_json_ld_says_the_same(
    client, bought, make_review, make_product, make_user
):
    product = make_product(name_fr="Huile d'argan", name_ar="زيت أركان")
    first = make_review(bought(product=product), rating=5, body="Excellente huile.")
    make_review(bought(product=product), rating=4, body="زيت ممتاز", locale="ar")
    hidden = make_review(bought(product=product), rating=1, body="Spam spam")
    hide_review(hidden, "Publicité", make_user(is_admin=True))
    db.session.commit()

    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert "Excellente huile." in html
    assert '<p class="review-body" lang="ar" dir="rtl">زيت ممتاز</p>' in html
    assert "Spam spam" not in html  # hidden: not on the page…
    assert "Amina A." in html and "Alaoui" not in html  # first name and initial only
    assert "Casablanca" not in html and "Ibn Battouta" not in html
    assert 'class="tag tag-verified"' in html
    assert '<strong dir="ltr">4,5</strong>' in html

    ld = product_ld(html)
    assert check(ld) == []
    assert ld["aggregateRating"]["ratingValue"] == "4.5"
    assert ld["aggregateRating"]["reviewCount"] == 2  # …nor in its structured data
    bodies = [review["reviewBody"] for review in ld["review"]]
    assert bodies == ["زيت ممتاز", "Excellente huile."]  # newest first, as shown
    assert {review["author"]["name"] for review in ld["review"]} == {"Amina A."}
    assert f'id="review-{first.id}"' in html and f'id="review-{hidden.id}"' not in html


def test_json_ld_lists_only_the_page_of_reviews_shown(client, bought, make_review, make_product):
    product = make_product(stock=99)
    for n in range(REVIEWS_PAGE_SIZE + 2):
        make_review(bought(product=product), rating=1 + n % 5, body=f"avis {n}")
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    ld = product_ld(html)
    assert ld["aggregateRating"]["reviewCount"] == REVIEWS_PAGE_SIZE + 2
    assert len(ld["review"]) == REVIEWS_PAGE_SIZE == html.count('class="review-body"')
    second = client.get(f"/fr/products/{product.slug}?reviews=2").get_data(as_text=True)
    assert [r["reviewBody"] for r in product_ld(second)["review"]] == ["avis 1", "avis 0"]
    assert "avis 0" in second and "avis 0" not in html


def test_a_product_without_reviews_has_no_rating_in_its_json_ld(client, make_product):
    product = make_product()
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert "aggregateRating" not in product_ld(html)
    assert "review-list" not in html


def test_cards_show_the_average_and_count_of_shown_reviews(
    client, bought, make_review, make_product, make_user
):
    product = make_product(name_fr="Miel")
    make_review(bought(product=product), rating=5)
    make_review(bought(product=product), rating=4)
    hidden = make_review(bought(product=product), rating=1)
    hide_review(hidden, "Hors sujet", make_user(is_admin=True))
    db.session.commit()
    html = client.get("/fr/products/").get_data(as_text=True)
    assert '<span dir="ltr">4,5 (2)</span>' in html  # French decimals
    assert 'aria-label="Noté 4,5 sur 5, 2 avis"' in html


def test_reporting_a_review_counts_it_and_needs_our_origin(client, bought, make_review):
    review = make_review(bought())
    url = f"/fr/reviews/{review.id}/report"
    assert client.post(url, data={"product": "x"}).status_code == 400  # no Origin, no Referer
    evil = {"Origin": "https://evil.example"}
    assert client.post(url, data={"product": "x"}, headers=evil).status_code == 400
    origin = {"Origin": client.application.config["PUBLIC_BASE_URL"]}
    response = client.post(url, data={"product": "x"}, headers=origin)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/fr/products/x#review-{review.id}")
    db.session.expire_all()
    assert db.session.get(Review, review.id).report_count == 1
    assert db.session.get(Review, review.id).reported_at is not None


def test_hiding_and_restoring_are_audited_with_their_reason(bought, make_review, make_user):
    from catalog.reviews.services import restore_review

    admin = make_user(is_admin=True)
    review = make_review(bought())
    hide_review(review, "Insultes", admin)
    restore_review(review, "Erreur de modération", admin)
    db.session.commit()
    rows = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.target_type == "review").order_by(AuditEntry.id)
    ).all()
    assert [(r.action, r.reason, r.actor_id, r.target_id) for r in rows] == [
        ("review.hide", "Insultes", admin.id, review.id),
        ("review.restore", "Erreur de modération", admin.id, review.id),
    ]


def test_product_page_queries_do_not_grow_with_reviews(
    count_queries, client, bought, make_review, make_product
):
    counts = []
    for n in (2, REVIEWS_PAGE_SIZE + 6):
        product = make_product(stock=99)
        for i in range(n):
            make_review(bought(product=product), rating=1 + i % 5)
        client.get(f"/fr/products/{product.slug}")
        with count_queries() as statements:
            assert client.get(f"/fr/products/{product.slug}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_listing_queries_do_not_grow_with_reviewed_products(
    count_queries, client, bought, make_review, make_product, make_cooperative
):
    coop = make_cooperative()

    def queries_with(n: int) -> int:
        for _ in range(n):
            product = make_product(cooperative=coop)
            make_review(bought(product=product), rating=4)
            make_review(bought(product=product), rating=5)
        client.get("/fr/products/")
        with count_queries() as statements:
            assert client.get("/fr/products/").status_code == 200
        return len(statements)

    few = queries_with(2)
    many = queries_with(PAGE_SIZE + 4)
    assert few == many, (few, many)
