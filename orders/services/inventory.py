"""Stock and lots: take units for an order, allocate them to lots, put them back.

Stock is taken with conditional UPDATEs in variant-id order inside the
caller's transaction, so two buyers can never both get the last unit, on
SQLite and PostgreSQL alike; everything that puts units back keeps the same
lock order (variant rows, then lot rows, each in id order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import delete, select, update

from catalog.favourites.alerts import stock_returned
from catalog.models import Variant
from catalog.search import sync
from catalog.summary import refresh_summaries
from catalog.trace import Lot
from shop.extensions import db

from ..discounts.codes import release as release_codes
from ..models import Order, OrderLine, OrderLineLot


def expire(cls: type, ids: set[int], attribute: str) -> None:
    """Forget loaded copies of a column changed by a bulk UPDATE."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, cls) and obj.id in ids:
            db.session.expire(obj, [attribute])


def take_stock(wanted: Mapping[int, int]) -> list[int]:
    """Decrement stock for ``{variant_id: quantity}``; return the ids that fell short.

    Conditional UPDATEs in id order: on PostgreSQL a second buyer waits on the
    row lock and then re-checks ``stock >= qty`` against the committed value;
    on SQLite the first UPDATE takes the database's write lock (pysqlite
    begins the transaction just before it), so writers queue on busy_timeout.
    Locks taken in one order cannot deadlock. The search index learns only
    of the products whose stock ran out (``sync.note_products``): a sale that
    leaves units changes nothing it holds.
    """
    short, ran_out = [], set()
    for variant_id in sorted(wanted):
        quantity = wanted[variant_id]
        row = db.session.execute(
            update(Variant)
            .where(Variant.id == variant_id, Variant.stock >= quantity)
            .values(stock=Variant.stock - quantity)
            .returning(Variant.product_id, Variant.stock)
            .execution_options(synchronize_session=False, **{sync.DECLARED: True})
        ).one_or_none()
        if row is None:
            short.append(variant_id)
        elif row.stock <= 0:
            ran_out.add(row.product_id)
    expire(Variant, set(wanted), "stock")
    sync.note_products(db.session(), ran_out)
    return short


