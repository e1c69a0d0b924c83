"""What compressing a page costs, per algorithm and level (issue #15).

Seeds the demo data into a temporary SQLite database, renders the French and
Arabic listings and a product page with the test client, then compresses each
body the way Flask-Compress does (shop/assets.py picks zstd 3, brotli 3, gzip 6)
and reports the best time of several rounds, the size, and the ratio of each
time to zstd 3's, with the machine's load before and after. Run from the
repository root: ``.venv/bin/python bench/bench_compression.py``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import brotli
from backports import zstd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the demo package, as in the other benchmarks

CANDIDATES = {
    "zstd-3": lambda b: zstd.compress(b, 3),
    "zstd-1": lambda b: zstd.compress(b, 1),
    "br-2": lambda b: brotli.compress(b, quality=2),
    "br-3": lambda b: brotli.compress(b, quality=3),
    "br-4": lambda b: brotli.compress(b, quality=4),
    "gzip-1": lambda b: gzip.compress(b, 1, mtime=0),
    "gzip-6": lambda b: gzip.compress(b, 6, mtime=0),
}


def pages() -> dict[str, bytes]:
    """The listing (fr, ar) and a product page, rendered from the demo data."""
    os.environ["TAAWON_ENV"] = "testing"
    from shop import create_app

    folder = Path(tempfile.mkdtemp(prefix="taawon-compress-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}",
            "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
            "SECRET_KEY": "bench",
            "MEDIA_ROOT": str(folder / "media"),
            "PRIVATE_MEDIA_ROOT": str(folder / "private"),
            "SEARCH_INDEX_DIR": str(folder / "search"),
            "OUTBOX_DIR": str(folder / "outbox"),
        }
    )
    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["seed-demo"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    client = app.test_client()
    out = {url: client.get(url).get_data() for url in ("/fr/products/", "/ar/products/")}
    slug = client.get("/fr/products/").get_data(as_text=True).split('href="/fr/products/')[1]
    url = "/fr/products/" + slug.split('"')[0]
    out[url] = client.get(url).get_data()
    return out


def best_times(body: bytes, rounds: int, per_round: int) -> dict[str, float]:
    """Each candidate's best time per call; the rounds interleave the candidates,
    so a burst of load on the machine hits them all alike."""
    best = dict.fromkeys(CANDIDATES, float("inf"))
    for _ in range(rounds):
        for name, compress in CANDIDATES.items():
            started = time.perf_counter()
            for _ in range(per_round):
                compress(body)
            best[name] = min(best[name], (time.perf_counter() - started) / per_round)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=20)
    parser.add_argument("--output", default="bench/results/compression.json")
    options = parser.parse_args()
    bodies = pages()
    load_before = os.getloadavg()
    results = []
    for url, body in bodies.items():
        times = best_times(body, options.rounds, options.per_round)
        base = times["zstd-3"]
        for name, compress in CANDIDATES.items():
            seconds = times[name]
            size = len(compress(body))
            results.append(
                {
                    "page": url,
                    "bytes": len(body),
                    "algorithm": name,
                    "microseconds": round(seconds * 1e6),
                    "ratio_to_zstd3": round(seconds / base, 2),
                    "compressed_bytes": size,
                }
            )
            print(
                f"{url:48} {len(body):6} B  {name:7} {seconds * 1e6:7.0f} µs "
                f"×{seconds / base:5.2f}  → {size:6} B"
            )
    load_after = os.getloadavg()
    print(f"load average before {load_before}, after {load_after} (2 cores)")
    Path(options.output).parent.mkdir(parents=True, exist_ok=True)
    Path(options.output).write_text(
        json.dumps({"load_before": load_before, "load_after": load_after, "results": results})
    )


if __name__ == "__main__":
    main()
