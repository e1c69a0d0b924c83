"""Codes typed in the cart are rate-limited per session and per client address."""

from __future__ import annotations

import uuid

from tests.conftest import csrf_token, make_app


def _apply(client, code: str, token: str) -> int:
    return client.post(
        "/fr/cart/code",
        data={"code": code, "csrf_token": token},
        headers={"Origin": "http://shop.test"},
    ).status_code


def test_guessing_codes_is_stopped_per_session_then_per_address(app, database_url, tmp_path):
    application = make_app(
        database_url,
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:12]}",
        DISCOUNT_CODE_LIMIT_PER_SESSION="3 per minute",
        DISCOUNT_CODE_LIMIT_PER_ADDRESS="5 per minute",
    )
    try:
        guesser = application.test_client()
        guesser.environ_base["REMOTE_ADDR"] = "198.51.100.9"
        token = csrf_token(guesser, "/fr/cart")
        assert [_apply(guesser, f"GUESS{i}", token) for i in range(4)] == [302, 302, 302, 429]
        # A fresh session (cookies dropped) from the same address gets the address's rest.
        again = application.test_client()
        again.environ_base["REMOTE_ADDR"] = "198.51.100.9"
        token = csrf_token(again, "/fr/cart")
        assert [_apply(again, f"MORE{i}", token) for i in range(3)] == [302, 302, 429]
        # Someone else is not affected.
        other = application.test_client()
        other.environ_base["REMOTE_ADDR"] = "203.0.113.4"
        assert _apply(other, "HELLO", csrf_token(other, "/fr/cart")) == 302
    finally:
        from shop.extensions import db

        with application.app_context():
            db.engine.dispose()
