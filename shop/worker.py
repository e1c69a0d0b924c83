"""``flask worker`` (an RQ worker, with the periodic schedule) and ``flask jobs``.

The worker forks a work horse per job (RQ's ``Worker``), so a job that
leaks memory or crashes in a C library takes only its horse with it; the
database pool is reset in each horse (connections are never shared across
a fork). RQ's own scheduler runs in every worker (one of them holds its lock
at a time) and puts retried jobs back on the queue when their backoff ends.

``--with-scheduler`` also enqueues the periodic jobs (``jobs.every``). Any
number of workers may run it: each period's turn is claimed in Redis with
``SET NX`` (key ``<queue>:schedule:<name>:<turn>``), so a job is enqueued
once per period however many schedulers run, and another worker's
scheduler takes over when one stops.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from . import jobs
from .extensions import db

log = logging.getLogger(__name__)
jobs_cli = AppGroup("jobs", help="Background jobs: list, run or enqueue them.")


class Ticker:
    """Enqueues each periodic job once per period, across every scheduler sharing Redis."""

    def __init__(self, app: Flask, entries: list[jobs.Periodic], connection: Any, prefix: str):
        self.app = app
        self.entries = entries
        self.connection = connection
        self.prefix = prefix
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.turns: dict[str, int] = {}

    def tick(self, now: float | None = None) -> list[str]:
        """Enqueue the jobs whose new period began since the last tick; return their names."""
        now = time.time() if now is None else now
        sent = []
        for entry in self.entries:
            turn = int(now // entry.seconds)
            if self.turns.get(entry.name) == turn:
                continue
            self.turns[entry.name] = turn
            key = f"{self.prefix}:schedule:{entry.name}:{turn}"
            if not self.connection.set(key, self.name, nx=True, ex=2 * entry.seconds + 60):
                continue  # another scheduler has this turn
            with self.app.app_context():
                jobs.submit(entry.name, job_id=f"schedule-{entry.name}-{turn}")
            sent.append(entry.name)
        return sent

    def pause(self, now: float | None = None) -> float:
        """Seconds until the next period of any job begins (at most 30)."""
        now = time.time() if now is None else now
        waits = [entry.seconds - (now % entry.seconds) for entry in self.entries]
        return max(0.05, min([30.0, *waits]))

    def run(self, stop: threading.Event) -> None:
        """Tick until ``stop`` is set; a Redis failure is logged and retried."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("scheduler tick failed; trying again")
            stop.wait(self.pause())


@click.command("worker")
@click.option("--with-scheduler", is_flag=True, help="Also enqueue the periodic jobs.")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process (no fork per job).")
@with_appcontext
def worker_command(with_scheduler: bool, burst: bool, simple: bool) -> None:
    """Run the jobs of the RQ queue (REDIS_URL, JOB_QUEUE)."""
    from rq import SimpleWorker, Worker

    queue = jobs.queue()
    if queue is None:
        raise click.ClickException(
            "REDIS_URL is not set: without Redis, jobs run in the web process after "
            "each commit and `flask jobs tick` (cron) runs the periodic ones."
        )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    engine = db.engine
    if not simple:
        # Each work horse is a fork: it must open connections of its own.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    worker = make_worker(queue, SimpleWorker if simple else Worker)
    stop = threading.Event()
    if with_scheduler:
        start_schedule(app, queue, stop)
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        stop.set()


def make_worker(queue: Any, worker_class: Any = None) -> Any:
    """RQ's worker of ``queue``, on a Redis client of its own.

    RQ raises its connections' read timeout above its blocking wait for jobs
    (BLMOVE, minutes), but only for connections opened after the worker is
    made. One opened earlier on the same client (the schedule's first tick)
    kept redis-py's 5 s default, and the worker quit ("Redis connection
    timeout") the first time it waited on it for more than 5 s with nothing
    to do. A client nothing else has used cannot hold such a connection.
    """
    from redis import Redis
    from rq import Queue, Worker
    from rq.serializers import JSONSerializer

    config = current_app.config
    own = Queue(
        queue.name,
        connection=Redis.from_url(config["REDIS_URL"]),
        serializer=JSONSerializer,
        default_timeout=int(config["JOB_TIMEOUT"]),
    )
    return (worker_class or Worker)([own], connection=own.connection, serializer=JSONSerializer)


def start_schedule(app: Flask, queue: Any, stop: threading.Event) -> threading.Thread | None:
    """Enqueue the periodic jobs from a thread until ``stop`` is set; the thread, if any."""
    entries = jobs.schedule(app)
    if not entries:
        return None
    ticker = Ticker(app, entries, queue.connection, queue.key)
    thread = threading.Thread(target=ticker.run, args=(stop,), name="schedule", daemon=True)
    thread.start()
    return thread


@jobs_cli.command("list")
def list_command() -> None:
    """The declared jobs and the periodic ones' periods."""
    periods = {entry.name: entry.seconds for entry in jobs.schedule()}
    for name in sorted(jobs.registered()):
        every = f"every {periods[name]} s" if name in periods else ""
        click.echo(f"{name}  {every}".rstrip())


@jobs_cli.command("tick")
def tick_command() -> None:
    """Run every periodic job once, here (cron, on a deployment without Redis)."""
    results = jobs.run_all_here(jobs.schedule())
    for name, ok in results.items():
        click.echo(f"{name}: {'done' if ok else 'FAILED (see the log)'}")
    if not all(results.values()):
        raise SystemExit(1)


@jobs_cli.command("enqueue")
@click.argument("name")
def enqueue_command(name: str) -> None:
    """Give job NAME (one without arguments, e.g. search-reindex) to the worker."""
    if name not in jobs.registered():
        raise click.ClickException(f"no job named {name!r}; `flask jobs list` names them")
    found = jobs.submit(name)
    click.echo(f"queued as {found.id}" if found is not None else "no REDIS_URL: ran it here")


def init_worker_cli(app: Flask) -> None:
    """Register ``flask worker`` and ``flask jobs``."""
    app.cli.add_command(worker_command)
    app.cli.add_command(jobs_cli)
