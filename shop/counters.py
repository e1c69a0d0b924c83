"""Counters in the rate limiter's storage, for limits that are not one route's.

Flask-Limiter limits requests to a route; some limits count something else
(login failures, text messages to a number, messages in conversations).
Those use the same ``limits`` library on the same storage (Redis when
``RATELIMIT_STORAGE_URI`` names one, so every process counts together;
memory otherwise), opened here once per application.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter


def open_strategy(app: Flask) -> FixedWindowRateLimiter:
    """A fixed-window counter on the application's rate-limit storage (each app its own)."""
    config = app.config
    storage: Storage = storage_from_string(
        config.get("RATELIMIT_STORAGE_URI") or "memory://",
        **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
    )  # type: ignore[assignment]
    return FixedWindowRateLimiter(storage)


@lru_cache(maxsize=64)
def items(text: str) -> tuple[RateLimitItem, ...]:
    """``"6 per minute;200 per day"`` as limits, parsed once per text."""
    return tuple(parse_many(text))


def take_all(
    extension: str, counters: Iterable[tuple[str, str, str]]
) -> tuple[str, RateLimitItem] | None:
    """Count one against each ``(name, limits, key)``; the first one over, or None.

    The strategy is ``current_app.extensions[extension]`` (``open_strategy``).
    Every counter is tested before any is hit, so a refusal uses no one's
    allowance. With ``RATELIMIT_ENABLED`` off nothing is counted.
    """
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return None
    strategy: FixedWindowRateLimiter = current_app.extensions[extension]
    counters = list(counters)
    for name, limits, key in counters:
        for item in items(limits):
            if not strategy.test(item, key):
                return name, item
    for _name, limits, key in counters:
        for item in items(limits):
            strategy.hit(item, key)
    return None
