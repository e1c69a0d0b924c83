"""Invoice numbers: a continuous sequence per series and year, without gaps.

Moroccan rules (CGI art. 145) want invoices numbered in one unbroken
sequence. A number is taken by incrementing the series' counter row inside
the transaction that writes the invoice: the UPDATE locks the row (the row
lock on PostgreSQL, where a second shipping transaction waits for the first
to commit or roll back and then reads its number; the database's write lock
on SQLite), so no two invoices get the same number, and a transaction that
rolls back takes its increment with it, so no number is skipped. The counter
is therefore held from the moment a number is taken until the commit: take
it last, after the slower work of the transaction.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shop.extensions import db

from .models import InvoiceCounter


def take_number(series: str, year: int) -> int:
    """The next number of ``series`` in ``year`` (1, 2, 3…), the counter locked until commit."""
    number = _increment(series, year)
    if number is None:
        # The year's first invoice: create its counter. Of two first invoices
        # at once, one inserts and the other's INSERT does nothing (it waits
        # for the first's commit on PostgreSQL); both then increment in turn.
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(
            insert(InvoiceCounter)
            .values(series=series, year=year, last_number=0)
            .on_conflict_do_nothing()
        )
        number = _increment(series, year)
    if number is None:  # pragma: no cover - the row was just made
        raise RuntimeError(f"no invoice counter for {series} {year}")
    return number


def _increment(series: str, year: int) -> int | None:
    return db.session.execute(
        update(InvoiceCounter)
        .where(InvoiceCounter.series == series, InvoiceCounter.year == year)
        .values(last_number=InvoiceCounter.last_number + 1)
        .returning(InvoiceCounter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def format_number(prefix: str, year: int, sequence: int) -> str:
    """``F-2026-000123``."""
    return f"{prefix}-{year}-{sequence:06d}"
