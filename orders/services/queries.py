"""Read-only lookups: an order by number and link, a shopper's history, parcels to prepare."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop.extensions import db

from ..models import Order, OrderLine, OrderLineLot, OrderStatus, Shipment, ShipmentStatus

#: Order states in which a cooperative prepares its parcels.
PREPARABLE = (OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED)


def normalize_number(text: str) -> str:
    """Read a number the way Crockford intends: case-free, O→0, I and L→1."""
    return text.strip().upper().translate(str.maketrans("OIL", "011"))


def hash_token(token: str) -> str:
    """What is stored of a guest link's secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(order: Order, token: str | None) -> bool:
    """True when ``token`` is the order's link secret."""
    return bool(token) and hmac.compare_digest(order.token_hash, hash_token(token))


def order_options() -> list:
    """What the order page shows, in a fixed number of queries."""
    return [
        selectinload(Order.shipments).options(
            selectinload(Shipment.cooperative),
            selectinload(Shipment.lines)
            .selectinload(OrderLine.lots)
            .selectinload(OrderLineLot.lot),
        )
    ]


def order_for(
    number: str, user_id: int | None, token: str | None, is_admin: bool = False
) -> Order | None:
    """The order if the visitor may see it: its owner, an admin, or the e-mailed link."""
    order = db.session.scalar(
        select(Order).where(Order.number == normalize_number(number)).options(*order_options())
    )
    if order is None:
        return None
    if user_id is not None and (order.user_id == user_id or is_admin):
        return order
    if token_matches(order, token):
        return order
    return None


def history(user_id: int) -> list[Order]:
    """A shopper's orders, newest first."""
    return list(
        db.session.scalars(
            select(Order)
            .where(Order.user_id == user_id)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .options(selectinload(Order.shipments))
        )
    )


def packing_slips(cooperative_id: int) -> list[Shipment]:
    """A cooperative's parcels to prepare, oldest first, with lines, lots and address."""
    return list(
        db.session.scalars(
            select(Shipment)
            .where(
                Shipment.cooperative_id == cooperative_id,
                Shipment.status == ShipmentStatus.TO_PREPARE,
            )
            .join(Shipment.order)
            .where(Order.status.in_(PREPARABLE))
            .order_by(Shipment.created_at, Shipment.id)
            .options(
                selectinload(Shipment.order),
                selectinload(Shipment.lines)
                .selectinload(OrderLine.lots)
                .selectinload(OrderLineLot.lot),
            )
        )
    )
