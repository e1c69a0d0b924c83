"""Carts, orders, shipments, order lines and their lots, shipping rates."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ColumnElement,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Variant
from catalog.trace import Lot
from producers.models import Cooperative
from shop.accounts.models import User
from shop.extensions import db
from shop.i18n import Localized, pick
from shop.models import Timestamped, str_enum, utcnow
from shop.regions import fold

from .discounts.models import LineDiscount, OrderDiscount, RefundLineDiscount, ShipmentDiscount


class PaymentMethod(enum.StrEnum):
    """How the shopper pays."""

    COD = "cod"  # cash on delivery, collected by the carrier
    CARD = "card"  # Stripe Checkout (shown only when Stripe is configured)


class OrderStatus(enum.StrEnum):
    """Where an order stands; moves only through ``services.transition_order``."""

    PENDING_PAYMENT = "pending_payment"  # card: stock taken, waiting for Stripe
    #: Cash on delivery: stock taken, waiting for the shopper to confirm (link,
    #: reply or staff's call); it lapses after ``COD_CONFIRM_HOURS``.
    AWAITING_CONFIRMATION = "awaiting_confirm"  # (status columns hold 20 characters)
    CONFIRMED = "confirmed"  # cash on delivery: confirmed by the shopper, paid at delivery
    PAID = "paid"  # card: the payment succeeded
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"  # delivered and the money is in (card paid, or cash remitted)
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    #: Cash on delivery: every parcel that left was refused at the door (no money moved).
    REFUSED = "refused"


class ShipmentStatus(enum.StrEnum):
    """One cooperative's parcel; moves only through ``services.transition_shipment``."""

    TO_PREPARE = "to_prepare"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    #: Cash on delivery: the shopper refused it at the door; its units are back in stock.
    REFUSED = "refused"


class ShippingZone(enum.StrEnum):
    """Rate zones, seen from the shipping cooperative."""

    LOCAL = "local"  # the cooperative's own region
    NATIONAL = "national"
    INTERNATIONAL = "international"


class CartItem(Timestamped, db.Model):
    """A variant in a signed-in shopper's cart (guests keep theirs in the session)."""

    __tablename__ = "cart_item"
    __table_args__ = (
        UniqueConstraint("user_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(
        ForeignKey("variant.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int] = mapped_column(Integer)

    variant: Mapped[Variant] = relationship()


class ShippingRate(db.Model):
    """The price of a parcel up to ``max_weight_g`` in a zone (set by an administrator)."""

    __tablename__ = "shipping_rate"
    __table_args__ = (
        UniqueConstraint("zone", "max_weight_g"),
        CheckConstraint("max_weight_g > 0", name="max_weight_positive"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[ShippingZone] = mapped_column(str_enum(ShippingZone))
    max_weight_g: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer)


class CooperativeShipping(db.Model):
    """A cooperative's shipping terms (one row per cooperative; none means the defaults)."""

    __tablename__ = "cooperative_shipping"
    __table_args__ = (
        CheckConstraint(
            "free_over_cents IS NULL OR free_over_cents >= 0", name="free_over_not_negative"
        ),
    )

    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), primary_key=True
    )
    #: Shipping is free in Morocco when this cooperative's items reach this amount;
    #: NULL means never free.
    free_over_cents: Mapped[int | None] = mapped_column(Integer)


class Order(OrderDiscount, Timestamped, db.Model):
    """What a shopper bought in one checkout, shipped by one or more cooperatives."""

    __tablename__ = "order"
    __table_args__ = (
        CheckConstraint("items_cents >= 0", name="items_not_negative"),
        CheckConstraint("shipping_cents >= 0", name="shipping_not_negative"),
        *OrderDiscount.checks(),  # total_is_sum: items + shipping - platform discount
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shown to the shopper and in e-mails ("TW-7KQ4XM").
    number: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    #: sha256 of the secret in the e-mailed link; the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus), index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    #: The shopper's language: e-mails about the order are written in it.
    lang: Mapped[str] = mapped_column(String(2))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(20))
    full_name: Mapped[str] = mapped_column(String(120))
    address_line: Mapped[str] = mapped_column(String(200))
    #: The city as the shopper typed it ("الدار البيضاء"): what people read.
    city: Mapped[str] = mapped_column(String(80))
    #: The city it was recognised as ("Casablanca"; abroad, the same as typed):
    #: what the region and shipping zone came from, for carriers and staff.
    city_canonical: Mapped[str] = mapped_column(String(80), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(12))
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="MAD")
    items_cents: Mapped[int] = mapped_column(Integer)
    shipping_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    #: When the money was in: card payment, or the last cash remittance.
    paid_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    #: Card: the Stripe Checkout Session the shopper pays on, once created.
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    #: Card: the PaymentIntent of the completed session (what a refund refers to).
    stripe_payment_intent: Mapped[str | None] = mapped_column(String(255), index=True)
    #: Card: when the stock hold of an unpaid order lapses (lazily released by
    #: ``services.release_expired_holds``); NULL for cash on delivery.
    payment_due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    #: How the shopper wants to be reached about it: "sms", "whatsapp" or "email"
    #: (``shop.messaging.Channel``; ``orders.services.notices.recipient_for``).
    contact_channel: Mapped[str] = mapped_column(String(10), default="sms", server_default="sms")
    #: Cash on delivery: when an unconfirmed order lapses (cancelled, restocked);
    #: NULL once confirmed or for card orders.
    confirm_due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    #: Cash on delivery: when the shopper (or staff on the phone) confirmed it.
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: What Stripe told us that changed nothing (failed attempts, partial refunds).
    payment_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship()
    shipments: Mapped[list[Shipment]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Shipment.id"
    )
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )

    @property
    def city_recognised(self) -> str:
        """The canonical city when it reads differently from what was typed
        ("Casablanca" beside "الدار البيضاء"; nothing beside "casablanca")."""
        canonical = self.city_canonical or ""
        return canonical if canonical and fold(canonical) != fold(self.city) else ""

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status}>"


