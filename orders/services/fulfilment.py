"""After the sale: parcels shipped, delivered, their cash remitted; orders cancelled or refunded.

Services flush and raise ``OrderError``; the caller commits once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.models import utcnow

from .. import accounting, carriers, invoicing
from ..exceptions import OrderError
from ..models import Carrier, Order, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from .inventory import restock, restock_units
from .mails import mail_cancelled, mail_refunded, notify_order
from .states import (
    ENDED,
    check_shipment_move,
    follow_shipments,
    transition_order,
    transition_shipment,
)


def mark_shipped(shipment: Shipment, carrier: Carrier | str, tracking: str) -> None:
    """The cooperative handed the parcel to a carrier, under a tracking number.

    ``carrier`` is a row of the carrier table (the ship form's choice): it must
    be active, and collect cash for a cash-on-delivery parcel. A name (the
    demo, scripts, older callers) is looked up among the carriers' names and
    aliases; a name no carrier has is kept as text only, without a link.
    """
    tracking = tracking.strip()
    if isinstance(carrier, str):
        name = carrier.strip()
        chosen = carriers.find(name) if name else None
    else:
        chosen, name = carrier, carrier.name_fr
    if not name or not tracking:
        raise OrderError(_l("Give the carrier and the tracking number."))
    if shipment.order.status == OrderStatus.PENDING_PAYMENT:
        raise OrderError(_l("This order is not paid yet."))
    if shipment.order.status == OrderStatus.AWAITING_CONFIRMATION:
        raise OrderError(_l("This order is not confirmed by the shopper yet."))
    if isinstance(carrier, Carrier):
        if not carrier.active:
            raise OrderError(_l("This carrier is no longer offered: choose another one."))
        if shipment.order.payment_method == PaymentMethod.COD and not carrier.cod:
            raise OrderError(
                _l("This carrier does not collect cash on delivery: choose one that does.")
            )
    transition_shipment(shipment, ShipmentStatus.SHIPPED)
    shipment.carrier, shipment.tracking_number = name[:80], tracking[:80]
    shipment.carrier_id = chosen.id if chosen is not None else None
    shipment.shipped_at = utcnow()
    _followed(
        shipment,
        "order_shipped",
        _l("Your order %(number)s is on its way", number=shipment.order.number),
    )
    invoicing.issue_invoice(shipment)  # numbered last: the series stays locked until commit


def mark_out_for_delivery(shipment: Shipment, at: datetime | None = None) -> None:
    """The carrier is bringing the parcel today (the shopper is told to expect it)."""
    if shipment.status != ShipmentStatus.SHIPPED:
        raise OrderError(_l("Only a parcel on its way can be out for delivery."))
    if shipment.out_for_delivery_at is not None:
        raise OrderError(_l("This parcel is already out for delivery."))
    shipment.out_for_delivery_at = at or utcnow()
    db.session.flush()
    notify_order(
        shipment.order,
        "order_out_for_delivery",
        _l("Your order %(number)s arrives today", number=shipment.order.number),
        shipment=shipment,
    )


def mark_delivered(shipment: Shipment, at: datetime | None = None) -> None:
    """The carrier delivered the parcel (``at``: when the carrier says it did)."""
    transition_shipment(shipment, ShipmentStatus.DELIVERED)
    shipment.delivered_at = at or utcnow()
    _followed(
        shipment,
        "order_delivered",
        _l("Your order %(number)s was delivered", number=shipment.order.number),
    )


def _followed(shipment: Shipment, template: str, subject) -> None:
    """The parcel moved: its order follows, and the shopper is told after the commit."""
    follow_shipments(shipment.order)
    db.session.flush()
    notify_order(shipment.order, template, subject, shipment=shipment)


def mark_cash_remitted(shipment: Shipment) -> None:
    """The carrier handed over the cash it collected; the last one makes the order paid.

    The parcel is claimed with a conditional UPDATE … WHERE not yet remitted
    (RETURNING its id): of two clicks at once, the second waits for the
    first's row lock (PostgreSQL) or the write lock (SQLite), then finds the
    cash remitted and is refused, so the sale is posted and audited once.
    """
    order = shipment.order
    if order.payment_method != PaymentMethod.COD:
        raise OrderError(_l("Only cash-on-delivery parcels have cash to remit."))
    if shipment.status != ShipmentStatus.DELIVERED:
        raise OrderError(_l("Cash is remitted only for a delivered parcel."))
    already = OrderError(_l("The cash of this parcel is already remitted."))
    if shipment.cash_remitted_at is not None:
        raise already
    # Parcels of one order are remitted one at a time (a row lock on the order
    # on PostgreSQL; SQLite's write lock does it there), so the last one always
    # sees the others and makes the order paid.
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update(key_share=True))
    now = utcnow()
    claimed = db.session.execute(
        update(Shipment)
        .where(
            Shipment.id == shipment.id,
            Shipment.status == ShipmentStatus.DELIVERED,
            Shipment.cash_remitted_at.is_(None),
        )
        .values(cash_remitted_at=now)
        .returning(Shipment.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.refresh(shipment)
    if claimed is None:
        raise already
    # Read the other parcels from the database, not from loaded copies: one
    # remitted at the same moment counts.
    waiting = db.session.scalar(
        select(func.count(Shipment.id)).where(
            Shipment.order_id == order.id,
            Shipment.status.not_in(ENDED),
            Shipment.cash_remitted_at.is_(None),
        )
    )
    if not waiting:
        order.paid_at = now
        follow_shipments(order)
    db.session.flush()
    accounting.post_cash_sale(shipment)


def mark_refused(shipment: Shipment, actor: User | None, note: str = "") -> None:
    """The shopper refused a cash-on-delivery parcel at the door: back in stock, no money moves.

    Nothing of a cash parcel is in the ledger before its cash is remitted,
    and a refused parcel never is, so the ledger stays as it was. Its units
    go back on sale (the carrier returns the parcel). Its order follows: REFUSED
    when nothing else of it is on its way or delivered; paid once the cash of
    every other parcel is in. Audited with the person who recorded it.
    """
    order = shipment.order
    if order.payment_method != PaymentMethod.COD:
        raise OrderError(_l("Only a cash-on-delivery parcel can be refused at the door."))
    if shipment.status != ShipmentStatus.SHIPPED:
        raise OrderError(_l("Only a parcel on its way can be refused at the door."))
    # Claimed like a remittance (the order's row first, then a conditional
    # UPDATE), so a double click restocks the parcel once.
    db.session.execute(select(Order.id).where(Order.id == order.id).with_for_update(key_share=True))
    check_shipment_move(shipment.status, ShipmentStatus.REFUSED)
    claimed = db.session.execute(
        update(Shipment)
        .where(Shipment.id == shipment.id, Shipment.status == ShipmentStatus.SHIPPED)
        .values(status=ShipmentStatus.REFUSED, refused_at=utcnow())
        .returning(Shipment.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.refresh(shipment)
    if claimed is None:
        raise OrderError(_l("Only a parcel on its way can be refused at the door."))
    restock_units(
        [(line, line.quantity - (line.refunded_quantity or 0)) for line in shipment.lines]
    )
    live = [s for s in order.shipments if s.status not in ENDED]
    if live and order.paid_at is None and all(s.cash_remitted_at for s in live):
        order.paid_at = utcnow()  # the others' cash was all in already
    follow_shipments(order)
    db.session.flush()
    invoicing.issue_refusal_credit_note(shipment)  # the sale never happened
    audit(
        actor,
        "order.parcel_refused",
        order,
        reason=note.strip(),
        label=order.number,
        shipment_id=shipment.id,
        cooperative_id=shipment.cooperative_id,
    )


def admin_cash_remitted(shipment: Shipment, actor: User | None) -> None:
    """An administrator records that the carrier remitted a parcel's cash (audited)."""
    mark_cash_remitted(shipment)
    audit(
        actor,
        "order.cash_remitted",
        shipment.order,
        label=shipment.order.number,
        shipment_id=shipment.id,
        amount_cents=shipment.items_cents + shipment.shipping_cents,
    )


def cancel_order(order: Order, reason: str) -> None:
    """Cancel an order nothing of which has shipped, and restock it."""
    transition_order(order, OrderStatus.CANCELLED)
    for shipment in order.shipments:
        transition_shipment(shipment, ShipmentStatus.CANCELLED)
    order.cancelled_at = utcnow()
    order.cancel_reason = reason.strip()
    db.session.flush()
    restock(order)
    mail_cancelled(order)


def mark_refunded(order: Order, reason: str) -> None:
    """Record that a delivered order was refunded (the money side comes with Stripe)."""
    transition_order(order, OrderStatus.REFUNDED)
    order.cancel_reason = reason.strip()
    db.session.flush()
    mail_refunded(order)
