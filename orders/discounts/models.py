"""Discount codes, their redemptions, and the discount columns of orders, parcels,
lines and refund lines (mixins of ``orders.models``' classes)."""

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


# ---------------------------------------------------------------- on orders' rows


def _cents() -> Mapped[int]:
    return mapped_column(Integer, default=0, server_default="0")


class OrderDiscount:
    """An order's code and what it took off (``Order`` checks ``total_is_sum``)."""

    #: The code used, normalised, and its row.
    discount_code: Mapped[str] = mapped_column(String(40), default="", server_default="")
    discount_code_id: Mapped[int | None] = mapped_column(
        ForeignKey("discount_code.id", ondelete="SET NULL"), index=True
    )
    #: Everything the code took off (lines and shipping, whoever funds it).
    discount_cents: Mapped[int] = _cents()
    #: The part the platform pays (``ledger.DISCOUNTS``): the shopper pays
    #: ``items + shipping - platform_discount``; the cooperatives' parts are
    #: those of the undiscounted lines.
    platform_discount_cents: Mapped[int] = _cents()

    @staticmethod
    def checks() -> tuple[CheckConstraint, ...]:
        """The order's total and discounts agree (new objects for ``__table_args__``)."""
        return (
            CheckConstraint(
                "total_cents = items_cents + shipping_cents - platform_discount_cents",
                name="total_is_sum",
            ),
            CheckConstraint(
                "platform_discount_cents >= 0 AND discount_cents >= platform_discount_cents",
                name="discounts_consistent",
            ),
        )


class ShipmentDiscount:
    """A parcel's waived shipping and the platform's part."""

    #: Shipping a free-shipping code waived (platform-funded: still in
    #: ``shipping_cents``, paid by the platform; cooperative-funded: not charged).
    shipping_discount_cents: Mapped[int] = _cents()
    #: What the platform pays for this parcel (its lines' platform discounts and
    #: any platform-funded free shipping); the shopper pays the rest.
    platform_discount_cents: Mapped[int] = _cents()


class LineDiscount:
    """An order line's discount: the cooperative's (off the gross) or the platform's."""

    gross_cents: Mapped[int]
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    #: A cooperative-funded discount, taken off the gross before the split
    #: (``gross = unit price × quantity - discount``; never below the floor price).
    discount_cents: Mapped[int] = _cents()
    #: A platform-funded discount: the split is the undiscounted gross's, the
    #: shopper pays ``gross - platform_discount``, the platform the rest.
    platform_discount_cents: Mapped[int] = _cents()

    @staticmethod
    def checks() -> tuple[CheckConstraint, ...]:
        """The gross is the list price less the cooperative's discount; the platform's fits."""
        return (
            CheckConstraint(
                "gross_cents = unit_price_cents * quantity - discount_cents",
                name="gross_is_product",
            ),
            CheckConstraint(
                "discount_cents >= 0 AND platform_discount_cents >= 0 "
                "AND platform_discount_cents <= gross_cents",
                name="discounts_within_gross",
            ),
        )

    @property
    def paid_cents(self) -> int:
        """What the shopper paid for the line (its gross less the platform's discount)."""
        return self.gross_cents - (self.platform_discount_cents or 0)

    @property
    def list_cents(self) -> int:
        """The line at its catalogue price, before any discount."""
        return self.unit_price_cents * self.quantity


class RefundLineDiscount:
    """The platform's discount a refund line gives back to ``ledger.DISCOUNTS``
    (the shopper gets only what they paid)."""

    discount_cents: Mapped[int] = _cents()

    @staticmethod
    def checks() -> tuple[CheckConstraint, ...]:
        """Never a negative discount given back."""
        return (CheckConstraint("discount_cents >= 0", name="discount_not_negative"),)
