"""Page cache: anonymous catalogue pages from the cache, uncached, and a bare Flask route, in one run.

Seeds the storefront benchmark's catalogue (``bench_storefront.seed``), then
starts three gunicorn servers (2 sync workers each): a bare Flask "hello"
app, the shop (page cache on, the default 60 s) and the shop with
``PAGE_CACHE_SECONDS=0``. For each page it loads the bare route, the cached
page and the uncached page with wrk (16 connections, 2 threads) and prints
requests per second and the ratio to the bare route (the mean of a bare run
before and after), with the machine's load average. Writes JSON.

    .venv/bin/python bench/bench_page_cache.py                     # 10,000 products, 500 cooperatives
    .venv/bin/python bench/bench_page_cache.py --products 500 --cooperatives 30 --duration 2   # smoke
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for folder in (str(BENCH), str(ROOT)):
    if folder not in sys.path:
        sys.path.insert(0, folder)

import bench_storefront  # noqa: E402  (after the path is set)
from wsgi import bench_config  # noqa: E402

BARE_APP = """from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
"""


def serve(
    args: list[str], env: dict[str, str], log: Path, workers: int
) -> tuple[subprocess.Popen, int]:
    """Start gunicorn; return it and its port once it answers."""
    port = bench_storefront.free_port()
    command = [str(ROOT / ".venv" / "bin" / "gunicorn"), *args, "--workers", str(workers)]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--error-logfile",
        str(log),
    ]
    proc = subprocess.Popen(
        command,
        env={**os.environ, **env},
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc, port
        except urllib.error.HTTPError:
            return proc, port  # answering (a redirect target or a 404 is fine)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer: {log.read_text(errors='replace')[-2000:]}")


def wrk(url: str, seconds: float) -> dict:
    """Requests per second and non-2xx/3xx answers of one wrk run."""
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds:g}s", url], capture_output=True, text=True, check=True
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "errors": int(bad.group(1)) if bad else 0,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--cooperatives", type=int, default=500)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--output", default=str(BENCH / "results" / "page-cache.json"))
    args = ap.parse_args()

    from catalog.models import Product
    from producers.models import Cooperative
    from shop import create_app
    from shop.extensions import db

    work = Path(tempfile.mkdtemp(prefix="taawon-page-cache-"))
    url = "sqlite:///" + str(work / "bench.sqlite3")
    app = create_app(bench_config(url, str(work / "instance")))
    bench_storefront.seed(app, args.products, args.cooperatives, analyze=True)
    with app.app_context():
        product = db.session.scalar(db.select(Product.slug).order_by(Product.id).limit(1))
        coop = db.session.scalar(db.select(Cooperative.slug).order_by(Cooperative.id).limit(1))
        db.engine.dispose()
    pages = {
        "home": "/fr/",
        "listing": "/fr/products/",
        "product": f"/fr/products/{product}",
        "directory": "/fr/cooperatives/",
        "cooperative": f"/fr/cooperatives/{coop}",
        "search": "/fr/search?q=huile",
    }
    (work / "bare").mkdir()
    (work / "bare" / "bare_app.py").write_text(BARE_APP)
    shop = ["--pythonpath", f"{BENCH},{ROOT}", "wsgi:app"]
    env = {"BENCH_DATABASE_URL": url, "BENCH_INSTANCE": str(work / "instance")}
    servers = []
    try:
        bare = serve(
            ["--pythonpath", str(work / "bare"), "bare_app:app"],
            {},
            work / "bare.log",
            args.workers,
        )
        servers.append(bare[0])
        cached = serve(shop, env, work / "cached.log", args.workers)
        servers.append(cached[0])
        uncached = serve(
            shop, {**env, "PAGE_CACHE_SECONDS": "0"}, work / "uncached.log", args.workers
        )
        servers.append(uncached[0])
        rows = {}
        for name, path in pages.items():
            for _ in range(2):  # stored by the second visit at the latest
                urllib.request.urlopen(f"http://127.0.0.1:{cached[1]}{path}").read()
            before = wrk(f"http://127.0.0.1:{bare[1]}/", args.duration)
            hit = wrk(f"http://127.0.0.1:{cached[1]}{path}", args.duration)
            miss = wrk(f"http://127.0.0.1:{uncached[1]}{path}", args.duration / 2)
            after = wrk(f"http://127.0.0.1:{bare[1]}/", args.duration)
            base = (before["rps"] + after["rps"]) / 2
            rows[name] = {
                "path": path,
                "bare_rps": base,
                "cached_rps": hit["rps"],
                "cached_ratio": hit["rps"] / base,
                "uncached_rps": miss["rps"],
                "uncached_ratio": miss["rps"] / base,
                "errors": hit["errors"] + miss["errors"],
                "load": os.getloadavg(),
            }
            print(
                f"{name:12s} bare {base:7.0f}/s  cached {hit['rps']:7.0f}/s ({hit['rps'] / base:.2f})"
                f"  uncached {miss['rps']:6.0f}/s ({miss['rps'] / base:.3f})"
                f"  errors {rows[name]['errors']}  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        for proc in servers:
            os.killpg(proc.pid, signal.SIGTERM)
    result = {
        "products": args.products,
        "cooperatives": args.cooperatives,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "pages": rows,
    }
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2))
    print(f"written {args.output}")
    return 1 if any(row["errors"] for row in rows.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
