"""Mails and notices to the shopper about an order: in the order's language, sent after commit.

Parcel notices (shipped, out for delivery, delivered) go through
``shop.messaging.notify`` to ``notices.for_order(order)``: by the channel the
shopper chose at checkout (SMS, WhatsApp or e-mail); the other mails still go
by e-mail only.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop import mail
from shop.messaging import notify

from ..models import Order
from .notices import for_order


def queue_mail(order: Order, template: str, subject, **context) -> None:
    """Render a mail in the order's language now; send it once the transaction commits."""
    mail.send_after_commit(
        mail.render(order.email, order.lang, template, subject, order=order, **context)
    )


def notify_order(order: Order, key: str, subject: Any, **context: Any) -> None:
    """Tell the shopper about ``order`` by their channel (``mail/<key>`` or ``messages/<key>``)."""
    notify(for_order(order), key, subject, order=order, **context)


def in_language(order: Order, message) -> str:
    """``message`` (lazy) as text in the order's language, e.g. for a stored reason."""
    with force_locale(order.lang):
        return str(message)


def mail_confirmed(order: Order, token: str | None = None) -> None:
    """ "Your order is confirmed", with the guest link when ``token`` is given."""
    queue_mail(
        order,
        "order_confirmation",
        _l("Your order %(number)s is confirmed", number=order.number),
        token=token,
    )


def mail_cancelled(order: Order, **context) -> None:
    """ "Your order is cancelled"."""
    queue_mail(
        order,
        "order_cancelled",
        _l("Your order %(number)s is cancelled", number=order.number),
        **context,
    )


def mail_refunded(order: Order) -> None:
    """ "Your order is refunded" (in full)."""
    queue_mail(
        order, "order_refunded", _l("Your order %(number)s is refunded", number=order.number)
    )
