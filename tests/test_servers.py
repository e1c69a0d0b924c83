"""Two gunicorn servers and a worker, as deployed, sharing one database and one Redis.

Started from deploy/gunicorn.conf.py and ``flask worker --with-scheduler`` in
processes of their own, on free loopback ports, with the test's database
(PostgreSQL with ``TEST_DATABASE_URL``, else a SQLite file) and Redis
(databases 5 and 6, a key prefix and a queue of the test's own). A mail
server on the loopback refuses the first message.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select, text

from shop.extensions import db
from shop.mail import OutboxMail, OutboxStatus
from tests.conftest import create_schema, make_app, per_test_settings, sibling_database
from tests.jobqueue import REDIS_URL, RedisJobs, need_redis
from tests.shop.test_shared_limits import LIMITS_REDIS_URL

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')

pytestmark = [pytest.mark.slow, pytest.mark.commits]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, seconds: float = 40.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture
def database(database_url, tmp_path):
    """A database of its own for the servers, with every table."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'servers.sqlite3'}"
    else:
        url = sibling_database(database_url, "servers")
    application = make_app(url, tmp_path / "schema")
    with application.app_context():
        create_schema()
        db.engine.dispose()
    yield url
    if not url.startswith("sqlite"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()


@pytest.fixture
def deployment(database, tmp_path, smtp_server):
    """Two web servers and a worker; yields their base URLs and the environment."""
    need_redis(REDIS_URL)
    need_redis(LIMITS_REDIS_URL)
    import redis

    ports = [free_port(), free_port()]
    queue, prefix = f"servers-{uuid.uuid4().hex[:8]}", f"servers-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "TAAWON_ENV": "testing",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{ports[0]}",
        "SECRET_KEY": "servers-test-secret",
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": LIMITS_REDIS_URL,
        "TAAWON_RATELIMIT_KEY_PREFIX": prefix,
        "TAAWON_LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "10 per 15 minutes",
        "TAAWON_JOB_QUEUE": queue,
        "TAAWON_JOB_RETRY_INTERVALS": "[1]",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "MAIL_USE_TLS": "false",
        # The tests' own folders (the outbox is the mail server here).
        **{
            name: value
            for name, value in per_test_settings(tmp_path).items()
            if name in ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "SEARCH_INDEX_DIR")
        },
        "TAAWON_SEARCH_INDEX_AUTOCREATE": "true",
        "PROXY_COUNT": "0",
        "WEB_CONCURRENCY": "1",
    }
    env.pop("TEST_DATABASE_URL", None)
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = {
        f"web-{port}": ([str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py")],
                        {**env, "PORT": str(port)})
        for port in ports
    }  # fmt: skip
    commands["worker"] = ([str(BIN / "flask"), "--app", "shop", "worker", "--with-scheduler"], env)
    processes = []
    for name, (command, environment) in commands.items():
        with (logs / f"{name}.log").open("w") as log:
            processes.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
                )
            )
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url in urls:
            wait_until(lambda url=url: answers(f"{url}/healthz"), what=f"{url} to start")
        yield urls, env
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        jobs_left = RedisJobs.named(queue)
        jobs_left.clean()
        jobs_left.connection.close()
        connection = redis.Redis.from_url(LIMITS_REDIS_URL)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()
        for log in sorted(logs.iterdir()):
            print(f"--- {log.name}\n{log.read_text()[-3000:]}")


def post(session: requests.Session, url: str, page: str, data: dict) -> requests.Response:
    token = CSRF.search(session.get(url + page, timeout=10).text)
    assert token, f"no CSRF token on {page}"
    return session.post(url + page, data={**data, "csrf_token": token.group(1)}, timeout=30)


def test_two_servers_share_limits_and_the_worker_sends_each_mail_once(
    deployment, smtp_server, database
):
    (a, b), _env = deployment
    # Ten failed logins spread over both servers trip one shared limit.
    browsers = {a: requests.Session(), b: requests.Session()}
    login = "/en/account/login"
    wrong = {"email": "amina@example.com", "password": "wrong-password"}
    codes = [post(browsers[url], url, login, wrong).status_code for url in (a, b) * 5]
    assert codes == [200] * 10
    assert post(browsers[a], a, login, wrong).status_code == 429
    assert post(browsers[b], b, login, wrong).status_code == 429

    # A mail caused through server B: the request only queues it; the mail
    # server refuses it once, the worker retries it after its backoff and it
    # is sent exactly once.
    smtp_server.fail_next = 1
    answer = post(
        requests.Session(), b, "/en/account/register", {"email": "new@example.com", "name": "N"}
    )
    assert answer.status_code == 200
    wait_until(lambda: len(smtp_server.messages) == 1, what="the mail to be sent")
    time.sleep(2)  # time for a wrong second send to show
    assert smtp_server.attempts == 2 and len(smtp_server.messages) == 1
    engine = create_engine(database)
    with engine.connect() as conn:
        ((status, attempts),) = conn.execute(select(OutboxMail.status, OutboxMail.attempts)).all()
    engine.dispose()
    assert (OutboxStatus(status), attempts) == (OutboxStatus.SENT, 2)
    assert b"new@example.com" in smtp_server.messages[0]