class StripeEvent(db.Model):
    """A Stripe webhook event already received: a replay finds it and changes nothing."""

    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Carrier(Timestamped, db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy
    """A carrier cooperatives hand parcels to, and its public tracking page.

    Carriers are deactivated, never deleted: shipped parcels keep pointing at
    them. ``orders.carriers`` reads and writes them.
    """

    __tablename__ = "carrier"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A short stable name for files and logs ("amana"); never changes.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(80), default="")
    name_fr: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80), default="")
    #: The tracking page, ``{number}`` standing for the URL-quoted tracking number.
    tracking_url: Mapped[str] = mapped_column(String(300))
    #: Other names a cooperative or an old parcel may call it by, one per line.
    aliases: Mapped[str] = mapped_column(Text, default="")
    #: Whether it collects cash on delivery (and remits it to Taawon).
    cod: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Inactive carriers are no longer offered; their parcels still link.
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    def name(self, lang: str) -> Localized:
        """The carrier's name in ``lang`` or its fallback."""
        return pick({"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en}, lang)

    @property
    def alias_list(self) -> list[str]:
        """The aliases, one per line, blanks dropped."""
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]

    def __repr__(self) -> str:
        return f"<Carrier {self.code}>"


class Shipment(ShipmentDiscount, Timestamped, db.Model):
    """The part of an order one cooperative prepares and ships."""

    __tablename__ = "shipment"
    __table_args__ = (
        UniqueConstraint("order_id", "cooperative_id"),
        CheckConstraint("items_cents >= 0", name="items_not_negative"),
        CheckConstraint("shipping_cents >= 0", name="shipping_not_negative"),
        CheckConstraint("weight_g >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    status: Mapped[ShipmentStatus] = mapped_column(str_enum(ShipmentStatus), index=True)
    zone: Mapped[ShippingZone] = mapped_column(str_enum(ShippingZone))
    weight_g: Mapped[int] = mapped_column(Integer)
    items_cents: Mapped[int] = mapped_column(Integer)
    #: What the shopper paid for this parcel; it goes to the cooperative.
    shipping_cents: Mapped[int] = mapped_column(Integer)
    #: The carrier's name as it was when the parcel left (history; parcels shipped
    #: before the carrier table, or by a name no carrier has, keep only this).
    carrier: Mapped[str] = mapped_column(String(80), default="")
    #: The carrier chosen when the parcel was marked shipped (NULL before the table).
    carrier_id: Mapped[int | None] = mapped_column(ForeignKey("carrier.id"), index=True)
    tracking_number: Mapped[str] = mapped_column(String(80), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: When the carrier (or the cooperative, or staff) said it is out for delivery.
    out_for_delivery_at: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Cash on delivery: when the shopper refused the parcel at the door.
    refused_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: Cash on delivery: when the carrier handed the collected cash over.
    cash_remitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: When its money became payable to the cooperative (delivered, paid and the
    #: hold elapsed); set with the ledger's release entry.
    released_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    order: Mapped[Order] = relationship(back_populates="shipments")
    cooperative: Mapped[Cooperative] = relationship()
    carrier_ref: Mapped[Carrier | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="shipment", order_by="OrderLine.id"
    )

    @property
    def cash_to_collect_cents(self) -> int:
        """What the carrier collects for this parcel on delivery (cash on delivery)."""
        return self.items_cents + self.shipping_cents - (self.platform_discount_cents or 0)

    @hybrid_property
    def money_in(self) -> bool:
        """True when the shopper's money for this parcel came in (refundable, releasable).

        A card order's parcels once the order is paid; a cash-on-delivery parcel
        once the carrier remitted its cash. In a query (``Shipment.money_in``)
        the parcel's order must be joined.
        """
        if self.order.payment_method == PaymentMethod.CARD:
            return self.order.paid_at is not None
        return self.cash_remitted_at is not None

    @money_in.inplace.expression
    @classmethod
    def _money_in_expression(cls) -> ColumnElement[bool]:
        return or_(
            and_(Order.payment_method == PaymentMethod.CARD, Order.paid_at.is_not(None)),
            and_(Order.payment_method == PaymentMethod.COD, cls.cash_remitted_at.is_not(None)),
        )


class OrderLine(LineDiscount, db.Model):
    """A snapshot of one variant sold: later catalog edits never change it."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_cents > 0", name="unit_price_positive"),
        *LineDiscount.checks(),  # gross_is_product: unit price × quantity - discount
        CheckConstraint(
            "commission_cents >= 0 AND premium_cents >= 0 AND producer_cents >= 0",
            name="parts_not_negative",
        ),
        CheckConstraint(
            "commission_cents + premium_cents + producer_cents = gross_cents",
            name="parts_sum_to_gross",
        ),
        CheckConstraint(
            "refunded_quantity >= 0 AND refunded_quantity <= quantity",
            name="refunded_within_quantity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    #: The variant sold, while it exists (the snapshot below is what counts).
    variant_id: Mapped[int | None] = mapped_column(
        ForeignKey("variant.id", ondelete="SET NULL"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    sku: Mapped[str] = mapped_column(String(64))
    name_ar: Mapped[str] = mapped_column(String(200), default="")
    name_fr: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    variant_label: Mapped[str] = mapped_column(String(60))
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    #: What the split ran on: unit price × quantity less a cooperative-funded discount.
    gross_cents: Mapped[int] = mapped_column(Integer)
    commission_cents: Mapped[int] = mapped_column(Integer)
    premium_cents: Mapped[int] = mapped_column(Integer)
    producer_cents: Mapped[int] = mapped_column(Integer)
    #: shop.money.split Policy.version the split was made with.
    policy_version: Mapped[int] = mapped_column(Integer)
    #: Units refunded so far (partial refunds per line).
    refunded_quantity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    order: Mapped[Order] = relationship(back_populates="lines")
    shipment: Mapped[Shipment] = relationship(back_populates="lines")

    lots: Mapped[list[OrderLineLot]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="OrderLineLot.id"
    )

    def name(self, lang: str) -> Localized:
        """The product's name as sold, in ``lang`` or its fallback."""
        return pick({"ar": self.name_ar, "fr": self.name_fr, "en": self.name_en}, lang)


class OrderLineLot(db.Model):
    """How many units of a line came from a lot (FIFO allocation)."""

    __tablename__ = "order_line_lot"
    __table_args__ = (
        UniqueConstraint("line_id", "lot_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(
        ForeignKey("order_line.id", ondelete="CASCADE"), index=True
    )
    lot_id: Mapped[int] = mapped_column(ForeignKey("lot.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    line: Mapped[OrderLine] = relationship(back_populates="lots")
    lot: Mapped[Lot] = relationship()


class RefundMethod(enum.StrEnum):
    """How the money goes back."""

    CARD = "card"  # a Stripe refund of the order's payment
    CASH = "cash"  # cash handed back (cash-on-delivery orders), recorded by staff


class RefundStatus(enum.StrEnum):
    """Where a refund stands."""

    PENDING = "pending"  # recorded, the money has not left yet (Stripe pending)
    SUCCEEDED = "succeeded"  # the money left: the ledger has its refund.paid entry
    FAILED = "failed"  # Stripe refused it: the parts are restored


class Refund(Timestamped, db.Model):
    """Money given back for some units of an order's lines, or a parcel's shipping."""

    __tablename__ = "refund"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    method: Mapped[RefundMethod] = mapped_column(str_enum(RefundMethod))
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The administrator who made it; None when Stripe told us (dashboard refund).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime)
    failure_reason: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[Order] = relationship(backref="refunds")
    created_by: Mapped[User | None] = relationship()
    lines: Mapped[list[RefundLine]] = relationship(
        back_populates="refund", cascade="all, delete-orphan", order_by="RefundLine.id"
    )


class RefundLine(RefundLineDiscount, db.Model):
    """The units of one order line (or one parcel's shipping) a refund gives back.

    The parts are what the ledger reverses: for ``quantity`` more units of a
    line, the split of the refunded total minus the split of what was refunded
    before, so that refunding a line unit by unit reverses exactly its parts.
    """

    __tablename__ = "refund_line"
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint(
            "commission_cents + premium_cents + producer_cents = gross_cents",
            name="parts_sum_to_gross",
        ),
        CheckConstraint("shipping_cents >= 0", name="shipping_not_negative"),
        *RefundLineDiscount.checks(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    refund_id: Mapped[int] = mapped_column(ForeignKey("refund.id", ondelete="CASCADE"), index=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipment.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    #: None for a refund of the parcel's shipping only.
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    gross_cents: Mapped[int] = mapped_column(Integer, default=0)
    commission_cents: Mapped[int] = mapped_column(Integer, default=0)
    premium_cents: Mapped[int] = mapped_column(Integer, default=0)
    producer_cents: Mapped[int] = mapped_column(Integer, default=0)
    shipping_cents: Mapped[int] = mapped_column(Integer, default=0)

    refund: Mapped[Refund] = relationship(back_populates="lines")
    shipment: Mapped[Shipment] = relationship()
    order_line: Mapped[OrderLine | None] = relationship()

    @property
    def amount_cents(self) -> int:
        """What the shopper gets back for this line (what they paid for it)."""
        return self.gross_cents + self.shipping_cents - (self.discount_cents or 0)
