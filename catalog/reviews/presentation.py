"""Reviews in schema.org terms, and the stars' words."""

from __future__ import annotations

from typing import Any

from flask_babel import ngettext

from shop import clock

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


def rating_words(average: float, count: int) -> str:
    """What the stars say to a screen reader: "Rated 4.5 out of 5 (12 reviews)"."""
    return ngettext(
        "Rated %(rating)s out of 5, %(num)d review",
        "Rated %(rating)s out of 5, %(num)d reviews",
        count,
        rating=f"{average:.1f}",
    )
