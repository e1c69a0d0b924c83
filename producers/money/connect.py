"""Stripe Connect payouts: one transfer per order of a payout, retried without paying twice."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

import stripe
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from orders.models import Order
from producers.money import payouts
from producers.money.exceptions import PayoutError
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.money import ledger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transfer:
    """One Stripe transfer of a payout: the money of one order."""

    order_id: int | None
    order_number: str | None
    amount_cents: int


def transfer_plan(payout: Payout) -> list[Transfer]:
    """The payout's transfers, one per order, from its created entry (the same on every retry).

    An order whose amount is negative (refunded after an earlier payout) is
    netted against the largest others, so every transfer is positive and they
    sum to the payout's total.
    """
    amounts: dict[int | None, int] = defaultdict(int)
    for account, amount, _coop, order_id, _shipment in payouts.created_lines(payout):
        if account in ledger.PAYABLE_ACCOUNTS:
            amounts[order_id] += amount  # debits of what was owed: positive
    debt = -sum(amount for amount in amounts.values() if amount < 0)
    positive = {order_id: amount for order_id, amount in amounts.items() if amount > 0}
    for order_id in sorted(positive, key=lambda o: (-positive[o], o or 0)):
        if not debt:
            break
        taken = min(debt, positive[order_id])
        positive[order_id] -= taken
        debt -= taken
    numbers = dict(
        db.session.execute(
            select(Order.id, Order.number).where(Order.id.in_([o for o in positive if o]))
        ).all()
    )
    plan = [
        Transfer(order_id, numbers.get(order_id), amount)
        for order_id, amount in sorted(positive.items(), key=lambda item: item[0] or 0)
        if amount > 0
    ]
    if debt or sum(t.amount_cents for t in plan) != payout.total_cents:
        raise RuntimeError(f"payout {payout.id}: transfers do not sum to its total")
    return plan


def idempotency_key(payout: Payout, transfer: Transfer) -> str:
    """One Stripe transfer per payout and order, however often it is sent."""
    return f"payout-{payout.id}-{transfer.order_number or 'other'}"


def send_transfers(payout: Payout, actor: User | None = None) -> bool:
    """Send a Stripe payout's transfers; mark it paid when all went through.

    Call it after the batch is committed, outside any write: it waits on the
    network. Transfers already made are remembered (``stripe_transfer_ids``,
    in plan order) and each request carries an idempotency key, so sending
    again after a failure never pays an order twice. When Stripe is down or
    refuses, the payout stays in transit with a note and False is returned.
    Flushes; the caller commits.
    """
    from orders import payments

    if payout.method != PayoutMethod.STRIPE:
        raise PayoutError(_l("Only Stripe Connect payouts are sent as transfers."))
    if payout.status != PayoutStatus.CREATED:
        raise PayoutError(payouts.FINAL.get(payout.status, payouts.FINAL[PayoutStatus.PAID]))
    plan = transfer_plan(payout)
    done = payout.stripe_transfer_ids.split()
    if not payments.is_configured():
        payout.failure_reason = _("Stripe is not configured: no transfer was sent.")
        db.session.flush()
        return False
    try:
        client = payments.client()
        for transfer in plan[len(done) :]:
            params = {
                "amount": transfer.amount_cents,
                "currency": payouts.CURRENCY.lower(),
                "destination": payout.stripe_account_id,
                "description": f"Taawon {payout.reference}",
                "metadata": {"payout": payout.reference, "order": transfer.order_number or ""},
            }
            if transfer.order_number:
                params["transfer_group"] = transfer.order_number
            result = client.v1.transfers.create(
                params, options={"idempotency_key": idempotency_key(payout, transfer)}
            )
            done.append(result["id"])
            payout.stripe_transfer_ids = "\n".join(done)
    except stripe.StripeError as exc:
        log.warning(
            "payout %s: transfers stopped after %d of %d: %s", payout.id, len(done), len(plan), exc
        )
        payout.failure_reason = _(
            "Stripe did not take the transfers (%(sent)d of %(total)d sent): %(error)s "
            "Send again later: transfers already made are not repeated.",
            sent=len(done),
            total=len(plan),
            error=exc.user_message or str(exc),
        )
        audit(
            actor,
            "payout.transfer_error",
            payout,
            label=payout.reference,
            sent=len(done),
            total=len(plan),
            error=str(exc)[:300],
        )
        db.session.flush()
        return False
    payouts.mark_paid(payout, actor)
    return True


def to_send(batch: PayoutBatch) -> list[Payout]:
    """The batch's Stripe payouts still in transit."""
    return [
        p
        for p in batch.payouts
        if p.method == PayoutMethod.STRIPE and p.status == PayoutStatus.CREATED
    ]
