"""Order operations: quote, place, ship, deliver, remit cash, cancel, refund.

Services flush and raise ``OrderError``; the view commits once. Stock is
taken with conditional UPDATEs in variant-id order inside the caller's
transaction, so two buyers can never both get the last unit, on SQLite and
PostgreSQL alike. E-mails are rendered here and sent only after the commit.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from catalog.models import Variant
from catalog.presentation import variant_label
from catalog.summary import refresh_summaries
from catalog.trace import Lot
from producers.models import Cooperative
from shop import mail
from shop.extensions import db
from shop.money.split import Policy, Split, split
from shop.models import utcnow
from shop.money.policy import current_policy

from . import accounting, cart
from .models import (Order, OrderLine, OrderLineLot, OrderStatus, PaymentMethod, Shipment,
                     ShipmentStatus, ShippingZone)
from .shipping import NoShippingRate, free_thresholds, price_for, rate_table, zone_for

#: Crockford's base32: no I, L, O or U, so a number read aloud is not misheard.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_PREFIX = "TW-"


class OrderError(ValueError):
    """A refused order operation, with a message for the person who asked."""

    def __init__(self, message) -> None:
        """Keep the (lazy, translatable) ``message``."""
        super().__init__(message)
        self.message = message


class IllegalTransition(OrderError):
    """A status change the state machine does not allow."""


class SoldOut(OrderError):
    """Some items could not be taken from stock; ``names`` says which."""

    def __init__(self, names: list[str]) -> None:
        """Name the items that sold out."""
        super().__init__(_l("Sorry, sold out before your order went through: %(items)s. "
                            "Your cart is kept; change it and try again.",
                            items=", ".join(names)))
        self.names = names


class PriceChanged(OrderError):
    """The total differs from the one the shopper reviewed."""


# ---------------------------------------------------------------- state machines

ORDER_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.CONFIRMED: frozenset({OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED,
                                      OrderStatus.CANCELLED}),
    # A paid order whose every line an administrator refunded is REFUNDED, whether
    # nothing, part or all of it shipped (orders.refunds); a partly shipped order
    # whose unshipped parcels were refunded away follows the parcels left.
    OrderStatus.PAID: frozenset({OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED,
                                 OrderStatus.CANCELLED, OrderStatus.REFUNDED}),
    OrderStatus.PARTIALLY_SHIPPED: frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED,
                                              OrderStatus.REFUNDED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED, OrderStatus.REFUNDED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.COMPLETED, OrderStatus.REFUNDED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}

SHIPMENT_MOVES: dict[ShipmentStatus, frozenset[ShipmentStatus]] = {
    ShipmentStatus.TO_PREPARE: frozenset({ShipmentStatus.SHIPPED, ShipmentStatus.CANCELLED}),
    ShipmentStatus.SHIPPED: frozenset({ShipmentStatus.DELIVERED}),
    ShipmentStatus.DELIVERED: frozenset(),
    ShipmentStatus.CANCELLED: frozenset(),
}


def transition_order(order: Order, new: OrderStatus) -> None:
    """Move an order to ``new`` if the table allows it, else raise IllegalTransition."""
    if new not in ORDER_MOVES[order.status]:
        raise IllegalTransition(_l("An order cannot go from %(old)s to %(new)s.",
                                   old=order.status.value, new=new.value))
    order.status = new


def transition_shipment(shipment: Shipment, new: ShipmentStatus) -> None:
    """Move a shipment to ``new`` if the table allows it, else raise IllegalTransition."""
    if new not in SHIPMENT_MOVES[shipment.status]:
        raise IllegalTransition(_l("A shipment cannot go from %(old)s to %(new)s.",
                                   old=shipment.status.value, new=new.value))
    shipment.status = new


#: Moves only Stripe's word can make, on top of ORDER_MOVES: a card payment that
#: arrives after its hold lapsed revives the order (stock permitting) or is
#: refunded; a full refund of a paid, unshipped order ends it.
PAYMENT_MOVES: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.CANCELLED: frozenset({OrderStatus.PAID, OrderStatus.REFUNDED}),
    OrderStatus.PAID: frozenset({OrderStatus.REFUNDED}),
}


def _check_move(old: OrderStatus, new: OrderStatus, payment: bool) -> None:
    allowed = ORDER_MOVES[old] | (PAYMENT_MOVES.get(old, frozenset()) if payment
                                  else frozenset())
    if new not in allowed:
        raise IllegalTransition(_l("An order cannot go from %(old)s to %(new)s.",
                                   old=old.value, new=new.value))


def claim_transition(order_id: int, old: OrderStatus, new: OrderStatus, *where,
                     payment: bool = False, **values) -> bool:
    """Move an order from ``old`` to ``new`` with a conditional UPDATE; False if it was not ``old``.

    The move is checked against the tables first (``payment`` adds PAYMENT_MOVES).
    Only one of several concurrent claimers wins: on PostgreSQL the others wait
    on the row lock and then find the status changed, on SQLite they queue on
    the database's write lock. Loaded copies of the order are expired.
    """
    _check_move(old, new, payment)
    result = db.session.execute(
        update(Order).where(Order.id == order_id, Order.status == old, *where)
        .values(status=new, **values).execution_options(synchronize_session=False))
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Order) and obj.id == order_id:
            db.session.expire(obj)
    return result.rowcount == 1


def _follow_shipments(order: Order) -> None:
    """Set the order's status from its shipments' (the only way it ships).

    A refunded or cancelled order stays so: its parcels still on their way may
    be delivered, the order does not come back.
    """
    if order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
        return
    live = [s.status for s in order.shipments if s.status != ShipmentStatus.CANCELLED]
    gone = {ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED}
    if live and all(s == ShipmentStatus.DELIVERED for s in live):
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


# ---------------------------------------------------------------- quote

@dataclass(frozen=True)
class Address:
    """Where and to whom an order goes (validated by the checkout form)."""

    email: str
    phone: str
    full_name: str
    address_line: str
    city: str
    postal_code: str
    country: str
    #: The city's official region in Morocco; None abroad.
    region_code: int | None


@dataclass(frozen=True)
class LineQuote:
    """A line to be sold, with its split."""

    variant: Variant
    quantity: int
    split: Split


@dataclass(frozen=True)
class ShipmentQuote:
    """One cooperative's parcel and what its shipping costs."""

    cooperative: Cooperative
    lines: list[LineQuote]
    zone: ShippingZone
    weight_g: int
    items_cents: int
    shipping_cents: int
    #: The threshold that made shipping free, or would (None: never free).
    free_over_cents: int | None

    @property
    def free(self) -> bool:
        """True when the free-shipping threshold was reached."""
        return self.shipping_cents == 0 and self.free_over_cents is not None


