"""What order events write to the ledger (``shop.money.ledger``), in the event's transaction.

- A card payment confirmed (``post_card_sale``), or a parcel's cash remitted by
  the carrier (``post_cash_sale``): the money comes into customer clearing;
  commission goes to the platform; each cooperative's producer revenue,
  premium and shipping go to its *pending* accounts, line by line as frozen on
  the order lines.
- Delivered and the hold elapsed (``release_due``): a parcel's pending
  balances become payable.
- A refund (``post_refund``): the refunded parts are reversed from pending, or
  from payable when already released (a payable balance may then go negative;
  the next payout nets it), and owed to the shopper; ``post_refund_paid`` when
  the money leaves.
- A platform-funded discount code (``orders.discounts``): the sale debits
  ``platform.discounts`` with what the shopper did not pay, so clearing gets the
  money received while commission and the cooperatives' accounts get the
  undiscounted parts; a refund credits back its share (``discount_for``).
- A card fee Stripe reports (``post_card_fee``): a platform expense.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)

from shop.extensions import db
from shop.models import among, utcnow
from shop.money import ledger
from shop.money.ledger import JournalLine, credit, debit
from shop.money.policy import policies_for, policy_for
from shop.money.split import Split, split

from .discounts.allocation import units_share
from .models import Order, OrderLine, Refund, RefundLine, RefundStatus, Shipment, ShipmentStatus


def _sale_legs(order: Order, shipments: Iterable[Shipment]) -> list[ledger.Leg]:
    legs: list[ledger.Leg] = []
    received = 0
    for shipment in shipments:
        refs = {"order_id": order.id, "shipment_id": shipment.id}
        coop = {"cooperative_id": shipment.cooperative_id, **refs}
        lines = [line for line in order.lines if line.shipment_id == shipment.id]
        commission = sum(line.commission_cents for line in lines)
        premium = sum(line.premium_cents for line in lines)
        producer = sum(line.producer_cents for line in lines)
        discount = shipment.platform_discount_cents
        received += commission + premium + producer + shipment.shipping_cents - discount
        legs += [
            debit(ledger.DISCOUNTS, discount, **refs),
            credit(ledger.COMMISSION, commission, **refs),
            credit(ledger.COOP_REVENUE_PENDING, producer, **coop),
            credit(ledger.COOP_FUND_PENDING, premium, **coop),
            credit(ledger.COOP_SHIPPING_PENDING, shipment.shipping_cents, **coop),
        ]
    return [debit(ledger.CLEARING, received, order_id=order.id)] + legs


def post_card_sale(order: Order, when: datetime | None = None) -> None:
    """The card payment of ``order`` is confirmed: all its parcels' money comes in."""
    ledger.post(
        f"card:order:{order.id}",
        ledger.SALE_CARD,
        _sale_legs(order, order.shipments),
        memo=order.number,
        when=when,
    )


def post_cash_sale(shipment: Shipment, when: datetime | None = None) -> None:
    """The carrier remitted the cash it collected for ``shipment``."""
    ledger.post(
        f"cash:shipment:{shipment.id}",
        ledger.SALE_CASH,
        _sale_legs(shipment.order, [shipment]),
        memo=shipment.order.number,
        when=when,
    )


def money_in(shipment: Shipment) -> bool:
    """True when the shopper's money for this parcel is in the ledger (``Shipment.money_in``)."""
    return shipment.money_in


# ---------------------------------------------------------------- refunds


def parts_for(line: OrderLine, quantity: int) -> Split:
    """The split of ``quantity`` more units of ``line`` after those already refunded.

    Computed as split(refunded after) − split(refunded before) with the line's
    own policy version, and the line's frozen parts once every unit is back:
    refunding a line in any number of steps reverses exactly its parts.
    """
    if quantity < 0 or line.refunded_quantity + quantity > line.quantity:
        raise ValueError("refund beyond the line's quantity")
    policy = policy_for(line.policy_version)

    def upto(units: int) -> Split:
        if units == line.quantity:
            return Split(
                line.gross_cents, line.commission_cents, line.premium_cents, line.producer_cents
            )
        # A cooperative's discount lowered the gross: the first ``units`` carry their share.
        gross = line.unit_price_cents * units - units_share(
            line.discount_cents or 0, line.quantity, units
        )
        return split(gross, policy)

    before, after = upto(line.refunded_quantity), upto(line.refunded_quantity + quantity)
    return Split(
        after.gross - before.gross,
        after.commission - before.commission,
        after.premium - before.premium,
        after.producer - before.producer,
    )


