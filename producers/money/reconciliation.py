"""``flask ledger check``: the ledger balances and agrees with orders, refunds and payouts.

The ledger (``shop.money.ledger``) is the only place balances come from; this check
recomputes, independently, what every balance *should* be from the domain
records — money-in parcels and their frozen order lines, refund lines, payouts —
and reports every difference. It reads with a handful of aggregate queries,
whatever the number of orders.
"""

from __future__ import annotations

from collections import defaultdict

import click
from flask.cli import AppGroup
from sqlalchemy import case, func, select

from orders.models import Order, OrderLine, Refund, RefundLine, RefundStatus, Shipment
from producers.money.models import Payout, PayoutStatus
from shop.extensions import db
from shop.money import ledger

ledger_cli = AppGroup("ledger", help="The double-entry ledger.")

Expected = dict[tuple[str, int | None], int]


def expected_balances() -> Expected:
    """Every account's balance (debit positive) as the domain records imply it."""
    expected: Expected = defaultdict(int)
    released = Shipment.released_at.is_not(None)

    def coop(
        account_pair: tuple[str, str], is_released: bool, cooperative_id: int, cents: int
    ) -> None:
        # Cooperative accounts carry credits: what the platform owes.
        expected[(account_pair[1] if is_released else account_pair[0], cooperative_id)] -= cents

    revenue = (ledger.COOP_REVENUE_PENDING, ledger.COOP_REVENUE)
    fund = (ledger.COOP_FUND_PENDING, ledger.COOP_FUND)
    shipping = (ledger.COOP_SHIPPING_PENDING, ledger.COOP_SHIPPING)

    # Sales: the frozen parts of the lines of every money-in parcel.
    for coop_id, is_released, producer, premium, commission in db.session.execute(
        select(
            Shipment.cooperative_id,
            released,
            func.sum(OrderLine.producer_cents),
            func.sum(OrderLine.premium_cents),
            func.sum(OrderLine.commission_cents),
        )
        .join(OrderLine, OrderLine.shipment_id == Shipment.id)
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.money_in)
        .group_by(Shipment.cooperative_id, released)
    ):
        coop(revenue, is_released, coop_id, int(producer))
        coop(fund, is_released, coop_id, int(premium))
        expected[(ledger.COMMISSION, None)] -= int(commission)
        expected[(ledger.CLEARING, None)] += int(producer + premium + commission)
    for coop_id, is_released, cents, discount in db.session.execute(
        select(
            Shipment.cooperative_id,
            released,
            func.sum(Shipment.shipping_cents),
            func.sum(Shipment.platform_discount_cents),
        )
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.money_in)
        .group_by(Shipment.cooperative_id, released)
    ):
        coop(shipping, is_released, coop_id, int(cents))
        # Platform-funded discount codes: the platform paid what the shopper did not.
        expected[(ledger.CLEARING, None)] += int(cents) - int(discount)
        expected[(ledger.DISCOUNTS, None)] += int(discount)

    # Refunds that did not fail reverse their lines' parts; the money is owed
    # to the shopper until the refund succeeded.
    refunded = (
        select(
            RefundLine.cooperative_id,
            released,
            func.sum(RefundLine.producer_cents),
            func.sum(RefundLine.premium_cents),
            func.sum(RefundLine.commission_cents),
            func.sum(RefundLine.shipping_cents),
            func.sum(RefundLine.discount_cents),
        )
        .join(Refund, Refund.id == RefundLine.refund_id)
        .join(Shipment, Shipment.id == RefundLine.shipment_id)
        .where(Refund.status != RefundStatus.FAILED)
        .group_by(RefundLine.cooperative_id, released)
    )
    for coop_id, is_released, producer, premium, commission, ship, discount in db.session.execute(
        refunded
    ):
        coop(revenue, is_released, coop_id, -int(producer))
        coop(fund, is_released, coop_id, -int(premium))
        coop(shipping, is_released, coop_id, -int(ship))
        expected[(ledger.COMMISSION, None)] += int(commission)
        expected[(ledger.DISCOUNTS, None)] -= int(discount)
    for status, amount in db.session.execute(
        select(Refund.status, func.sum(Refund.amount_cents))
        .where(Refund.status != RefundStatus.FAILED)
        .group_by(Refund.status)
    ):
        if status == RefundStatus.SUCCEEDED:
            expected[(ledger.CLEARING, None)] -= int(amount)
        else:
            expected[(ledger.REFUNDS, None)] -= int(amount)

    # Payouts created or paid took their parts from the payable balances.
    for coop_id, status, rev, ship, fnd, total in db.session.execute(
        select(
            Payout.cooperative_id,
            Payout.status,
            func.sum(Payout.revenue_cents),
            func.sum(Payout.shipping_cents),
            func.sum(Payout.fund_cents),
            func.sum(Payout.total_cents),
        )
        .where(Payout.status != PayoutStatus.FAILED)
        .group_by(Payout.cooperative_id, Payout.status)
    ):
        expected[(ledger.COOP_REVENUE, coop_id)] += int(rev)
        expected[(ledger.COOP_SHIPPING, coop_id)] += int(ship)
        expected[(ledger.COOP_FUND, coop_id)] += int(fnd)
        if status == PayoutStatus.PAID:
            expected[(ledger.CLEARING, None)] -= int(total)
        else:
            expected[(ledger.IN_TRANSIT, coop_id)] -= int(total)
    return expected


