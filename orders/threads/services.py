"""Threads' operations: start one, write in one, report one; the response time.

Services flush and raise ``ThreadError``; they never commit. Notices go out
after the commit (``shop.messaging.notify``): to the shopper by their own
channel, to the cooperative's active managers each by theirs.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from statistics import median

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from catalog.images import clean_photo
from catalog.models import Product
from producers.models import Cooperative, Membership
from shop.accounts.models import User
from shop.extensions import db
from shop.messaging import Recipient, notify
from shop.models import utcnow
from shop.storage import get_private_storage
from shop.urls import external_url

from ..models import Order, OrderStatus, Shipment
from .exceptions import ThreadError
from .masking import mask
from .models import ResponseTime, Thread, ThreadMessage

#: An order in these states was never placed for good: contact details stay hidden.
NOT_PLACED = (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)
#: The longest message, in characters.
MAX_BODY = 2000
#: Photos in messages: at most this many bytes (``THREADS_IMAGE_MAX_BYTES``).
IMAGE_MAX_BYTES = 5 * 1024 * 1024
#: The response time counts threads started within this many days…
RESPONSE_DAYS = 90
#: …and is shown once at least this many of them were answered.
RESPONSE_MIN_THREADS = 5


def placed_between(shopper_id: int, cooperative_id: int) -> bool:
    """Whether the shopper has placed an order with a parcel from this cooperative."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Order.user_id == shopper_id,
                    Order.status.not_in(NOT_PLACED),
                    Shipment.order_id == Order.id,
                    Shipment.cooperative_id == cooperative_id,
                )
            )
        )
    )


def store_photo(data: bytes) -> str:
    """Check and re-encode a photo (no metadata) into the private storage; its name."""
    limit = int(current_app.config.get("THREADS_IMAGE_MAX_BYTES", IMAGE_MAX_BYTES))
    photo = clean_photo(data, max_bytes=limit)  # ImageError is a UserError too
    digest = hashlib.sha256(photo).hexdigest()
    name = f"threads/{digest[:2]}/{digest}.jpg"
    get_private_storage().save(name, photo)
    return name


def start_about_product(shopper: User, product: Product, body: str, photo: bytes | None) -> Thread:
    """A shopper's question to the cooperative that makes ``product``."""
    thread = Thread(
        cooperative_id=product.cooperative_id,
        shopper_id=shopper.id,
        product_id=product.id,
        subject=product.name(shopper.locale).text[:200],
    )
    db.session.add(thread)
    add_message(thread, shopper, body, photo)
    return thread


def thread_about_order(shopper: User, order: Order, cooperative: Cooperative) -> Thread | None:
    """The shopper's existing thread with ``cooperative`` about ``order``, if any."""
    return db.session.scalar(
        select(Thread).where(
            Thread.order_id == order.id,
            Thread.cooperative_id == cooperative.id,
            Thread.shopper_id == shopper.id,
        )
    )


def start_about_order(
    shopper: User, order: Order, cooperative: Cooperative, body: str, photo: bytes | None
) -> Thread:
    """A shopper's message about their order to one of its cooperatives (one thread each)."""
    if order.user_id != shopper.id or all(
        s.cooperative_id != cooperative.id for s in order.shipments
    ):
        raise ThreadError(_l("This order has no parcel from this cooperative."))
    thread = thread_about_order(shopper, order, cooperative)
    if thread is None:
        thread = Thread(
            cooperative_id=cooperative.id,
            shopper_id=shopper.id,
            order_id=order.id,
            subject=order.number,
        )
        db.session.add(thread)
    add_message(thread, shopper, body, photo)
    return thread