def discount_for(line: OrderLine, quantity: int) -> int:
    """The platform's discount on ``quantity`` more units of ``line`` after those refunded.

    Cumulative like ``parts_for``: a line's refunds give back exactly its discount.
    """
    before = line.refunded_quantity
    discount = line.platform_discount_cents or 0
    return units_share(discount, line.quantity, before + quantity) - (
        units_share(discount, line.quantity, before)
    )


def refunded_shipping(shipment_ids: Iterable[int]) -> dict[int, int]:
    """Shipping already refunded per parcel (refunds that did not fail)."""
    ids = list(shipment_ids)
    found: dict[int, int] = {}
    for shipment_id, cents in db.session.execute(
        select(RefundLine.shipment_id, RefundLine.shipping_cents)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(
            RefundLine.shipment_id.in_(ids),
            RefundLine.shipping_cents > 0,
            Refund.status != RefundStatus.FAILED,
        )
    ):
        found[shipment_id] = found.get(shipment_id, 0) + cents
    return found


def _refund_legs(refund: Refund, sign: int) -> list[ledger.Leg]:
    legs: list[ledger.Leg] = []
    for item in refund.lines:
        shipment = item.shipment
        released = shipment.released_at is not None
        revenue = ledger.COOP_REVENUE if released else ledger.COOP_REVENUE_PENDING
        fund = ledger.COOP_FUND if released else ledger.COOP_FUND_PENDING
        shipping = ledger.COOP_SHIPPING if released else ledger.COOP_SHIPPING_PENDING
        refs = {"order_id": refund.order_id, "shipment_id": item.shipment_id}
        coop = {"cooperative_id": item.cooperative_id, **refs}
        legs += [
            debit(ledger.COMMISSION, sign * item.commission_cents, **refs),
            debit(revenue, sign * item.producer_cents, **coop),
            debit(fund, sign * item.premium_cents, **coop),
            debit(shipping, sign * item.shipping_cents, **coop),
            credit(ledger.DISCOUNTS, sign * item.discount_cents, **refs),
        ]
    legs.append(credit(ledger.REFUNDS, sign * refund.amount_cents, order_id=refund.order_id))
    return legs


def post_refund(refund: Refund) -> None:
    """Reverse the refunded parts; the shopper is owed ``refund.amount_cents``."""
    if refund.amount_cents != sum(item.amount_cents for item in refund.lines):
        raise ValueError("a refund's amount is the sum of its lines")
    ledger.post(
        f"refund:{refund.id}", ledger.REFUND, _refund_legs(refund, 1), memo=refund.order.number
    )


def post_refund_paid(refund: Refund) -> None:
    """The refund's money left (Stripe refund succeeded, cash handed back)."""
    ledger.post(
        f"refund:{refund.id}:paid",
        ledger.REFUND_PAID,
        [
            debit(ledger.REFUNDS, refund.amount_cents, order_id=refund.order_id),
            credit(ledger.CLEARING, refund.amount_cents, order_id=refund.order_id),
        ],
        memo=refund.order.number,
    )


def post_refund_failed(refund: Refund) -> None:
    """Stripe could not refund: the reversed parts go back where they were."""
    ledger.post(
        f"refund:{refund.id}:failed",
        ledger.REFUND,
        _refund_legs(refund, -1),
        memo=refund.order.number,
    )


# ---------------------------------------------------------------- fees


def post_card_fee(order: Order, charge_id: str, fee_cents: int) -> None:
    """Stripe's fee for the order's charge, borne by the platform."""
    if fee_cents <= 0:
        return
    ledger.post(
        f"fee:{charge_id}",
        ledger.CARD_FEE,
        [
            debit(ledger.FEES, fee_cents, order_id=order.id),
            credit(ledger.CLEARING, fee_cents, order_id=order.id),
        ],
        memo=order.number,
    )


# ---------------------------------------------------------------- release


def _releasable(now: datetime, cooperative_ids: Iterable[int] | None) -> list[ColumnElement[bool]]:
    """Delivered, paid, not released, in the given cooperatives: due once the hold is over."""
    conditions = [
        Shipment.status == ShipmentStatus.DELIVERED,
        Shipment.released_at.is_(None),
        Shipment.delivered_at <= now,
        exists().where(Order.id == Shipment.order_id, Shipment.money_in),
    ]
    if cooperative_ids is not None:
        conditions.append(Shipment.cooperative_id.in_(list(cooperative_ids)))
    return conditions


