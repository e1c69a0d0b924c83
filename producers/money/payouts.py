"""Payout runs: what each cooperative is owed leaves as one payout per run.

``run_payouts`` releases what is due (``orders.accounting.release_due``), then
pays every cooperative's payable balances (producer revenue, shipping and the
community fund from the fair-trade premium) into a batch: one payout per
cooperative, by bank transfer (a CSV for the bank, ``producers.money.bankfile.bank_csv``) or, for a
cooperative with a Stripe Connect account, by Stripe transfers
(``send_transfers``, one per order, outside the database transaction).

Money rules (ARCHITECTURE.md, "Fair-trade money rules"):

- The payout's ledger entry debits every payable balance, parcel by parcel,
  to zero and credits ``payouts.in_transit``: running twice pays nothing twice.
- A negative balance (a refund after a payout) is netted against the
  cooperative's positive ones; when the net is not positive nothing is paid
  and the balance waits for the next run.
- Two runs at the same time cannot both pay: a run locks the cooperatives it
  pays before it reads their balances (row locks on PostgreSQL, the database
  write lock on SQLite), so the second run reads the balances the first one
  left, which are zero.
- A suspended cooperative's money waits: the run skips it, and the batch
  says why. So does a bank payout to bank details changed less than
  ``RIB_CHANGE_HOLD_DAYS`` ago (a classic fraud: redirect the account, then
  collect the next payout); the batch says when it becomes payable.
- A failed payout posts the exact mirror of its created entry: the money goes
  back to the balances it came from, parcel by parcel, and is paid again by
  the next run.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from orders import accounting
from orders.models import Order, Shipment, ShipmentStatus
from producers.models import Cooperative, CooperativeStatus
from producers.money.exceptions import PayoutError
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from producers.money.rib import mask_rib, rib_payable_from, valid_rib
from producers.notices import queue_for_managers
from shop import jobs
from shop.accounts.models import User
from shop.audit import audit
from shop.extensions import db
from shop.i18n import format_day
from shop.models import utcnow
from shop.money import ledger
from shop.money.ledger import JournalEntry, JournalLine, Leg, credit, debit

log = logging.getLogger(__name__)

#: Ids per IN (...) list: well under SQLite's variable limit.
CHUNK = 1000
#: Payouts whose ledger entries are written per bulk INSERT.
POST_CHUNK = 50
CURRENCY = "MAD"

STATUS_LABELS = {
    PayoutStatus.CREATED: _l("In transit"),
    PayoutStatus.PAID: _l("Paid"),
    PayoutStatus.FAILED: _l("Failed"),
}
METHOD_LABELS = {
    PayoutMethod.BANK: _l("Bank transfer"),
    PayoutMethod.STRIPE: _l("Stripe Connect"),
}
#: The one table of legal moves of a payout.
MOVES: dict[PayoutStatus, frozenset[PayoutStatus]] = {
    PayoutStatus.CREATED: frozenset({PayoutStatus.PAID, PayoutStatus.FAILED}),
    PayoutStatus.PAID: frozenset(),
    PayoutStatus.FAILED: frozenset(),
}
#: Why a payout cannot change any more.
FINAL = {
    PayoutStatus.PAID: _l("This payout is already paid: it can no longer change."),
    PayoutStatus.FAILED: _l(
        "This payout already failed: its money went back to the "
        "balance and the next run pays it again."
    ),
}
NO_BANK_DETAILS = "no_bank_details"
NOT_POSITIVE = "not_positive"
SUSPENDED = "suspended"
RIB_HOLD = "rib_hold"
SKIP_LABELS = {
    NO_BANK_DETAILS: _l("no bank details"),
    NOT_POSITIVE: _l("balance not positive: it waits for the next run"),
    SUSPENDED: _l("cooperative suspended: its money waits until the suspension is lifted"),
    RIB_HOLD: _l("bank details changed recently: the payout waits"),
}


@dataclass(frozen=True)
class Skipped:
    """A cooperative with money payable that this run did not pay, and why."""

    cooperative_id: int
    name: str
    reason: str  # one of SKIP_LABELS
    amount_cents: int
    #: For RIB_HOLD: when the bank details changed and when they may be paid (naive UTC).
    rib_changed_at: datetime | None = None
    payable_from: datetime | None = None

    @property
    def label(self) -> str:
        """The reason in the current language."""
        return skip_label(self.reason, self.details())

    def details(self) -> dict[str, str]:
        """What the run's audit entry keeps besides the reason (ISO timestamps)."""
        if self.rib_changed_at is None or self.payable_from is None:
            return {}
        return {
            "rib_changed_at": self.rib_changed_at.isoformat(),
            "payable_from": self.payable_from.isoformat(),
        }


