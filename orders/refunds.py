"""Refunds per order line and per parcel's shipping (cancelling is in ``cancellation``),
and what Stripe says about refunds.

A refund gives back some units of some lines and/or the shipping of some
parcels, once their money is in (``Shipment.money_in``: a card order once
paid, a cash-on-delivery parcel once the carrier remitted its cash). Each
refund line carries the parts of its units (``accounting.parts_for``), which
the ledger reverses (``accounting.post_refund``); the money leaves at once for
cash (handed back by staff) and through a Stripe refund for cards, confirmed
by Stripe's answer or later by webhook (``post_refund_paid``).

Units of parcels not yet shipped go back on sale; a parcel all of whose lines
are refunded before it shipped is cancelled; an order all of whose lines are
refunded becomes REFUNDED. When Stripe refuses or cannot be reached, the
service raises and the caller rolls back: nothing is kept. Services flush;
the view (or the webhook) commits once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.models import utcnow
from shop.money.split import Split

from . import accounting, invoicing, payments, services
from .exceptions import RefundError
from .models import (
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundMethod,
    RefundStatus,
    Shipment,
    ShipmentStatus,
)
from .services.mails import queue_mail
from .services.states import follow_shipments

#: Order states an administrator may cancel (nothing has shipped in them).
CANCELLABLE = (
    OrderStatus.PENDING_PAYMENT,
    OrderStatus.AWAITING_CONFIRMATION,
    OrderStatus.CONFIRMED,
    OrderStatus.PAID,
)
REASON_MAX = 2000


# ---------------------------------------------------------------- what can be refunded


@dataclass(frozen=True)
class PlannedLine:
    """Units of one line, or one parcel's shipping, to give back."""

    shipment: Shipment
    line: OrderLine | None
    quantity: int
    parts: Split
    shipping_cents: int = 0
    #: The platform-funded discount on these units or this shipping: the
    #: shopper gets back only what they paid, the platform its discount.
    discount_cents: int = 0

    @property
    def amount_cents(self) -> int:
        """What the shopper gets back for it."""
        return self.parts.gross + self.shipping_cents - self.discount_cents


@dataclass(frozen=True)
class Plan:
    """A checked refund, not yet recorded: its lines and its amount."""

    order: Order
    lines: list[PlannedLine] = field(default_factory=list)

    @property
    def items_cents(self) -> int:
        """The products' part of the amount."""
        return sum(item.parts.gross - item.discount_cents for item in self.lines if item.line)

    @property
    def shipping_cents(self) -> int:
        """The shipping part of the amount."""
        return sum(
            item.shipping_cents - item.discount_cents for item in self.lines if not item.line
        )

    @property
    def amount_cents(self) -> int:
        """What the shopper gets back."""
        return self.items_cents + self.shipping_cents


@dataclass(frozen=True)
class Refundable:
    """What is left to refund: units per line id, shipping per parcel id (0: nothing)."""

    units: dict[int, int]
    shipping: dict[int, int]
    #: Parcels whose money is in (the others cannot be refunded yet).
    money_in: set[int]

    @property
    def anything(self) -> bool:
        """True when some unit or some shipping can still be refunded."""
        return any(self.units.values()) or any(self.shipping.values())


def refundable(order: Order) -> Refundable:
    """Units and shipping that can still be refunded, in one query."""
    done = accounting.refunded_shipping([s.id for s in order.shipments])
    money_in = {s.id for s in order.shipments if s.money_in}
    units = {
        line.id: (line.quantity - line.refunded_quantity if line.shipment_id in money_in else 0)
        for line in order.lines
    }
    shipping = {
        s.id: (s.shipping_cents - done.get(s.id, 0) if s.id in money_in else 0)
        for s in order.shipments
    }
    return Refundable(units, shipping, money_in)


def _name(line: OrderLine) -> str:
    return f"{line.name(g.get('lang') or 'fr').text} ({line.variant_label})"


def _not_in(shipment: Shipment) -> RefundError:
    if shipment.order.payment_method == PaymentMethod.CARD:
        return RefundError(_l("This order is not paid yet: there is nothing to refund."))
    return RefundError(
        _l(
            "The cash of the parcel from %(coop)s is not remitted yet: it can be "
            "refunded once the carrier has handed it over.",
            coop=shipment.cooperative.legal_name,
        )
    )


