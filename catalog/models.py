"""Categories, products, variants, certifications and images."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from producers.models import Cooperative
from shop import clock
from shop.extensions import db
from shop.i18n import Localized, localized
from shop.models import Timestamped, str_enum, utcnow


class Category(db.Model):
    """A node of the category tree (e.g. Food › Argan oil)."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: The unit a floor price is set in for this category ("ml", "g", "piece").
    unit: Mapped[str] = mapped_column(String(8), default="piece")

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )
    translations: Mapped[list[CategoryTranslation]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    def name(self, lang: str) -> Localized:
        """The category's name in ``lang`` or its fallback."""
        return localized(self.translations, "name", lang)


class CategoryTranslation(db.Model):
    """A category's name in one language."""

    __tablename__ = "category_translation"
    __table_args__ = (UniqueConstraint("category_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(120))


class CertificationKind(enum.StrEnum):
    """Labels and authorisations a cooperative can hold."""

    ORGANIC = "organic"
    IGP = "igp"
    AOP = "aop"
    LABEL_AGRICOLE = "label_agricole"
    FAIRTRADE = "fairtrade"
    ONSSA = "onssa"


class Certification(Timestamped, db.Model):
    """A certificate held by a cooperative, with its validity."""

    __tablename__ = "certification"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperative.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[CertificationKind] = mapped_column(str_enum(CertificationKind))
    number: Mapped[str] = mapped_column(String(80), default="")
    issuer: Mapped[str] = mapped_column(String(160), default="")
    valid_until: Mapped[date | None] = mapped_column(Date)
    #: Private storage name of the scanned certificate (PDF or image, under ``docs/``).
    document_name: Mapped[str | None] = mapped_column(String(200))

    cooperative: Mapped[Cooperative] = relationship()

    def is_valid(self, on: date | None = None) -> bool:
        """True until the end of its ``valid_until`` day (open-ended if unset)."""
        return self.valid_until is None or self.valid_until >= (on or clock.local_date())

    @property
    def document_download_name(self) -> str:
        """The name a downloaded scan gets: kind, number and the stored extension."""
        extension = (self.document_name or "").rsplit(".", 1)[-1]
        return f"{self.kind.value}-{self.number}.{extension}"


product_certification = Table(
    "product_certification",
    db.metadata,
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "certification_id", ForeignKey("certification.id", ondelete="CASCADE"), primary_key=True
    ),
)


class ProductStatus(enum.StrEnum):
    """Only published products of approved cooperatives are shown."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Product(Timestamped, db.Model):
    """A product of a cooperative, sold in one or more variants."""

    __tablename__ = "product"
    __table_args__ = (
        # The listing's default order, and its filter by status.
        Index("ix_product_status_published_at", "status", "published_at"),
        # Every column the storefront's visibility and filters read: the
        # listings' counts and price sorts read this index, not the table.
        Index(
            "ix_product_visible_cover",
            "cooperative_id",
            "status",
            "min_price_cents",
            "category_id",
            "stock_total",
        ),
        CheckConstraint("stock_total >= 0", name="stock_total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[ProductStatus] = mapped_column(
        str_enum(ProductStatus), default=ProductStatus.DRAFT, index=True
    )
    #: Where it comes from, in words ("Aït Baha, Chtouka Aït Baha").
    origin: Mapped[str] = mapped_column(String(200), default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    #: Lowest price of the active variants, NULL when nothing can be sold, and
    #: their total stock: a summary kept by catalog.summary after every flush
    #: that touches variants, so listings filter and sort on indexed columns
    #: instead of aggregating every variant on every page view.
    min_price_cents: Mapped[int | None] = mapped_column(Integer, index=True)
    stock_total: Mapped[int] = mapped_column(Integer, default=0)

    cooperative: Mapped[Cooperative] = relationship()
    category: Mapped[Category] = relationship()
    translations: Mapped[list[ProductTranslation]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )
    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )
    certifications: Mapped[list[Certification]] = relationship(secondary=product_certification)

    def text(self, field: str, lang: str) -> Localized:
        """A translated field (name, description, usage, ingredients)."""
        return localized(self.translations, field, lang)

    def name(self, lang: str) -> Localized:
        """The product's name in ``lang`` or its fallback."""
        return self.text("name", lang)

    def translation(self, locale: str) -> ProductTranslation | None:
        """The translation row for ``locale``, if any."""
        return next((t for t in self.translations if t.locale == locale), None)

    @property
    def sellable_variants(self) -> list[Variant]:
        """Active variants with a price, in display order."""
        return [v for v in self.variants if v.active and v.price_cents > 0]

    @property
    def in_stock(self) -> bool:
        """True when any variant can be bought."""
        return any(v.stock > 0 for v in self.sellable_variants)

    def __repr__(self) -> str:
        return f"<Product {self.slug}>"


class ProductTranslation(db.Model):
    """A product's texts in one language."""

    __tablename__ = "product_translation"
    __table_args__ = (UniqueConstraint("product_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    locale: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    usage: Mapped[str] = mapped_column(Text, default="")
    ingredients: Mapped[str] = mapped_column(Text, default="")

    product: Mapped[Product] = relationship(back_populates="translations")


class Unit(enum.StrEnum):
    """Units a variant's quantity is counted in."""

    ML = "ml"
    G = "g"
    PIECE = "piece"


class Variant(db.Model):
    """A sellable size or form of a product, with its own price and stock."""

    __tablename__ = "variant"
    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_cents > 0", name="price_positive"),
        CheckConstraint("unit_quantity > 0", name="unit_quantity_positive"),
        CheckConstraint("weight_g >= 0", name="weight_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    #: Shown to shoppers, e.g. "250 ml".
    label: Mapped[str] = mapped_column(String(60))
    unit_quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[Unit] = mapped_column(str_enum(Unit))
    #: Price in centimes of MAD, taxes included.
    price_cents: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    weight_g: Mapped[int] = mapped_column(Integer, default=0)
    #: GS1 GTIN stored as 14 digits (check digit validated on input).
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    product: Mapped[Product] = relationship(back_populates="variants")


class ProductImage(db.Model):
    """A processed picture of a product (renditions in media storage)."""

    __tablename__ = "product_image"
    __table_args__ = (UniqueConstraint("product_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    #: Content address (sha256) shared by all renditions.
    key: Mapped[str] = mapped_column(String(64))
    #: Size of the largest rendition; others keep the aspect ratio.
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    #: Widths available, comma-separated ("320,640,1280").
    widths: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="images")


class FloorPrice(db.Model):
    """The least producer revenue per reference quantity for a category and unit.

    E.g. 150 MAD of producer revenue per litre of argan oil: a variant whose
    producer revenue per litre falls below it cannot be published.
    """

    __tablename__ = "floor_price"
    __table_args__ = (
        UniqueConstraint("category_id", "unit"),
        CheckConstraint("cents_per_reference > 0", name="floor_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    unit: Mapped[Unit] = mapped_column(str_enum(Unit))
    #: Centimes of producer revenue per litre (ml), per kilogram (g) or per piece.
    cents_per_reference: Mapped[int] = mapped_column(Integer)

    category: Mapped[Category] = relationship()

    @property
    def reference_quantity(self) -> int:
        """How many units the floor is expressed for (1000 ml, 1000 g, 1 piece)."""
        return 1 if self.unit == Unit.PIECE else 1000


@dataclass(frozen=True)
class FloorCheck:
    """Why a variant's price is under its category's floor, and what would meet it."""

    variant: Variant
    floor: FloorPrice
    revenue_per_reference: int
    min_price_cents: int