def allocate_lots(line: OrderLine, variant_id: int) -> None:
    """Take the line's units from the variant's lots, oldest production first.

    Units not covered by any lot stay unallocated: lots are optional. The
    variant's row is already locked by this transaction, so competing orders
    for the same variant wait; the re-read loop only guards against a lot
    edited meanwhile in the workspace.
    """
    need = line.quantity
    for _attempt in range(3):
        lots = db.session.execute(
            select(Lot.id, Lot.quantity_remaining)
            .where(Lot.variant_id == variant_id, Lot.quantity_remaining > 0)
            .order_by(Lot.produced_on.asc().nulls_last(), Lot.id)
        ).all()
        if not lots:
            break
        for lot_id, remaining in lots:
            take = min(need, remaining)
            result = db.session.execute(
                update(Lot)
                .where(Lot.id == lot_id, Lot.quantity_remaining >= take)
                .values(quantity_remaining=Lot.quantity_remaining - take)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                line.lots.append(OrderLineLot(lot_id=lot_id, quantity=take))
                expire(Lot, {lot_id}, "quantity_remaining")
                need -= take
            if not need:
                return


def restock(order: Order) -> None:
    """Put the order's units back in stock and in their lots."""
    restock_many([order])


def units_left(orders: Sequence[Order]) -> dict[int, int]:
    """Units of the orders' lines not refunded (refunded ones went back already, or shipped)."""
    wanted: dict[int, int] = {}
    for order in orders:
        for line in order.lines:
            left = line.quantity - (line.refunded_quantity or 0)
            if line.variant_id is not None and left > 0:
                wanted[line.variant_id] = wanted.get(line.variant_id, 0) + left
    return wanted


def put_back(wanted: Mapping[int, int]) -> None:
    """Add ``{variant_id: quantity}`` back to stock, in id order.

    The search index re-reads the products whose stock was out before, and
    those sizes' stock alerts go out after the commit (``catalog.favourites``).
    """
    back_in, sizes_back = set(), set()
    for variant_id in sorted(wanted):
        row = db.session.execute(
            update(Variant)
            .where(Variant.id == variant_id)
            .values(stock=Variant.stock + wanted[variant_id])
            .returning(Variant.product_id, Variant.stock)
            .execution_options(synchronize_session=False, **{sync.DECLARED: True})
        ).one_or_none()
        if row is not None and row.stock - wanted[variant_id] <= 0:
            back_in.add(row.product_id)
            sizes_back.add(variant_id)
    expire(Variant, set(wanted), "stock")
    sync.note_products(db.session(), back_in)
    stock_returned(db.session(), sizes_back)


def _put_back_lots(lot_units: Mapping[int, int]) -> None:
    """Add ``{lot_id: quantity}`` back to the lots, in id order."""
    for lot_id in sorted(lot_units):
        db.session.execute(
            update(Lot)
            .where(Lot.id == lot_id)
            .values(quantity_remaining=Lot.quantity_remaining + lot_units[lot_id])
            .execution_options(synchronize_session=False)
        )
    expire(Lot, set(lot_units), "quantity_remaining")


def _refresh(variant_ids: Sequence[int]) -> None:
    """Refresh the catalog summaries (stock shown) of the variants' products."""
    product_ids = db.session.scalars(
        select(Variant.product_id).where(Variant.id.in_(list(variant_ids)))
    )
    refresh_summaries(db.session, set(product_ids))


def restock_many(orders: Sequence[Order]) -> None:
    """Put several orders' units back in stock and in their lots, each row once, in id order.

    One pass over the sorted variant ids (then lot ids) keeps the lock order
    of ``take_stock``, so a release of many holds cannot deadlock a buyer.
    The orders' discount-code uses go back with their stock.
    """
    release_codes(order.id for order in orders if order.discount_code_id is not None)
    wanted = units_left(orders)
    put_back(wanted)
    lines = [line for order in orders for line in order.lines]
    lot_units: dict[int, int] = {}
    for line in lines:
        for allocation in line.lots:
            lot_units[allocation.lot_id] = lot_units.get(allocation.lot_id, 0) + allocation.quantity
    _put_back_lots(lot_units)
    line_ids = [line.id for line in lines]
    db.session.execute(delete(OrderLineLot).where(OrderLineLot.line_id.in_(line_ids)))
    for line in lines:
        db.session.expire(line, ["lots"])
    _refresh(list(wanted))


def restock_units(units: Sequence[tuple[OrderLine, int]]) -> None:
    """Put back some units of lines of parcels not shipped (a partial refund).

    Call it before raising the lines' ``refunded_quantity``. Units not drawn
    from any lot go back first, then the newest lots' (the oldest stay with the
    parcel, first in first out). Variant rows, then lot rows, in id order, like
    ``take_stock``.
    """
    wanted: dict[int, int] = {}
    lot_units: dict[int, int] = {}
    for line, quantity in units:
        if quantity <= 0:
            continue
        if line.variant_id is not None:
            wanted[line.variant_id] = wanted.get(line.variant_id, 0) + quantity
        allocated = sum(a.quantity for a in line.lots)
        loose = max(0, line.quantity - (line.refunded_quantity or 0) - allocated)
        from_lots = max(0, quantity - loose)
        for allocation in sorted(line.lots, key=lambda a: a.id, reverse=True):
            if not from_lots:
                break
            take = min(from_lots, allocation.quantity)
            lot_units[allocation.lot_id] = lot_units.get(allocation.lot_id, 0) + take
            from_lots -= take
            if take == allocation.quantity:
                db.session.delete(allocation)
            else:
                allocation.quantity -= take
    put_back(wanted)
    _put_back_lots(lot_units)
    db.session.flush()
    for line, _quantity in units:
        db.session.expire(line, ["lots"])
    if wanted:
        _refresh(list(wanted))
