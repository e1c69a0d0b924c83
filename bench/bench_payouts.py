"""Payout run benchmark: 100,000 order lines across 500 cooperatives, one ``run_payouts()``.

1. Builds a scratch database (a SQLite file in a temp dir by default; with
   ``--database-url``/``DATABASE_URL`` pointing at PostgreSQL, a throw-away
   database ``bench_payouts`` created on that server through an AUTOCOMMIT
   connection, never touching the one named in the URL) with ``create_all``.
2. Seeds with bulk INSERTs: cooperatives (with a RIB; every 50th has none, so
   the run skips it), cash-on-delivery orders of ``--lines-per-order`` lines,
   one delivered, cash-remitted parcel each, and the ledger's sale entries
   through ``ledger.post_many`` (the legs ``orders.accounting`` would write).
   By default the parcels are also released (``release`` entries and
   ``released_at``), so the run measures the payout itself; with
   ``--release-in-run`` they are left pending and the run's own
   ``release_due`` releases them first.
3. Measures the run in a fresh child process (so ``ru_maxrss`` is the run's,
   not the seeding's): wall time of ``run_payouts()`` + commit, tracemalloc's
   peak, peak RSS; then a second run (nothing due) and ``bank_csv``.
4. Checks: ``ledger.integrity_problems()`` and ``flask ledger check``'s
   reconciliation are empty, each cooperative's payout equals its payable
   balances before the run, and the skipped ones kept theirs.

    .venv/bin/python bench/bench_payouts.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test_c \\
        .venv/bin/python bench/bench_payouts.py
    .venv/bin/python bench/bench_payouts.py --lines 10000 --cooperatives 50   # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from appconfig import scratch_config  # noqa: E402
from cpu import cpu_seconds, local_backends  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DB_NAME = "bench_payouts"
RIB = "011519000001205000534921"
CHUNK = 5_000


# ------------------------------------------------------------------ databases


def _admin_url(url: str) -> str:
    return (
        url.replace("postgresql://", "postgresql+psycopg://", 1)
        if url.startswith("postgresql://")
        else url
    )


def _is_sqlite(url: str | None) -> bool:
    return not url or url.startswith("sqlite")


def scratch_databases(url: str | None, workdir: Path, name: str = DB_NAME) -> tuple[str, str]:
    """URLs of the database to seed and of its later copy (created empty on PostgreSQL)."""
    if _is_sqlite(url):
        return (
            "sqlite:///" + str(workdir / "payouts.sqlite3"),
            "sqlite:///" + str(workdir / "payouts-copy.sqlite3"),
        )
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for scratch in (name, name + "_copy"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    base = make_url(_admin_url(url))
    return (
        base.set(database=name).render_as_string(hide_password=False),
        base.set(database=name + "_copy").render_as_string(hide_password=False),
    )


def clone(url: str | None, seeded: str, copy: str, name: str = DB_NAME) -> None:
    """Copy the seeded database, so the memory profile runs on the same data."""
    if _is_sqlite(url):
        shutil.copyfile(make_url(seeded).database, make_url(copy).database)
        return
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}_copy" TEMPLATE "{name}"'))
    engine.dispose()


def drop_scratch(url: str | None, name: str = DB_NAME) -> None:
    """Drop the PostgreSQL scratch databases."""
    if _is_sqlite(url):
        return
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for scratch in (name, name + "_copy"):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    engine.dispose()


def make_app(url: str, workdir: Path):
    from shop import create_app

    return create_app(
        scratch_config(
            url,
            workdir,
            SEARCH_INDEX_DIR=str(workdir / "search"),
            MEDIA_ROOT=str(workdir / "media"),
        )
    )


# ------------------------------------------------------------------ seeding


def _bulk(table, rows: list[dict]) -> None:
    from shop.extensions import db

    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start : start + CHUNK])


def seed(lines: int, cooperatives: int, per_order: int, release: bool) -> dict:
    """Bulk-insert cooperatives, orders, parcels, lines and their ledger entries."""
    from orders.models import Order, OrderLine, Shipment
    from producers.models import Cooperative
    from shop.extensions import db
    from shop.models import utcnow
    from shop.money import ledger
    from shop.money.ledger import credit, debit
    from shop.money.split import DEFAULT_POLICY, split

    began = time.perf_counter()
    now = utcnow()
    delivered = now - timedelta(days=20)
    _bulk(
        Cooperative.__table__,
        [
            {
                "id": c,
                "slug": f"coop-{c}",
                "legal_name": f"Coopérative {c}",
                "region_code": c % 12 + 1,
                "status": "approved",
                "members_count": 10,
                "women_members_count": 5,
                "rib": None if c % 50 == 0 else RIB,
                "rib_holder": f"COOP {c}",
                "reserve_bp": 0,
                "created_at": now,
                "province": "",
                "commune": "",
                "odco_court": "",
                "kind": "agriculture",
                "contact_name": "",
                "address": "",
                "review_note": "",
            }
            for c in range(1, cooperatives + 1)
        ],
    )
    orders, shipments, order_lines, entries = [], [], [], []
    n_orders = lines // per_order
    line_id = 0
    for o in range(1, n_orders + 1):
        coop = (o - 1) % cooperatives + 1
        parts = []
        for k in range(per_order):
            line_id += 1
            price, quantity = 1_000 + (o * 7 + k * 13) % 9_000, 1 + (o + k) % 3
            s = split(price * quantity, DEFAULT_POLICY)
            parts.append(s)
            order_lines.append(
                {
                    "id": line_id,
                    "order_id": o,
                    "shipment_id": o,
                    "cooperative_id": coop,
                    "sku": f"SKU-{coop}-{k}",
                    "name_ar": "",
                    "name_fr": f"Produit {k}",
                    "name_en": "",
                    "variant_label": "250 ml",
                    "unit_price_cents": price,
                    "quantity": quantity,
                    "weight_g": 300,
                    "gross_cents": s.gross,
                    "commission_cents": s.commission,
                    "premium_cents": s.premium,
                    "producer_cents": s.producer,
                    "policy_version": DEFAULT_POLICY.version,
                    "refunded_quantity": 0,
                }
            )
        items = sum(s.gross for s in parts)
        shipping = 3_500 if items < 30_000 else 0
        orders.append(
            {
                "id": o,
                "number": f"TW-B{o:08d}",
                "token_hash": "0" * 64,
                "status": "completed",
                "payment_method": "cod",
                "lang": "fr",
                "email": f"buyer{o}@example.com",
                "phone": "+212612345678",
                "full_name": "Bench Buyer",
                "address_line": "1 rue",
                "city": "Casablanca",
                "postal_code": "20250",
                "country": "MA",
                "currency": "MAD",
                "items_cents": items,
                "shipping_cents": shipping,
                "total_cents": items + shipping,
                "paid_at": delivered,
                "created_at": delivered,
                "updated_at": delivered,
                "cancel_reason": "",
                "payment_note": "",
            }
        )
        shipments.append(
            {
                "id": o,
                "order_id": o,
                "cooperative_id": coop,
                "status": "delivered",
                "zone": "national",
                "weight_g": 300 * per_order,
                "items_cents": items,
                "shipping_cents": shipping,
                "carrier": "Amana",
                "tracking_number": f"RR{o}",
                "shipped_at": delivered,
                "delivered_at": delivered,
                "cash_remitted_at": delivered,
                "released_at": now if release else None,
                "created_at": delivered,
            }
        )
        refs = {"order_id": o, "shipment_id": o}
        owed = {"cooperative_id": coop, **refs}
        commission = sum(s.commission for s in parts)
        premium = sum(s.premium for s in parts)
        producer = sum(s.producer for s in parts)
        entries.append(
            (
                f"cash:shipment:{o}",
                ledger.SALE_CASH,
                [
                    debit(ledger.CLEARING, items + shipping, order_id=o),
                    credit(ledger.COMMISSION, commission, **refs),
                    credit(ledger.COOP_REVENUE_PENDING, producer, **owed),
                    credit(ledger.COOP_FUND_PENDING, premium, **owed),
                    credit(ledger.COOP_SHIPPING_PENDING, shipping, **owed),
                ],
            )
        )
        if release:
            entries.append(
                (
                    f"release:shipment:{o}",
                    ledger.RELEASE,
                    [
                        debit(ledger.COOP_REVENUE_PENDING, producer, **owed),
                        credit(ledger.COOP_REVENUE, producer, **owed),
                        debit(ledger.COOP_FUND_PENDING, premium, **owed),
                        credit(ledger.COOP_FUND, premium, **owed),
                        debit(ledger.COOP_SHIPPING_PENDING, shipping, **owed),
                        credit(ledger.COOP_SHIPPING, shipping, **owed),
                    ],
                )
            )
    _bulk(Order.__table__, orders)
    _bulk(Shipment.__table__, shipments)
    _bulk(OrderLine.__table__, order_lines)
    for start in range(0, len(entries), CHUNK):
        ledger.post_many(entries[start : start + CHUNK], when=delivered)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {
        "seconds": round(time.perf_counter() - began, 1),
        "orders": n_orders,
        "order_lines": line_id,
        "cooperatives": cooperatives,
        "journal_lines": db.session.scalar(select(func.count()).select_from(ledger.JournalLine)),
    }


# ------------------------------------------------------------------ the measured run


def owed_by_cooperative() -> dict[int, int]:
    """What each cooperative is owed once everything due is released (pending + payable)."""
    from shop.extensions import db
    from shop.money import ledger

    return {
        coop: -int(total)
        for coop, total in db.session.execute(
            select(ledger.JournalLine.cooperative_id, func.sum(ledger.JournalLine.amount_cents))
            .where(ledger.JournalLine.account.in_(ledger.COOPERATIVE_ACCOUNTS))
            .group_by(ledger.JournalLine.cooperative_id)
        )
    }


def measure(url: str, workdir: Path, trace: bool) -> dict:
    """Run the payouts once; with ``trace`` only tracemalloc's peak, else time and checks."""
    from producers.money.bankfile import bank_csv
    from producers.money.models import Payout
    from producers.money.payouts import run_payouts
    from producers.money.reconciliation import reconcile
    from shop.extensions import db
    from shop.money import ledger

    app = make_app(url, workdir)
    with app.app_context():
        before = owed_by_cooperative()
        db.session.remove()
        if trace:  # tracemalloc slows allocations down: its run is not timed
            tracemalloc.start()
            run_payouts()
            db.session.commit()
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return {"tracemalloc_peak_mb": round(peak / 2**20, 1)}
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        backend = local_backends(db.session.connection())
        db.session.commit()
        cpu_before = (time.process_time(), cpu_seconds(backend))
        began = time.perf_counter()
        skipped: list = []
        batch = run_payouts(skipped=skipped)
        db.session.commit()
        elapsed = time.perf_counter() - began
        cpu_app = time.process_time() - cpu_before[0]
        cpu_database = cpu_seconds(backend) - cpu_before[1]
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        batch_id, payouts = batch.id, len(batch.payouts)

        began = time.perf_counter()
        again = run_payouts()
        db.session.commit()
        second = time.perf_counter() - began
        began = time.perf_counter()
        csv_rows = bank_csv(batch).count("\r\n") - 1
        csv_seconds = time.perf_counter() - began

        paid = dict(
            db.session.execute(
                select(Payout.cooperative_id, Payout.total_cents).where(Payout.batch_id == batch_id)
            ).all()
        )
        after = owed_by_cooperative()
        skipped_ids = {s.cooperative_id for s in skipped}
        mismatches = [
            c
            for c, owed in before.items()
            if (paid.get(c, 0) != owed if c not in skipped_ids else after.get(c) != owed)
        ]
        problems = ledger.integrity_problems()
        began = time.perf_counter()
        reconciled = reconcile()
        reconcile_seconds = time.perf_counter() - began
        return {
            "run_seconds": round(elapsed, 2),
            # What the run cost the machine, whatever else it was doing: the
            # application's CPU and its PostgreSQL server process's (local only).
            "run_cpu_seconds": {
                "app": round(cpu_app, 2),
                "database": round(cpu_database, 2) if backend else None,
            },
            "ru_maxrss_mb": round(rss_after / 1024, 1),
            "ru_maxrss_before_run_mb": round(rss_before / 1024, 1),
            "payouts": payouts,
            "skipped": len(skipped),
            "paid_total_cents": sum(paid.values()),
            "second_run_seconds": round(second, 3),
            "second_run_batch": again is not None,
            "bank_csv_rows": csv_rows,
            "bank_csv_seconds": round(csv_seconds, 3),
            "totals_match_balances": not mismatches,
            "mismatches": mismatches[:10],
            "integrity_problems": problems,
            "reconcile_problems": reconciled[:10],
            "reconcile_seconds": round(reconcile_seconds, 2),
        }


