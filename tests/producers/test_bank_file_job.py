"""A payout run's bank file is written by a job, once, in the private storage."""

from __future__ import annotations

from orders.models import PaymentMethod
from orders.services import mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.money import payouts
from producers.money.bankfile import bank_csv, bank_file_name, write_bank_file
from shop.extensions import db
from shop.storage import get_private_storage
from tests.factories import place_confirmed
from tests.orders.test_accounting import CASABLANCA
from tests.producers.test_payouts import RIB, later


def batch_to_pay(make_cooperative, make_product):
    ensure_default_rates()
    coop = make_cooperative(legal_name="Coopérative Amal", rib=RIB, rib_holder="COOP AMAL")
    variant = make_product(cooperative=coop, stock=100).variants[0]
    order, _ = place_confirmed({variant.sku: 2}, CASABLANCA, PaymentMethod.COD, "fr")
    for shipment in order.shipments:
        mark_shipped(shipment, "Amana", "RR1")
        mark_delivered(shipment)
        mark_cash_remitted(shipment)
    db.session.commit()
    batch = payouts.run_payouts(now=later())
    return batch


def test_the_run_queues_the_bank_file_and_the_worker_writes_it(
    app, redis_jobs, make_cooperative, make_product
):
    batch = batch_to_pay(make_cooperative, make_product)
    name = bank_file_name(batch.id)
    assert "payout-bank-file" not in redis_jobs.names()  # nothing before the commit
    db.session.commit()
    assert redis_jobs.names().count("payout-bank-file") == 1
    storage = get_private_storage()
    assert not storage.exists(name)
    redis_jobs.work()
    kept = storage.read(name).decode("utf-8")
    assert kept == bank_csv(batch) and "COOP AMAL" in kept and RIB in kept
    assert write_bank_file(batch.id) is False  # once: a second run keeps the first file


def test_without_redis_the_bank_file_is_written_after_the_commit(
    app, make_cooperative, make_product
):
    batch = batch_to_pay(make_cooperative, make_product)
    storage = get_private_storage()
    assert not storage.exists(bank_file_name(batch.id))
    db.session.commit()
    assert storage.read(bank_file_name(batch.id)).decode("utf-8") == bank_csv(batch)


def test_a_rolled_back_run_writes_no_file(app, redis_jobs, make_cooperative, make_product):
    batch = batch_to_pay(make_cooperative, make_product)
    batch_id = batch.id
    db.session.rollback()
    assert "payout-bank-file" not in redis_jobs.names()
    assert not get_private_storage().exists(bank_file_name(batch_id))
