"""Rate limits against SMS pumping: per number, per client address, a daily cap.

A test route stands for any page that sends a text (a checkout, a phone
preference): a burst of requests goes out only as far as the limits allow;
the rest are written ``failed`` with the reason and logged.
"""

from __future__ import annotations

import os
import uuid

import pytest
from flask import request

from shop import messaging
from shop.extensions import csrf, db
from shop.messaging import Channel, MessageStatus, OutboxMessage
from tests.conftest import make_app
from tests.jobqueue import need_redis

LIMITS_REDIS_URL = os.environ.get("TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/5")
PHONE = "+212612345678"


def limited(app, **limits: str) -> None:
    """Turn the limits on for this test, with a key prefix of its own."""
    settings = {
        "MESSAGING_LIMIT_PER_PHONE": "1000 per hour",
        "MESSAGING_LIMIT_PER_ADDRESS": "1000 per hour",
        "MESSAGING_DAILY_CAP": "1000 per day",
        **limits,
    }
    app.config.update(
        RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:12]}", **settings
    )


def add_text_route(app) -> None:
    """``POST /test/text``: sends one SMS to the number posted (as a checkout would)."""

    def text():
        messaging.send_text(request.form["to"], Channel.SMS, "Taawon: 123456")
        db.session.commit()
        return "", 204

    app.add_url_rule("/test/text", "test_text", csrf.exempt(text), methods=["POST"])


def burst(client, count: int, *, phones, addresses) -> None:
    for n in range(count):
        response = client.post(
            "/test/text",
            data={"to": phones(n)},
            environ_base={"REMOTE_ADDR": addresses(n)},
        )
        assert response.status_code == 204


def statuses() -> dict[str, int]:
    rows = db.session.scalars(db.select(OutboxMessage)).all()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status.value] = counts.get(row.status.value, 0) + 1
    return counts


@pytest.mark.fresh_app
def test_a_burst_of_100_requests_to_one_number_sends_only_the_allowed_ones(
    app, client, text_outbox, caplog
):
    limited(app, MESSAGING_LIMIT_PER_PHONE="5 per hour;20 per day")
    add_text_route(app)
    # A hundred requests from a hundred addresses, all to one number.
    burst(client, 100, phones=lambda n: PHONE, addresses=lambda n: f"198.51.100.{n + 1}")
    assert len(text_outbox()) == 5
    assert statuses() == {"sent": 5, "failed": 95}
    refused = db.session.scalars(
        db.select(OutboxMessage).filter_by(status=MessageStatus.FAILED)
    ).all()
    assert {row.last_error for row in refused} == {"rate limit: phone (5 per 1 hour)"}
    assert all(row.sent_at is None and row.attempts == 0 for row in refused)
    assert refused[0].client_address.startswith("198.51.100.")
    warnings = [r for r in caplog.records if "not sent: rate limit" in r.getMessage()]
    assert len(warnings) == 95
    assert PHONE not in caplog.text  # logs mask the number
    # Another number still gets its text.
    burst(client, 1, phones=lambda n: "+212698765432", addresses=lambda n: "198.51.100.200")
    assert len(text_outbox()) == 6


@pytest.mark.fresh_app
def test_one_address_cannot_walk_through_a_list_of_numbers(app, client, text_outbox):
    limited(app, MESSAGING_LIMIT_PER_ADDRESS="10 per hour")
    add_text_route(app)
    burst(client, 30, phones=lambda n: f"+2126123456{n:02d}", addresses=lambda n: "203.0.113.9")
    assert len(text_outbox()) == 10
    assert statuses() == {"sent": 10, "failed": 20}
    # Another address is not held back by this one.
    burst(client, 1, phones=lambda n: "+212698765432", addresses=lambda n: "203.0.113.10")
    assert len(text_outbox()) == 11


@pytest.mark.fresh_app
def test_the_daily_cap_stops_every_message(app, client, text_outbox):
    limited(app, MESSAGING_DAILY_CAP="12 per day")
    add_text_route(app)
    burst(
        client,
        20,
        phones=lambda n: f"+2126123456{n:02d}",
        addresses=lambda n: f"198.51.100.{n + 1}",
    )
    assert len(text_outbox()) == 12
    failed = db.session.scalars(
        db.select(OutboxMessage).filter_by(status=MessageStatus.FAILED)
    ).all()
    assert {row.last_error for row in failed} == {"rate limit: all (12 per 1 day)"}


@pytest.mark.fresh_app
def test_staff_shipping_many_parcels_is_not_held_back_by_the_address_limit(
    app, client, text_outbox
):
    limited(app, MESSAGING_LIMIT_PER_ADDRESS="10 per hour")

    def text():
        messaging.send_text(request.form["to"], Channel.SMS, "Taawon: shipped")
        db.session.commit()
        return "", 204

    # A workspace page (a manager marking parcels shipped texts each shopper).
    app.add_url_rule("/test/ship", "producers.test_ship", csrf.exempt(text), methods=["POST"])
    for n in range(30):
        response = client.post(
            "/test/ship",
            data={"to": f"+2126123456{n:02d}"},
            environ_base={"REMOTE_ADDR": "203.0.113.7"},
        )
        assert response.status_code == 204
    assert len(text_outbox()) == 30


def test_jobs_are_not_counted_per_address_but_per_number(app, text_outbox):
    limited(app, MESSAGING_LIMIT_PER_PHONE="3 per hour", MESSAGING_LIMIT_PER_ADDRESS="1 per hour")
    # No request: a background job (a carrier's tracking update) sends.
    for _ in range(5):
        messaging.send_text(PHONE, Channel.SMS, "Taawon: 123456")
    db.session.commit()
    assert len(text_outbox()) == 3


def test_the_limits_are_off_when_rate_limiting_is(app, text_outbox):
    app.config.update(RATELIMIT_ENABLED=False, MESSAGING_LIMIT_PER_PHONE="1 per hour")
    for _ in range(3):
        messaging.send_text(PHONE, Channel.SMS, "Taawon: 123456")
    db.session.commit()
    assert len(text_outbox()) == 3


@pytest.mark.commits
def test_two_servers_count_one_number_together_in_redis(app, database_url, tmp_path):
    need_redis(LIMITS_REDIS_URL)
    import redis

    prefix = f"taawon-msg-{uuid.uuid4().hex[:12]}"
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": LIMITS_REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "MESSAGING_LIMIT_PER_PHONE": "4 per hour",
    }
    servers = [make_app(database_url, tmp_path / name, **config) for name in ("a", "b")]
    try:
        outcomes = []
        for n in range(6):
            server = servers[n % 2]
            with server.test_request_context(environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"}):
                row = messaging.send_text(PHONE, Channel.SMS, "Taawon: 123456")
                outcomes.append(row.status.value)
                db.session.commit()
        assert outcomes == ["pending"] * 4 + ["failed"] * 2
    finally:
        for server in servers:
            with server.app_context():
                db.engine.dispose()
        connection = redis.Redis.from_url(LIMITS_REDIS_URL)
        for key in connection.scan_iter(f"*{prefix}*"):
            connection.delete(key)
        connection.close()
