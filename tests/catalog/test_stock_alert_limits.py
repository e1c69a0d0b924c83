"""Sign-ups for stock alerts are rate limited per client address (``STOCK_ALERT_RATE_LIMIT``)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        "STOCK_ALERT_RATE_LIMIT": "3 per minute",
    }


def test_sign_ups_are_limited_per_address(app, make_product):
    variant = make_product(stock=0).variants[0]
    origin = {"Origin": app.config["PUBLIC_BASE_URL"]}

    def client_from(address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    pumper, neighbour = client_from("198.51.100.7"), client_from("203.0.113.9")

    def ask(client, n: int):
        data = {"variant": variant.sku, "contact": f"someone{n}@example.com"}
        return client.post("/fr/stock-alerts", data=data, headers=origin).status_code

    assert [ask(pumper, n) for n in range(5)] == [302, 302, 302, 429, 429]
    assert ask(neighbour, 9) == 302
