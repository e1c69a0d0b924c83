"""Operations on reviews that every room shares: writing one (with its photos),
the cooperative's answer, a visitor's report, an administrator's decision.

Who may write a review is decided by orders (``orders/reviews.py``), which
calls ``add_review`` with a line it checked. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import CursorResult, update

from shop.audit import audit
from shop.extensions import db
from shop.i18n import LANGUAGES
from shop.models import utcnow
from shop.storage import get_storage

from ..exceptions import CatalogError, ImageError
from ..images import process_image
from .models import MAX_PHOTOS, MAX_TEXT, Review, ReviewPhoto

#: The largest photo upload accepted.
PHOTO_MAX_BYTES = 10 * 1024 * 1024


def add_review(
    *,
    product_id: int,
    cooperative_id: int,
    order_line_id: int,
    user_id: int | None,
    author_name: str,
    rating: int,
    body: str,
    locale: str,
    photos: Iterable[bytes] = (),
) -> Review:
    """Write a review of a checked order line, its photos through the image pipeline."""
    if rating not in range(1, 6):
        raise CatalogError(_l("Give from 1 to 5 stars."))
    if locale not in LANGUAGES:
        raise CatalogError(_l("Choose the language you wrote in."))
    body = body.strip()
    if len(body) > MAX_TEXT:
        raise CatalogError(_l("Use at most %(max)d characters.", max=MAX_TEXT))
    uploads = [data for data in photos if data]
    if len(uploads) > MAX_PHOTOS:
        raise CatalogError(
            lazy_ngettext("At most %(num)d photo.", "At most %(num)d photos.", MAX_PHOTOS)
        )
    review = Review(
        product_id=product_id,
        cooperative_id=cooperative_id,
        order_line_id=order_line_id,
        user_id=user_id,
        author_name=author_name,
        rating=rating,
        body=body,
        locale=locale,
    )
    storage = get_storage()
    keys: set[str] = set()
    for data in uploads:
        try:
            processed = process_image(data, storage, max_bytes=PHOTO_MAX_BYTES)
        except ImageError as exc:
            raise CatalogError(exc.message) from exc
        if processed.key in keys:
            continue
        keys.add(processed.key)
        review.photos.append(
            ReviewPhoto(
                key=processed.key,
                width=processed.width,
                height=processed.height,
                widths=",".join(str(w) for w in sorted({r.width for r in processed.renditions})),
                position=len(review.photos),
            )
        )
    db.session.add(review)
    db.session.flush()
    return review


def reply_to_review(review: Review, text: str, locale: str, user) -> None:
    """The cooperative's public answer: once."""
    if review.reply is not None:
        raise CatalogError(_l("This review already has your answer."))
    text = text.strip()
    if not text:
        raise CatalogError(_l("Write your answer."))
    if len(text) > MAX_TEXT:
        raise CatalogError(_l("Use at most %(max)d characters.", max=MAX_TEXT))
    if locale not in LANGUAGES:
        raise CatalogError(_l("Choose the language you wrote in."))
    review.reply, review.reply_locale = text, locale
    review.replied_at, review.replied_by_id = utcnow(), user.id
    db.session.flush()


def report_review(review_id: int) -> bool:
    """A visitor reports a shown review (counted, for the back office's queue)."""
    done: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        update(Review)
        .where(Review.id == review_id, Review.hidden.is_(False))
        .values(report_count=Review.report_count + 1, reported_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount)


def hide_review(review: Review, reason: str, admin) -> None:
    """An administrator hides a review from every public page (audited with the reason)."""
    _decide(review, True, reason, admin, "review.hide")


def restore_review(review: Review, reason: str, admin) -> None:
    """An administrator shows a hidden review again (audited with the reason)."""
    _decide(review, False, reason, admin, "review.restore")


def _decide(review: Review, hidden: bool, reason: str, admin, action: str) -> None:
    reason = reason.strip()
    if not reason:
        raise CatalogError(_l("Give the reason."))
    if review.hidden == hidden:
        raise CatalogError(
            _l("This review is already hidden.") if hidden else _l("This review is already shown.")
        )
    review.hidden, review.hidden_reason = hidden, reason
    if not hidden:
        # Restored: the reports it had were answered.
        review.report_count, review.reported_at = 0, None
    audit(admin, action, review, reason=reason, product_id=review.product_id)
    db.session.flush()
