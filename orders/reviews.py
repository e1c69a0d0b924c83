"""Who may review what they bought, and writing the review.

A signed-in shopper reviews a line of their own order once its parcel was
delivered, once per line (the review's ``order_line_id`` is unique). The
review itself, its photos and what the storefront shows of it are the
catalogue's (``catalog/reviews/``); this module decides and hands it over.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from catalog.reviews.models import Review
from catalog.reviews.services import add_review
from shop.extensions import db

from .exceptions import OrderError
from .models import Order, OrderLine, ShipmentStatus


def public_name(full_name: str) -> str:
    """The name a review shows: the first name and the last name's initial ("Amina A.").

    An Arabic family name's article is not its initial ("أمينة العلوي" is
    "أمينة ع."). Never the full name, the address or the order.
    """
    words = full_name.split()
    if not words:
        return "—"
    first = words[0][:40]
    if len(words) == 1:
        return first
    last = words[-1]
    if last.startswith("ال") and len(last) > 2:
        last = last[2:]
    return f"{first} {last[0]}."


def refusal(line: OrderLine):
    """Why ``line`` cannot be reviewed now (a lazy message), or None when it can."""
    if line.shipment.status != ShipmentStatus.DELIVERED:
        return _l("You can review this product once its parcel is delivered.")
    if line.product_id is None:
        return _l("This product is no longer sold.")
    if db.session.scalar(select(Review.id).where(Review.order_line_id == line.id)) is not None:
        return _l("You already reviewed this product.")
    return None


def write_review(
    line: OrderLine,
    user,
    *,
    rating: int,
    body: str,
    locale: str,
    photos: Iterable[bytes] = (),
) -> Review:
    """The owner of ``line``'s order reviews its product (delivered, not reviewed yet)."""
    order: Order = line.order
    if order.user_id is None or order.user_id != user.id:
        raise OrderError(_l("Only the shopper who bought this product can review it."))
    problem = refusal(line)
    if problem is not None:
        raise OrderError(problem)
    assert line.product_id is not None  # refusal() checked it
    try:
        # A second tab posting at the same moment meets the unique line: refused, not a 500.
        with db.session.begin_nested():
            return add_review(
                product_id=line.product_id,
                cooperative_id=line.cooperative_id,
                order_line_id=line.id,
                user_id=user.id,
                author_name=public_name(user.name or order.full_name),
                rating=rating,
                body=body,
                locale=locale,
                photos=photos,
            )
    except IntegrityError as exc:
        raise OrderError(_l("You already reviewed this product.")) from exc


def reviewed_lines(order: Order) -> frozenset[int]:
    """The ids of ``order``'s lines already reviewed (one query, once per request)."""
    cache = g.setdefault("_reviewed_lines", {}) if has_request_context() else {}
    if order.id not in cache:
        ids = [line.id for line in order.lines]
        cache[order.id] = frozenset(
            db.session.scalars(select(Review.order_line_id).where(Review.order_line_id.in_(ids)))
            if ids
            else ()
        )
    return cache[order.id]