def _held(now: datetime, conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """True for a parcel one of whose lines' policy versions still holds it.

    The hold is counted from delivery: a line sold under a version holding
    ``h`` days keeps its parcel until ``delivered_at + h <= now``, that is
    while ``delivered_at > now - h``; each version's cutoff is computed here,
    so the database does no date arithmetic (the same SQL on SQLite and
    PostgreSQL). A version unknown to the map holds the parcel.
    """
    versions = db.session.scalars(
        select(OrderLine.policy_version)
        .distinct()
        .join(Shipment, Shipment.id == OrderLine.shipment_id)
        .where(*conditions)
    ).all()
    if not versions:
        return false()  # no parcel with lines to release
    policies = policies_for(versions)
    cutoff = case(
        {v: now - timedelta(days=p.hold_days) for v, p in policies.items()},
        value=OrderLine.policy_version,
    )
    return exists().where(
        OrderLine.shipment_id == Shipment.id,
        or_(OrderLine.policy_version.not_in(list(policies)), Shipment.delivered_at > cutoff),
    )


def release_due(now: datetime | None = None, cooperative_ids: Iterable[int] | None = None) -> int:
    """Make payable the parcels delivered, paid and past their hold; return how many.

    The hold is the longest of the parcel's lines' policy versions, counted
    from delivery. Called by payout runs and before balances are shown, so no
    scheduled job is needed. Flushes; the caller commits.

    Set-based, for a first payout run over months of sales: one UPDATE claims
    every due parcel, then ``ledger.post_select`` writes a release entry per
    parcel (each pending balance debited to zero and credited to its payable
    account) a thousand parcels at a time, without loading them.
    """
    now = now or utcnow()
    conditions = _releasable(now, cooperative_ids)
    # Claim the parcels with a conditional UPDATE: of two concurrent callers
    # only one gets each row back (PostgreSQL makes the other wait on the row,
    # re-checks released_at, then skips it), so nothing is released twice.
    claimed = db.session.scalars(
        update(Shipment)
        .where(*conditions, ~_held(now, conditions))
        .values(released_at=now)
        .returning(Shipment.id)
        .execution_options(synchronize_session=False)
    ).all()
    if not claimed:
        return 0
    ids = set(claimed)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Shipment) and obj.id in ids:
            db.session.expire(obj, ["released_at"])
    ordered = sorted(ids)
    for start in range(0, len(ordered), ledger.CHUNK):
        _post_releases(ordered[start : start + ledger.CHUNK], now)
    return len(ordered)


def _post_releases(shipment_ids: list[int], now: datetime) -> None:
    """The release entries of these parcels, written by the database."""

    def key(shipment_id: Any) -> ColumnElement[str]:
        return literal("release:shipment:") + cast(shipment_id, String)

    pending = (
        select(
            JournalLine.shipment_id,
            JournalLine.account,
            func.sum(JournalLine.amount_cents).label("balance"),
        )
        .where(
            among(JournalLine.shipment_id, shipment_ids),
            JournalLine.account.in_(ledger.PENDING_ACCOUNTS),
        )
        .group_by(JournalLine.shipment_id, JournalLine.account)
        .subquery()
    )
    refs = (
        Shipment.cooperative_id.label("cooperative_id"),
        Shipment.order_id.label("order_id"),
        Shipment.id.label("shipment_id"),
    )
    # Pending accounts hold credits (negative): debit them to zero, credit the payable ones.
    debits = select(
        key(pending.c.shipment_id).label("key"),
        pending.c.account.label("account"),
        (-pending.c.balance).label("amount_cents"),
        *refs,
    ).join(Shipment, Shipment.id == pending.c.shipment_id)
    credits = select(
        key(pending.c.shipment_id).label("key"),
        case(ledger.RELEASES_TO, value=pending.c.account).label("account"),
        pending.c.balance.label("amount_cents"),
        *refs,
    ).join(Shipment, Shipment.id == pending.c.shipment_id)
    ledger.post_select(
        ledger.RELEASE,
        select(key(Shipment.id)).where(among(Shipment.id, shipment_ids)),
        union_all(debits, credits),
        when=now,
    )