def plan_refund(order: Order, items: Mapping[int, int], shipping: Iterable[int]) -> Plan:
    """Check a refund of ``{order line id: units}`` and the shipping of some parcels.

    Raises RefundError (translated) for an unknown line or parcel, a quantity
    outside 1..remaining, a parcel whose money is not in, shipping already
    refunded, or nothing at all. Changes nothing.
    """
    lines = {line.id: line for line in order.lines}
    shipments = {s.id: s for s in order.shipments}
    done = accounting.refunded_shipping(list(shipments))
    planned: list[PlannedLine] = []
    for line_id, quantity in sorted(items.items()):
        line = lines.get(line_id)
        if line is None:
            raise RefundError(_l("This order has no such line."))
        if not quantity:
            continue
        remaining = line.quantity - line.refunded_quantity
        if remaining <= 0:
            raise RefundError(_l("%(name)s is already refunded in full.", name=_name(line)))
        if quantity < 0 or quantity > remaining:
            raise RefundError(
                _l("Refund from 1 to %(num)d of %(name)s.", num=remaining, name=_name(line))
            )
        shipment = shipments[line.shipment_id]
        if not shipment.money_in:
            raise _not_in(shipment)
        planned.append(
            PlannedLine(
                shipment,
                line,
                quantity,
                accounting.parts_for(line, quantity),
                discount_cents=accounting.discount_for(line, quantity),
            )
        )
    for shipment_id in sorted(set(shipping)):
        shipment = shipments.get(shipment_id)
        if shipment is None:
            raise RefundError(_l("This order has no such parcel."))
        if not shipment.money_in:
            raise _not_in(shipment)
        left = shipment.shipping_cents - done.get(shipment.id, 0)
        if shipment.shipping_cents == 0:
            raise RefundError(
                _l(
                    "The parcel from %(coop)s was shipped free: there is no shipping to refund.",
                    coop=shipment.cooperative.legal_name,
                )
            )
        if left <= 0:
            raise RefundError(
                _l(
                    "The shipping of the parcel from %(coop)s is already refunded.",
                    coop=shipment.cooperative.legal_name,
                )
            )
        # A platform-funded free shipping: the shopper paid none of it, the
        # platform gets its discount back with the cooperative's shipping.
        waived = (
            min(left, shipment.shipping_discount_cents) if shipment.platform_discount_cents else 0
        )
        planned.append(PlannedLine(shipment, None, 0, Split(0, 0, 0, 0), left, waived))
    if not planned:
        raise RefundError(_l("Choose at least one unit or one parcel's shipping to refund."))
    plan = Plan(order, planned)
    if plan.amount_cents <= 0:
        raise RefundError(_l("The shopper paid nothing for this: there is nothing to give back."))
    return plan


def plan_everything(order: Order) -> Plan | None:
    """Every unit and every shipping not refunded yet (None when nothing is left)."""
    left = refundable(order)
    items = {line_id: units for line_id, units in left.units.items() if units > 0}
    shipping = {shipment_id for shipment_id, cents in left.shipping.items() if cents > 0}
    if not items:  # shipping the platform paid in full gives the shopper nothing back
        free = {s.id for s in order.shipments if s.shipping_discount_cents >= s.shipping_cents}
        shipping -= free
    if not items and not shipping:
        return None
    return plan_refund(order, items, shipping)


def _check_reason(reason: str | None, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RefundError(message)
    if len(reason) > REASON_MAX:
        raise RefundError(_l("Keep the reason under %(num)d characters.", num=REASON_MAX))
    return reason


# ---------------------------------------------------------------- recording


def lock(order: Order) -> None:
    """Take the order's row for this transaction, then reload it with lines and refunds.

    On PostgreSQL a second administrator (or a Stripe webhook) refunding the
    same order waits here and then reads the first one's refund; on SQLite the
    UPDATE takes the database's write lock. The refunded quantities are also
    raised with a compare-and-set, in case.
    """
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        select(Order)
        .where(Order.id == order.id)
        .options(
            selectinload(Order.shipments).selectinload(Shipment.cooperative),
            selectinload(Order.lines).selectinload(OrderLine.lots),
            selectinload(Order.refunds).selectinload(Refund.lines),
        )
        .execution_options(populate_existing=True)
    ).scalar_one()


