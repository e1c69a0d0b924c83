"""Rate limits on threads and messages, against spam.

Counted in the rate limiter's storage (the ``limits`` library's, as
``shop.accounts.throttle``: Redis when ``RATELIMIT_STORAGE_URI`` names one,
so every process counts together), per account and per client address
(``request.remote_addr`` behind ``ProxyFix``):

``THREADS_NEW_PER_USER`` / ``THREADS_NEW_PER_ADDRESS``
    new conversations (a question on a product, a first message about an order);
``THREADS_MESSAGES_PER_USER`` / ``THREADS_MESSAGES_PER_ADDRESS``
    every message, new conversations included.

Every counter is tested before any is hit, so a refused message uses no
allowance; the view re-renders the form with its text and a 429.
"""

from __future__ import annotations

from flask import Flask, current_app

from shop.counters import open_strategy, take_all

from .exceptions import TooManyMessages

EXTENSION = "taawon_thread_limits"


def init_limits(app: Flask) -> None:
    """The default limits, and the storage opened for this application."""
    config = app.config
    config.setdefault("THREADS_NEW_PER_USER", "5 per hour;20 per day")
    config.setdefault("THREADS_NEW_PER_ADDRESS", "10 per hour;40 per day")
    config.setdefault("THREADS_MESSAGES_PER_USER", "6 per minute;200 per day")
    config.setdefault("THREADS_MESSAGES_PER_ADDRESS", "12 per minute;400 per day")
    app.extensions[EXTENSION] = open_strategy(app)


def take(user_id: int, address: str | None, *, new_thread: bool) -> None:
    """Count one message (and a new thread) by ``user_id`` from ``address``; refuse if over."""
    config = current_app.config
    base = f"{config.get('RATELIMIT_KEY_PREFIX') or 'taawon'}/threads"
    counters = [("user", config["THREADS_MESSAGES_PER_USER"], f"{base}/messages/user/{user_id}")]
    if address:
        counters.append(
            ("ip", config["THREADS_MESSAGES_PER_ADDRESS"], f"{base}/messages/ip/{address}")
        )
    if new_thread:
        counters.append(("user", config["THREADS_NEW_PER_USER"], f"{base}/new/user/{user_id}"))
        if address:
            counters.append(("ip", config["THREADS_NEW_PER_ADDRESS"], f"{base}/new/ip/{address}"))
    if take_all(EXTENSION, counters) is not None:
        raise TooManyMessages()
