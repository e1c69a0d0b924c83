"""Instructions per request of each storefront page, uncached, counted by callgrind (issue #15).

Requests per second move with the machine's load; the number of instructions
a request executes does not. This runs each page of ``bench_pages.py`` in
process (Flask's test client, ``PAGE_CACHE_SECONDS=0``) under valgrind's
callgrind, on the data set ``bench_pages.py --data`` seeded, and prints
millions of instructions per request, with the bare Flask route of
``bench/hello.py`` measured the same way:

    .venv/bin/python bench/bench_pages.py --data /tmp/pages-data --pages home --duration 1
    .venv/bin/python bench/callgrind_pages.py --data /tmp/pages-data
    .venv/bin/python bench/callgrind_pages.py --data /tmp/pages-data --pages product,search

Each page's first ``--requests`` URLs are requested once (templates
compiled, per-process caches warm, as in a long-running worker), then
counted once each. All pages run in one process, one after the other. Counting starts and stops at two system calls made
for that purpose only (``getppid`` zeroes callgrind's counters, ``getpgrp``
dumps them), so start-up and warm-up are not counted. Needs valgrind
(``apt-get install valgrind``); a page takes a minute or two.

``--html DIR`` instead writes each URL's HTML into DIR (no valgrind): run it
before and after a change and compare the folders (``diff -rw``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

HEADERS = {"Accept-Language": "fr", "Cookie": "lang=fr"}
PAGES = (
    "bare",
    "ping",
    "home",
    "product",
    "listing",
    "cooperative",
    "search",
    "directory",
    "sitemap_index",
)


def instance_of(args: argparse.Namespace) -> Path:
    return Path(args.data) / f"instance-{args.products}-{args.cooperatives}"


def page_urls(args: argparse.Namespace) -> dict[str, list[str]]:
    """The URLs ``bench_pages.py`` drives, from the seeded data set."""
    from bench_pages import page_paths

    seeded_file = instance_of(args) / "seeded.json"
    if not seeded_file.exists():
        raise SystemExit(f"{seeded_file} is missing: seed it with bench_pages.py --data first")
    seeded = json.loads(seeded_file.read_text())
    return {"bare": ["/"], "ping": ["/bench/ping"], **page_paths(seeded, random.Random(7), "full")}


def make_app(args: argparse.Namespace, page: str):
    if page == "bare":
        from hello import app

        return app
    import wsgi  # before the variables: importing it with them set builds an app

    # The application bench_pages.py serves uncached (with /bench/ping, "ping").
    instance = instance_of(args)
    os.environ["BENCH_DATABASE_URL"] = "sqlite:///" + str(instance / "bench.sqlite3")
    os.environ["BENCH_INSTANCE"] = str(instance)
    os.environ["BENCH_PAGE_CACHE_SECONDS"] = "0"
    return wsgi.build_app()


def child(args: argparse.Namespace) -> None:
    """In valgrind: per page, warm up, then count ``--requests`` requests between two markers."""
    urls = page_urls(args)
    apps: dict[str, Any] = {}
    for page in args.pages:
        kind = "bare" if page == "bare" else "shop"
        if kind not in apps:
            apps[kind] = make_app(args, page)
        client = apps[kind].test_client()
        # The URLs counted, each requested once before (and the first twice).
        used = urls[page][: args.requests]
        for url in [used[0], *used]:
            response = client.get(url, headers=HEADERS)
            assert response.status_code == 200, (url, response.status_code)
        os.getppid()  # callgrind: --zero-before=getppid
        for i in range(args.requests):
            client.get(used[i % len(used)], headers=HEADERS)
        os.getpgrp()  # callgrind: --dump-before=getpgrp


def count(args: argparse.Namespace, folder: Path) -> dict[str, float]:
    """Millions of instructions per request of each page, in one valgrind run."""
    out = folder / "callgrind"
    cmd = [
        "valgrind",
        "--tool=callgrind",
        "--zero-before=getppid",
        "--dump-before=getpgrp",
        f"--callgrind-out-file={out}",
        sys.executable,
        str(Path(__file__).resolve()),
        "--data",
        args.data,
        "--products",
        str(args.products),
        "--cooperatives",
        str(args.cooperatives),
        "--requests",
        str(args.requests),
        "--pages",
        ",".join(args.pages),
        "--child",
        "1",
    ]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    results = {}
    # With --dump-before, dump n (".n") holds what ran since the n-th zeroing: page n.
    for number, page in enumerate(args.pages, start=1):
        dumped = Path(f"{out}.{number}")
        match = re.search(r"^(?:summary|totals): (\d+)", dumped.read_text(), re.MULTILINE)
        if match is None:
            raise RuntimeError(f"no totals in {dumped}")
        results[page] = round(int(match.group(1)) / args.requests / 1e6, 2)
        if args.keep:  # for callgrind_annotate
            (BENCH / "results").mkdir(exist_ok=True)
            shutil.copy(dumped, BENCH / "results" / f"callgrind-{page}.out")
    return results


def demo_urls(args: argparse.Namespace):
    """The demo data (``seed-demo``, seeded once into ``--data``) and all of its pages."""
    from sqlalchemy import select
    from wsgi import bench_config

    from catalog.models import Product
    from producers.models import Cooperative
    from shop import create_app
    from shop.extensions import db

    instance = Path(args.data) / "instance-demo"
    instance.mkdir(parents=True, exist_ok=True)
    database = instance / "demo.sqlite3"
    fresh = not database.exists()
    app = create_app(
        {
            **bench_config("sqlite:///" + str(database), str(instance), 0),
            "SEARCH_INDEX_AUTOCREATE": True,
        }
    )
    with app.app_context():
        if fresh:
            db.create_all()
            result = app.test_cli_runner().invoke(args=["seed-demo"])
            assert result.exit_code == 0, result.output
        products = db.session.scalars(select(Product.slug).order_by(Product.id)).all()
        coops = db.session.scalars(select(Cooperative.slug).order_by(Cooperative.id)).all()
        db.session.remove()
    searches = ("argan", "huile d'argan", "safran", "miel", "honey", "زيت", "argn", "amlou")
    urls = {
        "home": ["/fr/"],
        "product": [f"/fr/products/{slug}" for slug in products],
        "listing": ["/fr/products/", "/fr/products/?page=2", "/fr/products/?sort=price_asc"],
        "cooperative": [f"/fr/cooperatives/{slug}" for slug in coops],
        "search": [f"/fr/search?q={q}" for q in searches],
        "directory": ["/fr/cooperatives/"],
        "sitemap_index": ["/sitemap.xml"],
    }
    return app, urls


def write_html(args: argparse.Namespace, folder: Path) -> None:
    """Every URL of the pages asked for, rendered once, into ``folder``."""
    if args.demo:
        app, urls = demo_urls(args)
    else:
        urls = page_urls(args)
        app = make_app(args, "home")
    client = app.test_client()
    folder.mkdir(parents=True, exist_ok=True)
    for page in args.pages:
        if page in ("bare", "ping"):
            continue
        for lang in ("fr", "ar", "en"):
            for url in urls[page]:
                url = url.replace("/fr/", f"/{lang}/", 1)
                response = client.get(url, headers={"Accept-Language": lang})
                name = re.sub(r"[^A-Za-z0-9._-]+", "_", url.strip("/")) or "root"
                (folder / f"{page}--{name}.html").write_bytes(
                    f"{response.status_code}\n".encode() + response.data
                )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="the folder bench_pages.py --data seeded")
    ap.add_argument("--products", type=int, default=10_000)
    ap.add_argument("--cooperatives", type=int, default=500)
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated: " + ", ".join(PAGES))
    ap.add_argument("--requests", type=int, default=10, help="requests counted per page")
    ap.add_argument("--keep", action="store_true", help="copy the callgrind files to results/")
    ap.add_argument("--html", default="", help="write each URL's HTML into this folder instead")
    ap.add_argument(
        "--demo", action="store_true", help="with --html: the demo data (seeded into --data)"
    )
    ap.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.pages = [p for p in args.pages.split(",") if p]
    if unknown := set(args.pages) - set(PAGES):
        raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))}")
    if args.child:
        child(args)
        return 0
    if args.html:
        write_html(args, Path(args.html))
        return 0
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is needed: apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="taawon-callgrind-") as tmp:
        results = count(args, Path(tmp))
    for page, millions in results.items():
        print(f"  {page:<14} {millions:8.2f} M instructions per request")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
