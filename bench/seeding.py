"""The benchmarks' catalogue: products, cooperatives, translations and variants, bulk-inserted.

``seed(app, products, cooperatives)`` creates the tables and inserts the rows
with Core ``INSERT``s in batches (no ORM flush: 20,000 products take seconds),
then refreshes the products' price and stock summaries. Used by
``bench_storefront.py``, ``bench_pages.py`` and the bounded-lists test
(``tests/catalog/test_bounded_lists.py``), which seeds 2,000 cooperatives and
20,000 products once per module.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import insert, text

LOCALES = ("fr", "ar", "en")
BATCH = 2000

WORDS = (
    "argan",
    "safran",
    "miel",
    "thym",
    "amande",
    "olive",
    "datte",
    "rose",
    "cèdre",
    "figue",
    "nigelle",
    "lavande",
    "romarin",
    "caroube",
    "cactus",
    "grenade",
)
AR_WORDS = ("أركان", "زعفران", "عسل", "زعتر", "لوز", "زيتون", "تمر", "ورد")
PROVINCES = (
    "Chtouka Aït Baha",
    "Taroudant",
    "Essaouira",
    "Tiznit",
    "Ouarzazate",
    "Errachidia",
    "Ifrane",
    "Chefchaouen",
    "Azilal",
    "Tata",
)


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()


def _batched(rows: list[dict]):
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def seed(app, n_products: int, n_coops: int, analyze: bool, certified_every: int = 0) -> dict:
    """Bulk-insert the catalogue; return what was created (slugs, counts).

    With ``certified_every`` N > 0, every Nth cooperative holds a certificate
    (the kinds in turn) and its products carry it: the cards' badges and the
    certificate lists have something to show.
    """
    from catalog import models as cm
    from catalog.categories import ensure_default_categories
    from catalog.summary import summary_update
    from producers.models import Cooperative, CooperativeStatus, CooperativeTranslation
    from shop.extensions import db

    rnd = random.Random(42)
    now = datetime.utcnow().replace(microsecond=0)
    with app.app_context():
        db.create_all()
        ensure_default_categories()
        db.session.commit()
        cats = db.session.query(cm.Category).all()
        parents = {c.parent_id for c in cats if c.parent_id}
        leaves = [(c.id, c.slug, c.unit) for c in cats if c.id not in parents]

        coops, coop_tr = [], []
        for i in range(1, n_coops + 1):
            members = rnd.randint(7, 300)
            coops.append(
                dict(
                    id=i,
                    slug=f"coop-{i:04d}",
                    legal_name=f"Coopérative {rnd.choice(WORDS).title()} {i}",
                    region_code=rnd.randint(1, 12),
                    province=rnd.choice(PROVINCES),
                    commune=f"Commune {i % 97}",
                    members_count=members,
                    women_members_count=rnd.randint(0, members),
                    status=CooperativeStatus.APPROVED,
                    approved_at=now,
                    created_at=now,
                )
            )
            for loc in LOCALES:
                coop_tr.append(
                    dict(
                        cooperative_id=i,
                        locale=loc,
                        tagline=f"Tagline {loc} {i}",
                        story=(f"Histoire de la coopérative {i} ({loc}). " * 12),
                    )
                )

        products, prod_tr, variants = [], [], []
        vid = 0
        for p in range(1, n_products + 1):
            cat_id, cat_slug, cat_unit = leaves[p % len(leaves)]
            w1, w2 = rnd.choice(WORDS), rnd.choice(WORDS)
            products.append(
                dict(
                    id=p,
                    cooperative_id=rnd.randint(1, n_coops),
                    category_id=cat_id,
                    slug=_ascii(f"p-{p:05d}-{w1}-{w2}"),
                    status=cm.ProductStatus.PUBLISHED,
                    origin=f"{rnd.choice(PROVINCES)}, Maroc",
                    published_at=now - timedelta(minutes=rnd.randint(0, 525_600)),
                    updated_at=now,
                    created_at=now,
                )
            )
            names = {
                "fr": f"{w1.title()} et {w2} n°{p}",
                "ar": f"{rnd.choice(AR_WORDS)} {p}",
                "en": f"{w1.title()} and {w2} #{p}",
            }
            for loc in LOCALES:
                prod_tr.append(
                    dict(
                        product_id=p,
                        locale=loc,
                        name=names[loc],
                        description=(
                            f"{names[loc]} — produit de coopérative, récolté et "
                            f"transformé à la main. " * 6
                        ),
                        usage="",
                        ingredients="",
                    )
                )
            unit = cm.Unit(cat_unit) if cat_unit in {u.value for u in cm.Unit} else cm.Unit.PIECE
            for k in range(rnd.choice((1, 2))):
                vid += 1
                qty = (250, 500)[k] if unit is not cm.Unit.PIECE else 1
                variants.append(
                    dict(
                        id=vid,
                        product_id=p,
                        sku=f"BENCH-{p:05d}-{k}",
                        label=f"{qty} {unit.value}",
                        unit_quantity=qty,
                        unit=unit,
                        price_cents=rnd.randint(20, 900) * 100 + (k * 5000),
                        stock=rnd.choice((0, 3, 10, 50)),
                        weight_g=qty + 100,
                        position=k,
                        active=True,
                    )
                )

        certs, product_certs = [], []
        if certified_every > 0:
            kinds = list(cm.CertificationKind)
            for i in range(certified_every, n_coops + 1, certified_every):
                certs.append(
                    dict(
                        id=len(certs) + 1,
                        cooperative_id=i,
                        kind=kinds[len(certs) % len(kinds)],
                        number=f"CERT-{i:05d}",
                        issuer="Ecocert Maroc",
                        created_at=now,
                    )
                )
            cert_of = {c["cooperative_id"]: c["id"] for c in certs}
            product_certs = [
                dict(product_id=p["id"], certification_id=cert_of[p["cooperative_id"]])
                for p in products
                if p["cooperative_id"] in cert_of
            ]

        for model, rows in (
            (Cooperative, coops),
            (CooperativeTranslation, coop_tr),
            (cm.Product, products),
            (cm.ProductTranslation, prod_tr),
            (cm.Variant, variants),
            (cm.Certification, certs),
            (cm.product_certification, product_certs),
        ):
            for chunk in _batched(rows):
                db.session.execute(insert(model), chunk)
        # Bulk inserts bypass the ORM flush that keeps product summaries.
        db.session.execute(summary_update(None))
        db.session.commit()

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:  # explicit ids: move the sequences past them
                for table in (
                    "cooperative",
                    "cooperative_translation",
                    "product",
                    "product_translation",
                    "variant",
                    "certification",
                ):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                        )
                    )
        if analyze or db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    return {
        "product_slugs": [p["slug"] for p in products],
        "cooperative_slugs": [c["slug"] for c in coops],
        "category_slugs": [s for _, s, _ in leaves],
        "rows": {
            "cooperatives": len(coops),
            "cooperative_translations": len(coop_tr),
            "products": len(products),
            "product_translations": len(prod_tr),
            "variants": len(variants),
            "certifications": len(certs),
            "product_certifications": len(product_certs),
        },
    }
