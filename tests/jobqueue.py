"""Fixtures for background jobs: a queue of the test's own on the real Redis, a burst
worker in this process, and a small SMTP server on the loopback.

Loaded by tests/conftest.py (``pytest_plugins``). Redis is the local one
(``TEST_REDIS_URL``, database 6 by default); each test gets a queue of its
own name and its keys are deleted after it. Without Redis these tests are
skipped, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest

from shop import jobs

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/6")


def redis_answers(url: str = REDIS_URL) -> bool:
    """Whether a Redis server answers PING at ``url``."""
    parts = urlparse(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def need_redis(url: str = REDIS_URL) -> None:
    """Skip the test without Redis, except in CI where it must be there."""
    if not os.environ.get("CI") and not redis_answers(url):
        pytest.skip(f"no Redis at {url}")


class RedisJobs:
    """The test's RQ queue, and a worker to run what it holds."""

    def __init__(self, queue) -> None:
        self.queue = queue
        self.connection = queue.connection

    def work(self) -> int:
        """Run every queued job (and the retries that come due at once) here; how many ran."""
        from rq import SimpleWorker
        from rq.serializers import JSONSerializer

        before = self.done()
        worker = SimpleWorker([self.queue], connection=self.connection, serializer=JSONSerializer)
        worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
        return self.done() - before

    def done(self) -> int:
        """Jobs that finished or failed for good so far."""
        return len(self.queue.finished_job_registry) + len(self.queue.failed_job_registry)

    def names(self) -> list[str]:
        """The names of the jobs waiting in the queue, in order."""
        return [job.args[0] for job in self.queue.get_jobs()]

    def job_ids(self) -> set[str]:
        """Every job this test's queue has seen, in any registry."""
        queue = self.queue
        ids = set(queue.get_job_ids())
        for registry in (
            queue.started_job_registry,
            queue.finished_job_registry,
            queue.failed_job_registry,
            queue.scheduled_job_registry,
            queue.deferred_job_registry,
            queue.canceled_job_registry,
        ):
            ids.update(registry.get_job_ids())
        return ids

    def clean(self) -> None:
        """Delete every key of this queue and of its jobs."""
        for job_id in self.job_ids():
            for key in self.connection.scan_iter(f"rq:*{job_id}*"):
                self.connection.delete(key)
        for key in self.connection.scan_iter(f"*{self.queue.name}*"):
            self.connection.delete(key)
        self.connection.srem("rq:queues", self.queue.key)

    @classmethod
    def named(cls, name: str, url: str = REDIS_URL) -> RedisJobs:
        """The queue called ``name`` on ``url`` (to clean up after other processes)."""
        from redis import Redis
        from rq import Queue
        from rq.serializers import JSONSerializer

        return cls(Queue(name, connection=Redis.from_url(url), serializer=JSONSerializer))


@pytest.fixture
def redis_jobs(app) -> Iterator[RedisJobs]:
    """Jobs go to a queue of this test's own on Redis; retries come due at once."""
    need_redis()
    app.config.update(
        REDIS_URL=REDIS_URL,
        JOB_QUEUE=f"test-{uuid.uuid4().hex[:12]}",
        JOB_RETRY_INTERVALS=[0, 0, 0],
    )
    queued = RedisJobs(jobs.queue())
    try:
        yield queued
    finally:
        queued.clean()
        queued.connection.close()


@dataclass
class FakeSMTP:
    """What the SMTP server saw: every DATA it was sent, and the messages it accepted."""

    fail_next: int = 0
    attempts: int = 0
    port: int = 0
    messages: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def receive(self, data: bytes) -> bytes:
        with self.lock:
            self.attempts += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return b"451 4.3.0 Try again later\r\n"
            self.messages.append(data)
            return b"250 2.0.0 Queued\r\n"


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def handle(self) -> None:
        fake: FakeSMTP = self.server.fake  # type: ignore[attr-defined]
        self.wfile.write(b"220 fake.test ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 fake.test\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.wfile.write(b"250 2.0.0 OK\r\n")
            elif verb == b"DATA":
                self.wfile.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                chunks = []
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    chunks.append(chunk)
                self.wfile.write(fake.receive(b"".join(chunks)))
            elif verb == b"QUIT":
                self.wfile.write(b"221 2.0.0 Bye\r\n")
                return
            else:
                self.wfile.write(b"502 5.5.2 Not implemented\r\n")


@pytest.fixture
def smtp_server(app) -> Iterator[FakeSMTP]:
    """An SMTP server on the loopback that the app sends to (no TLS, no login)."""
    fake = FakeSMTP()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.fake = fake  # type: ignore[attr-defined]
    fake.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=fake.port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_USERNAME="",
    )
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
