"""Catalog operations for the cooperative workspace: products, variants, images, stock."""

from __future__ import annotations

import io
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from producers.models import Cooperative
from shop import jobs
from shop.digits import ascii_digits
from shop.extensions import db
from shop.models import utcnow
from shop.money.policy import current_policy
from shop.money.split import Policy, split
from shop.params import parse_int
from shop.slugs import slugify
from shop.spreadsheet import CsvFileError, RowError, SafeDictReader
from shop.storage import get_storage

from .exceptions import CatalogError, FloorError, ImageError
from .images import pending_widths, process_image
from .importer import variant_label
from .models import (
    Category,
    Certification,
    FloorCheck,
    FloorPrice,
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
    Unit,
    Variant,
)

LANGS = ("ar", "fr", "en")
TEXT_FIELDS = ("name", "description", "usage", "ingredients")
MAX_IMAGES = 12
#: The most units of one size in stock (forms, CSV imports).
MAX_STOCK = 1_000_000


# ------------------------------------------------------------------ floor prices


def floor_for(category: Category, unit: Unit) -> FloorPrice | None:
    """The floor of ``category`` (or its nearest ancestor) for ``unit``."""
    floors = {(f.category_id, f.unit): f for f in db.session.scalars(select(FloorPrice))}
    node: Category | None = category
    while node is not None:
        if (node.id, unit) in floors:
            return floors[(node.id, unit)]
        node = node.parent
    return None


def producer_revenue_per_reference(
    price_cents: int, quantity: int, reference: int, policy: Policy | None = None
) -> int:
    """Producer revenue for ``reference`` units when ``quantity`` units sell at ``price``.

    Under ``policy``, by default the current published one (what a sale now pays).
    """
    policy = policy or current_policy()
    return split(price_cents, policy).producer * reference // quantity


