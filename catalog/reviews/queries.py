"""What the storefront reads of reviews: a product's summary and page, a card's figures.

A product page reads its reviews in a fixed number of statements whatever
their number: the summary (count per star, one GROUP BY), the page of
reviews, and their photos (one ``selectin`` query). Hidden reviews are left
out of all of them, so the page and its JSON-LD agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask import g, has_request_context
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from shop.extensions import db, read
from shop.params import query_int

from .models import Review

#: Reviews per page on a product page.
PAGE_SIZE = 10
#: The query argument of the reviews' page (the product page's own is the variant).
PAGE_ARG = "reviews"


@dataclass
class ReviewSummary:
    """A product's shown reviews in figures: count, average, count per star (5 to 1)."""

    count: int = 0
    total: int = 0
    stars: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(5, 0, -1), 0))

    @property
    def average(self) -> float | None:
        """The mean rating, None without reviews."""
        return self.total / self.count if self.count else None

    @property
    def average_text(self) -> str:
        """The mean rating with one decimal ("4.5"), as JSON-LD and the page write it."""
        return f"{self.average:.1f}" if self.count else ""

    def share(self, stars: int) -> int:
        """The percentage of reviews giving ``stars`` (for the distribution's bars)."""
        return round(self.stars[stars] * 100 / self.count) if self.count else 0


@dataclass
class ReviewPage:
    """The summary and one page of a product's shown reviews."""

    summary: ReviewSummary
    reviews: list[Review]
    page: int
    pages: int

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self, **_edges: int) -> range:
        """Every page number (a product has few pages of reviews): ``_pagination.html``'s."""
        return range(1, self.pages + 1)


def shown() -> Select:
    """Reviews visible to the public (not hidden)."""
    return select(Review).where(Review.hidden.is_(False))


def summary(product_id: int) -> ReviewSummary:
    """Count, total and distribution of ``product_id``'s shown reviews (one query)."""
    result = ReviewSummary()
    for rating, count in read(_summary(), {"product_id": product_id}):
        result.stars[rating] = count
        result.count += count
        result.total += rating * count
    return result


@cache
def _summary() -> Select:
    """The statement of ``summary`` for ``:product_id``, built once (every product page)."""
    return (
        select(Review.rating, func.count())
        .where(Review.product_id == bindparam("product_id"), Review.hidden.is_(False))
        .group_by(Review.rating)
    )


def review_page(product_id: int, page: int = 1) -> ReviewPage:
    """The summary and page ``page`` of ``product_id``'s shown reviews, newest first."""
    found = summary(product_id)
    pages = max(1, -(-found.count // PAGE_SIZE))
    page = min(max(page, 1), pages)
    reviews: list[Review] = []
    if found.count:
        reviews = list(
            db.session.scalars(
                shown()
                .where(Review.product_id == product_id)
                .options(selectinload(Review.photos))
                .order_by(Review.created_at.desc(), Review.id.desc())
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
        )
    return ReviewPage(found, reviews, page, pages)


def product_reviews(product) -> ReviewPage:
    """The product page's reviews, read once per request (the page and its JSON-LD)."""
    if not has_request_context():
        return review_page(product.id)
    cache = g.setdefault("_product_reviews", {})
    if product.id not in cache:
        cache[product.id] = review_page(product.id, query_int(PAGE_ARG, 1, min=1, max=10_000))
    return cache[product.id]


def card_figures(product: Any) -> tuple[Any, Any]:
    """Correlated subqueries of a card's row: its shown reviews' count and mean rating."""
    where = (Review.product_id == product.id, Review.hidden.is_(False))
    count = select(func.count(Review.id)).where(*where).correlate(product).scalar_subquery()
    average = select(func.avg(Review.rating)).where(*where).correlate(product).scalar_subquery()
    return count, average
