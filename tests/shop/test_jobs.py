"""Background jobs: the mail outbox on a real Redis queue with a real worker, and the
same work in-process when there is no Redis.

The worker is RQ's SimpleWorker in burst mode, in this process: it runs what
the queue holds (and retries that come due at once) and stops.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from shop import jobs, mail
from shop.extensions import db
from shop.mail import OutboxMail, OutboxStatus
from shop.models import utcnow
from shop.worker import Ticker


def queue_mail(to: str = "amina@example.com", subject: str = "Bonjour") -> OutboxMail:
    return mail.send_after_commit(mail.build_message(to, subject, "Le corps du message."))


def rows() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


# ---------------------------------------------------------------- with Redis


def test_a_mail_that_fails_once_is_retried_and_sent_exactly_once(app, redis_jobs, smtp_server):
    smtp_server.fail_next = 1  # the server answers 451 to the first try
    queue_mail()
    db.session.commit()
    (row,) = rows()
    assert row.status == OutboxStatus.PENDING and row.attempts == 0  # nothing sent in the request
    assert redis_jobs.names() == ["mail-deliver"]

    redis_jobs.work()  # the first try fails, RQ retries it, the second sends

    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert row.sent_at is not None and row.last_error == ""
    assert smtp_server.attempts == 2
    (received,) = smtp_server.messages
    assert b"Subject: Bonjour" in received

    # The same job again (a duplicate, a sweep) finds the row sent: no second mail.
    jobs.submit(mail.deliver, row.id)
    redis_jobs.work()
    assert len(smtp_server.messages) == 1 and rows()[0].attempts == 2


def test_a_failed_send_waits_for_its_backoff(app, redis_jobs, smtp_server):
    app.config["JOB_RETRY_INTERVALS"] = [90, 600]
    smtp_server.fail_next = 1
    queue_mail()
    db.session.commit()
    redis_jobs.work()
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "451" in row.last_error
    registry = redis_jobs.queue.scheduled_job_registry
    (job_id,) = registry.get_job_ids()
    wait = registry.get_scheduled_time(job_id) - datetime.now(UTC)
    assert timedelta(seconds=80) < wait <= timedelta(seconds=90)  # the first interval
    assert redis_jobs.work() == 0 and smtp_server.messages == []  # not before its time

    # Its time comes: RQ's scheduler (inside `flask worker`) puts it back on the queue.
    from rq.scheduler import RQScheduler
    from rq.serializers import JSONSerializer

    registry.schedule(redis_jobs.queue.fetch_job(job_id), datetime.now(UTC) - timedelta(seconds=1))
    scheduler = RQScheduler(
        [redis_jobs.queue], connection=redis_jobs.connection, serializer=JSONSerializer
    )
    scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()
    redis_jobs.work()
    assert rows()[0].status == OutboxStatus.SENT and len(smtp_server.messages) == 1


def test_a_mail_is_given_up_after_its_attempts(app, redis_jobs, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    smtp_server.fail_next = 5
    queue_mail()
    db.session.commit()
    redis_jobs.work()
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 2)
    assert smtp_server.attempts == 2 and smtp_server.messages == []


def test_a_rolled_back_transaction_mails_nobody(app, redis_jobs, smtp_server):
    queue_mail()
    db.session.rollback()
    assert rows() == [] and redis_jobs.names() == []


def test_a_mail_being_sent_is_not_sent_again_until_its_sender_is_presumed_dead(
    app, redis_jobs, smtp_server
):
    queue_mail()
    db.session.commit()
    (row,) = rows()
    # A sender claimed it (and may be talking to the server right now).
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row.id)
        .values(status=OutboxStatus.SENDING, attempts=1, attempted_at=utcnow())
    )
    db.session.commit()
    redis_jobs.work()  # the job of the commit: the row is claimed, it does nothing
    assert smtp_server.attempts == 0
    assert mail.retry_stale() == 0  # not stale yet
    # The sender died between the server's "250" and its "sent": after the
    # timeout the sweeper sends it again (the one double-send window).
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row.id)
        .values(attempted_at=utcnow() - timedelta(minutes=16))
    )
    db.session.commit()
    assert mail.retry_stale() == 1
    redis_jobs.work()
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    assert len(smtp_server.messages) == 1


def test_redis_unreachable_at_commit_runs_the_job_here(app, redis_jobs, outbox):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    queue_mail()
    db.session.commit()
    assert rows()[0].status == OutboxStatus.SENT and len(outbox()) == 1


def test_the_schedule_enqueues_each_periodic_job_once_per_period(app, redis_jobs):
    entries = [jobs.Periodic("mail-retry", 300)]
    first = Ticker(app, entries, redis_jobs.connection, redis_jobs.queue.key)
    second = Ticker(app, entries, redis_jobs.connection, redis_jobs.queue.key)
    now = 1_800_000_000.0
    assert first.tick(now) == ["mail-retry"]
    assert first.tick(now + 10) == []  # same period
    assert second.tick(now + 20) == []  # another scheduler: the period is taken
    assert redis_jobs.names() == ["mail-retry"]
    assert second.tick(now + 300) == ["mail-retry"]  # the next period, whoever comes first
    assert first.tick(now + 301) == []
    assert redis_jobs.work() == 2
    assert 0 < first.pause(now) <= 30


def test_unknown_job_names_are_refused(app, redis_jobs):
    with pytest.raises(LookupError):
        jobs.perform("os.system", ["echo no"])
    with pytest.raises(TypeError):
        jobs.after_commit(print, "not a job")


def test_worker_command_runs_the_queue(app, redis_jobs, runner, outbox):
    queue_mail()
    db.session.commit()
    assert rows()[0].status == OutboxStatus.PENDING
    result = runner.invoke(args=["worker", "--burst", "--simple"])
    assert result.exit_code == 0, result.output
    assert rows()[0].status == OutboxStatus.SENT and len(outbox()) == 1


def test_enqueue_command(app, redis_jobs, runner):
    result = runner.invoke(args=["jobs", "enqueue", "mail-retry"])
    assert result.exit_code == 0 and "queued as" in result.output
    assert redis_jobs.names() == ["mail-retry"]
    assert runner.invoke(args=["jobs", "enqueue", "no-such-job"]).exit_code != 0


# ---------------------------------------------------------------- without Redis


def test_without_redis_the_mail_is_sent_here_after_commit(app, outbox):
    assert not app.config["REDIS_URL"] and jobs.queue() is None
    queue_mail()
    assert outbox() == []  # not before the commit
    db.session.commit()
    (message,) = outbox()
    assert message["Subject"] == "Bonjour"
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)


def test_without_redis_a_failed_send_is_kept_and_tick_sends_it_later(
    app, smtp_server, runner, caplog
):
    smtp_server.fail_next = 1
    queue_mail()
    db.session.commit()  # fails in-process: logged, the row waits
    (row,) = rows()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "job mail-deliver failed" in caplog.text
    app.config["MAIL_RETRY_AFTER"] = 0
    result = runner.invoke(args=["jobs", "tick"])
    assert "mail-retry: done" in result.output
    assert rows()[0].status == OutboxStatus.SENT and len(smtp_server.messages) == 1


def test_worker_command_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output


def test_jobs_list_names_the_schedule(runner):
    output = runner.invoke(args=["jobs", "list"]).output
    for line in (
        "mail-retry  every 300 s",
        "mail-purge  every 21600 s",
        "release-holds  every 60 s",
        "release-due  every 900 s",
        "image-renditions-missing  every 900 s",
    ):
        assert line in output
    for name in ("mail-deliver", "image-renditions", "search-reindex", "payout-bank-file"):
        assert name in output


def test_job_schedule_setting_changes_or_stops_a_period(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(
        database_url, tmp_path, JOB_SCHEDULE={"release-holds": 30, "image-renditions-missing": 0}
    )
    periods = {entry.name: entry.seconds for entry in jobs.schedule(app)}
    assert periods["release-holds"] == 30 and "image-renditions-missing" not in periods
    with app.app_context():
        db.engine.dispose()


def test_outbox_counts_each_mail_once(app, outbox):
    for n in range(3):
        queue_mail(subject=f"Message {n}")
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 3
    assert sorted(m["Subject"] for m in outbox()) == ["Message 0", "Message 1", "Message 2"]


def test_dropped_mails_are_neither_kept_nor_sent(app, outbox):
    queue_mail(subject="Sent")
    db.session.commit()
    queue_mail(subject="Flushed, then dropped")
    db.session.flush()
    queue_mail(subject="Dropped")
    mail.drop_queued()  # the demo's fictional shoppers get nothing
    db.session.commit()
    assert [row.subject for row in rows()] == ["Sent"]
    assert [m["Subject"] for m in outbox()] == ["Sent"]


def test_sent_mails_are_purged_after_their_keeping_days(app):
    for subject in ("Old", "Recent", "Failed long ago"):
        queue_mail(subject=subject)
    db.session.commit()
    old, recent, failed = rows()
    long_ago = utcnow() - timedelta(days=31)
    db.session.execute(update(OutboxMail).where(OutboxMail.id == old.id).values(sent_at=long_ago))
    db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == failed.id)
        .values(status=OutboxStatus.FAILED, sent_at=None, created_at=long_ago)
    )
    db.session.commit()
    assert mail.purge_sent() == 1
    assert [row.subject for row in rows()] == ["Recent", "Failed long ago"]