def _moment(value: datetime) -> str:
    """A stored UTC time as the shop's local date and hour ("Dec 7, 2026 9:44 AM")."""
    return f"{format_day(value, 'medium')} {format_time(value, 'short')}"


def skip_label(reason: str, details: dict[str, Any] | None = None) -> str:
    """Why a cooperative was not paid, in the current language, its dates in local time."""
    details = details or {}
    if reason == RIB_HOLD and details.get("rib_changed_at") and details.get("payable_from"):
        return _(
            "RIB changed on %(changed)s, payable from %(payable)s",
            changed=_moment(datetime.fromisoformat(details["rib_changed_at"])),
            payable=_moment(datetime.fromisoformat(details["payable_from"])),
        )
    return str(SKIP_LABELS.get(reason, ""))


def _chunks(ids: Sequence[int]):
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


# ------------------------------------------------------------------ the run


def _candidates(now: datetime) -> list[int]:
    """Cooperatives a run may pay: a payable balance, or parcels ``release_due`` will release."""
    payable = set(
        db.session.scalars(
            select(JournalLine.cooperative_id)
            .where(JournalLine.account.in_(ledger.PAYABLE_ACCOUNTS))
            .group_by(JournalLine.cooperative_id)
            .having(func.sum(JournalLine.amount_cents) != 0)
        )
    )
    # The conditions of accounting.release_due, minus the hold (locking a few
    # more cooperatives than needed is harmless).
    releasable = set(
        db.session.scalars(
            select(Shipment.cooperative_id)
            .distinct()
            .join(Order, Order.id == Shipment.order_id)
            .where(
                Shipment.status == ShipmentStatus.DELIVERED,
                Shipment.released_at.is_(None),
                Shipment.delivered_at <= now,
                Shipment.money_in,
            )
        )
    )
    return sorted((payable | releasable) - {None})