def seed_database(url: str, workdir: Path, args) -> dict:
    """create_all and seed (run in a child process, like the measures)."""
    from shop.extensions import db

    app = make_app(url, workdir)
    with app.app_context():
        db.create_all()
        seeded = seed(args.lines, args.cooperatives, args.lines_per_order, not args.release_in_run)
        db.session.remove()
        db.engine.dispose()
    return seeded


def child(step: str, url: str, workdir: Path, args) -> dict:
    """Run one step in a fresh interpreter and return its JSON.

    Linux carries a process's peak RSS across fork and exec, so the parent
    stays small (it never imports the application) and each step's
    ``ru_maxrss`` is its own.
    """
    command = [
        sys.executable,
        __file__,
        "--step",
        step,
        url,
        str(workdir),
        "--lines",
        str(args.lines),
        "--cooperatives",
        str(args.cooperatives),
        "--lines-per-order",
        str(args.lines_per_order),
    ]
    if args.release_in_run:
        command.append("--release-in-run")
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(done.returncode)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Parse options, seed, measure in a child process, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL server URL (a scratch database is made on it); "
        "default: SQLite in a temp dir",
    )
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--cooperatives", type=int, default=500)
    parser.add_argument("--lines-per-order", type=int, default=4)
    parser.add_argument(
        "--release-in-run",
        action="store_true",
        help="leave parcels pending: the run's release_due releases them",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--pg-database", default=DB_NAME, help="name of the scratch database (and of <name>_copy)"
    )
    parser.add_argument("--output")
    parser.add_argument(
        "--step", nargs=3, metavar=("STEP", "URL", "WORKDIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()

    if args.step:  # a child process
        step, url, workdir = args.step[0], args.step[1], Path(args.step[2])
        if step == "seed":
            print(json.dumps(seed_database(url, workdir, args)))
        else:
            print(json.dumps(measure(url, workdir, trace=step == "trace")))
        return

    workdir = Path(tempfile.mkdtemp(prefix="bench-payouts-"))
    url, copy = scratch_databases(args.database_url, workdir, args.pg_database)
    try:
        seeded = child("seed", url, workdir, args)
        print(f"seeded in {seeded['seconds']} s: {seeded}", flush=True)
        clone(args.database_url, url, copy, args.pg_database)
        load_before = os.getloadavg()
        figures = child("run", url, workdir, args)
        load_after = os.getloadavg()
        figures.update(child("trace", copy, workdir, args))
    finally:
        if not args.keep:
            drop_scratch(args.database_url, args.pg_database)
            shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "database": make_url(url).get_backend_name(),
        "release_in_run": args.release_in_run,
        "seed": seeded,
        **figures,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load": os.getloadavg(),
            "load_before_run": load_before,
            "load_after_run": load_after,
        },
    }
    print(json.dumps(result, indent=2))
    output = (
        Path(args.output)
        if args.output
        else BENCH / "results" / f"payouts-{result['database']}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2))
    ok = (
        figures["totals_match_balances"]
        and not figures["integrity_problems"]
        and not figures["reconcile_problems"]
        and not figures["second_run_batch"]
    )
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
