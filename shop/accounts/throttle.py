"""Login throttling that counts failed attempts, never the visitor's address alone.

Limiting every login POST per IP locked everyone out behind a proxy: ten
wrong passwords from anyone blocked the administrator's right one. Here only
*failed* attempts count, in three counters kept in the rate limiter's storage
(the ``limits`` library's; Redis when ``RATELIMIT_STORAGE_URI`` or
``REDIS_URL`` names one, so that every worker process sees the same counts):

``pair``     failures of one client address on one account (its normalised
             e-mail). Over ``LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS`` that
             address is refused for that account: a guesser cannot go on.
``address``  failures of one client address on any account. Over
             ``LOGIN_FAILURES_PER_ADDRESS`` that address is refused for every
             account: one machine trying many e-mails stops.
``account``  failures on one account from every address. Over
             ``LOGIN_FAILURES_PER_ACCOUNT`` the account is under attack from
             many places; then an address that has *itself* failed on it
             (its ``pair`` count is not zero) is refused, while an address
             with no failure of its own still gets its tries. A distributed
             guesser gets one guess per address, not a full quota.

So the right password is never refused because of other people: the pair
and address counters only hold the client's own failures, and the account
counter only matters for an address that has failed on that account itself.
A success clears the pair's count. The address is ``request.remote_addr``,
the real client once ProxyFix is configured for the proxy in front. Nothing
depends on whether the account exists, so refusals tell nothing about it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter

from ..counters import open_strategy

EXTENSION = "taawon_login_throttle"


@dataclass(frozen=True)
class Counters:
    """The three failure limits of one application, on its storage."""

    strategy: FixedWindowRateLimiter
    pair: list[RateLimitItem]
    address: list[RateLimitItem]
    account: list[RateLimitItem]
    prefix: str


def init_throttle(app: Flask) -> None:
    """Open the limiter's storage for this application (each app its own)."""
    config = app.config
    config.setdefault("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", "5 per 15 minutes")
    config.setdefault("LOGIN_FAILURES_PER_ADDRESS", "30 per hour")
    config.setdefault("LOGIN_FAILURES_PER_ACCOUNT", "20 per hour")
    app.extensions[EXTENSION] = Counters(
        strategy=open_strategy(app),
        pair=parse_many(config["LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS"]),
        address=parse_many(config["LOGIN_FAILURES_PER_ADDRESS"]),
        account=parse_many(config["LOGIN_FAILURES_PER_ACCOUNT"]),
        prefix=config.get("RATELIMIT_KEY_PREFIX", "") or "taawon",
    )


def _counters() -> Counters | None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    return current_app.extensions[EXTENSION]


def _account_key(email: str) -> str:
    # A digest, so that the storage holds no e-mail addresses.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _keys(counters: Counters, email: str, address: str | None) -> tuple[str, str, str]:
    account, addr = _account_key(email), address or "-"
    base = f"{counters.prefix}/login-failures"
    return f"{base}/pair/{account}/{addr}", f"{base}/address/{addr}", f"{base}/account/{account}"


def refused(email: str, address: str | None) -> bool:
    """True when this login attempt must be refused before its password is checked."""
    counters = _counters()
    if counters is None:
        return False
    pair, addr, account = _keys(counters, email, address)
    test = counters.strategy.test
    if not all(test(item, pair) for item in counters.pair):
        return True
    if not all(test(item, addr) for item in counters.address):
        return True
    if all(test(item, account) for item in counters.account):
        return False
    # Under attack: only addresses with no failure of their own on it go on.
    return any(
        counters.strategy.get_window_stats(item, pair).remaining < item.amount
        for item in counters.pair
    )


def record_failure(email: str, address: str | None) -> None:
    """Count a wrong password (or an unknown e-mail) in the three counters."""
    counters = _counters()
    if counters is None:
        return
    pair, addr, account = _keys(counters, email, address)
    for items, key in (
        (counters.pair, pair),
        (counters.address, addr),
        (counters.account, account),
    ):
        for item in items:
            counters.strategy.hit(item, key)


def record_success(email: str, address: str | None) -> None:
    """Forget this address's failures on this account (the others stay)."""
    counters = _counters()
    if counters is None:
        return
    pair = _keys(counters, email, address)[0]
    for item in counters.pair:
        counters.strategy.clear(item, pair)