def _lock(cooperative_ids: Sequence[int]) -> None:
    """Lock the cooperatives' rows until the transaction ends (in id order: no deadlock).

    PostgreSQL: FOR NO KEY UPDATE, which a second run waits for but which does
    not block orders being placed for these cooperatives (their foreign keys
    only take KEY SHARE locks). SQLite: any write takes the database's write
    lock, which a second run waits for (busy timeout).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        table = Cooperative.__table__
        for chunk in _chunks(cooperative_ids):
            db.session.execute(update(table).where(table.c.id.in_(chunk)).values(id=table.c.id))
        return
    for chunk in _chunks(cooperative_ids):
        db.session.execute(
            select(Cooperative.id)
            .where(Cooperative.id.in_(chunk))
            .order_by(Cooperative.id)
            .with_for_update(key_share=True)
        ).all()


def _payable_rows(cooperative_ids: Sequence[int]):
    """Non-zero payable balances by (cooperative, order, parcel, account), debit positive."""
    for chunk in _chunks(cooperative_ids):
        yield from db.session.execute(
            select(
                JournalLine.cooperative_id,
                JournalLine.order_id,
                JournalLine.shipment_id,
                JournalLine.account,
                func.sum(JournalLine.amount_cents),
            )
            .where(
                JournalLine.account.in_(ledger.PAYABLE_ACCOUNTS),
                JournalLine.cooperative_id.in_(chunk),
            )
            .group_by(
                JournalLine.cooperative_id,
                JournalLine.order_id,
                JournalLine.shipment_id,
                JournalLine.account,
            )
            .having(func.sum(JournalLine.amount_cents) != 0)
        )


def run_payouts(
    actor: User | None = None, now: datetime | None = None, skipped: list[Skipped] | None = None
) -> PayoutBatch | None:
    """Release what is due, then pay every cooperative's payable balance into a new batch.

    Returns the batch, or None when nothing is to be paid. Cooperatives left
    out (no bank details, a balance that is not positive) are appended to
    ``skipped`` when a list is given. Flushes; the caller commits, then sends
    the Stripe transfers (``send_transfers``) outside the transaction.
    """
    now = now or utcnow()
    skipped = skipped if skipped is not None else []
    candidates = _candidates(now)
    if not candidates:
        return None
    _lock(candidates)
    # release_due is set-based (nothing loaded): one call per IN (...) list.
    for chunk in _chunks(candidates):
        accounting.release_due(now, cooperative_ids=chunk)

    balances: dict[int, list[tuple[int | None, int | None, str, int]]] = defaultdict(list)
    for coop_id, order_id, shipment_id, account, amount in _payable_rows(candidates):
        balances[coop_id].append((order_id, shipment_id, account, int(amount)))
    if not balances:
        return None
    coops = {
        row.id: row
        for chunk in _chunks(sorted(balances))
        for row in db.session.execute(
            select(
                Cooperative.id,
                Cooperative.legal_name,
                Cooperative.rib,
                Cooperative.rib_holder,
                Cooperative.stripe_account_id,
                Cooperative.status,
                Cooperative.rib_updated_at,
            ).where(Cooperative.id.in_(chunk))
        )
    }

    batch = PayoutBatch(created_by_id=actor.id if actor else None, created_at=now)
    payouts: list[tuple[Payout, list]] = []
    for coop_id in sorted(balances):
        rows, coop = balances[coop_id], coops[coop_id]
        # Cooperative accounts hold credits (negative): what is owed is minus the sum.
        owed = dict.fromkeys(ledger.PAYABLE_ACCOUNTS, 0)
        for _order, _shipment, account, amount in rows:
            owed[account] -= amount
        total = sum(owed.values())
        if total <= 0:
            skipped.append(Skipped(coop_id, coop.legal_name, NOT_POSITIVE, total))
            continue
        if coop.status == CooperativeStatus.SUSPENDED:
            skipped.append(Skipped(coop_id, coop.legal_name, SUSPENDED, total))
            continue
        rib = valid_rib(coop.rib)
        if not coop.stripe_account_id and rib is None:
            skipped.append(Skipped(coop_id, coop.legal_name, NO_BANK_DETAILS, total))
            continue
        payable_from = rib_payable_from(coop.rib_updated_at)
        if not coop.stripe_account_id and payable_from is not None and now < payable_from:
            skipped.append(
                Skipped(
                    coop_id,
                    coop.legal_name,
                    RIB_HOLD,
                    total,
                    rib_changed_at=coop.rib_updated_at,
                    payable_from=payable_from,
                )
            )
            continue
        payout = Payout(
            batch=batch,
            cooperative_id=coop_id,
            created_at=now,
            status=PayoutStatus.CREATED,
            method=PayoutMethod.STRIPE if coop.stripe_account_id else PayoutMethod.BANK,
            revenue_cents=owed[ledger.COOP_REVENUE],
            shipping_cents=owed[ledger.COOP_SHIPPING],
            fund_cents=owed[ledger.COOP_FUND],
            total_cents=total,
            rib=rib,
            rib_holder=coop.rib_holder or "",
            stripe_account_id=coop.stripe_account_id,
        )
        payouts.append((payout, rows))
    if not payouts:
        return None
    batch.total_cents = sum(payout.total_cents for payout, _rows in payouts)
    db.session.add(batch)
    db.session.flush()  # payout ids name the ledger entries

    # Posted a few payouts at a time: the legs of 500 cooperatives' parcels
    # need not all be in memory at once.
    for start in range(0, len(payouts), POST_CHUNK):
        entries = []
        for payout, rows in payouts[start : start + POST_CHUNK]:
            coop_id = payout.cooperative_id
            legs: list[Leg] = [
                debit(
                    account,
                    -amount,
                    cooperative_id=coop_id,
                    order_id=order_id,
                    shipment_id=shipment_id,
                )
                for order_id, shipment_id, account, amount in rows
            ]
            legs.append(credit(ledger.IN_TRANSIT, payout.total_cents, cooperative_id=coop_id))
            entries.append((f"payout:{payout.id}:created", ledger.PAYOUT_CREATED, legs))
        ledger.post_many(entries, memo=f"payout batch {batch.id}", when=now)
    audit(
        actor,
        "payout.run",
        batch,
        label=f"#{batch.id}",
        payouts=len(payouts),
        total_cents=batch.total_cents,
        skipped={str(s.cooperative_id): s.reason for s in skipped},
        skipped_details={str(s.cooperative_id): s.details() for s in skipped if s.details()},
    )
    db.session.flush()
    if any(payout.method == PayoutMethod.BANK for payout, _rows in payouts):
        # The bank file is written by a job once the batch is committed
        # (producers.money.bankfile.write_bank_file).
        jobs.after_commit("payout-bank-file", batch.id)
    return batch


# ------------------------------------------------------------------ paid, failed


def _move(payout: Payout, new: PayoutStatus, **values) -> None:
    """Move ``payout`` to ``new`` with a conditional UPDATE; PayoutError if it is not allowed.

    Two administrators clicking at once: the second waits for the first's
    row lock (PostgreSQL) or write lock (SQLite), then finds the status
    changed and is refused.
    """
    old = payout.status
    if new in MOVES[old]:
        result = db.session.execute(
            update(Payout)
            .where(Payout.id == payout.id, Payout.status == old)
            .values(status=new, **values)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(payout)
        if result.rowcount == 1:
            return
    raise PayoutError(FINAL.get(payout.status, FINAL[PayoutStatus.PAID]))


def created_lines(payout: Payout) -> list:
    return db.session.execute(
        select(
            JournalLine.account,
            JournalLine.amount_cents,
            JournalLine.cooperative_id,
            JournalLine.order_id,
            JournalLine.shipment_id,
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.key == f"payout:{payout.id}:created")
        .order_by(JournalLine.id)
    ).all()


def mark_paid(payout: Payout, actor: User | None) -> None:
    """The money reached the cooperative: in transit → out of the clearing account."""
    _move(payout, PayoutStatus.PAID, paid_at=utcnow(), failure_reason="")
    refs = {"cooperative_id": payout.cooperative_id}
    ledger.post(
        f"payout:{payout.id}:paid",
        ledger.PAYOUT_PAID,
        [
            debit(ledger.IN_TRANSIT, payout.total_cents, **refs),
            credit(ledger.CLEARING, payout.total_cents, **refs),
        ],
        memo=payout.reference,
    )
    audit(
        actor,
        "payout.paid",
        payout,
        label=payout.reference,
        total_cents=payout.total_cents,
        method=payout.method.value,
    )
    queue_for_managers(
        payout.cooperative,
        "payout_paid",
        _l("Payout %(reference)s is paid", reference=payout.reference),
        payout=payout,
        mask_rib=mask_rib,
        link=("producers.dashboard", {"slug": payout.cooperative.slug}),
    )


def mark_failed(payout: Payout, reason: str, actor: User | None) -> None:
    """The bank or Stripe refused the payout: the money returns to the balances it came from."""
    reason = (reason or "").strip()
    if not reason:
        raise PayoutError(_l("Say why the payout failed."))
    if payout.stripe_transfer_ids.strip():
        raise PayoutError(
            _l(
                "Some Stripe transfers of this payout were already made: reverse "
                "them in Stripe first, or send the rest again."
            )
        )
    _move(payout, PayoutStatus.FAILED, failed_at=utcnow(), failure_reason=reason)
    legs = [
        Leg(account, -amount, coop_id, order_id, shipment_id)
        for account, amount, coop_id, order_id, shipment_id in created_lines(payout)
    ]
    if sum(leg.amount for leg in legs if leg.account == ledger.IN_TRANSIT) != payout.total_cents:
        raise RuntimeError(f"payout {payout.id}: its created entry does not match its total")
    ledger.post(f"payout:{payout.id}:failed", ledger.PAYOUT_FAILED, legs, memo=payout.reference)
    audit(
        actor,
        "payout.failed",
        payout,
        reason=reason,
        label=payout.reference,
        total_cents=payout.total_cents,
        method=payout.method.value,
    )
    queue_for_managers(
        payout.cooperative,
        "payout_failed",
        _l("Payout %(reference)s could not be made", reference=payout.reference),
        payout=payout,
        reason=reason,
        link=("producers.bank", {"slug": payout.cooperative.slug}),
    )
