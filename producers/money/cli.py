"""``flask payouts``: run a payout batch from the command line (a cron job, say)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from producers.models import Cooperative
from producers.money import connect
from producers.money import payouts as service
from producers.money.bankfile import bank_csv
from producers.money.models import PayoutBatch
from shop import clock
from shop.extensions import db
from shop.money.amounts import mad_str

payouts_cli = AppGroup("payouts", help="Pay cooperatives what they are owed.")


@payouts_cli.command("run")
def run_command() -> None:
    """Release what is due and pay every payable balance into a new batch."""
    skipped: list[service.Skipped] = []
    batch = service.run_payouts(skipped=skipped)
    db.session.commit()
    if batch is None:
        click.echo("nothing to pay")
    else:
        names = dict(
            db.session.execute(
                select(Cooperative.id, Cooperative.legal_name).where(
                    Cooperative.id.in_([p.cooperative_id for p in batch.payouts])
                )
            ).all()
        )
        click.echo(
            f"batch {batch.id}: {len(batch.payouts)} payouts, {mad_str(batch.total_cents)} MAD"
        )
        for payout in batch.payouts:
            click.echo(
                f"  {payout.reference}  {names[payout.cooperative_id]}  "
                f"{payout.method.value}  {mad_str(payout.total_cents)} MAD"
            )
        for payout in connect.to_send(batch):  # network calls, after the commit
            sent = connect.send_transfers(payout)
            db.session.commit()
            click.echo(
                f"  {payout.reference}: "
                + (
                    "Stripe transfers sent, paid"
                    if sent
                    else f"Stripe transfers not sent: {payout.failure_reason}"
                )
            )
    for item in skipped:
        reason = {
            service.NO_BANK_DETAILS: "no bank details",
            service.NOT_POSITIVE: "balance not positive, waits",
            service.SUSPENDED: "cooperative suspended, waits",
            service.RIB_HOLD: f"RIB changed on {clock.local_stamp(item.rib_changed_at)}, "
            f"payable from {clock.local_stamp(item.payable_from)} (Casablanca)"
            if item.rib_changed_at and item.payable_from
            else "RIB changed recently, waits",
        }[item.reason]
        click.echo(f"  skipped: {item.name} ({reason}, {mad_str(item.amount_cents)} MAD)")


@payouts_cli.command("bank-csv")
@click.argument("batch_id", type=int)
def bank_csv_command(batch_id: int) -> None:
    """Print the bank transfers of batch BATCH_ID still to make, as CSV."""
    batch = db.session.get(PayoutBatch, batch_id)
    if batch is None:
        raise click.ClickException(f"no batch {batch_id}")
    click.echo(bank_csv(batch), nl=False)
