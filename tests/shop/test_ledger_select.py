"""ledger.post_select: entries written by the database, checked like ``post`` checks legs."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, literal, select, union_all

from shop.extensions import db
from shop.money import ledger
from shop.money.ledger import credit, debit


def leg(key: str, account: str, amount: int, cooperative_id: int | None = None):
    """One line as a SELECT of literals (what a set-based caller selects from its tables)."""
    return select(
        literal(key).label("key"),
        literal(account).label("account"),
        literal(amount).label("amount_cents"),
        literal(cooperative_id, Integer).label("cooperative_id"),
        literal(None, Integer).label("order_id"),
        literal(None, Integer).label("shipment_id"),
    )


def keys(*names: str):
    return union_all(*(select(literal(name).label("key")) for name in names))


def lines_of(key: str) -> list[tuple[str, int]]:
    return sorted(
        db.session.execute(
            select(ledger.JournalLine.account, ledger.JournalLine.amount_cents)
            .join(ledger.JournalEntry)
            .where(ledger.JournalEntry.key == key)
        ).all()
    )


def test_entries_are_written_once_with_their_non_zero_lines(app, make_cooperative):
    coop = make_cooperative()
    ledger.post("fee:ch_1", ledger.CARD_FEE, [debit(ledger.FEES, 7), credit(ledger.CLEARING, 7)])
    posted = ledger.post_select(
        ledger.CARD_FEE,
        keys("fee:ch_1", "fee:ch_2", "fee:ch_3"),
        union_all(
            leg("fee:ch_1", ledger.FEES, 100),  # already posted: skipped with its lines
            leg("fee:ch_1", ledger.CLEARING, -100),
            leg("fee:ch_2", ledger.COOP_REVENUE, 250, coop.id),
            leg("fee:ch_2", ledger.CLEARING, -250),
            leg("fee:ch_3", ledger.FEES, 0),  # no money: the entry alone
        ),
        memo="batch",
    )
    db.session.commit()
    assert posted == 2
    assert lines_of("fee:ch_1") == [(ledger.CLEARING, -7), (ledger.FEES, 7)]
    assert lines_of("fee:ch_2") == [(ledger.COOP_REVENUE, 250), (ledger.CLEARING, -250)]
    assert lines_of("fee:ch_3") == []
    assert ledger.posted("fee:ch_3") and ledger.integrity_problems() == []


@pytest.mark.parametrize(
    "lines, error",
    [
        ((leg("k", ledger.FEES, 100), leg("k", ledger.CLEARING, -99)), ledger.UnbalancedEntry),
        ((leg("k", "cash", 1), leg("k", ledger.CLEARING, -1)), ValueError),
        ((leg("k", ledger.COOP_REVENUE, 1), leg("k", ledger.CLEARING, -1)), ValueError),
    ],
    ids=["unbalanced", "unknown account", "cooperative account without a cooperative"],
)
def test_what_post_refuses_is_refused_after_the_insert(app, lines, error):
    with pytest.raises(error):
        ledger.post_select(ledger.CARD_FEE, keys("k"), union_all(*lines))
    db.session.rollback()  # what the caller does
    assert not ledger.posted("k")


def test_an_unknown_kind_is_refused(app):
    with pytest.raises(ValueError):
        ledger.post_select("gift", keys("k"), leg("k", ledger.FEES, 0))
