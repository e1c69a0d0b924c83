"""The periodic jobs of orders: lapsed card holds and money that came due.

With Redis, the worker's schedule enqueues them and a worker runs them; without
it, ``flask jobs tick`` (cron) runs them here.
"""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select, update

from orders.models import Order, OrderStatus, PaymentMethod, Shipment
from orders.services import mark_cash_remitted, mark_delivered, mark_shipped
from shop import jobs
from shop.extensions import db
from shop.models import utcnow
from shop.worker import Ticker
from tests.factories import place_confirmed
from tests.orders.test_accounting import CASABLANCA


def lapsed_and_due(app, make_product):
    """A card order whose hold lapsed, and a parcel delivered and paid 30 days ago."""
    app.config.update(STRIPE_SECRET_KEY="sk_test_jobs", STRIPE_WEBHOOK_SECRET="whsec_jobs")
    variant = make_product(stock=10).variants[0]
    card, _ = place_confirmed({variant.sku: 2}, CASABLANCA, PaymentMethod.CARD, "fr")
    cod, _ = place_confirmed({variant.sku: 1}, CASABLANCA, PaymentMethod.COD, "fr")
    (parcel,) = cod.shipments
    mark_shipped(parcel, "Amana", "RR1")
    mark_delivered(parcel)
    mark_cash_remitted(parcel)
    db.session.commit()
    past = utcnow() - timedelta(days=30)
    db.session.execute(update(Order).where(Order.id == card.id).values(payment_due_at=past))
    db.session.execute(update(Shipment).where(Shipment.id == parcel.id).values(delivered_at=past))
    db.session.commit()
    return variant, card.id, parcel.id


def check_released(variant, card_id: int, parcel_id: int) -> None:
    db.session.expire_all()
    assert db.session.get(Order, card_id).status == OrderStatus.CANCELLED
    assert variant.stock == 9  # the card order's 2 units are back
    assert db.session.get(Shipment, parcel_id).released_at is not None


def test_the_worker_schedule_releases_holds_and_due_money(
    app, redis_jobs, rates, make_product, outbox
):
    variant, card_id, parcel_id = lapsed_and_due(app, make_product)
    ticker = Ticker(app, jobs.schedule(app), redis_jobs.connection, redis_jobs.queue.key)
    # A fixed clock: with time.time(), a minute that turned between two ticks
    # began release-holds' next period and the test failed now and then.
    now = float(int(time.time()) // 86400 * 86400 + 10)
    assert {"release-holds", "release-due"} <= set(ticker.tick(now))
    assert db.session.get(Order, card_id).status == OrderStatus.PENDING_PAYMENT  # queued only
    redis_jobs.work()
    check_released(variant, card_id, parcel_id)
    cancelled = [m for m in outbox() if "annul" in m["Subject"].lower()]
    assert len(cancelled) == 1  # the shopper is told, once
    # The same period enqueues nothing again.
    assert ticker.tick(now + 30) == [] and redis_jobs.work() == 0
    # The next period runs the jobs again; they find nothing left and release nothing twice.
    assert {"release-holds", "release-due"} <= set(ticker.tick(now + 86400))
    assert redis_jobs.work() >= 2
    check_released(variant, card_id, parcel_id)
    assert len([m for m in outbox() if "annul" in m["Subject"].lower()]) == 1


def test_without_redis_cron_runs_the_schedule_here(app, rates, make_product, runner):
    variant, card_id, parcel_id = lapsed_and_due(app, make_product)
    result = runner.invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert "release-holds: done" in result.output and "release-due: done" in result.output
    check_released(variant, card_id, parcel_id)
    assert db.session.scalar(select(Shipment.released_at).where(Shipment.id == parcel_id))
