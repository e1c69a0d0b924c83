"""The orders' periodic jobs: lapsed card holds, unconfirmed cash-on-delivery orders,
and money that came due (shop/jobs.py)."""

from __future__ import annotations

from shop import jobs
from shop.extensions import db

from . import accounting, cod, services


@jobs.job("release-holds")
def release_holds() -> int:
    """Cancel and restock the unpaid card orders whose hold lapsed; return how many.

    Each order is claimed with a conditional UPDATE, so this job, a
    storefront request and ``flask orders release-holds`` never release one twice.
    """
    released = services.release_expired_holds()
    db.session.commit()
    return len(released)


@jobs.job("release-due")
def release_due() -> int:
    """Make payable the parcels whose hold has passed; return how many.

    Payout runs and balance pages still release what is due when they run;
    this keeps the ledger's payable balances current between them. Parcels
    are claimed with a conditional UPDATE, so a payout run at the same time
    releases each at most once (it holds its cooperative locks as before).
    """
    count = accounting.release_due()
    db.session.commit()
    return count


@jobs.job("cod-lapse")
def lapse_unconfirmed() -> int:
    """Cancel and restock the cash-on-delivery orders nobody confirmed in time; return how many.

    Each order is locked and checked again before it is cancelled, so this
    job running twice, or a confirmation at the same moment, never cancels a
    confirmed order nor restocks one twice.
    """
    lapsed = cod.lapse_due()
    db.session.commit()
    return len(lapsed)


def init_jobs(app) -> None:
    """Their default periods (``JOB_SCHEDULE`` overrides)."""
    jobs.every(app, 60, release_holds)
    jobs.every(app, 15 * 60, lapse_unconfirmed)
    jobs.every(app, 15 * 60, release_due)
