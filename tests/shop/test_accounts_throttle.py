"""Login throttling: other people's failures never refuse the right password.

Each client has its own address (``REMOTE_ADDR``), as behind a proxy with
ProxyFix. The limits are small so that the tests stay short.
"""

from __future__ import annotations

import uuid

import pytest

from shop.accounts import throttle
from tests.conftest import redis_answers

LIMITS = {
    "RATELIMIT_ENABLED": True,
    "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "3 per 15 minutes",
    "LOGIN_FAILURES_PER_ADDRESS": "8 per hour",
    "LOGIN_FAILURES_PER_ACCOUNT": "6 per hour",
}
RIGHT = "correct horse battery"
LOGIN = "/en/account/login"


@pytest.fixture
def app_config():
    return dict(LIMITS)


@pytest.fixture
def from_address(app):
    """``from_address("203.0.113.7")``: a client whose requests come from there."""

    def make(address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    return make


def attempt(client, post_form, email: str, password: str):
    return post_form(client, LOGIN, {"email": email, "password": password})


def refused(response) -> bool:
    if response.status_code == 429:
        assert "Too many failed attempts from here." in response.get_data(as_text=True)
        return True
    return False


def test_other_addresses_failures_never_refuse_the_right_password(
    post_form, make_user, from_address
):
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    attackers = [from_address(f"198.51.100.{n}") for n in range(1, 6)]
    codes = [  # 5 addresses × 3 tries, far over the account's 6 failures
        attempt(client, post_form, admin.email, "guess-guess-guess").status_code
        for client in attackers
        for _ in range(3)
    ]
    # Once the account is under attack, each new address gets one guess only.
    assert codes == [200] * 6 + [200, 429, 429] * 3
    assert refused(attempt(attackers[0], post_form, admin.email, RIGHT))
    # The administrator, from an address of their own, gets in at once.
    office = from_address("203.0.113.10")
    assert attempt(office, post_form, admin.email, RIGHT).status_code == 302


def test_an_address_that_failed_is_refused_even_with_the_right_password(
    post_form, make_user, from_address
):
    user = make_user()
    client = from_address("198.51.100.1")
    for _ in range(3):
        assert attempt(client, post_form, user.email, "wrong-password").status_code == 200
    blocked = attempt(client, post_form, user.email, RIGHT)
    assert refused(blocked)  # no password is checked any more from there
    assert client.get(LOGIN).status_code == 200  # reading the form is free


def test_only_failures_count_and_a_success_clears_the_address(post_form, make_user, from_address):
    user = make_user()
    client = from_address("203.0.113.20")
    for _ in range(5):  # more successes than any limit
        assert attempt(client, post_form, user.email, RIGHT).status_code == 302
        post_form(client, "/en/account/logout", page="/en/account/")
    for _ in range(2):
        attempt(client, post_form, user.email, "typo-typo-typo")
    assert attempt(client, post_form, user.email, RIGHT).status_code == 302
    post_form(client, "/en/account/logout", page="/en/account/")
    for _ in range(2):  # the two earlier failures were forgotten: two more are allowed
        assert attempt(client, post_form, user.email, "typo-typo-typo").status_code == 200
    assert attempt(client, post_form, user.email, RIGHT).status_code == 302


def test_one_address_trying_many_accounts_is_stopped(post_form, make_user, from_address):
    users = [make_user() for _ in range(5)]
    client = from_address("198.51.100.66")
    for user in users[:4]:
        for _ in range(2):
            assert attempt(client, post_form, user.email, "wrong-password").status_code == 200
    assert refused(attempt(client, post_form, users[4].email, RIGHT))
    assert attempt(from_address("203.0.113.1"), post_form, users[4].email, RIGHT).status_code == 302


def test_an_account_under_attack_refuses_addresses_that_failed_on_it(
    post_form, make_user, from_address
):
    user = make_user()
    # Six addresses fail once each: the account is now under attack.
    clients = [from_address(f"198.51.100.{n}") for n in range(1, 7)]
    for client in clients:
        assert attempt(client, post_form, user.email, "wrong-password").status_code == 200
    # An address that failed on it gets no second guess, right password or not...
    assert refused(attempt(clients[0], post_form, user.email, RIGHT))
    # ...while a clean address still may try, and the right password gets in.
    assert attempt(from_address("203.0.113.5"), post_form, user.email, RIGHT).status_code == 302


def test_unknown_addresses_are_throttled_alike(post_form, make_user, from_address):
    """The answers do not tell whether an account exists."""
    make_user(email="real@example.com")
    answers = {}
    for email in ("real@example.com", "nobody@example.com"):
        client = from_address("198.51.100.9" if email.startswith("real") else "198.51.100.10")
        codes = [attempt(client, post_form, email, "wrong-password").status_code for _ in range(4)]
        answers[email] = codes
    assert answers["real@example.com"] == answers["nobody@example.com"] == [200, 200, 200, 429]


def test_a_wrong_current_password_on_the_change_form_counts(post_form, make_user, from_address):
    user = make_user()
    client = from_address("198.51.100.30")
    assert attempt(client, post_form, user.email, RIGHT).status_code == 302
    data = {"current_password": "guess", "password": "x-y-z-w-v-u", "confirm": "x-y-z-w-v-u"}
    for _ in range(3):
        post_form(client, "/en/account/password", data)
    assert refused(post_form(client, "/en/account/password", {**data, "current_password": RIGHT}))


@pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")
class TestWithRedis:
    """The same rules with the counters in Redis, as in production."""

    PREFIX = f"taawon-test-{uuid.uuid4().hex[:12]}"

    @pytest.fixture
    def app_config(self):
        return {
            **LIMITS,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "RATELIMIT_KEY_PREFIX": self.PREFIX,
        }

    @pytest.fixture
    def redis(self, app):
        import redis

        connection = redis.Redis(host="127.0.0.1", port=6379, db=0)
        yield connection
        for key in connection.scan_iter(f"*{self.PREFIX}*"):
            connection.delete(key)
        connection.close()

    def test_failures_are_counted_in_redis(self, app, redis, post_form, make_user, from_address):
        assert type(app.extensions[throttle.EXTENSION].strategy.storage).__name__ == "RedisStorage"
        user = make_user()
        thief, owner = from_address("198.51.100.1"), from_address("203.0.113.1")
        for _ in range(3):
            assert attempt(thief, post_form, user.email, "wrong-password").status_code == 200
        assert any(redis.scan_iter(f"*{self.PREFIX}/login-failures*"))
        assert refused(attempt(thief, post_form, user.email, RIGHT))
        assert attempt(owner, post_form, user.email, RIGHT).status_code == 302


def test_redis_url_is_the_default_storage(monkeypatch, tmp_path):
    from flask import Flask

    from shop.config import load_config

    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    app = Flask("t", instance_path=str(tmp_path))
    load_config(app, {"SECRET_KEY": "x"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    app = Flask("t", instance_path=str(tmp_path))
    load_config(app, {"SECRET_KEY": "x"})
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
