"""Stripe's API offline: a fake ``stripe.HTTPClient`` and the ``fake`` fixture.

Loaded by tests/conftest.py (``pytest_plugins``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from itertools import count
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe


class FakeStripe(stripe.HTTPClient):
    """Stripe's API offline, injected into ``StripeClient(http_client=…)``.

    Records every request; answers Checkout Sessions, refunds, transfers and
    balance transactions like Stripe, including idempotency (a key seen before
    gets the same answer); or fails like a dead network (``down``, or new
    requests after ``fail_after`` keyed answers) or a broken API (``status``).
    """

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict] = []
        self.answers: dict[str, dict] = {}
        self.down = False
        self.fail_after: int | None = None
        self.status = 200
        self.session_status = "open"
        self.refund_status = "succeeded"
        self.refuse_refunds = False
        self.balance_fee = (367, "mad")
        self._ids: dict[str, Any] = defaultdict(lambda: count(1))

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        path = urlsplit(url).path
        form = {k: v[0] for k, v in parse_qs(post_data or "").items()}
        key = dict(headers or {}).get("Idempotency-Key")
        self.requests.append(
            {
                "method": method,
                "path": path,
                "headers": dict(headers or {}),
                "form": form,
                "key": key,
            }
        )
        if self.down or (
            self.fail_after is not None
            and key not in self.answers
            and len(self.answers) >= self.fail_after
        ):
            raise stripe.APIConnectionError("Network error: connection refused", should_retry=False)
        if self.status >= 500:
            return json.dumps({"error": {"type": "api_error", "message": "boom"}}), self.status, {}
        if key and key in self.answers:
            return json.dumps(self.answers[key]), 200, {"request-id": "req_1"}
        body, status = self._answer(method, path, form)
        if key and status == 200:
            self.answers[key] = body
        return json.dumps(body), status, {"request-id": "req_1"}

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids[prefix])}"

    def _answer(self, method: str, path: str, form: dict) -> tuple[dict, int]:
        if method == "post" and path == "/v1/checkout/sessions":
            session = self._new_id("cs")
            return {
                "id": session,
                "object": "checkout.session",
                "status": "open",
                "url": f"https://checkout.stripe.com/c/pay/{session}",
            }, 200
        if method == "get" and path.startswith("/v1/checkout/sessions/"):
            session = path.rsplit("/", 1)[1]
            is_open = self.session_status == "open"
            return {
                "id": session,
                "object": "checkout.session",
                "status": self.session_status,
                "url": f"https://checkout.stripe.com/c/pay/{session}" if is_open else None,
            }, 200
        if method == "post" and path == "/v1/refunds":
            if self.refuse_refunds:
                return {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "charge_already_refunded",
                        "message": "Charge already refunded.",
                    }
                }, 400
            amount = form.get("amount")
            return {
                "id": self._new_id("re"),
                "object": "refund",
                "status": self.refund_status,
                "amount": int(amount) if amount else None,
            }, 200
        if method == "post" and path == "/v1/transfers":
            return {
                "id": self._new_id("tr"),
                "object": "transfer",
                "amount": int(form["amount"]),
            }, 200
        if method == "get" and path.startswith("/v1/balance_transactions/"):
            fee, currency = self.balance_fee
            return {
                "id": path.rsplit("/", 1)[1],
                "object": "balance_transaction",
                "fee": fee,
                "currency": currency,
            }, 200
        return {"error": {"type": "invalid_request_error"}}, 404

    def request_stream(self, *args, **kwargs):
        raise NotImplementedError

    def close(self) -> None:
        pass

    def calls(self, path: str) -> list[dict]:
        """The requests made to ``path``."""
        return [r for r in self.requests if r["path"] == path]

    def created(self) -> list[dict]:
        """The Checkout Sessions created."""
        return [r for r in self.calls("/v1/checkout/sessions") if r["method"] == "post"]


@pytest.fixture
def fake(app) -> FakeStripe:
    """The offline Stripe every Stripe call of the test goes to."""
    client = FakeStripe()
    app.extensions["stripe_http_client"] = client
    return client
