"""release_due over many parcels: set-based, a chunk of parcels per statement."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from orders import accounting
from orders.models import PaymentMethod, Shipment
from orders.services import mark_cash_remitted, mark_delivered, mark_shipped
from producers.money.reconciliation import reconcile
from shop.extensions import db
from shop.money import ledger
from tests.factories import place_confirmed

from .test_accounting import CASABLANCA


def test_many_parcels_are_released_once_each_across_chunks(
    rates, make_cooperative, make_product, monkeypatch
):
    monkeypatch.setattr(ledger, "CHUNK", 2)  # five parcels: three statements of each kind
    coops = [make_cooperative() for _ in range(2)]
    variants = [make_product(cooperative=c, stock=20, price=9_900).variants[0] for c in coops]
    for n in range(5):
        order, _token = place_confirmed(
            {variants[n % 2].sku: 1 + n % 3}, CASABLANCA, PaymentMethod.COD, "fr"
        )
        db.session.flush()
        for shipment in order.shipments:
            mark_shipped(shipment, "Amana", f"RR{n}")
            mark_delivered(shipment)
            mark_cash_remitted(shipment)
    held = order.shipments[0]  # delivered later: still held
    db.session.commit()
    held.delivered_at += timedelta(days=10)
    db.session.commit()
    pending = {c.id: ledger.cooperative_balances(c.id) for c in coops}

    now = held.delivered_at + timedelta(days=5)  # the others were delivered 15 days before
    assert accounting.release_due(now) == 4
    assert accounting.release_due(now) == 0  # once only
    db.session.commit()
    released = db.session.scalars(
        select(Shipment.id).where(Shipment.released_at.is_not(None))
    ).all()
    assert len(released) == 4 and held.id not in released
    keys = db.session.scalars(
        select(ledger.JournalEntry.key).where(ledger.JournalEntry.kind == ledger.RELEASE)
    ).all()
    assert sorted(keys) == sorted(f"release:shipment:{i}" for i in released)
    # Six lines per parcel: each pending account debited to zero, its payable one credited.
    assert db.session.scalar(
        select(func.count(ledger.JournalLine.id))
        .join(ledger.JournalEntry)
        .where(ledger.JournalEntry.kind == ledger.RELEASE)
    ) == 6 * len(released)
    assert accounting.release_due(held.delivered_at + timedelta(days=14)) == 1
    db.session.commit()
    for coop in coops:
        now_owed = ledger.cooperative_balances(coop.id)
        before = pending[coop.id]
        for pending_account, payable in ledger.RELEASES_TO.items():
            assert now_owed[pending_account] == 0
            assert now_owed[payable] == before[pending_account] + before[payable]
    assert ledger.integrity_problems() == [] and reconcile() == []
