"""The dashboard's money: sales of the last 30 days, the balance due, the next payout.

Read from the same places as the balance page (``producers.money.statements``:
the parcels that carry money, the ledger's balances), in a fixed number of
queries whatever the number of orders.

Payout runs are made by the team on one day of the week
(``PAYOUT_WEEKDAY``, 0 = Monday, the default); the next payout is the first
such day on which something is payable: today's money at the next run, the
pending money of a delivered parcel at the first run after its hold. Bank
details changed recently make it wait (``producers.money.rib``), and so does a
cooperative without bank details or a suspended one (no date then, a reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from orders.accounting import release_due
from orders.models import Order, OrderLine, Shipment, ShipmentStatus
from producers.models import Cooperative, CooperativeStatus
from producers.money import statements as st
from producers.money.rib import rib_payable_from
from shop import clock
from shop.extensions import db
from shop.money.policy import current_policy

#: The days the dashboard's sales figure covers.
SALES_DAYS = 30
#: Monday: the day payout runs are made unless ``PAYOUT_WEEKDAY`` says otherwise.
DEFAULT_PAYOUT_WEEKDAY = 0

#: Why no payout date can be given.
NO_BANK_DETAILS, SUSPENDED, AWAITING_DELIVERY, NOTHING_DUE = (
    "no_bank_details",
    "suspended",
    "awaiting_delivery",
    "nothing_due",
)


@dataclass(frozen=True)
class Earnings:
    """What the dashboard shows of the cooperative's money."""

    #: Products sold in orders placed in the last ``SALES_DAYS`` days (gross, before the split).
    sales_cents: int
    sales_orders: int
    #: Payable now: producer revenue, shipping and community fund (the next payout).
    due_cents: int
    #: Still pending: waiting for delivery, the cash or the hold.
    pending_cents: int
    next_payout: date | None
    #: When ``next_payout`` is None, why (one of the constants above).
    reason: str = ""


def payout_weekday() -> int:
    """The weekday payout runs are made on (0 = Monday … 6 = Sunday)."""
    value = int(current_app.config.get("PAYOUT_WEEKDAY", DEFAULT_PAYOUT_WEEKDAY))
    return value if 0 <= value <= 6 else DEFAULT_PAYOUT_WEEKDAY


def run_day_from(day: date) -> date:
    """The first payout day on or after ``day``."""
    return day + timedelta(days=(payout_weekday() - day.weekday()) % 7)


def _sales(coop: Cooperative) -> tuple[int, int]:
    """Gross of the cooperative's parcels that carry money, orders of the last 30 days."""
    since = clock.utcnow() - timedelta(days=SALES_DAYS)
    parcels = (
        st.splits_query(coop.id)
        .order_by(None)
        .with_only_columns(Shipment.id)
        .where(Order.created_at >= since)
        .subquery()
    )
    gross, orders = db.session.execute(
        select(
            func.coalesce(func.sum(OrderLine.gross_cents), 0),
            func.count(func.distinct(OrderLine.order_id)),
        ).where(OrderLine.shipment_id.in_(select(parcels.c.id)))
    ).one()
    return int(gross), int(orders)


def _first_release(coop: Cooperative) -> date | None:
    """The day the first delivered, paid parcel not yet released becomes payable."""
    delivered = db.session.scalar(
        select(func.min(Shipment.delivered_at))
        .join(Shipment.order)
        .where(
            Shipment.cooperative_id == coop.id,
            Shipment.status == ShipmentStatus.DELIVERED,
            Shipment.released_at.is_(None),
            Shipment.money_in,
        )
    )
    if delivered is None:
        return None
    return clock.local_date(delivered + timedelta(days=current_policy().hold_days))


def release(coop: Cooperative) -> None:
    """Make payable what is due before showing money (no scheduled job needed)."""
    if release_due(cooperative_ids=[coop.id]):
        db.session.commit()


def earnings(coop: Cooperative) -> Earnings:
    """The cooperative's money at a glance (call ``release`` first, as the balance page does)."""
    balance = st.balance(coop.id)
    sales, orders = _sales(coop)
    due = balance.payable + balance.fund_payable
    pending = balance.pending + balance.fund_pending

    def result(next_payout: date | None, reason: str = "") -> Earnings:
        return Earnings(sales, orders, due, pending, next_payout, reason)

    if coop.status == CooperativeStatus.SUSPENDED:
        return result(None, SUSPENDED)
    if not coop.rib and not coop.stripe_account_id:
        return result(None, NO_BANK_DETAILS)
    start = clock.local_date()
    rib_ready = rib_payable_from(coop.rib_updated_at) if coop.rib else None
    if rib_ready is not None:
        start = max(start, clock.local_date(rib_ready))
    if due <= 0:
        released = _first_release(coop) if pending > 0 else None
        if released is None:
            return result(None, AWAITING_DELIVERY if pending > 0 else NOTHING_DUE)
        start = max(start, released)
    return result(run_day_from(start))
