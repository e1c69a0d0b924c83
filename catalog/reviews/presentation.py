"""Reviews in schema.org terms, and the stars' words."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from flask_babel import ngettext
from markupsafe import Markup

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


def stars(value: float) -> Markup:
    """A rating drawn for the eye only, rounded to the half star below (its words are
    ``rating_label`` or the review's own); the cards, the product page's reviews and
    the reviews' back-office pages share it."""
    full = int(value + 0.25)
    return Markup(
        f'<span class="stars" aria-hidden="true">{"★" * full}'
        f'<span class="stars-off">{"★" * (5 - full)}</span></span>'
    )


def rating_label(average: float, count: int) -> str:
    """A mean rating and how many reviews made it, in words for screen readers."""
    return ngettext(
        "Rated %(rating)s out of 5, %(num)d review",
        "Rated %(rating)s out of 5, %(num)d reviews",
        count,
        rating=rating_text(average),
    )