def actual_balances() -> Expected:
    """The ledger's balances, platform accounts summed over cooperatives."""
    found: Expected = defaultdict(int)
    for (account, coop_id), total in ledger.balances().items():
        if account in ledger.COOPERATIVE_ACCOUNTS or account == ledger.IN_TRANSIT:
            found[(account, coop_id)] += total
        else:
            found[(account, None)] += total
    return found


def reconcile() -> list[str]:
    """Every difference between the ledger and the records, plus the ledger's own problems."""
    problems = ledger.integrity_problems()
    expected, actual = expected_balances(), actual_balances()
    # Fees are known only to the ledger (Stripe reports them): the money
    # collected less fees must match.
    fees = actual.pop((ledger.FEES, None), 0)
    actual[(ledger.CLEARING, None)] = actual.get((ledger.CLEARING, None), 0) + fees
    if fees < 0:
        problems.append(f"fees are negative: {fees}")
    for key in sorted(set(expected) | set(actual), key=lambda k: (k[0], k[1] or 0)):
        want, have = expected.get(key, 0), actual.get(key, 0)
        if want != have:
            account, coop_id = key
            where = f" of cooperative {coop_id}" if coop_id is not None else ""
            problems.append(
                f"{account}{where}: ledger {have}, records imply {want} (difference {have - want})"
            )
    problems += _payout_entries()
    return problems


def _payout_entries() -> list[str]:
    """Each payout's in-transit movements match its total and status."""
    moved = dict(
        db.session.execute(
            select(
                ledger.JournalEntry.key,
                func.sum(
                    case(
                        (
                            ledger.JournalLine.account == ledger.IN_TRANSIT,
                            ledger.JournalLine.amount_cents,
                        ),
                        else_=0,
                    )
                ),
            )
            .join(ledger.JournalLine, ledger.JournalLine.entry_id == ledger.JournalEntry.id)
            .where(
                ledger.JournalEntry.kind.in_(
                    (ledger.PAYOUT_CREATED, ledger.PAYOUT_PAID, ledger.PAYOUT_FAILED)
                )
            )
            .group_by(ledger.JournalEntry.key)
        ).all()
    )
    problems = []
    for payout_id, status, total in db.session.execute(
        select(Payout.id, Payout.status, Payout.total_cents)
    ):
        created = moved.pop(f"payout:{payout_id}:created", None)
        if created != -total:
            problems.append(f"payout {payout_id}: created entry moves {created}, total {total}")
        closing = {
            PayoutStatus.PAID: f"payout:{payout_id}:paid",
            PayoutStatus.FAILED: f"payout:{payout_id}:failed",
        }.get(status)
        for suffix in ("paid", "failed"):
            key = f"payout:{payout_id}:{suffix}"
            amount = moved.pop(key, None)
            if key == closing and amount != total:
                problems.append(f"payout {payout_id} is {status.value} but {key} moves {amount}")
            elif key != closing and amount is not None:
                problems.append(f"payout {payout_id} is {status.value} but has {key}")
    problems += [f"entry {key} names no payout" for key in moved]
    return problems


@ledger_cli.command("check")
def check_command() -> None:
    """Verify every entry balances, the ledger sums to zero, and each balance matches the records."""
    problems = reconcile()
    entries = db.session.scalar(select(func.count()).select_from(ledger.JournalEntry))
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(problems)} problem(s) in {entries} entries")
    click.echo(f"ledger ok: {entries} entries balance and match orders, refunds and payouts")