@dataclass(frozen=True)
class Quote:
    """Every parcel of an order, its total and where the money goes."""

    shipments: list[ShipmentQuote]
    policy: Policy

    @property
    def items_cents(self) -> int:
        """Sum of the products' prices."""
        return sum(s.items_cents for s in self.shipments)

    @property
    def shipping_cents(self) -> int:
        """Sum of every parcel's shipping."""
        return sum(s.shipping_cents for s in self.shipments)

    @property
    def total_cents(self) -> int:
        """What the shopper pays."""
        return self.items_cents + self.shipping_cents

    def _sum(self, part: str) -> int:
        return sum(getattr(line.split, part) for s in self.shipments for line in s.lines)

    @property
    def breakdown(self) -> dict[str, int]:
        """Where every centime of the total goes (sums exactly to it)."""
        return {"producer": self._sum("producer"), "premium": self._sum("premium"),
                "commission": self._sum("commission"), "shipping": self.shipping_cents}


def quote(items: Mapping[str, int], address: Address, policy: Policy | None = None) -> Quote:
    """Price ``{sku: quantity}`` for ``address``: parcels, shipping, splits.

    Splits use ``policy``, by default the current published version.
    """
    policy = policy or current_policy()
    view = cart.build_view(items)
    if view.gone:
        raise SoldOut([_line_name(line.variant, line.sku) for line in view.gone])
    if not view.groups:
        raise OrderError(_l("Your cart is empty."))
    rates = rate_table()
    thresholds = free_thresholds(group.cooperative.id for group in view.groups)
    shipments = []
    for group in view.groups:
        zone = zone_for(group.cooperative.region_code, address.country, address.region_code)
        threshold = thresholds[group.cooperative.id] if zone != ShippingZone.INTERNATIONAL \
            else None
        items_cents = group.subtotal_cents
        try:
            shipping = 0 if threshold is not None and items_cents >= threshold \
                else price_for(rates, zone, group.weight_g)
        except NoShippingRate:
            raise OrderError(_l("We cannot ship to this address yet.")) from None
        lines = [LineQuote(line.variant, line.quantity,
                           split(line.variant.price_cents * line.quantity, policy))
                 for line in group.lines]
        shipments.append(ShipmentQuote(group.cooperative, lines, zone, group.weight_g,
                                       items_cents, shipping, threshold))
    return Quote(shipments, policy)