def record(plan: Plan, reason: str, actor: User | None, method: RefundMethod) -> Refund:
    """Write the refund and its lines, restock unshipped units, cancel emptied parcels,
    and post the reversal to the ledger."""
    order = plan.order
    refund = Refund(
        order=order,
        method=method,
        status=RefundStatus.PENDING,
        amount_cents=plan.amount_cents,
        reason=reason,
        created_by=actor,
    )
    db.session.add(refund)
    services.restock_units(
        [
            (item.line, item.quantity)
            for item in plan.lines
            if item.line is not None and item.shipment.status == ShipmentStatus.TO_PREPARE
        ]
    )
    for item in plan.lines:
        refund.lines.append(
            RefundLine(
                shipment=item.shipment,
                cooperative_id=item.shipment.cooperative_id,
                order_line=item.line,
                quantity=item.quantity,
                gross_cents=item.parts.gross,
                commission_cents=item.parts.commission,
                premium_cents=item.parts.premium,
                producer_cents=item.parts.producer,
                shipping_cents=item.shipping_cents,
                discount_cents=item.discount_cents,
            )
        )
        if item.line is None:
            continue
        line, before = item.line, item.line.refunded_quantity
        result = db.session.execute(
            update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.refunded_quantity == before)
            .values(refunded_quantity=before + item.quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise RefundError(
                _l(
                    "This order was refunded by someone else meanwhile. Reload "
                    "the page and check before trying again."
                )
            )
        db.session.expire(line, ["refunded_quantity"])
    db.session.flush()
    for shipment in {item.shipment.id: item.shipment for item in plan.lines}.values():
        if shipment.status == ShipmentStatus.TO_PREPARE and all(
            line.refunded_quantity == line.quantity for line in shipment.lines
        ):
            services.transition_shipment(shipment, ShipmentStatus.CANCELLED)
    db.session.flush()
    accounting.post_refund(refund)
    return refund


def mark_succeeded(refund: Refund) -> None:
    refund.status = RefundStatus.SUCCEEDED
    refund.succeeded_at = utcnow()
    db.session.flush()
    accounting.post_refund_paid(refund)
    invoicing.issue_credit_notes(refund)  # the money left: the shopper gets a credit note


def card_refund_problem(order: Order):
    """Why staff cannot refund this card order here now, in staff's words (None: they can)."""
    if order.payment_method != PaymentMethod.CARD:
        return None
    if not payments.is_configured():
        return _l(
            "Card refunds go through Stripe, and no Stripe key is set on this shop "
            "(STRIPE_SECRET_KEY): nothing can be refunded to the card from here. Set the "
            "key, or refund the payment from the Stripe dashboard."
        )
    if not order.stripe_payment_intent:
        return _l("This card payment has no Stripe reference: refund it from the Stripe dashboard.")
    return None


def _refuse_card_problem(order: Order) -> None:
    problem = card_refund_problem(order)
    if problem is not None:
        raise RefundError(problem)


def _pay(refund: Refund) -> None:
    """Send the money back: cash is recorded as handed back, a card refund goes to Stripe."""
    if refund.method == RefundMethod.CASH:
        mark_succeeded(refund)
        return
    try:
        answer = payments.create_refund(refund)
    except payments.PaymentUnavailable as exc:
        raise RefundError(exc.message) from exc
    if answer.status in ("failed", "canceled"):
        raise RefundError(
            _l(
                "Stripe refused this refund (%(reason)s): nothing was refunded or changed.",
                reason=answer.failure_reason or answer.status,
            )
        )
    refund.stripe_refund_id = answer.id
    db.session.flush()
    if answer.status == "succeeded":
        mark_succeeded(refund)
    # pending (or requires_action): Stripe's webhook says when the money left.


def _all_lines_refunded(order: Order) -> bool:
    return all(line.refunded_quantity == line.quantity for line in order.lines)


def follow_order(order: Order) -> bool:
    """Move the order after a refund; True when it became REFUNDED just now."""
    if _all_lines_refunded(order) and OrderStatus.REFUNDED in services.ORDER_MOVES[order.status]:
        services.transition_order(order, OrderStatus.REFUNDED)
        db.session.flush()
        return True
    if order.status == OrderStatus.PARTIALLY_SHIPPED:
        # Its unshipped parcels refunded away, the order follows the parcels left.
        follow_shipments(order)
        db.session.flush()
    return False


def mail_refund(order: Order, refund: Refund) -> None:
    full = order.status == OrderStatus.REFUNDED
    subject = (
        _l("Your order %(number)s is refunded", number=order.number)
        if full
        else _l("Part of your order %(number)s is refunded", number=order.number)
    )
    queue_mail(order, "order_refunded", subject, refund=refund, full=full)


def create_refund(
    order: Order,
    items: Mapping[int, int],
    shipping: Iterable[int],
    reason: str | None,
    actor: User | None,
) -> Refund:
    """Refund ``{order line id: units}`` and the shipping of the parcels ``shipping``.

    Card orders are refunded through Stripe on the order's payment, cash-on-
    delivery orders are recorded as cash handed back (succeeded at once).
    Raises RefundError (translated) when the request is not possible or Stripe
    refuses or cannot be reached; the caller then rolls back, which leaves
    nothing behind. Flushes; the caller commits.
    """
    reason = _check_reason(reason, _l("Give the reason for the refund."))
    lock(order)
    plan = plan_refund(order, items, shipping)
    method = RefundMethod.CARD if order.payment_method == PaymentMethod.CARD else RefundMethod.CASH
    if method == RefundMethod.CARD:
        _refuse_card_problem(order)
    refund = record(plan, reason, actor, method)
    _pay(refund)
    follow_order(order)
    audit(
        actor,
        "order.refund",
        order,
        reason=reason,
        label=order.number,
        refund_id=refund.id,
        amount_cents=refund.amount_cents,
        method=refund.method.value,
    )
    mail_refund(order, refund)
    return refund
