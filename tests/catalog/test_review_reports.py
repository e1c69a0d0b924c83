"""Reporting a review is rate limited per address (the form is on a cached page)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
        "REVIEW_REPORT_RATE_LIMIT": "2 per hour",
    }


def test_reporting_is_rate_limited(app, client, bought, make_review):
    review = make_review(bought())
    origin = {"Origin": app.config["PUBLIC_BASE_URL"]}
    codes = [
        client.post(f"/fr/reviews/{review.id}/report", headers=origin).status_code for _ in range(3)
    ]
    assert codes == [303, 303, 429]
