"""Card orders: the stock hold while Stripe's page is open, its lapse, and Stripe's word.

A card order holds its stock until ``payment_due_at``; unpaid by then it is
cancelled and restocked (``release_expired_holds``). Stripe's webhook
confirms the payment, revives an order whose payment came late (stock
permitting) or records the refund. Each move is claimed with a conditional
UPDATE (``states.claim_transition``), so concurrent callers never both act.
Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.orm import selectinload

from catalog.summary import refresh_summaries
from shop import clock
from shop.extensions import db
from shop.models import utcnow

from .. import accounting
from ..discounts.codes import retake as retake_code
from ..exceptions import IllegalTransition, OrderError
from ..models import Order, OrderLine, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from .fulfilment import mark_refunded
from .inventory import allocate_lots, put_back, restock, restock_many, take_stock, units_left
from .mails import in_language, mail_cancelled, mail_confirmed, mail_refunded
from .notices import tell_cooperatives
from .queries import token_matches
from .states import claim_transition, transition_shipment

#: Stripe accepts a Checkout Session expiry from 30 minutes to 24 hours after it
#: creates the session, on its own clock: SESSION_MARGIN covers the request's
#: latency and clock skew, so a 30-minute setting is never refused.
STRIPE_MIN_MINUTES = 30
STRIPE_MAX_MINUTES = 24 * 60 - 10
SESSION_MARGIN = timedelta(minutes=2)
#: The stock hold outlives Stripe's page by this much, so that a payment made at
#: the page's last second reaches us by webhook before its stock is released.
HOLD_GRACE = timedelta(minutes=5)


def session_minutes() -> int:
    """``STRIPE_SESSION_MINUTES`` (default 30), kept within what Stripe accepts."""
    value = int(current_app.config.get("STRIPE_SESSION_MINUTES", 30))
    return max(STRIPE_MIN_MINUTES, min(value, STRIPE_MAX_MINUTES))


def hold_duration() -> timedelta:
    """How long a new card order holds its stock without being paid."""
    return timedelta(minutes=session_minutes()) + SESSION_MARGIN + HOLD_GRACE


def checkout_expires_at(order: Order) -> datetime:
    """When the order's Stripe page stops taking payments (naive UTC).

    Derived from the order, not from the clock, so a repeated session request
    sends the same parameters under the same idempotency key.
    """
    assert order.payment_due_at is not None
    return order.payment_due_at - HOLD_GRACE


#: What a shopper reads about a card order whose payment window closed.
EXPIRED_MESSAGE = _l(
    "This order expired: its card payment was not completed in time, and "
    "its items went back on sale."
)


def payable_now(order: Order, now: datetime | None = None) -> bool:
    """True for a card order still waiting for its payment, its hold not lapsed."""
    return (
        order.status == OrderStatus.PENDING_PAYMENT
        and order.payment_method == PaymentMethod.CARD
        and order.payment_due_at is not None
        and order.payment_due_at >= (now or utcnow())
    )


def renew_hold(order: Order) -> None:
    """Give a waiting card order a new payment window from now ("Pay now" again).

    A conditional UPDATE: an order whose hold lapsed, or that was paid or
    cancelled meanwhile, is refused with OrderError, so stock already released
    is never held again. Flushes; the caller commits (or rolls back when
    Stripe then fails, which keeps the old deadline).
    """
    now = utcnow()
    result = db.session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.status == OrderStatus.PENDING_PAYMENT,
            Order.payment_method == PaymentMethod.CARD,
            Order.payment_due_at >= now,
        )
        .values(payment_due_at=now + hold_duration())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(order, ["payment_due_at", "status"])
    if result.rowcount != 1:
        raise OrderError(EXPIRED_MESSAGE)


def note_payment(order: Order, text: str) -> None:
    """Record something Stripe said that changes nothing (failed attempt, partial refund)."""
    stamp = clock.local_stamp(utcnow())
    order.payment_note = "\n".join(filter(None, [order.payment_note or "", f"{stamp} {text}"]))
    db.session.flush()


@cache
def _lapsed_holds() -> Select:
    """The ids of the card orders whose hold lapsed before ``:now``.

    Built once: every storefront page asks it, and building the statement
    cost more than running it.
    """
    return (
        select(Order.id)
        .where(Order.status == OrderStatus.PENDING_PAYMENT, Order.payment_due_at < bindparam("now"))
        .order_by(Order.id)
    )


def release_expired_holds(now: datetime | None = None) -> list[Order]:
    """Cancel and restock unpaid card orders whose hold lapsed; return them.

    One indexed query when there is nothing to release. Safe under concurrency:
    each order is claimed with a conditional status UPDATE, so two callers
    never both restock it, and a payment confirmed meanwhile wins. Flushes;
    the caller commits.
    """
    now = now or utcnow()
    ids = list(db.session.scalars(_lapsed_holds(), {"now": now}))
    if not ids:
        return []
    return cancel_unpaid(ids, Order.payment_due_at < now)


def cancel_unpaid(order_ids: Iterable[int], *where) -> list[Order]:
    """Cancel and restock the unpaid card orders among ``order_ids`` (Stripe page expired)."""
    now = utcnow()
    claimed = [
        order_id
        for order_id in sorted(set(order_ids))
        if claim_transition(
            order_id,
            OrderStatus.PENDING_PAYMENT,
            OrderStatus.CANCELLED,
            Order.payment_method == PaymentMethod.CARD,
            *where,
            cancelled_at=now,
        )
    ]
    if not claimed:
        return []
    orders = list(
        db.session.scalars(
            select(Order)
            .where(Order.id.in_(claimed))
            .order_by(Order.id)
            .options(
                selectinload(Order.shipments),
                selectinload(Order.lines).selectinload(OrderLine.lots),
            )
        )
    )
    for order in orders:
        for shipment in order.shipments:
            transition_shipment(shipment, ShipmentStatus.CANCELLED)
        order.cancel_reason = in_language(order, _l("The card payment was not completed in time."))
    db.session.flush()
    restock_many(orders)
    for order in orders:
        mail_cancelled(order)
    return orders


def _paid(order: Order, token: str | None) -> None:
    """Post the card sale, confirm the order to the shopper (the link if ``token`` is it)
    and tell the cooperatives their parcels are to prepare."""
    accounting.post_card_sale(order)
    mail_confirmed(order, token if token_matches(order, token) else None)
    tell_cooperatives(order)


def confirm_card_payment(
    order: Order, session_id: str, payment_intent: str | None, token: str | None = None
) -> bool:
    """Stripe says the order is paid: PENDING_PAYMENT → PAID; False if it was no longer pending."""
    if not claim_transition(
        order.id,
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.PAID,
        paid_at=utcnow(),
        stripe_session_id=session_id,
        stripe_payment_intent=payment_intent,
    ):
        return False
    _paid(order, token)
    return True


def hold_lapsed(order: Order) -> bool:
    """True for a card order cancelled because its payment window closed, not by a person."""
    if (
        order.status != OrderStatus.CANCELLED
        or order.payment_method != PaymentMethod.CARD
        or order.paid_at is not None
        or order.payment_due_at is None
        or order.cancelled_at is None
    ):
        return False
    # Stripe's page expires HOLD_GRACE before the hold; allow a minute of clock skew.
    return order.cancelled_at >= order.payment_due_at - HOLD_GRACE - timedelta(minutes=1)


def revive_shipment(shipment: Shipment) -> None:
    """A parcel cancelled with its lapsed hold goes back to preparation once paid."""
    if shipment.status != ShipmentStatus.CANCELLED or shipment.order.status != OrderStatus.PAID:
        raise IllegalTransition(
            _l(
                "A shipment cannot go from %(old)s to %(new)s.",
                old=shipment.status.value,
                new=ShipmentStatus.TO_PREPARE.value,
            )
        )
    shipment.status = ShipmentStatus.TO_PREPARE


def take_back_late_payment(
    order: Order, session_id: str, payment_intent: str | None, token: str | None = None
) -> bool:
    """A payment arrived after the hold lapsed: take the stock again and mark the order paid.

    Returns False, changing nothing, when the order was cancelled by a person or
    any item can no longer be taken (the caller then refunds the payment).
    """
    if not hold_lapsed(order) or any(line.variant_id is None for line in order.lines):
        return False
    wanted = units_left([order])
    short = take_stock(wanted)
    if short:
        put_back({v: q for v, q in wanted.items() if v not in short})
        return False
    if not claim_transition(
        order.id,
        OrderStatus.CANCELLED,
        OrderStatus.PAID,
        payment=True,
        paid_at=utcnow(),
        cancelled_at=None,
        cancel_reason="",
        stripe_session_id=session_id,
        stripe_payment_intent=payment_intent,
    ):
        put_back(wanted)
        return False
    for shipment in order.shipments:
        revive_shipment(shipment)
    db.session.flush()
    for line in order.lines:
        allocate_lots(line, line.variant_id)
    refresh_summaries(db.session, {line.product_id for line in order.lines if line.product_id})
    # Its discount code's use, given back at the lapse.
    retake_code(order.id, order.discount_code_id, order.user_id, order.email, order.discount_cents)
    db.session.flush()
    _paid(order, token)
    return True


def record_late_payment_refund(order: Order, session_id: str, payment_intent: str | None) -> None:
    """The late payment of a cancelled order was refunded at Stripe: CANCELLED → REFUNDED."""
    reason = in_language(
        order,
        _l(
            "Your card payment arrived after your order had expired "
            "and its items were no longer available. It is refunded "
            "in full."
        ),
    )
    if claim_transition(
        order.id,
        OrderStatus.CANCELLED,
        OrderStatus.REFUNDED,
        payment=True,
        cancel_reason=reason,
        stripe_session_id=session_id,
        stripe_payment_intent=payment_intent,
    ):
        note_payment(order, f"late payment {payment_intent} refunded")
        mail_refunded(order)


def record_full_refund(order: Order, note: str) -> bool:
    """Stripe refunded the whole payment; move the order if its state allows, else note it.

    Returns False when the order could not follow (it is on its way): staff must act.
    """
    if order.status == OrderStatus.REFUNDED:
        return True
    reason = in_language(order, _l("The payment was refunded."))
    if order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        mark_refunded(order, reason)
        return True
    if order.status in (OrderStatus.PAID, OrderStatus.CANCELLED):
        old = order.status
        if not claim_transition(
            order.id, old, OrderStatus.REFUNDED, payment=True, cancel_reason=reason
        ):
            return False
        if old == OrderStatus.PAID:  # nothing shipped yet: the parcels are off
            for shipment in order.shipments:
                transition_shipment(shipment, ShipmentStatus.CANCELLED)
            order.cancelled_at = utcnow()
            db.session.flush()
            restock(order)
        note_payment(order, note)
        mail_refunded(order)
        return True
    note_payment(order, f"{note}; order is {order.status.value}: handle by hand")
    return False
