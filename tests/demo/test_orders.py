"""``seed-demo`` includes orders in every state, and their ledger checks out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orders.models import Order, OrderStatus, Refund
from producers.money.models import Payout, PayoutStatus
from shop.extensions import db


@pytest.mark.demo
def test_demo_orders_cover_every_state_and_the_ledger_checks(runner, demo_seed, demo_reseed):
    first = demo_seed
    assert first.exit_code == 0, first.output
    states = set(db.session.scalars(select(Order.status).distinct()))
    assert states == set(OrderStatus)
    assert set(db.session.scalars(select(Payout.status).distinct())) == set(PayoutStatus)
    assert db.session.scalar(select(func.count()).select_from(Refund)) >= 2
    check = runner.invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output
    orders = db.session.scalar(select(func.count()).select_from(Order))
    # seed-demo again (run once for the suite, conftest.py): no new order.
    again = demo_reseed.again
    assert again.exit_code == 0 and "Demo orders: already there." in again.output
    assert demo_reseed.rows_before[Order.__tablename__] == orders
    assert demo_reseed.rows_after[Order.__tablename__] == orders
