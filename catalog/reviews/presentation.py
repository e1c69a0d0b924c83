"""Reviews in schema.org terms, and the stars' words."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal

from shop import clock
from shop.i18n import FORMAT_LOCALES, current_language

from .queries import ReviewPage


def reviews_jsonld(reviews: ReviewPage) -> dict[str, Any]:
    """``aggregateRating`` over the shown reviews and ``review``: the page's reviews only."""
    return {
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": reviews.summary.average_text,
            "reviewCount": reviews.summary.count,
            "bestRating": 5,
            "worstRating": 1,
        },
        "review": [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": review.author_name},
                "datePublished": clock.local_date(review.created_at).isoformat(),
                "reviewBody": review.body,
                "inLanguage": review.locale,
                "reviewRating": {
                    "@type": "Rating",
                    "ratingValue": review.rating,
                    "bestRating": 5,
                    "worstRating": 1,
                },
            }
            for review in reviews.reviews
        ],
    }


def rating_text(average: float) -> str:
    """A mean rating with one decimal in the page's conventions ("4,5" in French)."""
    return format_decimal(
        round(average, 1), format="0.0", locale=FORMAT_LOCALES[current_language()]
    )
