"""Inbound replies: handlers that domains register, tried in order.

The cash-on-delivery confirmation registers one (a shopper answers "1" to
confirm); the Twilio webhook (``webhooks.inbound``) hands every verified
reply to ``dispatch_reply`` and commits what the handler changed.
"""

from __future__ import annotations

from collections.abc import Callable

#: Handlers of inbound replies, tried in order until one says it took the reply.
ReplyHandler = Callable[[str, str], bool]
_reply_handlers: list[ReplyHandler] = []


def on_reply(handler: ReplyHandler) -> ReplyHandler:
    """Register ``handler(phone, body) -> bool`` for inbound replies (a decorator)."""
    if handler not in _reply_handlers:
        _reply_handlers.append(handler)
    return handler


def dispatch_reply(phone: str, body: str) -> bool:
    """Give an inbound reply to the first handler that takes it; False if none does."""
    return any(handler(phone, body) for handler in list(_reply_handlers))
