"""The product page's reviews: its helpers, and reporting a review.

The product page is cached and public: the report button is a small form
checked by origin (``same_origin``, as add-to-cart), not by a CSRF token,
and rate limited per address.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from shop.extensions import db, limiter
from shop.security import same_origin

from . import services
from .presentation import rating_label, rating_text, stars
from .queries import PAGE_ARG, product_reviews

bp = Blueprint("reviews", __name__, template_folder="templates", url_prefix="/<lang:lang>")


def _report_limit() -> str:
    return current_app.config.get("REVIEW_REPORT_RATE_LIMIT", "10 per hour")


@bp.route("/reviews/<int:review_id>/report", methods=["POST"])
@limiter.limit(_report_limit)
@same_origin
def report(review_id: int):
    """Report a review to the administrators; back to the product page."""
    slug = request.form.get("product", "")[:120]
    if services.report_review(review_id):
        db.session.commit()
        flash(_("Thank you: an administrator will read this review."), "success")
    back = url_for("catalog.product", slug=slug) if slug else url_for("catalog.home")
    return redirect(f"{back}#review-{review_id}", 303)


def init_reviews(app: Flask) -> None:
    """Register the report route and the product page's helpers; watch what pages show."""
    from shop.pagecache import watch

    from .models import Review, ReviewPhoto

    app.register_blueprint(bp)
    # A global: the card's macros are imported without the page's context.
    app.jinja_env.globals.update(rating_text=rating_text, rating_label=rating_label, stars=stars)
    # A new, answered, hidden or restored review changes product pages and cards;
    # a report does not (it is counted with an UPDATE of its own, and ignored).
    watch(Review, ignore=("report_count", "reported_at"))
    watch(ReviewPhoto)

    @app.context_processor
    def review_helpers() -> dict[str, Any]:
        return {
            "product_reviews": product_reviews,
            "reviews_page_arg": PAGE_ARG,
        }