def min_price_for_floor(
    floor_cents: int, quantity: int, reference: int, policy: Policy | None = None
) -> int:
    """The lowest price whose producer revenue meets the floor (exact, integers)."""
    policy = policy or current_policy()
    needed = -(-floor_cents * quantity // reference)  # ceil: revenue for this variant
    keep = 10_000 - policy.commission_bp - policy.premium_bp
    price = max(1, needed * 10_000 // keep - 2)
    while split(price, policy).producer * reference // quantity < floor_cents:
        price += 1
    return price


def check_floor(
    product: Product, variant: Variant, policy: Policy | None = None
) -> FloorCheck | None:
    """A FloorCheck when ``variant`` pays its producers less than the floor.

    Under ``policy``, by default the current published one.
    """
    floor = floor_for(product.category, variant.unit)
    if floor is None:
        return None
    policy = policy or current_policy()
    reference = floor.reference_quantity
    revenue = producer_revenue_per_reference(
        variant.price_cents, variant.unit_quantity, reference, policy
    )
    if revenue >= floor.cents_per_reference:
        return None
    return FloorCheck(
        variant,
        floor,
        revenue,
        min_price_for_floor(floor.cents_per_reference, variant.unit_quantity, reference, policy),
    )


# ------------------------------------------------------------------ products


def product_of(cooperative: Cooperative, product_id: int) -> Product | None:
    """One of the cooperative's products (None for another cooperative's)."""
    return db.session.scalar(
        select(Product).where(Product.id == product_id, Product.cooperative_id == cooperative.id)
    )


def _unique_product_slug(base: str) -> str:
    base = base[:100] or "produit"
    taken = set(db.session.scalars(select(Product.slug).where(Product.slug.like(f"{base}%"))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def save_product(
    cooperative: Cooperative, data: dict[str, Any], product: Product | None = None
) -> Product:
    """Create or update a product's texts, category, origin and certifications.

    ``data`` has ``category_id``, ``origin``, ``certification_ids`` and
    ``{field}_{lang}`` texts. A new product starts as a draft.
    """
    if not any((data.get(f"name_{lang}") or "").strip() for lang in LANGS):
        raise CatalogError(_l("Give the product a name in at least one language."))
    category = db.session.get(Category, data["category_id"])
    if category is None:
        raise CatalogError(_l("Choose a category."))
    if product is None:
        # A name in Latin letters reads best; an Arabic-only name is transliterated.
        name = data.get("name_fr") or data.get("name_en") or data.get("name_ar") or ""
        product = Product(
            cooperative=cooperative,
            status=ProductStatus.DRAFT,
            slug=_unique_product_slug(f"{slugify(name, 60) or 'produit'}-{cooperative.slug}"),
        )
        db.session.add(product)
    product.category = category
    product.origin = (data.get("origin") or "").strip()
    existing = {t.locale: t for t in product.translations}
    for lang in LANGS:
        values = {f: (data.get(f"{f}_{lang}") or "").strip() for f in TEXT_FIELDS}
        row = existing.get(lang)
        if row is None and any(values.values()):
            product.translations.append(ProductTranslation(locale=lang, **values))
        elif row is not None:
            for field, value in values.items():
                setattr(row, field, value)
    wanted = set(data.get("certification_ids") or ())
    product.certifications = (
        list(
            db.session.scalars(
                select(Certification).where(
                    Certification.cooperative_id == cooperative.id, Certification.id.in_(wanted)
                )
            )
        )
        if wanted
        else []
    )
    db.session.flush()
    return product


def save_variant(product: Product, data: dict[str, Any], variant: Variant | None = None) -> Variant:
    """Create or update a variant; a published product must stay above its floor."""
    sku = data["sku"].strip()
    clash = db.session.scalar(select(Variant).where(Variant.sku == sku))
    if clash is not None and clash is not variant:
        raise CatalogError(_l("The SKU %(sku)s is already used.", sku=sku))
    if data.get("gtin"):
        clash = db.session.scalar(select(Variant).where(Variant.gtin == data["gtin"]))
        if clash is not None and clash is not variant:
            raise CatalogError(_l("This GTIN is already used by SKU %(sku)s.", sku=clash.sku))
    if variant is None:
        variant = Variant(position=len(product.variants))
        product.variants.append(variant)
    variant.sku = sku
    variant.unit_quantity = data["unit_quantity"]
    variant.unit = Unit(data["unit"])
    variant.label = variant_label(variant.unit_quantity, variant.unit)
    variant.price_cents = data["price_cents"]
    variant.stock = data["stock"]
    variant.weight_g = data["weight_g"]
    variant.gtin = data.get("gtin") or None
    variant.active = data.get("active", True)
    if product.status == ProductStatus.PUBLISHED and variant.active:
        problem = check_floor(product, variant)
        if problem is not None:
            raise FloorError(problem)
    db.session.flush()
    return variant


def set_status(product: Product, status: ProductStatus) -> None:
    """Publish, unpublish (back to draft) or archive; publishing checks floors."""
    if status == ProductStatus.PUBLISHED:
        sellable = product.sellable_variants
        if not sellable:
            raise CatalogError(_l("Add at least one active size with a price before publishing."))
        if not any((t.name or "").strip() for t in product.translations):
            raise CatalogError(_l("Give the product a name before publishing."))
        for variant in sellable:
            problem = check_floor(product, variant)
            if problem is not None:
                raise FloorError(problem)
        product.published_at = product.published_at or utcnow()
    product.status = status
    db.session.flush()


# ------------------------------------------------------------------ images


def add_image(product: Product, data: bytes) -> ProductImage:
    """Run an upload through the image pipeline and add it to the gallery.

    Only the largest width is made while the cooperative waits; a job makes
    the smaller ones after the commit (``catalog.jobs.image_renditions``).
    """
    if len(product.images) >= MAX_IMAGES:
        raise CatalogError(_l("A product has at most %(n)d pictures.", n=MAX_IMAGES))
    try:
        processed = process_image(data, get_storage(), largest_only=True)
    except ImageError as exc:
        raise CatalogError(exc.message) from exc
    for image in product.images:
        if image.key == processed.key:
            raise CatalogError(_l("This picture is already in the gallery."))
    image = ProductImage(
        key=processed.key,
        width=processed.width,
        height=processed.height,
        widths=",".join(str(w) for w in sorted({r.width for r in processed.renditions})),
        position=len(product.images),
    )
    product.images.append(image)
    db.session.flush()
    if pending_widths(processed.width):
        jobs.after_commit("image-renditions", processed.key, processed.width)
    return image


def move_image(product: Product, image: ProductImage, offset: int) -> None:
    """Move a picture earlier (-1) or later (+1) in the gallery."""
    images = sorted(product.images, key=lambda i: i.position)
    index = images.index(image)
    target = max(0, min(len(images) - 1, index + offset))
    images.insert(target, images.pop(index))
    for position, item in enumerate(images):
        item.position = position
    db.session.flush()


def delete_image(product: Product, image: ProductImage) -> None:
    """Remove a picture from the gallery (files stay: other products may share them)."""
    product.images.remove(image)
    for position, item in enumerate(sorted(product.images, key=lambda i: i.position)):
        item.position = position
    db.session.flush()


# ------------------------------------------------------------------ stock


def update_stock(variant: Variant, stock: int) -> None:
    """Set a variant's stock (a count from the storeroom)."""
    if stock < 0:
        raise CatalogError(_l("Stock cannot be negative."))
    variant.stock = stock
    db.session.flush()


def bulk_stock(cooperative: Cooperative, text: str) -> tuple[int, list[RowError]]:
    """Apply a ``sku,stock`` CSV to the cooperative's variants, all or nothing."""
    reader = SafeDictReader(io.StringIO(text, newline=""))
    try:
        return _bulk_stock(variants_of(cooperative), reader)
    except CsvFileError as exc:
        return 0, [exc.error]


def variants_of(cooperative: Cooperative) -> dict[str, Variant]:
    """The cooperative's variants by SKU."""
    return {
        v.sku: v
        for v in db.session.scalars(
            select(Variant).join(Product).where(Product.cooperative_id == cooperative.id)
        )
    }


def _bulk_stock(variants: dict[str, Variant], reader: SafeDictReader) -> tuple[int, list[RowError]]:
    if not reader.fieldnames or {"sku", "stock"} - {f.strip() for f in reader.fieldnames}:
        return 0, [RowError(1, _l("The file needs the columns sku and stock."))]
    errors: list[RowError] = []
    updates: list[tuple[Variant, int]] = []
    seen: set[str] = set()
    for index, row in enumerate(reader):
        line = index + 2
        sku = ascii_digits(row.get("sku") or "").strip()
        value = (row.get("stock") or "").strip()
        stock = parse_int(value, max=MAX_STOCK)
        variant = variants.get(sku)
        if variant is None:
            errors.append(
                RowError(line, _l("Unknown SKU “%(sku)s” for this cooperative.", sku=sku))
            )
        elif sku in seen:
            errors.append(RowError(line, _l("SKU %(sku)s appears twice.", sku=sku)))
        if stock is None:
            errors.append(
                RowError(line, _l("Bad stock “%(value)s”: a whole number from 0.", value=value))
            )
        elif variant is not None:
            updates.append((variant, stock))
        seen.add(sku)
    if errors:
        return 0, errors
    for variant, stock in updates:
        variant.stock = stock
    db.session.flush()
    return len(updates), []
