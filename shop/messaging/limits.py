"""Rate limits on outgoing text messages, against SMS pumping.

SMS pumping: someone makes a site send many texts to numbers whose operator
pays them a share, through any form that sends one (a checkout, a phone
preference). Every SMS or WhatsApp message is counted, before it is written
to the outbox, in three counters kept in the rate limiter's storage (the
``limits`` library's, as ``shop.accounts.throttle``: Redis when
``RATELIMIT_STORAGE_URI`` or ``REDIS_URL`` names one, so that every process
counts together; memory otherwise):

``phone``    messages to one number (``MESSAGING_LIMIT_PER_PHONE``): a burst
             at one number stops, whoever asks for it.
``address``  messages caused by requests from one client address
             (``MESSAGING_LIMIT_PER_ADDRESS``; ``request.remote_addr``, the
             real client behind the proxies ``PROXY_COUNT`` trusts): one
             machine cannot walk through a list of numbers. Messages sent
             by jobs (no request), by administrators and from providers'
             webhooks (``PROVIDER_BLUEPRINTS``: their address is the
             provider's, shared by every shopper) and from the back office
             and the workspace (``STAFF_BLUEPRINTS``: vetted staff acting on
             real orders) are not counted here.
``all``      every message (``MESSAGING_DAILY_CAP``): the bill has a ceiling
             whatever the attack looks like.

A message over any limit is not sent: ``send_text`` records it ``failed``
with the reason and logs it. A message is counted when it is written, even
if its transaction is then rolled back: the limits err on the side of the bill.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user

from ..counters import open_strategy, take_all

EXTENSION = "taawon_message_limits"

#: Blueprints whose requests come from a provider's servers, not a person:
#: a payment or a reply may send a text, counted per number and per day only.
PROVIDER_BLUEPRINTS = frozenset({"twilio_webhooks", "stripe_webhooks"})

#: The back office and the cooperatives' workspace: vetted staff acting on
#: real orders (a manager marking 200 parcels shipped texts 200 shoppers).
#: Their messages are counted per number and per day, not per address.
STAFF_BLUEPRINTS = frozenset({"admin", "producers"})


@dataclass(frozen=True)
class Refusal:
    """Why a message was not sent: the counter (``phone``, ``address``, ``all``) and its limit."""

    counter: str
    limit: str

    def __str__(self) -> str:
        return f"rate limit: {self.counter} ({self.limit})"


def init_limits(app: Flask) -> None:
    """The default limits, and the storage opened for this application."""
    config = app.config
    config.setdefault("MESSAGING_LIMIT_PER_PHONE", "10 per hour;30 per day")
    config.setdefault("MESSAGING_LIMIT_PER_ADDRESS", "30 per hour;100 per day")
    config.setdefault("MESSAGING_DAILY_CAP", "2000 per day")
    app.extensions[EXTENSION] = open_strategy(app)


def client_address() -> str | None:
    """The address to count this message against, or None (a job, a webhook, an administrator)."""
    if not has_request_context() or request.blueprint in PROVIDER_BLUEPRINTS | STAFF_BLUEPRINTS:
        return None
    if current_user.is_authenticated and getattr(current_user, "is_admin", False):
        return None
    return request.remote_addr


def _digest(phone: str) -> str:
    # A digest, so that the storage holds no phone numbers.
    return hashlib.sha256(phone.encode()).hexdigest()[:32]


def take(phone: str, address: str | None) -> Refusal | None:
    """Count one message to ``phone`` caused from ``address``; the refusal if over a limit.

    Every counter is tested before any is hit, so a refused message uses no
    one's allowance.
    """
    config = current_app.config
    base = f"{config.get('RATELIMIT_KEY_PREFIX') or 'taawon'}/messages"
    counters = [
        ("all", config["MESSAGING_DAILY_CAP"], f"{base}/all"),
        ("phone", config["MESSAGING_LIMIT_PER_PHONE"], f"{base}/phone/{_digest(phone)}"),
    ]
    if address:
        counters.append(("address", config["MESSAGING_LIMIT_PER_ADDRESS"], f"{base}/ip/{address}"))
    over = take_all(EXTENSION, counters)
    return None if over is None else Refusal(over[0], str(over[1]))
