"""Order placement benchmark: cash-on-delivery orders per second on PostgreSQL.

1. Creates a throw-away database (``taawon_bench_orders``) through an
   AUTOCOMMIT connection to ``--database-url`` (never writes to that one),
   ``db.create_all()``, and seeds cooperatives, products with one variant each
   and two lots per variant, and the default shipping rates.
2. Starts ``--buyers`` threads; each, in its own app context (so its own
   session and connection), places orders of 1–3 random products through
   ``orders.services.place_order`` and commits, for ``--duration`` seconds.
   That is the whole write path of the checkout: quote, conditional stock
   UPDATEs, order/shipment/line inserts, FIFO lot allocation, the product
   summary refresh and the confirmation mail (written to a temp outbox).
3. Prints orders/s and latency percentiles, checks that no stock went
   negative and that the stock sold equals the units ordered, drops the
   database and writes bench/results/orders-postgresql.json.

    .venv/bin/python bench/bench_orders.py
    .venv/bin/python bench/bench_orders.py --buyers 16 --products 200 --duration 10

The buyers are Python threads in one process: the GIL caps the Python side, so
the figure is a lower bound for several gunicorn workers on the same database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from appconfig import scratch_config  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DB_NAME = "taawon_bench_orders"


def create_database(admin_url: str) -> str:
    """Create the throw-away database; return its URL."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    engine.dispose()
    return make_url(admin_url).set(database=DB_NAME).render_as_string(hide_password=False)


def drop_database(admin_url: str) -> None:
    """Drop the throw-away database."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
    engine.dispose()


def seed(
    products: int, cooperatives: int, stock: int, stocks: dict[int, int] | None = None
) -> list[str]:
    """Cooperatives, products (one variant, two lots each) and shipping rates; return SKUs.

    Every variant holds ``stock`` units, or ``stocks[i]`` for product ``i``.
    """
    from catalog.categories import ensure_default_categories
    from catalog.models import Category, Product, ProductStatus, ProductTranslation, Unit, Variant
    from catalog.trace import Lot
    from orders.shipping import ensure_default_rates
    from producers.models import Cooperative, CooperativeStatus
    from shop.extensions import db
    from shop.models import utcnow

    ensure_default_categories()
    category = db.session.scalar(select(Category).where(Category.slug == "argan-oil"))
    coops = [
        Cooperative(
            slug=f"coop-{i}",
            legal_name=f"Coopérative {i}",
            region_code=i % 12 + 1,
            status=CooperativeStatus.APPROVED,
        )
        for i in range(cooperatives)
    ]
    db.session.add_all(coops)
    skus = []
    for i in range(products):
        units = (stocks or {}).get(i, stock)
        product = Product(
            cooperative=coops[i % cooperatives],
            category=category,
            slug=f"product-{i}",
            status=ProductStatus.PUBLISHED,
            published_at=utcnow(),
        )
        product.translations.append(ProductTranslation(locale="fr", name=f"Produit {i}"))
        variant = Variant(
            sku=f"SKU-{i}",
            label="250 ml",
            unit_quantity=250,
            unit=Unit.ML,
            price_cents=5_000 + 100 * (i % 50),
            stock=units,
            weight_g=300,
        )
        product.variants.append(variant)
        db.session.add(product)
        for n, produced in enumerate((date(2026, 1, 1), date(2026, 2, 1))):
            db.session.add(
                Lot(
                    cooperative=product.cooperative,
                    variant=variant,
                    code=f"L{i}-{n}",
                    public_id=f"coop-{i}-l{n}",
                    quantity_produced=units // 2,
                    quantity_remaining=units // 2,
                    produced_on=produced,
                )
            )
        skus.append(variant.sku)
    ensure_default_rates()
    db.session.commit()
    return skus


def run(args) -> dict:
    """Seed, race the buyers, check the stock, return the figures."""
    from flask import g

    from catalog.models import Variant
    from orders.models import Order, OrderLine, PaymentMethod
    from orders.services import Address, OrderError, place_order
    from shop import create_app
    from shop.extensions import db

    workdir = Path(tempfile.mkdtemp(prefix="bench-orders-"))
    url = create_database(args.database_url)
    try:
        app = create_app(
            scratch_config(
                url,
                workdir,
                SQLALCHEMY_ENGINE_OPTIONS={"pool_size": args.buyers + 2, "max_overflow": 0},
            )
        )
        with app.app_context():
            db.create_all()
            skus = seed(args.products, args.cooperatives, args.stock)
            db.session.remove()

        address = Address(
            email="bench@example.com",
            phone="+212612345678",
            full_name="Bench Buyer",
            address_line="1 rue du Test",
            city="Casablanca",
            postal_code="20250",
            country="MA",
            region_code=6,
        )
        latencies: list[float] = []
        failures: list[str] = []
        ordered_units = [0]
        lock = threading.Lock()
        stop_at = [0.0]
        start = threading.Barrier(args.buyers + 1)

        def buyer(seed_value: int) -> None:
            rng = random.Random(seed_value)
            start.wait()
            while time.perf_counter() < stop_at[0]:
                items = dict.fromkeys(rng.sample(skus, rng.randint(1, 3)), 1)
                began = time.perf_counter()
                with app.app_context():
                    g.lang = "fr"
                    try:
                        place_order(items, address, PaymentMethod.COD, "fr")
                        db.session.commit()
                    except OrderError as exc:
                        db.session.rollback()
                        with lock:
                            failures.append(str(exc))
                        continue
                    finally:
                        db.session.remove()
                elapsed = time.perf_counter() - began
                with lock:
                    latencies.append(elapsed)
                    ordered_units[0] += len(items)

        threads = [threading.Thread(target=buyer, args=(i,)) for i in range(args.buyers)]
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        stop_at[0] = began + args.duration
        start.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began

        with app.app_context():
            orders = db.session.scalar(select(func.count(Order.id)))
            sold_lines = db.session.scalar(select(func.sum(OrderLine.quantity)))
            stock_left = db.session.scalar(select(func.sum(Variant.stock)))
            negative = db.session.scalar(select(func.count(Variant.id)).where(Variant.stock < 0))
            db.session.remove()
            db.engine.dispose()
        assert orders == len(latencies), (orders, len(latencies))
        assert sold_lines == ordered_units[0] == args.products * args.stock - stock_left
        assert negative == 0
        ms = sorted(x * 1000 for x in latencies)
        return {
            "database": "postgresql",
            "buyers": args.buyers,
            "products": args.products,
            "cooperatives": args.cooperatives,
            "duration_s": round(wall, 2),
            "orders": orders,
            "orders_per_s": round(orders / wall, 1),
            "units_sold": sold_lines,
            "failures": len(failures),
            "latency_ms": {
                "p50": round(statistics.median(ms), 1),
                "p95": round(ms[int(len(ms) * 0.95) - 1], 1),
                "p99": round(ms[int(len(ms) * 0.99) - 1], 1),
            },
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load": os.getloadavg(),
            },
        }
    finally:
        drop_database(args.database_url)


def main() -> None:
    """Parse options, run, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="server to create the throw-away database on (not written to)",
    )
    parser.add_argument("--buyers", type=int, default=16)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--cooperatives", type=int, default=20)
    parser.add_argument("--stock", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--output", default=str(BENCH / "results" / "orders-postgresql.json"))
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, indent=2))
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
