"""The order and shipment state machines: which moves are allowed, and making them.

Every status change goes through here: ``transition_order`` and
``transition_shipment`` on loaded objects, ``claim_transition`` as a
conditional UPDATE when concurrent callers (webhooks, hold releases) may race.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from shop.extensions import db

from ..exceptions import IllegalTransition
from ..models import Order, OrderStatus, Shipment, ShipmentStatus

ORDER_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    # Cash on delivery waits for the shopper: confirmed (link, reply, staff's
    # call) or cancelled (refused on the phone, by the shopper, or lapsed).
    # Nothing of it is prepared or shipped before.
    OrderStatus.AWAITING_CONFIRMATION: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset(
        {OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.CANCELLED}
    ),
    # A paid order whose every line an administrator refunded is REFUNDED, whether
    # nothing, part or all of it shipped (orders.refunds); a partly shipped order
    # whose unshipped parcels were refunded away follows the parcels left.
    OrderStatus.PAID: frozenset(
        {
            OrderStatus.PARTIALLY_SHIPPED,
            OrderStatus.SHIPPED,
            OrderStatus.CANCELLED,
            OrderStatus.REFUNDED,
        }
    ),
    # A cash-on-delivery order whose every parcel that left was refused at the
    # door is REFUSED (its parcels left unshipped were cancelled).
    OrderStatus.PARTIALLY_SHIPPED: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED, OrderStatus.REFUSED}
    ),
    OrderStatus.SHIPPED: frozenset(
        {OrderStatus.DELIVERED, OrderStatus.REFUNDED, OrderStatus.REFUSED}
    ),
    OrderStatus.DELIVERED: frozenset({OrderStatus.COMPLETED, OrderStatus.REFUNDED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
    OrderStatus.REFUSED: frozenset(),
}

SHIPMENT_MOVES: dict[ShipmentStatus, frozenset[ShipmentStatus]] = {
    ShipmentStatus.TO_PREPARE: frozenset({ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED}),
    # Cash on delivery: the shopper may refuse the parcel at the door.
    ShipmentStatus.SHIPPED: frozenset({ShipmentStatus.DELIVERED, ShipmentStatus.REFUSED}),
    ShipmentStatus.DELIVERED: frozenset(),
    ShipmentStatus.CANCELLED: frozenset(),
    ShipmentStatus.REFUSED: frozenset(),
}

#: Parcels that no longer count for their order (nothing of them reaches the shopper).
ENDED = (ShipmentStatus.CANCELLED, ShipmentStatus.REFUSED)


def transition_order(order: Order, new: OrderStatus) -> None:
    """Move an order to ``new`` if the table allows it, else raise IllegalTransition."""
    if new not in ORDER_MOVES[order.status]:
        raise IllegalTransition(
            _l("An order cannot go from %(old)s to %(new)s.", old=order.status.value, new=new.value)
        )
    order.status = new


def check_shipment_move(old: ShipmentStatus, new: ShipmentStatus) -> None:
    """Raise IllegalTransition unless the table lets a shipment go from ``old`` to ``new``
    (for moves made with a conditional UPDATE)."""
    if new not in SHIPMENT_MOVES[old]:
        raise IllegalTransition(
            _l(
                "A shipment cannot go from %(old)s to %(new)s.",
                old=old.value,
                new=new.value,
            )
        )


def transition_shipment(shipment: Shipment, new: ShipmentStatus) -> None:
    """Move a shipment to ``new`` if the table allows it, else raise IllegalTransition."""
    check_shipment_move(shipment.status, new)
    shipment.status = new


#: Moves only Stripe's word can make, on top of ORDER_MOVES: a card payment that
#: arrives after its hold lapsed revives the order (stock permitting) or is
#: refunded; a full refund of a paid, unshipped order ends it.
PAYMENT_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.CANCELLED: frozenset({OrderStatus.PAID, OrderStatus.REFUNDED}),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED}),
}


def _check_move(old: OrderStatus, new: OrderStatus, payment: bool) -> None:
    allowed = ORDER_MOVES[old] | (PAYMENT_MOVES.get(old, frozenset()) if payment else frozenset())
    if new not in allowed:
        raise IllegalTransition(
            _l("An order cannot go from %(old)s to %(new)s.", old=old.value, new=new.value)
        )


def claim_transition(
    order_id: int, old: OrderStatus, new: OrderStatus, *where, payment: bool = False, **values
) -> bool:
    """Move an order from ``old`` to ``new`` with a conditional UPDATE; False if it was not ``old``.

    The move is checked against the tables first (``payment`` adds PAYMENT_MOVES).
    Only one of several concurrent claimers wins: on PostgreSQL the others wait
    on the row lock and then find the status changed, on SQLite they queue on
    the database's write lock. Loaded copies of the order are expired.
    """
    _check_move(old, new, payment)
    result = db.session.execute(
        update(Order)
        .where(Order.id == order_id, Order.status == old, *where)
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    )
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Order) and obj.id == order_id:
            db.session.expire(obj)
    return result.rowcount == 1


def follow_shipments(order: Order) -> None:
    """Set the order's status from its shipments' (the only way it ships).

    A refunded or cancelled order stays so: its parcels still on their way may
    be delivered, the order does not come back. Parcels refused at the door
    no longer count; when they were all that left, the order is REFUSED.
    """
    if order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.REFUSED):
        return
    live = [s.status for s in order.shipments if s.status not in ENDED]
    gone = {ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED}
    if not live and any(s.status == ShipmentStatus.REFUSED for s in order.shipments):
        target = OrderStatus.REFUSED
    elif live and all(s == ShipmentStatus.DELIVERED for s in live):
        target = OrderStatus.DELIVERED
    elif live and all(s in gone for s in live):
        target = OrderStatus.SHIPPED
    elif any(s in gone for s in live):
        target = OrderStatus.PARTIALLY_SHIPPED
    else:
        return
    if order.status != target:
        transition_order(order, target)
    if order.status == OrderStatus.DELIVERED and order.paid_at is not None:
        transition_order(order, OrderStatus.COMPLETED)
