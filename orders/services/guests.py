"""Guest orders joining the account of their e-mail address.

An order placed without logging in belongs to whoever holds its e-mailed
link, that is to the mailbox it was sent to. Once someone proves they own that
mailbox as an account (``shop.accounts.hooks.address_confirmed``: the
registration link or a password-reset link was opened), its guest orders
join the account and appear in "My orders".
"""

from __future__ import annotations

from sqlalchemy import func, select

from shop.extensions import db

from ..models import Order


def attach_guest_orders(user_id: int, email: str) -> list[Order]:
    """Give ``user_id`` every order placed as a guest with ``email`` (any case); flushes.

    Orders that already belong to an account, even another one with a
    formerly equal address, stay where they are.
    """
    address = email.strip().lower()
    orders = list(
        db.session.scalars(
            select(Order)
            .where(Order.user_id.is_(None), func.lower(func.trim(Order.email)) == address)
            .order_by(Order.id)
        )
    )
    for order in orders:
        order.user_id = user_id
    db.session.flush()
    return orders
