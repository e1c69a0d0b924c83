"""Background jobs: RQ on Redis when ``REDIS_URL`` is set, in-process otherwise.

Work that should not hold a request (sending a mail, a picture's smaller
renditions, a payout batch's bank file, rebuilding the search index) is a
*job*: a function declared with ``@job`` whose arguments are JSON values
(ids, strings). Code asks for one with ``after_commit(func, *args)``: the job
is handed over only once the session's transaction commits, and forgotten if
it rolls back, so a worker never looks for a row that is not there yet.

- With ``REDIS_URL``, the job goes to the RQ queue ``JOB_QUEUE`` (JSON, never
  pickle: whoever can write to Redis must not be able to run code) and a
  worker (``flask worker``) runs it. A job that raises is retried after each
  of ``JOB_RETRY_INTERVALS`` seconds (backoff), then left in RQ's failed
  registry. Each job must be safe to run again: it claims its work with a
  conditional UPDATE or a lock (the mail outbox, payouts) or writes the same
  result twice (renditions under content addresses, the search index).
- Without it (``make run``, the tests on SQLite), the job runs right after the
  commit in the same process, as mails always did, and a failure is logged.

Periodic jobs (``every``) are enqueued by ``flask worker --with-scheduler``
(``shop/worker.py``), or run by ``flask jobs tick`` from cron when there is
no Redis. Each domain declares its own with a default period;
``JOB_SCHEDULE = {"name": seconds}`` in the configuration changes one, and
``0`` turns it off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

log = logging.getLogger(__name__)

#: ``Session.info`` key of the jobs waiting for their transaction to commit.
PENDING = "jobs_after_commit"
#: ``app.extensions`` keys: the RQ queue (per URL and name) and the schedule.
QUEUE_EXTENSION = "taawon_job_queue"
SCHEDULE_EXTENSION = "taawon_job_schedule"
#: What the worker calls: it looks the job up by name in the registry.
PERFORM = "shop.jobs.perform"

#: Every declared job, by name.
_REGISTRY: dict[str, Callable[..., Any]] = {}


def job(name: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a function a job, under ``name`` (default: its dotted path)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        key = name or f"{func.__module__}.{func.__qualname__}"
        _REGISTRY[key] = func
        func.job_name = key  # type: ignore[attr-defined]
        return func

    return register


def name_of(func: Callable[..., Any] | str) -> str:
    """A job's registered name (a name passes through, so callers need not import the job)."""
    if isinstance(func, str):
        return func
    name = getattr(func, "job_name", None)
    if name is None:
        raise TypeError(f"{func!r} is not a job: declare it with @jobs.job()")
    return name


def registered() -> dict[str, Callable[..., Any]]:
    """Every declared job by name (a copy)."""
    return dict(_REGISTRY)


class RowId:
    """An argument that is a new row's primary key, known once the transaction is flushed."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def resolve(self) -> Any:
        """The row's id, or None if it was never saved (a rolled-back savepoint)."""
        identity = inspect(self.obj).identity
        return identity[0] if identity else None


# ---------------------------------------------------------------- after commit


def after_commit(
    func: Callable[..., Any] | str, *args: Any, session: Session | None = None
) -> None:
    """Run job ``func(*args)`` once the current transaction commits; never if it rolls back."""
    from .extensions import db

    target = session if session is not None else db.session
    real = target() if isinstance(target, scoped_session) else target
    if not real.in_transaction():
        # A job queued before any SQL: begin now, so a rollback forgets it.
        real.begin()
    target.info.setdefault(PENDING, []).append((name_of(func), args))


def drop(func: Callable[..., Any] | str, session: Session | None = None) -> list[tuple]:
    """Forget the jobs ``func`` queued in the current transaction; return their arguments."""
    from .extensions import db

    target = session if session is not None else db.session
    name = name_of(func)
    queued = target.info.get(PENDING) or []
    dropped = [args for item_name, args in queued if item_name == name]
    queued[:] = [item for item in queued if item[0] != name]
    return dropped


def _dispatch(session: Session) -> None:
    queued = session.info.pop(PENDING, None)
    if not queued or not has_app_context():
        return
    for name, args in queued:
        values = [arg.resolve() if isinstance(arg, RowId) else arg for arg in args]
        if any(
            value is None for value, arg in zip(values, args, strict=True) if isinstance(arg, RowId)
        ):
            continue  # its row was rolled back with a savepoint
        submit(name, *values)


