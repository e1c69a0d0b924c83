"""Stripe's word on refunds: a pending refund of ours settles or fails; a refund
made in the Stripe dashboard is followed (``charge.refunded``, ``refund.updated``).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from shop.audit import audit
from shop.extensions import db

from . import accounting, refunds, services
from .models import Order, OrderLine, PaymentMethod, Refund, RefundMethod, RefundStatus
from .services.mails import in_language


def settle(refund: Refund, status: str | None, failure_reason: str | None = None) -> None:
    """Stripe says where a pending refund of ours stands: the money left, or it failed."""
    if refund.status != RefundStatus.PENDING:
        return  # already settled: a replay or a later event changes nothing
    if status == "succeeded":
        refunds.mark_succeeded(refund)
    elif status in ("failed", "canceled"):
        _failed(refund, failure_reason or status)


def _failed(refund: Refund, reason: str) -> None:
    """A pending card refund failed at Stripe: its parts go back where they were.

    The units count as not refunded again, so that staff can refund them
    another way; the stock and the parcels are left as they are (the units may
    be back on sale) and the order carries a note saying so.
    """
    refund.status = RefundStatus.FAILED
    refund.failure_reason = reason[:500]
    db.session.flush()
    accounting.post_refund_failed(refund)
    for item in refund.lines:
        if item.order_line_id is None or not item.quantity:
            continue
        db.session.execute(
            update(OrderLine)
            .where(OrderLine.id == item.order_line_id, OrderLine.refunded_quantity >= item.quantity)
            .values(refunded_quantity=OrderLine.refunded_quantity - item.quantity)
            .execution_options(synchronize_session=False)
        )
        if item.order_line is not None:
            db.session.expire(item.order_line, ["refunded_quantity"])
    services.note_payment(
        refund.order,
        f"refund #{refund.id} of {refund.amount_cents} failed at "
        f"Stripe ({reason}): units no longer count as refunded; "
        "stock and parcels unchanged: check by hand",
    )
    audit(
        None,
        "order.refund_failed",
        refund.order,
        reason=reason,
        label=refund.order.number,
        refund_id=refund.id,
        amount_cents=refund.amount_cents,
    )


def stripe_refund_updated(stripe_refund: dict) -> None:
    """``refund.updated`` (and the like) for one of our refunds; others are ignored."""
    refund = db.session.scalar(
        select(Refund).where(Refund.stripe_refund_id == str(stripe_refund.get("id") or ""))
    )
    if refund is None:
        return  # made outside Taawon: charge.refunded tells about it
    refunds.lock(refund.order)
    settle(refund, stripe_refund.get("status"), stripe_refund.get("failure_reason"))


def stripe_charge_refunded(order: Order, charge: dict) -> None:
    """``charge.refunded``: settle our refunds it lists; follow a refund made outside Taawon.

    Our own refunds (matched by their Stripe ids) change nothing more. What
    Stripe refunded beyond them was done in the dashboard: refunded in full, a
    Refund of everything not refunded yet is recorded (so the ledger follows)
    and the order's status follows; partly, it is noted for staff (no line is
    guessed).
    """
    refunds.lock(order)
    listed = [
        item for item in ((charge.get("refunds") or {}).get("data") or []) if isinstance(item, dict)
    ]
    ours = {r.stripe_refund_id: r for r in order.refunds if r.stripe_refund_id}
    for item in listed:
        if item.get("id") in ours:
            settle(ours[item["id"]], item.get("status"), item.get("failure_reason"))
    amount, refunded = charge.get("amount") or 0, charge.get("amount_refunded") or 0
    note = f"refunded {refunded} of {amount} {str(charge.get('currency', '')).upper()}"
    known = sum(
        r.amount_cents
        for r in order.refunds
        if r.method == RefundMethod.CARD and r.status != RefundStatus.FAILED
    )
    outside = refunded - known
    if outside <= 0:
        return  # all ours
    full = bool(charge.get("refunded")) or bool(amount and refunded >= amount)
    if not full:
        services.note_payment(order, f"partial refund: {note}")
        return
    if order.paid_at is None or order.payment_method != PaymentMethod.CARD:
        services.record_full_refund(order, note)  # e.g. a late payment refunded: no sale posted
        return
    plan = refunds.plan_everything(order)
    refund = None
    if plan is not None:
        reason = in_language(order, _l("Refunded from the Stripe dashboard."))
        refund = refunds.record(plan, reason, None, RefundMethod.CARD)
        unknown = [item.get("id") for item in listed if item.get("id") not in ours]
        refund.stripe_refund_id = unknown[0] if len(unknown) == 1 else None
        refunds.mark_succeeded(refund)
        if plan.amount_cents != outside:
            note += f"; Taawon recorded {plan.amount_cents}: check by hand"
        audit(
            None,
            "order.refund",
            order,
            reason="stripe dashboard",
            label=order.number,
            refund_id=refund.id,
            amount_cents=refund.amount_cents,
            method="card",
        )
    if refund is not None and refunds.follow_order(order):
        services.note_payment(order, note)
        refunds.mail_refund(order, refund)
        return
    services.record_full_refund(order, note)
