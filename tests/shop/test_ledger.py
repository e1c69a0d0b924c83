"""The ledger core: balanced, immutable, idempotent entries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.money import ledger
from shop.money.ledger import credit, debit


def test_a_balanced_entry_is_written_and_summed(app, make_cooperative):
    coop = make_cooperative()
    entry = ledger.post(
        "sale:1",
        ledger.SALE_CASH,
        [
            debit(ledger.CLEARING, 10_000),
            credit(ledger.COMMISSION, 1_000),
            credit(ledger.COOP_REVENUE_PENDING, 8_500, cooperative_id=coop.id),
            credit(ledger.COOP_FUND_PENDING, 500, cooperative_id=coop.id),
            credit(ledger.COOP_SHIPPING_PENDING, 0, cooperative_id=coop.id),
        ],
    )
    db.session.commit()
    assert [line.amount_cents for line in entry.lines] == [10_000, -1_000, -8_500, -500]
    assert ledger.balance(ledger.CLEARING) == 10_000
    assert ledger.cooperative_balances(coop.id)[ledger.COOP_REVENUE_PENDING] == 8_500
    assert ledger.balances()[(ledger.COMMISSION, None)] == -1_000
    assert ledger.integrity_problems() == []


def test_unbalanced_entries_are_refused(app):
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.post("bad", ledger.CARD_FEE, [debit(ledger.FEES, 100), credit(ledger.CLEARING, 99)])
    assert db.session.scalar(select(ledger.JournalEntry)) is None


@pytest.mark.parametrize(
    "legs, error",
    [
        ([debit(ledger.FEES, 1.5), credit(ledger.CLEARING, 1.5)], TypeError),
        ([debit("cash", 1), credit(ledger.CLEARING, 1)], ValueError),
        ([debit(ledger.CLEARING, 1), credit(ledger.COOP_REVENUE, 1)], ValueError),  # no cooperative
    ],
)
def test_floats_unknown_accounts_and_anonymous_cooperative_lines_are_refused(app, legs, error):
    with pytest.raises(error):
        ledger.post("bad", ledger.CARD_FEE, legs)


def test_an_event_is_posted_once(app):
    legs = [debit(ledger.FEES, 100), credit(ledger.CLEARING, 100)]
    assert ledger.post("fee:ch_1", ledger.CARD_FEE, legs) is not None
    assert ledger.post("fee:ch_1", ledger.CARD_FEE, legs) is None
    assert (
        ledger.post_many([("fee:ch_1", ledger.CARD_FEE, legs), ("fee:ch_2", ledger.CARD_FEE, legs)])
        == 1
    )
    db.session.commit()
    assert ledger.balance(ledger.FEES) == 200


def test_entries_are_immutable(app):
    entry = ledger.post(
        "fee:ch_1", ledger.CARD_FEE, [debit(ledger.FEES, 100), credit(ledger.CLEARING, 100)]
    )
    db.session.commit()
    entry.lines[0].amount_cents = 1
    with pytest.raises(ValueError, match="never changed"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entry.lines[0])
    with pytest.raises(ValueError, match="never changed"):
        db.session.commit()
    db.session.rollback()


def test_integrity_problems_see_a_line_slipped_in_by_hand(app):
    ledger.post(
        "fee:ch_1", ledger.CARD_FEE, [debit(ledger.FEES, 100), credit(ledger.CLEARING, 100)]
    )
    entry = db.session.scalar(select(ledger.JournalEntry))
    db.session.execute(
        ledger.JournalLine.__table__.insert().values(
            entry_id=entry.id, account=ledger.FEES, amount_cents=5
        )
    )
    db.session.commit()
    problems = ledger.integrity_problems()
    assert "entry fee:ch_1 does not balance: off by 5" in problems
    assert "the ledger sums to 5, not zero" in problems
