"""Cancelling an order before anything of it has shipped: by an administrator
(with a reason) or by the shopper (from the order page).

Both take the same path (and so do a cash-on-delivery order refused on the
phone and one nobody confirmed in time, ``phone_refused`` and
``lapse_unconfirmed``): a paid card order is refunded in full through
Stripe (``refunds.record`` and ``refunds._pay``), every parcel and the order
become CANCELLED and the stock goes back; an unpaid order is just cancelled
and restocked. The cancellation is audited. Services flush; the view commits.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.models import utcnow

from . import services
from .discounts.codes import release as release_codes
from .exceptions import RefundError
from .models import Order, OrderStatus, Refund, RefundMethod, ShipmentStatus
from .refunds import (
    CANCELLABLE,
    _check_reason,
    _pay,
    _refuse_card_problem,
    lock,
    plan_everything,
    record,
)
from .services.mails import mail_cancelled


def can_cancel(order: Order) -> bool:
    """True when an administrator may cancel the order: nothing of it has shipped."""
    return order.status in CANCELLABLE and all(
        s.status in (ShipmentStatus.TO_PREPARE, ShipmentStatus.CANCELLED) for s in order.shipments
    )


def admin_cancel(order: Order, reason: str | None, actor: User | None) -> Refund | None:
    """Cancel an order nothing of which has shipped; return the refund of a paid one.

    A paid card order is refunded in full through Stripe first (a Refund of
    everything not refunded yet, with its ledger entries); a cash-on-delivery
    order or an unpaid card order is just cancelled and restocked (no money
    moved, nothing in the ledger). Raises RefundError otherwise.
    """
    reason = _check_reason(reason, _l("Give the reason for the cancellation."))
    if order.status == OrderStatus.PAID:
        _refuse_card_problem(order)  # the paid card would be refunded
    return _cancel_unshipped(order, reason, actor)


def shopper_cancel(order: Order, actor: User | None) -> Refund | None:
    """The shopper cancels their own order before any parcel has shipped.

    The same path as an administrator's cancellation (a paid card order is
    refunded in full, stock goes back), audited with the shopper as actor (or
    none for a guest using their private link). No reason is asked for.
    """
    return _cancel_unshipped(order, "", actor, by_shopper=True)


def phone_refused(order: Order, note: str | None, actor: User | None) -> None:
    """Staff called the shopper of a cash-on-delivery order awaiting confirmation: they refused.

    Cancelled and restocked like any unshipped order (nothing was paid); the
    note is required and kept as the reason, and the audit row says so.
    """
    note = _check_reason(note, _l("Write down what the shopper said."))
    _cancel_unshipped(order, note, actor, action="order.phone_refused", awaiting=True)


def reply_cancelled(order: Order, reason: str) -> None:
    """The shopper answered "no" to the confirmation message (``orders.cod``)."""
    _cancel_unshipped(order, reason, None, by_shopper=True, awaiting=True)


def lapse_unconfirmed(order: Order, reason: str) -> bool:
    """Cancel and restock a cash-on-delivery order nobody confirmed in time; False if it moved.

    The order is locked first: a confirmation at the same moment either
    happened before (the order is no longer awaiting: nothing is done) or
    waits and then finds it cancelled.
    """
    lock(order)
    if order.status != OrderStatus.AWAITING_CONFIRMATION:
        return False
    _cancel_unshipped(order, reason, None, action="order.lapsed", awaiting=True, locked=True)
    return True


def _cancel_unshipped(
    order: Order,
    reason: str,
    actor: User | None,
    *,
    by_shopper: bool = False,
    action: str = "order.cancel",
    awaiting: bool = False,
    locked: bool = False,
) -> Refund | None:
    if not locked:
        lock(order)
    if awaiting and order.status != OrderStatus.AWAITING_CONFIRMATION:
        raise RefundError(_l("This order is no longer awaiting confirmation."))
    if not can_cancel(order):
        raise RefundError(
            _l(
                "Only an order nothing of which has shipped can be cancelled. "
                "Refund its items instead."
            )
        )
    refund = None
    if order.status == OrderStatus.PAID:
        plan = plan_everything(order)
        if plan is not None:
            refund = record(plan, reason, actor, RefundMethod.CARD)
            _pay(refund)
        for shipment in order.shipments:
            if shipment.status != ShipmentStatus.CANCELLED:
                services.transition_shipment(shipment, ShipmentStatus.CANCELLED)
        services.transition_order(order, OrderStatus.CANCELLED)
        order.cancelled_at = utcnow()
        order.cancel_reason = reason
        db.session.flush()  # the refund put every unit back in stock already
        release_codes([order.id])  # and the discount code's use goes back with it
        mail_cancelled(order, refund=refund)
    else:
        services.cancel_order(order, reason)
    audit(
        actor,
        action,
        order,
        reason=reason,
        label=order.number,
        by_shopper=by_shopper,
        refund_id=refund.id if refund else None,
        amount_cents=refund.amount_cents if refund else 0,
    )
    return refund