def _line_name(variant: Variant | None, sku: str) -> str:
    if variant is None:
        return sku
    return f"{variant.product.name(g.get('lang') or 'fr').text} ({variant_label(variant)})"


# ---------------------------------------------------------------- placing

def new_number() -> str:
    """A fresh order number, e.g. TW-7KQ4XM (about a billion possibilities)."""
    while True:
        number = NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Order.id).where(Order.number == number)) is None:
            return number


def normalize_number(text: str) -> str:
    """Read a number the way Crockford intends: case-free, O→0, I and L→1."""
    return text.strip().upper().translate(str.maketrans("OIL", "011"))


def hash_token(token: str) -> str:
    """What is stored of a guest link's secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def available_payment_methods() -> list[PaymentMethod]:
    """Cash on delivery always; card only when Stripe is configured (never faked).

    Both keys are needed: without the webhook secret no payment could ever be
    confirmed, and card orders would wait until their hold lapsed.
    """
    methods = [PaymentMethod.COD]
    if current_app.config.get("STRIPE_SECRET_KEY") and \
            current_app.config.get("STRIPE_WEBHOOK_SECRET"):
        methods.append(PaymentMethod.CARD)
    return methods


def _expire(cls: type, ids: set[int], attribute: str) -> None:
    """Forget loaded copies of a column changed by a bulk UPDATE."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, cls) and obj.id in ids:
            db.session.expire(obj, [attribute])