def _forget(session: Session, previous: SessionTransaction) -> None:
    # A rolled-back savepoint keeps the outer transaction's jobs (a job whose
    # row went with the savepoint is skipped by _dispatch); a full rollback
    # forgets them all.
    if previous.parent is None:
        session.info.pop(PENDING, None)


def init_jobs(_app: Flask) -> None:
    """Hand queued jobs over after commit (listeners once per process; settings in config.py)."""
    if not event.contains(Session, "after_commit", _dispatch):
        event.listen(Session, "after_commit", _dispatch)
        event.listen(Session, "after_soft_rollback", _forget)


# ---------------------------------------------------------------- submitting


def queue() -> Any:
    """The RQ queue of this application, or None without ``REDIS_URL``."""
    config = current_app.config
    url = config.get("REDIS_URL")
    if not url:
        return None
    key = (url, config["JOB_QUEUE"])
    cache = current_app.extensions.setdefault(QUEUE_EXTENSION, {})
    if key not in cache:
        from redis import Redis
        from rq import Queue
        from rq.serializers import JSONSerializer

        cache[key] = Queue(
            config["JOB_QUEUE"],
            connection=Redis.from_url(url),
            serializer=JSONSerializer,
            default_timeout=int(config["JOB_TIMEOUT"]),
        )
    return cache[key]


def submit(func: Callable[..., Any] | str, *args: Any, job_id: str | None = None) -> Any:
    """Give job ``func(*args)`` to the queue now (or run it here without Redis).

    Returns the RQ job, or None when it ran in-process. If Redis cannot be
    reached the job runs here, so that nothing is lost.
    """
    name = name_of(func)
    target = queue()
    if target is not None:
        from redis.exceptions import RedisError
        from rq import Retry

        intervals = [int(s) for s in current_app.config["JOB_RETRY_INTERVALS"]]
        try:
            return target.enqueue_call(
                PERFORM,
                args=(name, list(args)),
                retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
                job_id=job_id,
                description=name,
                result_ttl=24 * 3600,
                failure_ttl=30 * 24 * 3600,
            )
        except RedisError:
            log.exception("could not queue job %s: running it here", name)
    run_here(name, *args)
    return None


def run_here(func: Callable[..., Any] | str, *args: Any) -> bool:
    """Run a job in this process, in an app context (and session) of its own; False if it failed."""
    name = name_of(func)
    try:
        _call(current_app._get_current_object(), name, list(args))  # type: ignore[attr-defined]
    except Exception:
        log.exception("job %s failed", name)
        return False
    return True


def perform(name: str, args: list[Any]) -> Any:
    """What the worker runs: job ``name`` with ``args``, in a fresh app context.

    The worker must be ``flask worker`` (it holds the application); a bare
    ``rq worker`` has none and every job fails saying so.
    """
    if not has_app_context():
        raise RuntimeError("jobs need the application: run workers with `flask worker`")
    return _call(current_app._get_current_object(), name, args)  # type: ignore[attr-defined]


def _call(app: Flask, name: str, args: list[Any]) -> Any:
    func = _REGISTRY.get(name)
    if func is None:
        raise LookupError(f"no job named {name!r}")
    # A context of its own: its own database session, committed by the job,
    # removed when the context ends (never the session that just committed).
    with app.app_context():
        return func(*args)


# ---------------------------------------------------------------- periodic jobs


@dataclass(frozen=True)
class Periodic:
    """A job without arguments run every ``seconds``."""

    name: str
    seconds: int


def every(app: Flask, seconds: int, func: Callable[..., Any]) -> None:
    """Run job ``func`` every ``seconds`` (``JOB_SCHEDULE[name]`` overrides; 0 turns it off)."""
    name = name_of(func)
    seconds = int(app.config.get("JOB_SCHEDULE", {}).get(name, seconds) or 0)
    schedule: dict[str, Periodic] = app.extensions.setdefault(SCHEDULE_EXTENSION, {})
    if seconds > 0:
        schedule[name] = Periodic(name, seconds)
    else:
        schedule.pop(name, None)


def schedule(app: Flask | None = None) -> list[Periodic]:
    """The application's periodic jobs, by name."""
    target = app or current_app
    entries: dict[str, Periodic] = target.extensions.get(SCHEDULE_EXTENSION, {})
    return [entries[name] for name in sorted(entries)]


def run_all_here(entries: Iterable[Periodic]) -> dict[str, bool]:
    """Run each periodic job once in this process (``flask jobs tick``); whether each succeeded."""
    return {entry.name: run_here(entry.name) for entry in entries}
