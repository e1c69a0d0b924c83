"""Demo catalog for ``flask seed-demo``: ``data/catalog.csv`` read by the catalog import.

The CSV is an ordinary import file: one row per variant, the first variant of
each product naming its picture. The pictures are drawn (``demo.art``) into a
temporary folder, named ``<kind>-<seed>.png`` after what to draw.
"""

from __future__ import annotations

import csv
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from catalog.categories import ensure_default_categories
from catalog.images import process_image
from catalog.importer import import_catalog
from catalog.models import Category, Certification, CertificationKind, FloorPrice, Unit
from producers.models import Cooperative
from shop.extensions import db
from shop.storage import get_storage

from .art import draw_logo, draw_product

CATALOG_CSV = Path(__file__).parent / "data" / "catalog.csv"
#: A picture's file name says what to draw: ``honey-09.png`` is kind honey, seed 9.
PICTURE = re.compile(r"^(?P<kind>[a-z_]+)-(?P<seed>\d+)\.png$")


@dataclass(frozen=True)
class DemoProduct:
    """A product of the demo CSV, as its first variant's row describes it."""

    number: int  # 1, 2… in file order (lot codes and GTINs use it)
    sku: str  # of the first variant
    name_fr: str
    picture: str  # the file name in the CSV's image column
    art: str  # what the picture shows (a kind of ``demo.art.KINDS``)
    seed: int  # the picture's seed


def _read_products() -> tuple[DemoProduct, ...]:
    with CATALOG_CSV.open(encoding="utf-8-sig", newline="") as fh:
        rows = [row for row in csv.DictReader(fh) if row["image"]]
    products = []
    for number, row in enumerate(rows, start=1):
        match = PICTURE.match(row["image"])
        if match is None:
            raise ValueError(f"{CATALOG_CSV.name}: bad picture name {row['image']!r}")
        products.append(
            DemoProduct(
                number, row["sku"], row["name_fr"], row["image"], match["kind"], int(match["seed"])
            )
        )
    return tuple(products)


#: The demo products, in the CSV's order.
PRODUCTS = _read_products()

#: Certificates the demo cooperatives hold (kind, number, issuer, valid until).
CERTIFICATES = {
    "tifaout": (
        ("organic", "BIO-MA-2023-118", "Ecocert Maroc", date(2027, 6, 30)),
        ("igp", "IGP-ARGANE-0042", "ONSSA / Association Marocaine de l’IGP Argane", None),
        ("onssa", "AS.11.223.17", "ONSSA", date(2028, 1, 31)),
    ),
    "tamsoult-safran": (
        ("aop", "AOP-SAFRAN-TALIOUINE-07", "Ministère de l’Agriculture", None),
        ("onssa", "AS.09.114.19", "ONSSA", date(2027, 3, 31)),
    ),
    "nahla-atlas": (
        ("onssa", "AS.05.301.20", "ONSSA", date(2027, 9, 30)),
        ("organic", "BIO-MA-2024-031", "Ecocert Maroc", date(2026, 12, 15)),
    ),
    "tighanimine": (
        ("onssa", "AS.07.077.18", "ONSSA", date(2027, 5, 31)),
        ("igp", "IGP-ARGANE-0113", "Association Marocaine de l’IGP Argane", None),
        ("organic", "BIO-MA-2022-090", "Ecocert Maroc", date(2026, 10, 31)),
    ),
    "tafilalet-tamour": (
        ("igp", "IGP-MEJHOUL-TAFILALET-03", "Ministère de l’Agriculture", None),
        ("organic", "BIO-MA-2023-201", "Control Union", date(2027, 11, 30)),
    ),
    "zitoun-ouazzane": (
        ("organic", "BIO-MA-2024-012", "Ecocert Maroc", date(2027, 12, 31)),
        ("onssa", "AS.01.045.16", "ONSSA", date(2027, 8, 31)),
        ("label_agricole", "LA-HUILE-OUAZZANE-2", "Ministère de l’Agriculture", date(2028, 6, 30)),
    ),
    "sebou-couscous": (
        ("onssa", "AS.03.208.21", "ONSSA", date(2027, 4, 30)),
        ("organic", "BIO-MA-2025-008", "Ecocert Maroc", date(2027, 7, 31)),
    ),
    "ward-mgouna": (
        ("organic", "BIO-MA-2023-150", "Ecocert Maroc", date(2027, 2, 28)),
        ("onssa", "AS.08.117.22", "ONSSA", date(2027, 10, 31)),
    ),
}
#: Demo floor prices: centimes of producer revenue per litre, kilogram or piece.
FLOORS = (
    ("argan-oil", Unit.ML, 15_000),  # 150 MAD per litre
    ("olive-oil", Unit.ML, 4_000),
    ("saffron", Unit.G, 1_500_000),  # 15 MAD per gram
    ("honey", Unit.G, 8_000),
    ("dates", Unit.G, 2_500),
    ("amlou", Unit.G, 6_000),
)


def _ensure_certificates() -> None:
    coops = {c.slug: c for c in db.session.scalars(select(Cooperative))}
    have = {(c.cooperative_id, c.kind.value) for c in db.session.scalars(select(Certification))}
    for slug, certs in CERTIFICATES.items():
        for kind, number, issuer, valid_until in certs:
            if (coops[slug].id, kind) not in have:
                db.session.add(
                    Certification(
                        cooperative=coops[slug],
                        kind=CertificationKind(kind),
                        number=number,
                        issuer=issuer,
                        valid_until=valid_until,
                    )
                )
    db.session.flush()


def _ensure_floors() -> None:
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    have = {(f.category_id, f.unit) for f in db.session.scalars(select(FloorPrice))}
    for slug, unit, cents in FLOORS:
        if (categories[slug].id, unit) not in have:
            db.session.add(
                FloorPrice(category=categories[slug], unit=unit, cents_per_reference=cents)
            )
    db.session.flush()


def _ensure_logos() -> None:
    for number, coop in enumerate(db.session.scalars(select(Cooperative).order_by(Cooperative.id))):
        if coop.logo_key is None:
            coop.logo_key = process_image(
                draw_logo(coop.legal_name, number, size=480), get_storage()
            ).key
    db.session.flush()


def draw_pictures(folder: Path) -> None:
    """Draw the pictures the demo CSV names into ``folder``."""
    for product in PRODUCTS:
        (folder / product.picture).write_bytes(draw_product(product.art, product.seed, size=960))


def seed_catalog() -> list[str]:
    """Categories, certificates and products (through the catalog import)."""
    ensure_default_categories()
    _ensure_certificates()
    _ensure_floors()
    _ensure_logos()
    with (
        tempfile.TemporaryDirectory() as tmp,
        CATALOG_CSV.open(encoding="utf-8-sig", newline="") as fh,
    ):
        draw_pictures(Path(tmp))
        report = import_catalog(fh, Path(tmp), get_storage())
    if not report.ok:
        raise RuntimeError("demo catalog rejected: " + "; ".join(map(str, report.errors)))
    return [
        f"Demo catalog: {len(PRODUCTS)} products "
        f"({report.products_created} new, {report.unchanged} variants unchanged)"
    ]
