"""The orders' periodic jobs: lapsed card holds and money that came due (shop/jobs.py)."""

from __future__ import annotations

from shop import jobs
from shop.extensions import db

from . import accounting, services


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


def init_jobs(app) -> None:
    """Their default periods (``JOB_SCHEDULE`` overrides)."""
    jobs.every(app, 60, release_holds)
    jobs.every(app, 15 * 60, release_due)
