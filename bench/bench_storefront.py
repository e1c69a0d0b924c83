"""Storefront load benchmark: seed a big catalogue, serve it with gunicorn, measure.

1. Creates a fresh database (SQLite file in a temp dir, or a throw-away
   PostgreSQL database created next to ``--database-url``), ``db.create_all()``,
   and bulk-seeds products, cooperatives, translations and variants.
2. Profiles the SQL of a few pages in-process (statement count, slowest ones).
3. Starts gunicorn (sync workers) on a free loopback port with bench/wsgi.py.
4. Load-tests each target with threads of keep-alive ``http.client`` clients
   for a fixed duration and reports req/s, p50/p95/p99 and the ratio to the
   ``/bench/ping`` baseline (no DB, no template).
5. Prints a table and writes bench/results/storefront.json.

    .venv/bin/python bench/bench_storefront.py
    .venv/bin/python bench/bench_storefront.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from seeding import seed  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from wsgi import bench_config  # noqa: E402

VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"

# --------------------------------------------------------------------------- database


def prepare_database(args, workdir: Path) -> tuple[str, str | None]:
    """Return (SQLAlchemy URL to use, name of a PG database to drop at the end)."""
    if not args.database_url:
        return "sqlite:///" + str(workdir / "bench.sqlite3"), None
    url = make_url(args.database_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit("--database-url must be a PostgreSQL URL (SQLite is the default)")
    name = args.pg_database
    if name == url.database:
        raise SystemExit(f"refusing to use {name!r} itself: the bench database is dropped")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


# --------------------------------------------------------------------------- SQL profile


def sql_profile(app, paths: dict[str, str], repeat: int = 3) -> dict:
    """Per page: statements per request, SQL time, and the slowest statements."""
    from shop.extensions import db

    out = {}
    with app.app_context():
        engine = db.engine
        log: list[tuple[str, float]] = []

        def before(conn, cursor, statement, params, context, executemany):
            conn.info.setdefault("bench_t0", []).append(time.perf_counter())

        def after(conn, cursor, statement, params, context, executemany):
            t0 = conn.info["bench_t0"].pop()
            log.append((" ".join(statement.split()), time.perf_counter() - t0))

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        client = app.test_client()
        try:
            for name, path in paths.items():
                client.get(path)  # warm caches (templates, compiled SQL)
                runs = []
                for _ in range(repeat):
                    log.clear()
                    t0 = time.perf_counter()
                    resp = client.get(path)
                    wall = time.perf_counter() - t0
                    runs.append((wall, list(log), resp.status_code))
                wall, stmts, status = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
                slowest = sorted(stmts, key=lambda s: -s[1])[:5]
                out[name] = {
                    "path": path,
                    "status": status,
                    "wall_ms": round(wall * 1000, 2),
                    "statements": len(stmts),
                    "sql_ms": round(sum(s[1] for s in stmts) * 1000, 2),
                    "slowest": [{"ms": round(t * 1000, 2), "sql": sql[:300]} for sql, t in slowest],
                }
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            db.session.remove()
            engine.dispose()
    return out


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(module: str, env_extra: dict[str, str], workers: int, log_path: Path, probe: str):
    """gunicorn with ``workers`` sync workers serving ``module:app`` on a free port."""
    port = free_port()
    env = dict(os.environ, **env_extra)
    # The modes decide the page cache, not a variable left in the shell.
    env.pop("TAAWON_PAGE_CACHE_SECONDS", None)
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--pythonpath",
        f"{BENCH},{ROOT}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"{HOST}:{port}",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log_path),
        "--timeout",
        "60",
        f"{module}:app",
    ]
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"gunicorn {module} exited ({proc.returncode}):\n"
                + log_path.read_text(errors="replace")[-3000:]
            )
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{probe}", timeout=5) as resp:
                if resp.status == 200:
                    return proc, port
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise RuntimeError(f"gunicorn {module} did not answer within 90 s")


def start_gunicorn(db_url: str, instance: Path, workers: int, log_path: Path):
    """gunicorn serving the seeded application (bench/wsgi.py)."""
    env = {"BENCH_DATABASE_URL": db_url, "BENCH_INSTANCE": str(instance)}
    return start_server("wsgi", env, workers, log_path, "/bench/ping")


def stop_gunicorn(proc) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # the arbiter stops its own workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# --------------------------------------------------------------------------- load


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    idx = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[idx]


def load(port: int, make_path, duration: float, concurrency: int, warmup: float) -> dict:
    """``concurrency`` threads hammer the server for ``warmup + duration`` seconds."""
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + duration
    results = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    statuses: list[dict[int, int]] = [{} for _ in range(concurrency)]
    reconnects = [0] * concurrency

    def worker(i: int) -> None:
        rnd = random.Random(1000 + i)
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            path = make_path(rnd)
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Accept-Language": "fr"})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                if resp.will_close:
                    reconnects[i] += 1
            except Exception:  # noqa: BLE001 - any failure is a counted error
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
                status = -1
            t1 = time.perf_counter()
            if t0 >= measure_from and t1 <= stop_at:
                results[i].append(t1 - t0)
                statuses[i][status] = statuses[i].get(status, 0) + 1
                if status != 200:
                    errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(x for r in results for x in r)
    merged: dict[int, int] = {}
    for s in statuses:
        for k, v in s.items():
            merged[k] = merged.get(k, 0) + v
    n = len(lat)
    return {
        "requests": n,
        "errors": sum(errors),
        "statuses": {str(k): v for k, v in merged.items()},
        "rps": n / duration,
        "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
        "p50_ms": percentile(lat, 50) * 1000,
        "p95_ms": percentile(lat, 95) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "max_ms": lat[-1] * 1000 if lat else float("nan"),
        "connection_closed_by_server": sum(reconnects) > 0,
    }


def targets(slugs: list[str], categories: list[str]) -> dict:
    filters = [
        lambda r: "sort=price_asc",
        lambda r: "sort=price_desc",
        lambda r: "category=" + r.choice(categories),
        lambda r: "category=food",
        lambda r: "in_stock=1",
        lambda r: f"region={r.randint(1, 12)}",
        lambda r: "category=honey&sort=price_asc",
    ]
    return {
        "ping": lambda r: "/bench/ping",
        "listing": lambda r: f"/fr/products/?page={r.randint(1, 50)}",
        "listing_filtered": lambda r: (
            f"/fr/products/?{r.choice(filters)(r)}&page={r.randint(1, 5)}"
        ),
        "product": lambda r: f"/fr/products/{r.choice(slugs)}",
    }


# --------------------------------------------------------------------------- shared


def common_arguments(ap: argparse.ArgumentParser, duration: float, pg_database: str) -> None:
    """The options every page benchmark takes: data set, timing, server, database, temp dir."""
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--cooperatives", type=int, default=500)
    ap.add_argument("--duration", type=float, default=duration, help="seconds measured per target")
    ap.add_argument("--warmup", type=float, default=1.0, help="seconds discarded per target")
    ap.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    ap.add_argument(
        "--database-url",
        default="",
        help="PostgreSQL URL of an existing database to connect through; a "
        "separate --pg-database is created there and dropped afterwards (SQLite otherwise)",
    )
    ap.add_argument("--pg-database", default=pg_database)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (database, logs)")


def clean_up(args: argparse.Namespace, pg_name: str | None, workdir: Path) -> None:
    """Drop the throw-away PostgreSQL database; remove the temp dir unless --keep."""
    if pg_name:
        try:
            drop_pg_database(args.database_url, pg_name)
        except Exception as exc:  # noqa: BLE001 - report, do not mask the real error
            print(f"warning: could not drop database {pg_name}: {exc}", file=sys.stderr)
    if args.keep:
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common_arguments(ap, duration=10.0, pg_database="taawon_bench")
    ap.add_argument("--concurrency", type=int, default=8, help="client threads")
    ap.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE on SQLite after seeding (always done on PostgreSQL)",
    )
    ap.add_argument("--output", default=str(BENCH / "results" / "storefront.json"))
    args = ap.parse_args()
    if not (1 <= args.concurrency <= 64 and 0 < args.duration <= 120):
        raise SystemExit("keep --concurrency in 1..64 and --duration in (0, 120]")

    load_at_start = round(os.getloadavg()[0], 2)
    workdir = Path(tempfile.mkdtemp(prefix="taawon-bench-"))
    instance = workdir / "instance"
    pg_name = None
    proc = None
    try:
        db_url, pg_name = prepare_database(args, workdir)
        from shop import create_app

        app = create_app(bench_config(db_url, str(instance)))
        dialect = make_url(db_url).get_backend_name()
        print(f"database: {dialect}  ({make_url(db_url).render_as_string()})")

        t0 = time.perf_counter()
        seeded = seed(app, args.products, args.cooperatives, args.analyze)
        seed_s = time.perf_counter() - t0
        print(
            f"seeded {seeded['rows']} in {seed_s:.2f} s  (load avg {load_at_start} "
            f"on {os.cpu_count()} CPUs)"
        )

        slugs = seeded["product_slugs"]
        profile = sql_profile(
            app,
            {
                "listing p1": "/fr/products/",
                "listing p50": "/fr/products/?page=50",
                "listing price_asc": "/fr/products/?sort=price_asc",
                "listing category=food": "/fr/products/?category=food",
                "product": f"/fr/products/{slugs[len(slugs) // 2]}",
            },
        )
        print("\nSQL profile (in-process, median of 3):")
        print(
            f"  {'page':<24}{'status':>7}{'wall ms':>10}{'stmts':>7}{'sql ms':>9}  slowest statement"
        )
        for name, p in profile.items():
            top = p["slowest"][0] if p["slowest"] else {"ms": 0, "sql": ""}
            print(
                f"  {name:<24}{p['status']:>7}{p['wall_ms']:>10.1f}{p['statements']:>7}"
                f"{p['sql_ms']:>9.1f}  {top['ms']:.1f} ms: {top['sql'][:90]}"
            )

        proc, port = start_gunicorn(db_url, instance, args.workers, workdir / "gunicorn.log")
        print(
            f"\ngunicorn: {args.workers} sync workers on {HOST}:{port}; "
            f"{args.concurrency} client threads, {args.duration:g} s per target "
            f"(+{args.warmup:g} s warm-up)"
        )

        results = {}
        for name, make_path in targets(slugs, seeded["category_slugs"]).items():
            results[name] = load(port, make_path, args.duration, args.concurrency, args.warmup)
            results[name]["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
            r = results[name]
            print(
                f"  {name:<18} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  "
                f"errors {r['errors']}  (load avg {r['loadavg_1m_after']})"
            )
        base = results["ping"]["rps"] or float("nan")
        for r in results.values():
            r["ratio_to_ping"] = r["rps"] / base

        print(
            f"\n{'target':<18}{'req/s':>9}{'vs ping':>9}{'p50 ms':>9}{'p95 ms':>9}"
            f"{'p99 ms':>9}{'requests':>10}{'errors':>8}"
        )
        for name, r in results.items():
            print(
                f"{name:<18}{r['rps']:>9.1f}{r['ratio_to_ping']:>9.3f}{r['p50_ms']:>9.1f}"
                f"{r['p95_ms']:>9.1f}{r['p99_ms']:>9.1f}{r['requests']:>10}{r['errors']:>8}"
            )

        log = workdir / "gunicorn.log"
        log_tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        report = {
            "benchmark": "storefront",
            "when": datetime.now().isoformat(timespec="seconds"),
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "loadavg_1m_at_start": load_at_start,
            },
            "config": {
                "products": args.products,
                "cooperatives": args.cooperatives,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "concurrency": args.concurrency,
                "workers": args.workers,
                "database": dialect,
                "analyze": args.analyze or dialect == "postgresql",
            },
            "seed": {"seconds": round(seed_s, 3), "rows": seeded["rows"]},
            "sql_profile": profile,
            "results": results,
            "gunicorn_log_tail": log_tail,
        }
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"\nwrote {out}")
        return 1 if any(r["errors"] for r in results.values()) else 0
    finally:
        stop_gunicorn(proc)
        clean_up(args, pg_name, workdir)


if __name__ == "__main__":
    sys.exit(main())
