"""Discount codes and their redemptions."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from producers.models import Cooperative
from shop.extensions import db
from shop.models import Timestamped, str_enum


class DiscountKind(enum.StrEnum):
    """What a code takes off."""

    PERCENT = "percent"  # value: whole percent, 1..100
    AMOUNT = "amount"  # value: centimes off the eligible lines
    FREE_SHIPPING = "free_shipping"  # value: 0; the eligible parcels ship free


class FundedBy(enum.StrEnum):
    """Who pays for the discount."""

    #: Created by an administrator: the platform pays (``ledger.PLATFORM_DISCOUNTS``),
    #: the cooperatives' parts are those of the undiscounted lines.
    PLATFORM = "platform"
    #: Created by a cooperative for its own products: the lines' gross is lowered
    #: before the split (never below the floor price).
    COOPERATIVE = "cooperative"


class DiscountCode(Timestamped, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy
    """A code a shopper types in the cart."""

    __tablename__ = "discount_code"
    __table_args__ = (
        CheckConstraint("uses >= 0", name="uses_not_negative"),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        CheckConstraint("per_shopper IS NULL OR per_shopper > 0", name="per_shopper_positive"),
        CheckConstraint("min_basket_cents >= 0", name="min_basket_not_negative"),
        CheckConstraint(
            "(kind = 'percent' AND value >= 1 AND value <= 100) "
            "OR (kind = 'amount' AND value > 0) "
            "OR (kind = 'free_shipping' AND value = 0)",
            name="value_fits_kind",
        ),
        CheckConstraint(
            "(funded_by = 'cooperative') = (cooperative_id IS NOT NULL)",
            name="cooperative_funds_its_own",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised: trimmed, upper case (``codes.normalise``).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[DiscountKind] = mapped_column(str_enum(DiscountKind))
    value: Mapped[int] = mapped_column(Integer, default=0)
    funded_by: Mapped[FundedBy] = mapped_column(str_enum(FundedBy))
    #: The cooperative whose products it discounts (and who pays); None: every product.
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime | None] = mapped_column(DateTime)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: The eligible lines must reach this (the cooperative's lines for its code).
    min_basket_cents: Mapped[int] = mapped_column(Integer, default=0)
    #: Total uses allowed (None: no limit) and per shopper (account or e-mail).
    max_uses: Mapped[int | None] = mapped_column(Integer)
    per_shopper: Mapped[int | None] = mapped_column(Integer)
    #: Orders holding a use (as many as the redemptions): raised by a conditional
    #: UPDATE at placement, lowered when the order is cancelled and restocked. A
    #: card payment arriving after its order lapsed takes its use back whatever
    #: the limit (the shopper paid with the code), so it may pass ``max_uses``.
    uses: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    cooperative: Mapped[Cooperative | None] = relationship()

    @property
    def last_day(self) -> datetime | None:
        """An instant of the last day it can be used (``ends_at`` is the next day's start)."""
        return self.ends_at - timedelta(seconds=1) if self.ends_at else None


class DiscountRedemption(Timestamped, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy
    """One order's use of a code (deleted when the order is cancelled and restocked)."""

    __tablename__ = "discount_redemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(
        ForeignKey("discount_code.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: The shopper's e-mail, lower case (guests are counted by it).
    email: Mapped[str] = mapped_column(String(254), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
