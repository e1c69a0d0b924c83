"""A tiny per-process cache with expiry, for values that may lag a little.

Each app keeps its own (``app.extensions``), so tests and workers never
share entries. Anything that must be exact (prices, stock, totals) is never
cached here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")
_LOCK = threading.Lock()


def cached(key: str, compute: Callable[[], T], seconds: float | None = None) -> T:
    """``compute()``'s value, reused for ``seconds`` (config ``CACHE_SECONDS``)."""
    ttl = current_app.config.get("CACHE_SECONDS", 60) if seconds is None else seconds
    store: dict[str, tuple[float, object]] = current_app.extensions.setdefault("taawon_cache", {})
    now = time.monotonic()
    with _LOCK:
        hit = store.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]  # type: ignore[return-value]
    value = compute()
    with _LOCK:
        store[key] = (now + ttl, value)
    return value


def clear() -> None:
    """Forget every cached value (after an admin change, in tests)."""
    current_app.extensions.get("taawon_cache", {}).clear()
