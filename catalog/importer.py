"""Catalog import from CSV: every row checked first, then all or nothing.

Columns: cooperative, sku, category, name_ar, name_fr, name_en,
description_ar, description_fr, description_en, price_mad, stock, weight_g,
unit_quantity, unit, certifications, image (and optionally gtin). Each row is
one variant; rows of the same cooperative, category and name form one
product. Rows upsert by SKU, so importing the same file twice changes
nothing.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from producers.models import Cooperative
from shop.digits import ascii_digits
from shop.extensions import db
from shop.models import utcnow
from shop.money.amounts import parse_mad
from shop.params import parse_int
from shop.slugs import slugify
from shop.spreadsheet import CsvFileError, RowError, SafeDictReader
from shop.storage import Storage

from .exceptions import ImageError
from .images import check_image, store_image
from .models import (
    Category,
    Certification,
    CertificationKind,
    Product,
    ProductImage,
    ProductStatus,
    ProductTranslation,
    Unit,
    Variant,
)
from .validators import normalize_gtin

REQUIRED_COLUMNS = (
    "cooperative",
    "sku",
    "category",
    "name_ar",
    "name_fr",
    "name_en",
    "description_ar",
    "description_fr",
    "description_en",
    "price_mad",
    "stock",
    "weight_g",
    "unit_quantity",
    "unit",
    "certifications",
    "image",
)
LANGS = ("ar", "fr", "en")
SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_ROWS = 20_000


@dataclass
class Row:
    """A checked line."""

    line: int
    cooperative: Cooperative
    category: Category
    sku: str
    names: dict[str, str]
    descriptions: dict[str, str]
    price_cents: int
    stock: int
    weight_g: int
    unit_quantity: int
    unit: Unit
    gtin: str | None
    certifications: list[Certification]
    image: bytes | None

    @property
    def product_key(self) -> tuple[int, int, str]:
        name = next(self.names[lang] for lang in ("fr", "en", "ar") if self.names[lang])
        return (self.cooperative.id, self.category.id, fold(name))


@dataclass
class ImportReport:
    """What an import did, or why it did nothing."""

    errors: list[RowError] = field(default_factory=list)
    products_created: int = 0
    products_updated: int = 0
    variants_created: int = 0
    variants_updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        """True when the file was imported."""
        return not self.errors


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only, for keys and slugs."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _int(value: str, low: int, high: int) -> int | None:
    return parse_int(value, min=low, max=high)


class _Lookups:
    """Reference data loaded once per import."""

    def __init__(self) -> None:
        self.cooperatives = {c.slug: c for c in db.session.scalars(select(Cooperative))}
        self.categories = {c.slug: c for c in db.session.scalars(select(Category))}
        self.certifications: dict[tuple[int, str], list[Certification]] = {}
        for cert in db.session.scalars(select(Certification)):
            self.certifications.setdefault((cert.cooperative_id, cert.kind.value), []).append(cert)
        self.variants = {v.sku: v for v in db.session.scalars(select(Variant))}
        self.gtins = {v.gtin: v.sku for v in self.variants.values() if v.gtin}


def parse_rows(
    stream: IO[str], base_dir: Path, refs: _Lookups, only_cooperative: Cooperative | None = None
) -> tuple[list[Row], list[RowError]]:
    """Check every line; return the good rows and every error (an unreadable file: its line)."""
    try:
        return _parse_rows(SafeDictReader(stream), base_dir, refs, only_cooperative)
    except CsvFileError as exc:
        return [], [exc.error]


def _parse_rows(
    reader: SafeDictReader, base_dir: Path, refs: _Lookups, only_cooperative: Cooperative | None
) -> tuple[list[Row], list[RowError]]:
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, _l("Missing columns: %(columns)s.", columns=", ".join(missing)))]
    reader.fieldnames = header
    rows: list[Row] = []
    errors: list[RowError] = []
    seen_skus: dict[str, int] = {}
    seen_gtins: dict[str, int] = {}
    for index, raw in enumerate(reader):
        line = index + 2
        if index >= MAX_ROWS:
            errors.append(RowError(line, _l("Too many rows (at most %(n)d).", n=MAX_ROWS)))
            break
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        row_errors: list[Any] = []
        if only_cooperative is not None and values.get("cooperative") != only_cooperative.slug:
            row_errors.append(
                _l("Only products of %(slug)s can be imported here.", slug=only_cooperative.slug)
            )
        row = _parse_row(line, values, refs, base_dir, row_errors)
        if row is not None:
            if row.sku in seen_skus:
                row_errors.append(
                    _l(
                        "SKU %(sku)s is already on line %(line)d.",
                        sku=row.sku,
                        line=seen_skus[row.sku],
                    )
                )
            seen_skus.setdefault(row.sku, line)
            if row.gtin:
                if row.gtin in seen_gtins:
                    row_errors.append(
                        _l(
                            "GTIN %(gtin)s is already on line %(line)d.",
                            gtin=row.gtin,
                            line=seen_gtins[row.gtin],
                        )
                    )
                elif refs.gtins.get(row.gtin, row.sku) != row.sku:
                    row_errors.append(
                        _l(
                            "GTIN %(gtin)s already belongs to SKU %(sku)s.",
                            gtin=row.gtin,
                            sku=refs.gtins[row.gtin],
                        )
                    )
                seen_gtins.setdefault(row.gtin, line)
        errors.extend(RowError(line, message) for message in row_errors)
        if row is not None and not row_errors:
            rows.append(row)
    return rows, errors


def _parse_row(
    line: int, v: dict[str, str], refs: _Lookups, base_dir: Path, errors: list[Any]
) -> Row | None:
    coop = refs.cooperatives.get(v["cooperative"])
    if coop is None:
        errors.append(_l("Unknown cooperative “%(slug)s”.", slug=v["cooperative"]))
    category = refs.categories.get(v["category"])
    if category is None:
        errors.append(_l("Unknown category “%(slug)s”.", slug=v["category"]))
    sku = ascii_digits(v["sku"])
    if not SKU.match(sku):
        errors.append(
            _l(
                "The SKU is missing or has characters other than letters, digits, "
                "dot, dash and underscore."
            )
        )
    existing = refs.variants.get(sku)
    if existing is not None and coop is not None and existing.product.cooperative_id != coop.id:
        errors.append(_l("SKU %(sku)s belongs to another cooperative.", sku=sku))
    names = {lang: v[f"name_{lang}"] for lang in LANGS}
    if not any(names.values()):
        errors.append(_l("The product has no name in any language."))
    if any(len(n) > 200 for n in names.values()):
        errors.append(_l("A name is longer than 200 characters."))
    try:
        price = parse_mad(v["price_mad"])
        if price <= 0:
            raise ValueError
    except ValueError:
        price = 0
        errors.append(_l("Bad price “%(value)s”: write dirhams like 120.00.", value=v["price_mad"]))
    stock = _int(v["stock"], 0, 1_000_000)
    if stock is None:
        errors.append(_l("Bad stock “%(value)s”: a whole number from 0.", value=v["stock"]))
    weight = _int(v["weight_g"], 1, 100_000)
    if weight is None:
        errors.append(
            _l("Bad weight “%(value)s”: grams, a whole number from 1.", value=v["weight_g"])
        )
    quantity = _int(v["unit_quantity"], 1, 1_000_000)
    if quantity is None:
        errors.append(_l("Bad unit quantity “%(value)s”.", value=v["unit_quantity"]))
    try:
        unit = Unit(v["unit"].lower())
    except ValueError:
        unit = Unit.PIECE
        errors.append(_l("Bad unit “%(value)s”: ml, g or piece.", value=v["unit"]))
    gtin = None
    if v.get("gtin"):
        try:
            gtin = normalize_gtin(v["gtin"])
        except ValueError:
            errors.append(_l("Bad GTIN “%(value)s”: wrong length or check digit.", value=v["gtin"]))
    certs: list[Certification] = []
    for kind in filter(None, (k.strip().lower() for k in v["certifications"].split(";"))):
        if kind not in {k.value for k in CertificationKind}:
            errors.append(_l("Unknown certification “%(kind)s”.", kind=kind))
        elif coop is not None:
            found = refs.certifications.get((coop.id, kind))
            if not found:
                errors.append(_l("The cooperative has no %(kind)s certificate on file.", kind=kind))
            else:
                certs.extend(found)
    image = None
    if v["image"]:
        image = _read_image(v["image"], base_dir, errors)
    if errors:
        return None
    assert coop is not None and category is not None and stock is not None
    assert weight is not None and quantity is not None
    return Row(
        line,
        coop,
        category,
        sku,
        names,
        {lang: v[f"description_{lang}"] for lang in LANGS},
        price,
        stock,
        weight,
        quantity,
        unit,
        gtin,
        certs,
        image,
    )


def _read_image(relative: str, base_dir: Path, errors: list[Any]) -> bytes | None:
    base = base_dir.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        errors.append(_l("Image “%(path)s” not found next to the file.", path=relative))
        return None
    data = path.read_bytes()
    try:
        # Every check an upload gets, without encoding the renditions: the
        # row is stored later (``_attach_image``), if the file has no errors.
        check_image(data)
    except ImageError as exc:
        errors.append(
            _l("Unreadable image “%(path)s”: %(reason)s", path=relative, reason=exc.message)
        )
        return None
    return data


def import_catalog(
    stream: IO[str], base_dir: Path, storage: Storage, only_cooperative: Cooperative | None = None
) -> ImportReport:
    """Check the whole file, then import it; on any error import nothing.

    ``only_cooperative`` limits the rows to one cooperative (the workspace).
    The caller commits when ``report.ok`` (and rolls back otherwise).
    """
    refs = _Lookups()
    rows, errors = parse_rows(stream, base_dir, refs, only_cooperative)
    report = ImportReport(errors=errors)
    if errors:
        return report
    slugs = set(db.session.scalars(select(Product.slug)))
    products: dict[tuple[int, int, str], Product] = {}
    seen: set[int] = set()  # products already compared with the file
    for row in rows:
        variant = refs.variants.get(row.sku)
        product = variant.product if variant is not None else products.get(row.product_key)
        if product is None:
            product = _new_product(row, slugs)
            report.products_created += 1
        elif product.id is not None and product.id not in seen:
            seen.add(product.id)
            if _update_product(product, row):
                report.products_updated += 1
        products[row.product_key] = product
        if variant is None:
            product.variants.append(_new_variant(row, len(product.variants)))
            report.variants_created += 1
        elif _update_variant(variant, row):
            report.variants_updated += 1
        else:
            report.unchanged += 1
        if row.image is not None:
            _attach_image(product, row.image, storage)
        for cert in row.certifications:
            if cert not in product.certifications:
                product.certifications.append(cert)
    db.session.flush()
    return report


def import_file(path: Path, storage: Storage) -> ImportReport:
    """Import a UTF-8 CSV file (a BOM is accepted)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return import_catalog(fh, path.parent, storage)


