"""``flask worker`` waits for jobs as long as it must, whatever used Redis before it.

redis-py (8) reads with a 5 s timeout unless told otherwise; RQ raises it
above its blocking wait for jobs only for connections opened after the
worker is made. The worker quit after 5 idle seconds when it inherited an
older connection (tests/test_servers.py's worker lost its mail job so).
"""

from __future__ import annotations

import pytest

from shop.worker import make_worker


@pytest.mark.slow
def test_the_worker_waits_for_jobs_longer_than_redis_clients_time_out(app, redis_jobs):
    queue = redis_jobs.queue
    queue.connection.ping()  # the app's client has a connection open (a tick, a submit)
    worker = make_worker(queue)
    try:
        assert [q.name for q in worker.queues] == [queue.name]
        # A wait of 6 s for a job that does not come: an empty answer, no timeout.
        empty, elsewhere = f"{queue.key}:empty", f"{queue.key}:elsewhere"
        assert worker.connection.blmove(empty, elsewhere, 6) is None
    finally:
        worker.connection.close()
