"""Favourites (a signed-in shopper's saved products) and stock alerts (a sold-out size's
"tell me when it is back")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model
from shop.models import utcnow


class Favourite(Model):
    """A product an account saved; guests keep theirs in the session until they log in."""

    __tablename__ = "favourite"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id"),
        # The favourites page: an account's newest first.
        Index("ix_favourite_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StockAlert(Model):
    """Someone (an e-mail address or a mobile number in E.164) waiting for a size to return.

    Deleted when its message is written (``alerts.send_alerts``), when its
    contact unsubscribes, or ``ALERT_DAYS`` after it was made.
    """

    __tablename__ = "stock_alert"
    __table_args__ = (
        UniqueConstraint("variant_id", "email", "phone"),
        # Exactly one of the two.
        CheckConstraint("(email = '') <> (phone = '')", name="one_contact"),
        Index("ix_stock_alert_email", "email"),
        Index("ix_stock_alert_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("variant.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    lang: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
