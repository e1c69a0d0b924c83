"""The platform's monthly commission invoices to each cooperative, from the ledger.

The commission of a month is what the ledger's commission account
(``platform.commission``) received for the cooperative's parcels in that
Casablanca calendar month: commissions of the sales posted then, less those
of the refunds posted then. It is the amount invoiced, taxes included, so
the invoices of a month add up to the account's movement (a test checks).
A month whose net commission is not positive gets no invoice.

``flask invoices monthly --month 2026-11`` issues a month's invoices; the
``commission-invoices`` job (every six hours) issues the last month's once
it is over. Both are safe to run again: each invoice's key names the
cooperative and the month, so a second run finds it and writes nothing.
"""

from __future__ import annotations

import re
from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from orders import invoicing
from orders.invoicing import identity
from orders.invoicing.issuing import period_of
from orders.models import Shipment
from producers.models import Cooperative
from shop import clock, jobs
from shop.extensions import db
from shop.money import ledger
from shop.money.amounts import mad_str

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_period(text: str) -> tuple[int, int]:
    """``2026-11`` as (2026, 11); ValueError otherwise."""
    match = PERIOD.match(text.strip())
    if not match:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return int(match.group(1)), int(match.group(2))


def previous_period(today: date | None = None) -> str:
    """The month before ``today``'s (Casablanca), as ``YYYY-MM``."""
    today = today or clock.local_date()
    first = today.replace(day=1)
    return period_of(date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1))


def commission_by_cooperative(period: str) -> dict[int, int]:
    """The net commission the ledger received per cooperative in ``period`` (centimes)."""
    start, end = clock.month_bounds(*parse_period(period))
    rows = db.session.execute(
        select(Shipment.cooperative_id, func.sum(ledger.JournalLine.amount_cents))
        .join(ledger.JournalEntry, ledger.JournalEntry.id == ledger.JournalLine.entry_id)
        .join(Shipment, Shipment.id == ledger.JournalLine.shipment_id)
        .where(
            ledger.JournalLine.account == ledger.COMMISSION,
            ledger.JournalEntry.created_at >= start,
            ledger.JournalEntry.created_at < end,
        )
        .group_by(Shipment.cooperative_id)
    )
    # The commission account is credited (negative amounts) by sales.
    return {coop_id: -int(total or 0) for coop_id, total in rows}


def invoice_month(period: str) -> list[invoicing.Invoice]:
    """Issue the commission invoice of every cooperative with a positive commission in ``period``.

    Refuses (ValueError) while the platform's own identifiers
    (``PLATFORM_LEGAL``) are incomplete, or for a month not over yet.
    """
    year, month = parse_period(period)
    if (year, month) >= (clock.local_date().year, clock.local_date().month):
        raise ValueError(f"{period} is not over yet")
    missing = identity.platform_missing()
    if missing:
        raise ValueError("PLATFORM_LEGAL lacks: " + ", ".join(missing))
    amounts = commission_by_cooperative(period)
    cooperatives = {
        coop.id: coop
        for coop in db.session.scalars(select(Cooperative).where(Cooperative.id.in_(list(amounts))))
    }
    return [
        invoicing.issue_commission(cooperatives[coop_id], period, cents)
        for coop_id, cents in sorted(amounts.items())
        if cents > 0
    ]


@jobs.job("commission-invoices")
def commission_invoices() -> int:
    """Issue last month's commission invoices (once; later runs find them); return how many."""
    if identity.platform_missing():
        return 0  # not configured: `flask invoices monthly` says what is missing
    issued = invoice_month(previous_period())
    db.session.commit()
    return len(issued)


invoices_cli = AppGroup("invoices", help="Legal invoices: the platform's commission invoices.")


@invoices_cli.command("monthly")
@click.option("--month", "period", help="The month, YYYY-MM (default: last month).")
def monthly_command(period: str | None) -> None:
    """Issue each cooperative's commission invoice for a month, from the ledger."""
    period = period or previous_period()
    try:
        issued = invoice_month(period)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for invoice in issued:
        click.echo(
            f"{invoice.number}  {invoice.cooperative.legal_name}  {mad_str(invoice.total_cents)} MAD"
        )
    click.echo(f"{len(issued)} commission invoice(s) for {period}.")


def init_commission(app: Flask) -> None:
    """The command and the periodic job (``JOB_SCHEDULE`` overrides its period)."""
    app.cli.add_command(invoices_cli)
    jobs.every(app, 6 * 3600, commission_invoices)
