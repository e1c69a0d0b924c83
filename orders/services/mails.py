"""Mails and notices to the shopper about an order: in the order's language, sent after commit.

Parcel notices (shipped, out for delivery, delivered) go through
``shop.messaging.notify`` to ``order_recipient(order)``: by e-mail, or by SMS
or WhatsApp when the order says so (``message_channel``, once orders have
it); the other mails still go by e-mail only.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from shop import mail
from shop.messaging import Channel, Recipient, notify

from ..models import Order


def queue_mail(order: Order, template: str, subject, **context) -> None:
    """Render a mail in the order's language now; send it once the transaction commits."""
    mail.send_after_commit(
        mail.render(order.email, order.lang, template, subject, order=order, **context)
    )


def order_recipient(order: Order) -> Recipient:
    """Who hears about ``order``: its shopper, in its language, by the channel it chose.

    E-mail unless the order has a ``message_channel`` (a column another change
    adds); an order without a phone number falls back to e-mail in ``notify``.
    """
    chosen = getattr(order, "message_channel", None)
    try:
        channel = Channel(chosen) if chosen else Channel.EMAIL
    except ValueError:
        channel = Channel.EMAIL
    return Recipient(lang=order.lang, email=order.email, phone=order.phone, channel=channel)


def notify_order(order: Order, key: str, subject: Any, **context: Any) -> None:
    """Tell the shopper about ``order`` by their channel (``mail/<key>`` or ``messages/<key>``)."""
    notify(order_recipient(order), key, subject, order=order, **context)


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
