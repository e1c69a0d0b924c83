"""Notices about an order through ``shop.messaging``: to the shopper by the channel
chosen at checkout, and "new parcel to prepare" to the cooperatives' managers.

``shop.messaging`` knows people, not orders: ``for_order`` makes the order's
``Recipient`` here (the brief's ``Recipient.for_order``), so the core imports
no domain. Everything is sent once the transaction commits.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from producers.models import Membership
from shop.accounts.models import User
from shop.extensions import db
from shop.messaging import Channel, Recipient, notify

from ..models import Order, Shipment, ShipmentStatus

#: What a shopper may choose at checkout, in the order offered (SMS first:
#: every Moroccan mobile receives it, WhatsApp needs the application).
CONTACT_CHANNELS = (Channel.SMS, Channel.WHATSAPP, Channel.EMAIL)


def channel_of(order: Order) -> Channel:
    """The channel the shopper chose (an unknown stored value reads as e-mail)."""
    try:
        return Channel(order.contact_channel)
    except ValueError:
        return Channel.EMAIL


def for_order(order: Order) -> Recipient:
    """The shopper of ``order``, in the order's language, by the channel they chose."""
    return Recipient(
        lang=order.lang, email=order.email, phone=order.phone, channel=channel_of(order)
    )


def tell_shopper(
    order: Order, key: str, subject: Any, *, mail_too: bool = False, **context
) -> None:
    """Send notice ``key`` about ``order`` by the shopper's channel.

    ``mail_too``: also by e-mail when the channel is a phone's, for what the
    shopper must be able to find again (the order's lines, its private link).
    """
    recipient = for_order(order)
    notify(recipient, key, subject, order=order, **context)
    if mail_too and recipient.effective_channel != Channel.EMAIL:
        notify(Recipient(lang=order.lang, email=order.email), key, subject, order=order, **context)


def tell_cooperatives(order: Order) -> int:
    """Tell the opted-in managers of each cooperative with a parcel to prepare; return how many.

    Called when the parcels become preparable: a cash-on-delivery order
    confirmed, a card order paid. One query for every manager of the order's
    cooperatives; each gets one notice per parcel, in their language.
    """
    parcels = {
        s.cooperative_id: s for s in order.shipments if s.status == ShipmentStatus.TO_PREPARE
    }
    if not parcels:
        return 0
    rows = db.session.execute(
        select(Membership.cooperative_id, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.cooperative_id.in_(parcels),
            Membership.parcel_notices.is_(True),
            User.active.is_(True),
        )
        .order_by(Membership.cooperative_id, User.id)
    ).all()
    for cooperative_id, user in rows:
        shipment: Shipment = parcels[cooperative_id]
        notify(
            Recipient.for_user(user),  # the manager's own channel (account page)
            "parcel_to_prepare",
            _l("New parcel to prepare: order %(number)s", number=order.number),
            order=order,
            shipment=shipment,
            cooperative=shipment.cooperative,
            user=user,
        )
    return len(rows)
