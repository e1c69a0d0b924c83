"""The threads' rate limits are counted in Redis when configured: two servers count together."""

from __future__ import annotations

import pytest

from orders.threads import limits
from orders.threads.exceptions import TooManyMessages
from tests.shop.test_shared_limits import LIMITS_REDIS_URL, dispose, prefix, servers  # noqa: F401


def test_two_servers_share_the_counts(database_url, tmp_path, prefix):  # noqa: F811
    apps = servers(database_url, tmp_path, LIMITS_REDIS_URL, prefix)
    try:
        for application in apps:
            application.config["THREADS_NEW_PER_USER"] = "3 per hour"
        taken = []
        for n in range(4):
            with apps[n % 2].test_request_context("/fr/messages/"):
                try:
                    limits.take(42, f"198.51.100.{n}", new_thread=True)
                    taken.append(True)
                except TooManyMessages:
                    taken.append(False)
        assert taken == [True, True, True, False]
        # Another account is not affected; nor is a plain message of the same account.
        with apps[1].test_request_context("/fr/messages/"):
            limits.take(43, "198.51.100.9", new_thread=True)
            limits.take(42, "198.51.100.9", new_thread=False)
            with pytest.raises(TooManyMessages):
                limits.take(42, "198.51.100.9", new_thread=True)
    finally:
        dispose(apps)
