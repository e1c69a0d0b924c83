"""Cash remitted (issue #13): two clicks at once record the cash, the sale and the audit once.

Before: both requests read the parcel as not remitted, both wrote it, and
both wrote an ``order.cash_remitted`` audit row (the second's ledger post was
skipped as a duplicate, so nothing showed but the audit log).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from orders import services
from orders.exceptions import OrderError
from orders.models import Order, PaymentMethod, Shipment
from orders.services import Address, mark_delivered, mark_shipped
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.extensions import db
from shop.money.ledger import JournalEntry
from tests.factories import place_confirmed

CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)


@pytest.fixture
def delivered(make_product, make_cooperative, rates):
    """A delivered cash-on-delivery order of two parcels (two cooperatives)."""
    first = make_product(cooperative=make_cooperative(), price=10_000).variants[0]
    second = make_product(cooperative=make_cooperative(), price=5_000).variants[0]
    order, _token = place_confirmed(
        {first.sku: 1, second.sku: 1}, CASABLANCA, PaymentMethod.COD, "fr"
    )
    for shipment in order.shipments:
        mark_shipped(shipment, "Amana", f"RR{shipment.id}")
        mark_delivered(shipment)
    db.session.commit()
    assert len(order.shipments) == 2
    return order


def remit_at_once(app, admin_id: int, shipment_ids: list[int]) -> tuple[list[str], list]:
    """Each shipment id remitted by its own thread and connection, all released together."""
    start = threading.Barrier(len(shipment_ids))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def click(shipment_id: int) -> None:
        try:
            with app.app_context():
                shipment = db.session.get(Shipment, shipment_id)
                assert shipment.cash_remitted_at is None  # both read it as not remitted
                _ = shipment.order.shipments
                actor = db.session.get(User, admin_id)
                start.wait()
                try:
                    services.admin_cash_remitted(shipment, actor)
                    db.session.commit()
                    outcomes.append("remitted")
                except OrderError:
                    db.session.rollback()
                    outcomes.append("refused")
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported by the caller)
            errors.append(exc)

    threads = [threading.Thread(target=click, args=(i,)) for i in shipment_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes, errors


@pytest.mark.commits
def test_two_clicks_at_once_write_one_audit_row(app, make_user, delivered):
    admin_id = make_user(email="admin@taawon.ma", is_admin=True).id
    shipment_id, order_id = delivered.shipments[0].id, delivered.id
    db.session.remove()
    outcomes, errors = remit_at_once(app, admin_id, [shipment_id, shipment_id])
    assert not errors, errors
    assert sorted(outcomes) == ["refused", "remitted"]
    audits = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "order.cash_remitted")
    ).all()
    assert len(audits) == 1 and audits[0].data["shipment_id"] == shipment_id
    assert (
        db.session.scalar(
            select(func.count(JournalEntry.id)).where(
                JournalEntry.key == f"cash:shipment:{shipment_id}"
            )
        )
        == 1
    )
    assert db.session.get(Order, order_id).paid_at is None  # the other parcel still waits


@pytest.mark.commits
def test_the_last_two_parcels_remitted_at_once_make_the_order_paid(app, make_user, delivered):
    admin_id = make_user(email="admin@taawon.ma", is_admin=True).id
    ids, order_id = [s.id for s in delivered.shipments], delivered.id
    db.session.remove()
    outcomes, errors = remit_at_once(app, admin_id, ids)
    assert not errors, errors
    assert outcomes == ["remitted", "remitted"]
    order = db.session.get(Order, order_id)
    assert order.paid_at is not None
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "order.cash_remitted")
        )
        == 2
    )


def test_a_second_click_later_is_refused_and_not_audited(app, make_user, delivered):
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    shipment = delivered.shipments[0]
    services.admin_cash_remitted(shipment, admin)
    db.session.commit()
    with pytest.raises(OrderError):
        services.admin_cash_remitted(shipment, admin)
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "order.cash_remitted")
        )
        == 1
    )
