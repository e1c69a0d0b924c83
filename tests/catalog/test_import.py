"""Catalog import: a good file, every error kind, all-or-nothing, re-import."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image

from catalog.importer import REQUIRED_COLUMNS, import_file
from catalog.models import Certification, CertificationKind, Product, ProductStatus, Variant
from producers.models import CooperativeStatus
from shop.extensions import db
from shop.storage import get_storage
from tests.s3 import on_both_storages


def png(path: Path, colour=(200, 120, 40)) -> str:
    Image.new("RGB", (640, 480), colour).save(path)
    return path.name


def row(**values) -> dict[str, str]:
    base = {
        "cooperative": "tifaout",
        "sku": "TIF-1",
        "category": "argan-oil",
        "name_ar": "زيت أركان",
        "name_fr": "Huile d'argan",
        "name_en": "Argan oil",
        "description_ar": "وصف",
        "description_fr": "Description",
        "description_en": "Text",
        "price_mad": "120.00",
        "stock": "10",
        "weight_g": "300",
        "unit_quantity": "250",
        "unit": "ml",
        "certifications": "organic",
        "image": "",
    }
    base.update(values)
    return base


def write(tmp_path: Path, rows: list[dict[str, str]], extra: tuple[str, ...] = ()) -> Path:
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*REQUIRED_COLUMNS, *extra])
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def shop_setup(categories, make_cooperative):
    coop = make_cooperative(slug="tifaout")
    make_cooperative(slug="pending-coop", status=CooperativeStatus.PENDING)
    db.session.add(Certification(cooperative=coop, kind=CertificationKind.ORGANIC, number="B-1"))
    db.session.commit()
    return coop


def snapshot() -> list[tuple]:
    products = db.session.scalars(db.select(Product).order_by(Product.id)).all()
    return [
        (
            p.slug,
            p.status,
            p.updated_at,
            sorted((t.locale, t.name, t.description) for t in p.translations),
            [(v.sku, v.price_cents, v.stock) for v in p.variants],
            [i.key for i in p.images],
        )
        for p in products
    ]


@on_both_storages
def test_good_file_then_reimport_changes_nothing(tmp_path, shop_setup, runner):
    image = png(tmp_path / "argan.png")
    path = write(
        tmp_path,
        [
            row(image=image),
            row(sku="TIF-2", unit_quantity="100", price_mad="55,5", stock="0"),
            row(
                sku="TIF-3",
                name_fr="Amlou",
                name_ar="",
                name_en="",
                category="amlou",
                unit="g",
                unit_quantity="250",
                certifications="",
            ),
            row(
                sku="PEN-1",
                cooperative="pending-coop",
                name_fr="Miel",
                category="honey",
                certifications="",
            ),
        ],
        extra=("gtin",),
    )
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 new products" in result.output and "4 new variants" in result.output
    argan = db.session.scalar(db.select(Variant).filter_by(sku="TIF-1")).product
    assert [v.sku for v in argan.variants] == ["TIF-1", "TIF-2"]  # same name: one product
    assert argan.status == ProductStatus.PUBLISHED
    assert [c.kind for c in argan.certifications] == [CertificationKind.ORGANIC]
    assert db.session.scalar(db.select(Variant).filter_by(sku="TIF-2")).price_cents == 5_550
    assert len(argan.images) == 1 and get_storage().exists(
        f"img/{argan.images[0].key[:2]}/{argan.images[0].key}-320.webp"
    )
    honey = db.session.scalar(db.select(Variant).filter_by(sku="PEN-1")).product
    assert honey.status == ProductStatus.DRAFT  # its cooperative is not approved
    before = snapshot()
    again = runner.invoke(args=["catalog", "import", str(path)])
    assert again.exit_code == 0, again.output
    assert "0 new products, 0 updated" in again.output and "4 unchanged" in again.output
    db.session.expire_all()
    assert snapshot() == before


def test_upsert_by_sku_updates(tmp_path, shop_setup):
    import_file(write(tmp_path, [row()]), get_storage())
    db.session.commit()
    report = import_file(
        write(tmp_path, [row(price_mad="130.00", stock="4", name_en="Pure argan oil")]),
        get_storage(),
    )
    db.session.commit()
    assert (report.variants_updated, report.products_updated) == (1, 1)
    variant = db.session.scalar(db.select(Variant).filter_by(sku="TIF-1"))
    assert (variant.price_cents, variant.stock) == (13_000, 4)
    assert variant.product.translation("en").name == "Pure argan oil"
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 1


BAD_ROWS = [
    (row(cooperative="nope"), "Unknown cooperative “nope”."),
    (row(category="caviar"), "Unknown category “caviar”."),
    (row(name_ar="", name_fr="", name_en=""), "The product has no name in any language."),
    (row(price_mad="12O.00"), "Bad price “12O.00”"),
    (row(price_mad="0"), "Bad price “0”"),
    (row(price_mad="-5"), "Bad price “-5”"),
    (row(stock="-1"), "Bad stock “-1”"),
    (row(weight_g="heavy"), "Bad weight “heavy”"),
    (row(unit_quantity="0"), "Bad unit quantity “0”."),
    (row(unit="litre"), "Bad unit “litre”"),
    (row(certifications="organic;magic"), "Unknown certification “magic”."),
    (row(certifications="igp"), "The cooperative has no igp certificate on file."),
    (row(image="missing.png"), "Image “missing.png” not found"),
    (row(image="../etc/passwd"), "Image “../etc/passwd” not found"),
    (row(image="fake.png"), "Unreadable image “fake.png”"),
    (row(sku="bad sku!"), "The SKU is missing"),
    (row(sku=""), "The SKU is missing"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_ROWS)
def test_each_error_kind_is_reported_and_nothing_imported(
    tmp_path, shop_setup, runner, bad, message
):
    (tmp_path / "fake.png").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    path = write(tmp_path, [row(sku="GOOD-1"), bad])
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert f"line 3: {message}" in result.output
    assert "line 2" not in result.output
    assert "nothing was imported" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Variant)) == 0


@pytest.fixture
def english(app):
    from flask import g

    g.lang = "en"


def test_bad_gtin_and_duplicates(tmp_path, shop_setup, english):
    path = write(
        tmp_path,
        [
            row(sku="A", gtin="6111234567890"),  # wrong check digit (valid is ...895)
            row(sku="B", gtin="6111234567895"),
            row(sku="C", gtin="6111234567895"),
            row(sku="B"),
        ],
        extra=("gtin",),
    )
    report = import_file(path, get_storage())
    messages = [(e.line, str(e.message)) for e in report.errors]
    assert (2, "Bad GTIN “6111234567890”: wrong length or check digit.") in messages
    assert (4, "GTIN 06111234567895 is already on line 3.") in messages
    assert (5, "SKU B is already on line 3.") in messages
    assert not report.ok


def test_every_bad_row_is_listed(tmp_path, shop_setup):
    path = write(
        tmp_path,
        [row(sku="X1", price_mad="abc"), row(sku="X2"), row(sku="X3", stock="many", unit="kg")],
    )
    report = import_file(path, get_storage())
    assert sorted({e.line for e in report.errors}) == [2, 4]
    assert len([e for e in report.errors if e.line == 4]) == 2


def test_missing_columns(tmp_path, shop_setup):
    path = tmp_path / "bad.csv"
    path.write_text("cooperative,sku\ntifaout,X\n", encoding="utf-8")
    report = import_file(path, get_storage())
    assert report.errors[0].line == 1 and "price_mad" in str(report.errors[0].message)


def test_sku_of_another_cooperative(tmp_path, shop_setup, make_cooperative, english):
    import_file(write(tmp_path, [row(certifications="")]), get_storage())
    db.session.commit()
    make_cooperative(slug="other")
    report = import_file(
        write(tmp_path, [row(cooperative="other", certifications="")]), get_storage()
    )
    assert "SKU TIF-1 belongs to another cooperative." in [str(e.message) for e in report.errors]


def test_gtin_validation():
    from catalog.validators import normalize_gtin

    assert normalize_gtin("6111234567895") == "06111234567895"
    assert normalize_gtin("96385074") == "00000096385074"
    for bad in ("6111234567890", "12345", "abcdefghijklm", ""):
        with pytest.raises(ValueError):
            normalize_gtin(bad)


@pytest.mark.demo
def test_demo_seed_uses_the_import(demo_seed, demo_reseed):
    first = demo_seed
    assert first.exit_code == 0, first.output
    products = db.session.scalar(db.select(db.func.count()).select_from(Product))
    regions = db.session.scalar(
        db.select(
            db.func.count(
                db.distinct(
                    __import__("producers.models", fromlist=["Cooperative"]).Cooperative.region_code
                )
            )
        )
    )
    assert products >= 40 and regions >= 5
    categories = db.session.scalar(db.select(db.func.count(db.distinct(Product.category_id))))
    assert categories >= 6
    # seed-demo again (run once for the suite, conftest.py) imports nothing new.
    second = demo_reseed.again
    assert second.exit_code == 0
    table = Product.__tablename__
    assert demo_reseed.rows_before[table] == demo_reseed.rows_after[table] == products
    assert "0 new" in second.output
