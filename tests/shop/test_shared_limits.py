"""Two application instances (two servers) count login failures in one Redis.

Each instance is a separate ``create_app()`` with its own limiter storage
object, as two gunicorn servers would have; only Redis (database 5 here,
``TEST_LIMITS_REDIS_URL``) joins them.
"""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import csrf_token, make_app
from tests.jobqueue import need_redis

LIMITS_REDIS_URL = os.environ.get("TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/5")
LOGIN = "/en/account/login"


def servers(database_url, tmp_path, storage: str, prefix: str):
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "10 per 15 minutes",
    }
    return [make_app(database_url, tmp_path / name, **config) for name in ("a", "b")]


def fail_login(application, email: str) -> int:
    client = application.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    data = {"email": email, "password": "wrong-password", "csrf_token": csrf_token(client, LOGIN)}
    return client.post(LOGIN, data=data).status_code


def dispose(apps) -> None:
    from shop.extensions import db

    for application in apps:
        with application.app_context():
            db.engine.dispose()


@pytest.fixture
def prefix():
    """A key prefix of this test's own; its keys are deleted after it."""
    need_redis(LIMITS_REDIS_URL)
    import redis

    name = f"taawon-limits-{uuid.uuid4().hex[:12]}"
    yield name
    connection = redis.Redis.from_url(LIMITS_REDIS_URL)
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
    connection.close()


@pytest.mark.commits
def test_ten_failures_over_two_servers_trip_one_limit(app, database_url, tmp_path, prefix):
    a, b = servers(database_url, tmp_path, LIMITS_REDIS_URL, prefix)
    try:
        codes = [fail_login(server, "amina@example.com") for server in (a, b) * 5]
        assert codes == [200] * 10  # five failures on each server
        assert fail_login(a, "amina@example.com") == 429  # the eleventh, on either
        assert fail_login(b, "amina@example.com") == 429
        assert fail_login(b, "someone-else@example.com") == 200  # per account and address
    finally:
        dispose((a, b))


@pytest.mark.commits
def test_counted_per_process_the_same_failures_trip_nothing(app, database_url, tmp_path):
    # The control: each server's own memory lets each have its ten.
    a, b = servers(database_url, tmp_path, "memory://", "control")
    try:
        codes = [fail_login(server, "amina@example.com") for server in (a, b) * 6]
        assert codes == [200] * 12
    finally:
        dispose((a, b))
