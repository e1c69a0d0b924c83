"""Product summaries follow their variants, so listings stay right."""

from __future__ import annotations

from sqlalchemy import update

from catalog.models import Product, Variant
from catalog.summary import refresh_summaries
from shop.extensions import db


def fresh(product: Product) -> tuple[int | None, int]:
    db.session.expire_all()
    row = db.session.get(Product, product.id)
    return row.min_price_cents, row.stock_total


def test_summary_follows_orm_changes(make_product):
    product = make_product(price=12_000, stock=5, variants=2)  # 120.00 and 130.00
    assert fresh(product) == (12_000, 10)
    product = db.session.get(Product, product.id)
    product.variants[0].price_cents = 15_000
    db.session.commit()
    assert fresh(product) == (13_000, 10)
    product = db.session.get(Product, product.id)
    product.variants[1].active = False  # inactive variants do not count
    db.session.commit()
    assert fresh(product) == (15_000, 5)
    product = db.session.get(Product, product.id)
    product.variants.append(
        Variant(
            sku="NEW-1",
            label="1 L",
            unit_quantity=1000,
            unit="ml",
            price_cents=9_900,
            stock=2,
            weight_g=1100,
        )
    )
    db.session.commit()
    assert fresh(product) == (9_900, 7)
    product = db.session.get(Product, product.id)
    for variant in list(product.variants):
        product.variants.remove(variant)
    db.session.commit()
    assert fresh(product) == (None, 0)


def test_a_product_without_sellable_variant_is_not_listed(client, make_product):
    product = make_product()
    assert client.get(f"/fr/products/{product.slug}").status_code == 200
    db.session.get(Product, product.id).variants[0].active = False
    db.session.commit()
    assert client.get(f"/fr/products/{product.slug}").status_code == 404


def test_bulk_sql_changes_refresh_explicitly(make_product):
    product = make_product(stock=4)
    db.session.execute(
        update(Variant).where(Variant.product_id == product.id).values(stock=Variant.stock - 3)
    )
    refresh_summaries(db.session, [product.id])
    db.session.commit()
    assert fresh(product)[1] == 1