def add_message(
    thread: Thread,
    author: User,
    body: str,
    photo: bytes | None = None,
    *,
    from_cooperative: bool = False,
) -> ThreadMessage:
    """Write in ``thread``: masked before an order, told to the other side."""
    body = (body or "").strip()
    if not body:
        raise ThreadError(_l("Write a message."))
    if len(body) > MAX_BODY:
        raise ThreadError(_l("This message is too long."))
    masked = False
    if not placed_between(thread.shopper_id, thread.cooperative_id):
        body, masked = mask(body)
    message = ThreadMessage(
        thread=thread,
        author_id=author.id,
        from_cooperative=from_cooperative,
        body=body,
        masked=masked,
        image_name=store_photo(photo) if photo else None,
    )
    now = utcnow()
    message.created_at = now
    thread.last_message_at = now
    thread.awaiting_reply = not from_cooperative
    db.session.add(message)
    first_answer = from_cooperative and thread.first_response_at is None
    if first_answer:
        thread.first_response_at = now
    db.session.flush()
    if first_answer:
        refresh_response_time(thread.cooperative_id)
    _tell_the_other_side(thread, from_cooperative)
    return message


def report(thread: Thread, user: User, reason: str | None) -> None:
    """Someone in the thread reports it: administrators may read it from now on."""
    if thread.reported_at is not None:
        raise ThreadError(_l("This conversation is already reported; the team will read it."))
    thread.reported_at = utcnow()
    thread.reported_by_id = user.id
    thread.report_reason = (reason or "").strip()[:1000]
    db.session.flush()


# ---------------------------------------------------------------- notices


def _tell_the_other_side(thread: Thread, from_cooperative: bool) -> None:
    if from_cooperative:
        shopper = thread.shopper
        if shopper.active:
            recipient = Recipient.for_user(shopper)
            notify(
                recipient,
                "thread_message_to_shopper",
                _l("New message from %(coop)s", coop=thread.cooperative.legal_name),
                thread=thread,
                name=shopper.name,
                cooperative=thread.cooperative.legal_name,
                url=external_url("threads.thread", lang=recipient.lang, thread_id=thread.id),
            )
        return
    managers = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cooperative_id == thread.cooperative_id, User.active.is_(True))
        .order_by(User.id)
    )
    slug = thread.cooperative.slug
    for user in managers:
        recipient = Recipient.for_user(user)
        notify(
            recipient,
            "thread_message_to_cooperative",
            _l("New message from a shopper: %(subject)s", subject=thread.subject),
            thread=thread,
            name=user.name,
            cooperative=thread.cooperative.legal_name,
            url=external_url(
                "producers.inbox_thread", lang=recipient.lang, slug=slug, thread_id=thread.id
            ),
        )


# ---------------------------------------------------------------- response time


def refresh_response_time(cooperative_id: int) -> ResponseTime:
    """Recompute a cooperative's median first-response time over the last 90 days."""
    since = utcnow() - timedelta(days=RESPONSE_DAYS)
    rows = db.session.execute(
        select(Thread.created_at, Thread.first_response_at).where(
            Thread.cooperative_id == cooperative_id,
            Thread.created_at >= since,
            Thread.first_response_at.is_not(None),
        )
    ).all()
    delays = [(answered - asked).total_seconds() / 60 for asked, answered in rows if answered]
    figure = db.session.get(ResponseTime, cooperative_id)
    if figure is None:
        figure = ResponseTime(cooperative_id=cooperative_id)
        db.session.add(figure)
    enough = len(delays) >= RESPONSE_MIN_THREADS
    value = max(1, round(median(delays))) if enough else None
    if figure.median_minutes != value or figure.threads_count != len(delays):
        figure.median_minutes = value
        figure.threads_count = len(delays)
        figure.computed_at = utcnow()
    db.session.flush()
    return figure


def refresh_all_response_times() -> int:
    """Recompute every cooperative's figure that has one or has threads (the daily job)."""
    ids = set(db.session.scalars(select(ResponseTime.cooperative_id)))
    ids |= set(
        db.session.scalars(
            select(Thread.cooperative_id)
            .where(Thread.created_at >= utcnow() - timedelta(days=RESPONSE_DAYS))
            .distinct()
        )
    )
    for cooperative_id in sorted(ids):
        refresh_response_time(cooperative_id)
    return len(ids)


def response_minutes(cooperative_id: int) -> int | None:
    """The figure the profile shows (None: too few answered threads)."""
    figure = db.session.get(ResponseTime, cooperative_id)
    return figure.median_minutes if figure is not None else None
