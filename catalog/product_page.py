"""A product's page, read from plain columns into small dataclasses, no ORM objects.

Loading the product as a ``Product`` with its translations, images,
variants, certificates, cooperative (and its translations) and category
(and its names) took seven statements and about a third of the page's
time, most of it in the ORM building and identity-mapping objects the page
only reads. The page reads instead, with statements built once per process:

- one row (``_product_row``): the product's columns, its texts in each
  language, its cooperative's and its category's columns and names (a join
  per language, as the cards' names in ``catalog.cards``);
- its variants, its pictures and its certificates: a statement each.

The objects answer what the page, its includes and its helpers read of a
``Product``, ``Cooperative``, ``Category``, ``Variant``, ``ProductImage`` and
``Certification`` (``name``, ``text``, ``sellable_variants``, ``region``,
``tagline``, ``women_share``, ``is_valid``...), nothing more: a template that
needs another attribute adds it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import aliased

from producers.models import Cooperative
from shop import clock
from shop.extensions import read
from shop.i18n import LANGUAGES, Localized, pick

from .cards import COOPERATIVE_COLUMNS, TAGLINES, CardImage, CooperativeCard
from .models import (
    Category,
    CategoryTranslation,
    Certification,
    CertificationKind,
    Product,
    ProductImage,
    ProductTranslation,
    Unit,
    Variant,
    product_certification,
)
from .queries import visible_products

#: The product's translated fields (``Product.text``).
TEXT_FIELDS = ("name", "description", "usage", "ingredients")


@dataclass(frozen=True, slots=True)
class PageCategory:
    """The product's category: what ``Category`` the page reads."""

    id: int
    slug: str
    names: dict[str, str | None]

    def name(self, lang: str) -> Localized:
        """The category's name in ``lang`` or its fallback (as ``Category.name``)."""
        return pick(self.names, lang)


@dataclass(frozen=True, slots=True)
class PageVariant:
    """A variant of the product: the columns of ``Variant``."""

    id: int
    sku: str
    label: str
    unit_quantity: int
    unit: Unit
    price_cents: int
    stock: int
    weight_g: int
    gtin: str | None
    position: int
    active: bool


@dataclass(frozen=True, slots=True)
class PageCertification:
    """A certificate of the product: what ``Certification`` the page reads."""

    id: int
    kind: CertificationKind
    number: str
    issuer: str
    valid_until: date | None

    def is_valid(self, on: date | None = None) -> bool:
        """True until the end of its ``valid_until`` day (as ``Certification.is_valid``)."""
        return self.valid_until is None or self.valid_until >= (on or clock.local_date())


@dataclass(slots=True)
class ProductPage:
    """A visible product as its page shows it (the template's ``product``)."""

    id: int
    slug: str
    origin: str
    cooperative: CooperativeCard
    category: PageCategory
    #: field → language → text.
    texts: dict[str, dict[str, str | None]]
    variants: list[PageVariant] = field(default_factory=list)
    images: list[CardImage] = field(default_factory=list)
    certifications: list[PageCertification] = field(default_factory=list)

    def text(self, field: str, lang: str) -> Localized:
        """A translated field (name, description, usage, ingredients), as ``Product.text``."""
        return pick(self.texts[field], lang)

    def name(self, lang: str) -> Localized:
        """The product's name in ``lang`` or its fallback."""
        return self.text("name", lang)

    @property
    def sellable_variants(self) -> list[PageVariant]:
        """Active variants with a price, in display order."""
        return [v for v in self.variants if v.active and v.price_cents > 0]

    @property
    def in_stock(self) -> bool:
        """True when any variant can be bought."""
        return any(v.stock > 0 for v in self.sellable_variants)


_TEXTS = {lang: aliased(ProductTranslation, name=f"page_text_{lang}") for lang in LANGUAGES}
_CATEGORY_NAMES = {
    lang: aliased(CategoryTranslation, name=f"page_category_{lang}") for lang in LANGUAGES
}


@cache
def _product_row() -> Select:
    """The visible product at ``:slug``, its texts, cooperative and category: one row."""
    columns: list[Any] = [Product.id, Product.slug, Product.origin, Category.id, Category.slug]
    columns += [name.name for name in _CATEGORY_NAMES.values()]
    columns += COOPERATIVE_COLUMNS
    columns += [tagline.tagline for tagline in TAGLINES.values()]
    for text in _TEXTS.values():
        columns += [getattr(text, name) for name in TEXT_FIELDS]
    query = (
        visible_products()
        .join(Product.category)
        .with_only_columns(*columns)
        .where(Product.slug == bindparam("slug"))
    )
    for lang, text in _TEXTS.items():
        query = query.outerjoin(text, and_(text.product_id == Product.id, text.locale == lang))
    for lang, name in _CATEGORY_NAMES.items():
        query = query.outerjoin(name, and_(name.category_id == Category.id, name.locale == lang))
    for lang, tagline in TAGLINES.items():
        query = query.outerjoin(
            tagline, and_(tagline.cooperative_id == Cooperative.id, tagline.locale == lang)
        )
    return query


@cache
def _variants() -> Select:
    return (
        select(
            Variant.id,
            Variant.sku,
            Variant.label,
            Variant.unit_quantity,
            Variant.unit,
            Variant.price_cents,
            Variant.stock,
            Variant.weight_g,
            Variant.gtin,
            Variant.position,
            Variant.active,
        )
        .where(Variant.product_id == bindparam("id"))
        .order_by(Variant.position, Variant.id)
    )


@cache
def _images() -> Select:
    return (
        select(ProductImage.key, ProductImage.width, ProductImage.height, ProductImage.widths)
        .where(ProductImage.product_id == bindparam("id"))
        .order_by(ProductImage.position, ProductImage.id)
    )


@cache
def _certifications() -> Select:
    return (
        select(
            Certification.id,
            Certification.kind,
            Certification.number,
            Certification.issuer,
            Certification.valid_until,
        )
        .join(product_certification, product_certification.c.certification_id == Certification.id)
        .where(product_certification.c.product_id == bindparam("id"))
        .order_by(Certification.id)
    )


def product_page(slug: str) -> ProductPage | None:
    """A visible product with everything its page shows, or None (four statements)."""
    row = read(_product_row(), {"slug": slug}).first()
    if row is None:
        return None
    product_id, product_slug, origin, category_id, category_slug, *rest = row
    n = len(LANGUAGES)
    category = PageCategory(category_id, category_slug, dict(zip(LANGUAGES, rest[:n], strict=True)))
    rest = rest[n:]
    m = len(COOPERATIVE_COLUMNS)
    # COOPERATIVE_COLUMNS are the fields before the taglines, in their order.
    cooperative = CooperativeCard(*rest[:m], dict(zip(LANGUAGES, rest[m : m + n], strict=True)))  # type: ignore[call-arg]
    values = rest[m + n :]
    fields = len(TEXT_FIELDS)
    texts: dict[str, dict[str, str | None]] = {name: {} for name in TEXT_FIELDS}
    for i, lang in enumerate(LANGUAGES):
        for j, name in enumerate(TEXT_FIELDS):
            texts[name][lang] = values[i * fields + j]
    params = {"id": product_id}
    return ProductPage(
        product_id,
        product_slug,
        origin,
        cooperative,
        category,
        texts,
        [PageVariant(*r) for r in read(_variants(), params)],
        [CardImage(*r) for r in read(_images(), params)],
        [PageCertification(*r) for r in read(_certifications(), params)],
    )