def import_text(text: str, base_dir: Path, storage: Storage) -> ImportReport:
    """Import CSV text (uploads from the browser)."""
    return import_catalog(io.StringIO(text, newline=""), base_dir, storage)


def _unique_slug(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``… whichever is free; then mark it taken."""
    base = base[:100] or "produit"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def _new_product(row: Row, slugs: set[str]) -> Product:
    # Slugs are ASCII: from the French or English name, else the Arabic one
    # transliterated, else the SKU.
    name = row.names["fr"] or row.names["en"] or row.names["ar"] or row.sku
    approved = row.cooperative.is_approved
    product = Product(
        cooperative=row.cooperative,
        category=row.category,
        slug=_unique_slug(f"{slugify(name, 60) or 'produit'}-{row.cooperative.slug}", slugs),
        status=ProductStatus.PUBLISHED if approved else ProductStatus.DRAFT,
        published_at=utcnow() if approved else None,
        origin=", ".join(filter(None, (row.cooperative.commune, row.cooperative.province))),
    )
    for lang in LANGS:
        if row.names[lang] or row.descriptions[lang]:
            product.translations.append(
                ProductTranslation(
                    locale=lang, name=row.names[lang], description=row.descriptions[lang]
                )
            )
    db.session.add(product)
    return product


def _update_product(product: Product, row: Row) -> bool:
    changed = False
    for lang in LANGS:
        translation = product.translation(lang)
        name, description = row.names[lang], row.descriptions[lang]
        if translation is None:
            if name or description:
                product.translations.append(
                    ProductTranslation(locale=lang, name=name, description=description)
                )
                changed = True
        elif (translation.name, translation.description) != (name, description):
            translation.name, translation.description = name, description
            changed = True
    if product.category_id != row.category.id:
        product.category = row.category
        changed = True
    if product.status == ProductStatus.DRAFT and row.cooperative.is_approved:
        product.status = ProductStatus.PUBLISHED
        product.published_at = product.published_at or utcnow()
        changed = True
    return changed


def _variant_values(row: Row) -> dict[str, Any]:
    return {
        "price_cents": row.price_cents,
        "stock": row.stock,
        "weight_g": row.weight_g,
        "unit_quantity": row.unit_quantity,
        "unit": row.unit,
        "gtin": row.gtin,
        "label": variant_label(row.unit_quantity, row.unit),
    }


def _new_variant(row: Row, position: int) -> Variant:
    return Variant(sku=row.sku, position=position, **_variant_values(row))


def _update_variant(variant: Variant, row: Row) -> bool:
    changed = False
    for name, value in _variant_values(row).items():
        if getattr(variant, name) != value:
            setattr(variant, name, value)
            changed = True
    return changed


def _attach_image(product: Product, data: bytes, storage: Storage) -> None:
    checked = check_image(data)
    # A re-import of the same picture changes nothing: its renditions are
    # stored already (content addresses), so none is encoded again.
    if any(image.key == checked.key for image in product.images):
        return
    processed = store_image(checked, storage)
    product.images.append(
        ProductImage(
            key=processed.key,
            width=processed.width,
            height=processed.height,
            widths=",".join(str(w) for w in sorted({r.width for r in processed.renditions})),
            position=len(product.images),
        )
    )


def variant_label(quantity: int, unit: Unit) -> str:
    """A language-neutral size label: '250 ml', '1 L', '500 g', '1 kg', '×3'."""
    if unit == Unit.ML:
        return (
            f"{quantity / 1000:g} L"
            if quantity >= 1000 and quantity % 100 == 0
            else f"{quantity} ml"
        )
    if unit == Unit.G:
        return (
            f"{quantity / 1000:g} kg"
            if quantity >= 1000 and quantity % 100 == 0
            else f"{quantity} g"
        )
    return f"×{quantity}"
