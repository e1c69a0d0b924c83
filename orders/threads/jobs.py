"""The threads' periodic job: response times follow the 90-day window (shop/jobs.py)."""

from __future__ import annotations

from shop import jobs
from shop.extensions import db

from . import services


@jobs.job("thread-response-times")
def refresh_response_times() -> int:
    """Recompute each cooperative's median first-response time; return how many.

    It writes the same figures again when run twice.
    """
    count = services.refresh_all_response_times()
    db.session.commit()
    return count