def _take_stock(wanted: Mapping[int, int]) -> list[int]:
    """Decrement stock for ``{variant_id: quantity}``; return the ids that fell short.

    Conditional UPDATEs in id order: on PostgreSQL a second buyer waits on the
    row lock and then re-checks ``stock >= qty`` against the committed value;
    on SQLite the first UPDATE takes the database's write lock (pysqlite
    begins the transaction just before it), so writers queue on busy_timeout.
    Locks taken in one order cannot deadlock.
    """
    short = []
    for variant_id in sorted(wanted):
        quantity = wanted[variant_id]
        result = db.session.execute(
            update(Variant).where(Variant.id == variant_id, Variant.stock >= quantity)
            .values(stock=Variant.stock - quantity)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            short.append(variant_id)
    _expire(Variant, set(wanted), "stock")
    return short


def _allocate_lots(line: OrderLine, variant_id: int) -> None:
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
            .order_by(Lot.produced_on.asc().nulls_last(), Lot.id)).all()
        if not lots:
            break
        for lot_id, remaining in lots:
            take = min(need, remaining)
            result = db.session.execute(
                update(Lot).where(Lot.id == lot_id, Lot.quantity_remaining >= take)
                .values(quantity_remaining=Lot.quantity_remaining - take)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                line.lots.append(OrderLineLot(lot_id=lot_id, quantity=take))
                _expire(Lot, {lot_id}, "quantity_remaining")
                need -= take
            if not need:
                return


def place_order(items: Mapping[str, int], address: Address, method: PaymentMethod, lang: str,
                user_id: int | None = None, expected_total: int | None = None,
                policy: Policy | None = None) -> tuple[Order, str]:
    """Create the order, its shipments and lines, take the stock; return it and its link secret.

    Raises SoldOut when any item falls short (the caller rolls back, which
    puts back whatever this call already took) and PriceChanged when the
    total is not the one the shopper reviewed.
    """
    if method not in available_payment_methods():
        raise OrderError(_l("This payment method is not available."))
    if method == PaymentMethod.COD and address.country != "MA":
        raise OrderError(_l("Cash on delivery is only possible for addresses in Morocco."))
    policy = policy or current_policy()
    priced = quote(items, address, policy)
    if expected_total is not None and priced.total_cents != expected_total:
        raise PriceChanged(_l("Prices or shipping changed since you reviewed your order. "
                              "Please check the new total."))
    variants = {line.variant.id: line.variant for s in priced.shipments for line in s.lines}
    short = _take_stock({line.variant.id: line.quantity
                         for s in priced.shipments for line in s.lines})
    if short:
        raise SoldOut([_line_name(variants[i], variants[i].sku) for i in short])

    token = secrets.token_urlsafe(24)
    cod = method == PaymentMethod.COD
    order = Order(
        number=new_number(), user_id=user_id, token_hash=hash_token(token),
        status=OrderStatus.CONFIRMED if cod else OrderStatus.PENDING_PAYMENT,
        payment_method=method, lang=lang, email=address.email, phone=address.phone,
        full_name=address.full_name, address_line=address.address_line, city=address.city,
        postal_code=address.postal_code, country=address.country,
        currency=current_app.config.get("CURRENCY", "MAD"), items_cents=priced.items_cents,
        shipping_cents=priced.shipping_cents, total_cents=priced.total_cents,
        payment_due_at=None if cod else utcnow() + hold_duration())
    db.session.add(order)
    for parcel in priced.shipments:
        shipment = Shipment(cooperative_id=parcel.cooperative.id,
                            status=ShipmentStatus.TO_PREPARE, zone=parcel.zone,
                            weight_g=parcel.weight_g, items_cents=parcel.items_cents,
                            shipping_cents=parcel.shipping_cents)
        order.shipments.append(shipment)
        for item in parcel.lines:
            order.lines.append(_snapshot(item, shipment, policy))
    db.session.flush()
    for line in order.lines:
        _allocate_lots(line, line.variant_id)
    refresh_summaries(db.session, {v.product_id for v in variants.values()})
    db.session.flush()
    if cod:
        # A card order is confirmed to the shopper once Stripe says it is paid.
        _queue_mail(order, "order_confirmation",
                    _l("Your order %(number)s is confirmed", number=order.number), token=token)
    return order, token


def _snapshot(item: LineQuote, shipment: Shipment, policy: Policy) -> OrderLine:
    variant = item.variant
    names = {t.locale: t.name for t in variant.product.translations}
    return OrderLine(
        shipment=shipment, cooperative_id=shipment.cooperative_id, variant_id=variant.id,
        product_id=variant.product_id, sku=variant.sku, name_ar=names.get("ar", ""),
        name_fr=names.get("fr", ""), name_en=names.get("en", ""),
        variant_label=variant.label, unit_price_cents=variant.price_cents,
        quantity=item.quantity, weight_g=variant.weight_g, gross_cents=item.split.gross,
        commission_cents=item.split.commission, premium_cents=item.split.premium,
        producer_cents=item.split.producer, policy_version=policy.version)


# ---------------------------------------------------------------- reading

def order_options() -> list:
    """What the order page shows, in a fixed number of queries."""
    return [selectinload(Order.shipments).options(
        selectinload(Shipment.cooperative),
        selectinload(Shipment.lines).selectinload(OrderLine.lots)
        .selectinload(OrderLineLot.lot))]


def order_for(number: str, user_id: int | None, token: str | None,
              is_admin: bool = False) -> Order | None:
    """The order if the visitor may see it: its owner, an admin, or the e-mailed link."""
    order = db.session.scalar(select(Order).where(Order.number == normalize_number(number))
                              .options(*order_options()))
    if order is None:
        return None
    if user_id is not None and (order.user_id == user_id or is_admin):
        return order
    if token and hmac.compare_digest(order.token_hash, hash_token(token)):
        return order
    return None


def history(user_id: int) -> list[Order]:
    """A shopper's orders, newest first."""
    return list(db.session.scalars(
        select(Order).where(Order.user_id == user_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .options(selectinload(Order.shipments))))


#: Order states in which a cooperative prepares its parcels.
PREPARABLE = (OrderStatus.CONFIRMED, OrderStatus.PAID, OrderStatus.PARTIALLY_SHIPPED)


def packing_slips(cooperative_id: int) -> list[Shipment]:
    """A cooperative's parcels to prepare, oldest first, with lines, lots and address."""
    return list(db.session.scalars(
        select(Shipment)
        .where(Shipment.cooperative_id == cooperative_id,
               Shipment.status == ShipmentStatus.TO_PREPARE)
        .join(Shipment.order)
        .where(Order.status.in_(PREPARABLE))
        .order_by(Shipment.created_at, Shipment.id)
        .options(selectinload(Shipment.order),
                 selectinload(Shipment.lines).selectinload(OrderLine.lots)
                 .selectinload(OrderLineLot.lot))))


# ---------------------------------------------------------------- after the sale

def mark_shipped(shipment: Shipment, carrier: str, tracking: str) -> None:
    """The cooperative handed the parcel to a carrier."""
    carrier, tracking = carrier.strip(), tracking.strip()
    if not carrier or not tracking:
        raise OrderError(_l("Give the carrier and the tracking number."))
    if shipment.order.status == OrderStatus.PENDING_PAYMENT:
        raise OrderError(_l("This order is not paid yet."))
    transition_shipment(shipment, ShipmentStatus.SHIPPED)
    shipment.carrier, shipment.tracking_number = carrier[:80], tracking[:80]
    shipment.shipped_at = utcnow()
    _follow_shipments(shipment.order)
    db.session.flush()
    _queue_mail(shipment.order, "order_shipped",
                _l("Your order %(number)s is on its way", number=shipment.order.number),
                shipment=shipment)


def mark_delivered(shipment: Shipment) -> None:
    """The carrier delivered the parcel."""
    transition_shipment(shipment, ShipmentStatus.DELIVERED)
    shipment.delivered_at = utcnow()
    _follow_shipments(shipment.order)
    db.session.flush()
    _queue_mail(shipment.order, "order_delivered",
                _l("Your order %(number)s was delivered", number=shipment.order.number),
                shipment=shipment)


def mark_cash_remitted(shipment: Shipment) -> None:
    """The carrier handed over the cash it collected; the last one makes the order paid."""
    order = shipment.order
    if order.payment_method != PaymentMethod.COD:
        raise OrderError(_l("Only cash-on-delivery parcels have cash to remit."))
    if shipment.status != ShipmentStatus.DELIVERED:
        raise OrderError(_l("Cash is remitted only for a delivered parcel."))
    if shipment.cash_remitted_at is not None:
        raise OrderError(_l("The cash of this parcel is already remitted."))
    shipment.cash_remitted_at = utcnow()
    live = [s for s in order.shipments if s.status != ShipmentStatus.CANCELLED]
    if all(s.cash_remitted_at is not None for s in live):
        order.paid_at = shipment.cash_remitted_at
        _follow_shipments(order)
    db.session.flush()
    accounting.post_cash_sale(shipment)


def _restock(order: Order) -> None:
    """Put the order's units back in stock and in their lots."""
    _restock_many([order])


def _units(orders: Sequence[Order]) -> dict[int, int]:
    """Units of the orders' lines not refunded (refunded ones went back already, or shipped)."""
    wanted: dict[int, int] = {}
    for order in orders:
        for line in order.lines:
            units = line.quantity - (line.refunded_quantity or 0)
            if line.variant_id is not None and units > 0:
                wanted[line.variant_id] = wanted.get(line.variant_id, 0) + units
    return wanted


def _put_back(wanted: Mapping[int, int]) -> None:
    """Add ``{variant_id: quantity}`` back to stock, in id order."""
    for variant_id in sorted(wanted):
        db.session.execute(update(Variant).where(Variant.id == variant_id)
                           .values(stock=Variant.stock + wanted[variant_id])
                           .execution_options(synchronize_session=False))
    _expire(Variant, set(wanted), "stock")


def _restock_many(orders: Sequence[Order]) -> None:
    """Put several orders' units back in stock and in their lots, each row once, in id order.

    One pass over the sorted variant ids (then lot ids) keeps the lock order
    of ``_take_stock``, so a release of many holds cannot deadlock a buyer.
    """
    wanted = _units(orders)
    _put_back(wanted)
    lines = [line for order in orders for line in order.lines]
    lot_units: dict[int, int] = {}
    for line in lines:
        for allocation in line.lots:
            lot_units[allocation.lot_id] = lot_units.get(allocation.lot_id, 0) \
                + allocation.quantity
    for lot_id in sorted(lot_units):
        db.session.execute(update(Lot).where(Lot.id == lot_id)
                           .values(quantity_remaining=Lot.quantity_remaining
                                   + lot_units[lot_id])
                           .execution_options(synchronize_session=False))
    _expire(Lot, set(lot_units), "quantity_remaining")
    line_ids = [line.id for line in lines]
    db.session.execute(delete(OrderLineLot).where(OrderLineLot.line_id.in_(line_ids)))
    for line in lines:
        db.session.expire(line, ["lots"])
    product_ids = db.session.scalars(select(Variant.product_id)
                                     .where(Variant.id.in_(list(wanted))))
    refresh_summaries(db.session, set(product_ids))


def restock_units(units: Sequence[tuple[OrderLine, int]]) -> None:
    """Put back some units of lines of parcels not shipped (a partial refund).

    Call it before raising the lines' ``refunded_quantity``. Units not drawn
    from any lot go back first, then the newest lots' (the oldest stay with the
    parcel, first in first out). Variant rows, then lot rows, in id order, like
    ``_take_stock``.
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
    _put_back(wanted)
    for lot_id in sorted(lot_units):
        db.session.execute(update(Lot).where(Lot.id == lot_id)
                           .values(quantity_remaining=Lot.quantity_remaining
                                   + lot_units[lot_id])
                           .execution_options(synchronize_session=False))
    _expire(Lot, set(lot_units), "quantity_remaining")
    db.session.flush()
    for line, _quantity in units:
        db.session.expire(line, ["lots"])
    if wanted:
        product_ids = db.session.scalars(select(Variant.product_id)
                                         .where(Variant.id.in_(list(wanted))))
        refresh_summaries(db.session, set(product_ids))


def cancel_order(order: Order, reason: str) -> None:
    """Cancel an order nothing of which has shipped, and restock it."""
    transition_order(order, OrderStatus.CANCELLED)
    for shipment in order.shipments:
        transition_shipment(shipment, ShipmentStatus.CANCELLED)
    order.cancelled_at = utcnow()
    order.cancel_reason = reason.strip()
    db.session.flush()
    _restock(order)
    _queue_mail(order, "order_cancelled",
                _l("Your order %(number)s is cancelled", number=order.number))


def mark_refunded(order: Order, reason: str) -> None:
    """Record that a delivered order was refunded (the money side comes with Stripe)."""
    transition_order(order, OrderStatus.REFUNDED)
    order.cancel_reason = reason.strip()
    db.session.flush()
    _queue_mail(order, "order_refunded",
                _l("Your order %(number)s is refunded", number=order.number))


# ---------------------------------------------------------------- card payments

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
EXPIRED_MESSAGE = _l("This order expired: its card payment was not completed in time, and "
                     "its items went back on sale.")


def payable_now(order: Order, now: datetime | None = None) -> bool:
    """True for a card order still waiting for its payment, its hold not lapsed."""
    return (order.status == OrderStatus.PENDING_PAYMENT
            and order.payment_method == PaymentMethod.CARD
            and order.payment_due_at is not None
            and order.payment_due_at >= (now or utcnow()))


def renew_hold(order: Order) -> None:
    """Give a waiting card order a new payment window from now ("Pay now" again).

    A conditional UPDATE: an order whose hold lapsed, or that was paid or
    cancelled meanwhile, is refused with OrderError, so stock already released
    is never held again. Flushes; the caller commits (or rolls back when
    Stripe then fails, which keeps the old deadline).
    """
    now = utcnow()
    result = db.session.execute(
        update(Order).where(Order.id == order.id,
                            Order.status == OrderStatus.PENDING_PAYMENT,
                            Order.payment_method == PaymentMethod.CARD,
                            Order.payment_due_at >= now)
        .values(payment_due_at=now + hold_duration())
        .execution_options(synchronize_session=False))
    db.session.expire(order, ["payment_due_at", "status"])
    if result.rowcount != 1:
        raise OrderError(EXPIRED_MESSAGE)


def token_matches(order: Order, token: str | None) -> bool:
    """True when ``token`` is the order's link secret."""
    return bool(token) and hmac.compare_digest(order.token_hash, hash_token(token))


def _in_language(order: Order, message) -> str:
    with force_locale(order.lang):
        return str(message)


def note_payment(order: Order, text: str) -> None:
    """Record something Stripe said that changes nothing (failed attempt, partial refund)."""
    stamp = utcnow().strftime("%Y-%m-%d %H:%M")
    order.payment_note = "\n".join(filter(None, [order.payment_note or "", f"{stamp} {text}"]))
    db.session.flush()


def release_expired_holds(now: datetime | None = None) -> list[Order]:
    """Cancel and restock unpaid card orders whose hold lapsed; return them.

    One indexed query when there is nothing to release. Safe under concurrency:
    each order is claimed with a conditional status UPDATE, so two callers
    never both restock it, and a payment confirmed meanwhile wins. Flushes;
    the caller commits.
    """
    now = now or utcnow()
    ids = list(db.session.scalars(
        select(Order.id).where(Order.status == OrderStatus.PENDING_PAYMENT,
                               Order.payment_due_at < now).order_by(Order.id)))
    if not ids:
        return []
    return cancel_unpaid(ids, Order.payment_due_at < now)


def cancel_unpaid(order_ids: Iterable[int], *where) -> list[Order]:
    """Cancel and restock the unpaid card orders among ``order_ids`` (Stripe page expired)."""
    now = utcnow()
    claimed = [order_id for order_id in sorted(set(order_ids))
               if claim_transition(order_id, OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED,
                                   Order.payment_method == PaymentMethod.CARD, *where,
                                   cancelled_at=now)]
    if not claimed:
        return []
    orders = list(db.session.scalars(
        select(Order).where(Order.id.in_(claimed)).order_by(Order.id)
        .options(selectinload(Order.shipments),
                 selectinload(Order.lines).selectinload(OrderLine.lots))))
    for order in orders:
        for shipment in order.shipments:
            transition_shipment(shipment, ShipmentStatus.CANCELLED)
        order.cancel_reason = _in_language(
            order, _l("The card payment was not completed in time."))
    db.session.flush()
    _restock_many(orders)
    for order in orders:
        _queue_mail(order, "order_cancelled",
                    _l("Your order %(number)s is cancelled", number=order.number))
    return orders


def confirm_card_payment(order: Order, session_id: str, payment_intent: str | None,
                         token: str | None = None) -> bool:
    """Stripe says the order is paid: PENDING_PAYMENT → PAID; False if it was no longer pending."""
    if not claim_transition(order.id, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID,
                            paid_at=utcnow(), stripe_session_id=session_id,
                            stripe_payment_intent=payment_intent):
        return False
    accounting.post_card_sale(order)
    _queue_mail(order, "order_confirmation",
                _l("Your order %(number)s is confirmed", number=order.number),
                token=token if token_matches(order, token) else None)
    return True


def hold_lapsed(order: Order) -> bool:
    """True for a card order cancelled because its payment window closed, not by a person."""
    if (order.status != OrderStatus.CANCELLED or order.payment_method != PaymentMethod.CARD
            or order.paid_at is not None or order.payment_due_at is None
            or order.cancelled_at is None):
        return False
    # Stripe's page expires HOLD_GRACE before the hold; allow a minute of clock skew.
    return order.cancelled_at >= order.payment_due_at - HOLD_GRACE - timedelta(minutes=1)


def revive_shipment(shipment: Shipment) -> None:
    """A parcel cancelled with its lapsed hold goes back to preparation once paid."""
    if shipment.status != ShipmentStatus.CANCELLED or shipment.order.status != OrderStatus.PAID:
        raise IllegalTransition(_l("A shipment cannot go from %(old)s to %(new)s.",
                                   old=shipment.status.value,
                                   new=ShipmentStatus.TO_PREPARE.value))
    shipment.status = ShipmentStatus.TO_PREPARE


def take_back_late_payment(order: Order, session_id: str, payment_intent: str | None,
                           token: str | None = None) -> bool:
    """A payment arrived after the hold lapsed: take the stock again and mark the order paid.

    Returns False, changing nothing, when the order was cancelled by a person or
    any item can no longer be taken (the caller then refunds the payment).
    """
    if not hold_lapsed(order) or any(line.variant_id is None for line in order.lines):
        return False
    wanted = _units([order])
    short = _take_stock(wanted)
    if short:
        _put_back({v: q for v, q in wanted.items() if v not in short})
        return False
    if not claim_transition(order.id, OrderStatus.CANCELLED, OrderStatus.PAID, payment=True,
                            paid_at=utcnow(), cancelled_at=None, cancel_reason="",
                            stripe_session_id=session_id, stripe_payment_intent=payment_intent):
        _put_back(wanted)
        return False
    for shipment in order.shipments:
        revive_shipment(shipment)
    db.session.flush()
    for line in order.lines:
        _allocate_lots(line, line.variant_id)
    refresh_summaries(db.session, {line.product_id for line in order.lines if line.product_id})
    db.session.flush()
    accounting.post_card_sale(order)
    _queue_mail(order, "order_confirmation",
                _l("Your order %(number)s is confirmed", number=order.number),
                token=token if token_matches(order, token) else None)
    return True


def record_late_payment_refund(order: Order, session_id: str, payment_intent: str | None) -> None:
    """The late payment of a cancelled order was refunded at Stripe: CANCELLED → REFUNDED."""
    reason = _in_language(order, _l("Your card payment arrived after your order had expired "
                                    "and its items were no longer available. It is refunded "
                                    "in full."))
    if claim_transition(order.id, OrderStatus.CANCELLED, OrderStatus.REFUNDED, payment=True,
                        cancel_reason=reason, stripe_session_id=session_id,
                        stripe_payment_intent=payment_intent):
        note_payment(order, f"late payment {payment_intent} refunded")
        _queue_mail(order, "order_refunded",
                    _l("Your order %(number)s is refunded", number=order.number))


def record_full_refund(order: Order, note: str) -> bool:
    """Stripe refunded the whole payment; move the order if its state allows, else note it.

    Returns False when the order could not follow (it is on its way): staff must act.
    """
    if order.status == OrderStatus.REFUNDED:
        return True
    reason = _in_language(order, _l("The payment was refunded."))
    if order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        mark_refunded(order, reason)
        return True
    if order.status in (OrderStatus.PAID, OrderStatus.CANCELLED):
        old = order.status
        if not claim_transition(order.id, old, OrderStatus.REFUNDED, payment=True,
                                cancel_reason=reason):
            return False
        if old == OrderStatus.PAID:  # nothing shipped yet: the parcels are off
            for shipment in order.shipments:
                transition_shipment(shipment, ShipmentStatus.CANCELLED)
            order.cancelled_at = utcnow()
            db.session.flush()
            _restock(order)
        note_payment(order, note)
        _queue_mail(order, "order_refunded",
                    _l("Your order %(number)s is refunded", number=order.number))
        return True
    note_payment(order, f"{note}; order is {order.status.value}: handle by hand")
    return False


# ---------------------------------------------------------------- mail after commit

def _queue_mail(order: Order, template: str, subject, **context) -> None:
    """Render a mail in the order's language now; send it once the transaction commits."""
    mail.send_after_commit(mail.render(order.email, order.lang, template, subject, order=order,
                                       **context))
