"""Media on local disk against S3 (moto's server): /media/ per request, and `flask media migrate`.

Builds the real application twice on a throw-away SQLite file, once with
``MEDIA_STORAGE=local`` and once with ``MEDIA_STORAGE=s3`` against moto's
standalone server on a loopback port (tests/s3.py starts the same one), stores
the same pictures in both, then times in-process requests (Flask's test
client, no sockets between client and app) to:

- ``/bench/ping``: no database, no template, no file: the baseline;
- ``/media/img/…`` from the disk;
- ``/media/img/…`` from the bucket (one GET to the S3 API per request).

Each figure is also given as a ratio to the ping of the same run, with the
load average, since other work on the machine moves the absolute numbers.
Then it times ``flask media migrate`` on ``--files`` pictures with 1 and 8
parallel uploads, and a re-run (everything already there).

moto is an in-memory Python server on the same machine: a real bucket over a
network is further away (more latency) but does not compete for the CPU.

    .venv/bin/python bench/bench_media.py [--requests 300] [--files 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BENCH = Path(__file__).resolve().parent


def timed(client, url: str, count: int) -> dict:
    """Request ``url`` ``count`` times; per-request milliseconds."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url)
        response.get_data()
        response.close()
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return {
        "requests": count,
        "mean_ms": round(statistics.fmean(samples), 3),
        "p50_ms": round(samples[len(samples) // 2], 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
    }


def picture(n: int) -> bytes:
    """A small WebP-sized blob (the bytes are not decoded on this path)."""
    return os.urandom(12_000 + (n % 7) * 1000)


def build(tmp: Path, settings: dict):
    from shop import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(tmp / "instance"),
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "ENVIRONMENT": "development",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "MEDIA_ROOT": str(tmp / "media"),
            "PRIVATE_MEDIA_ROOT": str(tmp / "private"),
            "SEARCH_INDEX_DIR": ":memory:",
            "RATELIMIT_ENABLED": False,
            **settings,
        }
    )

    @app.get("/bench/ping")
    def bench_ping():
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "media.json")
    args = parser.parse_args()

    from shop.storage import get_storage
    from shop.storage.s3 import make_client
    from tests.s3 import client_settings, start_moto

    process, endpoint = start_moto()
    try:
        with tempfile.TemporaryDirectory() as folder:
            tmp = Path(folder)
            client = make_client(client_settings(endpoint))
            client.create_bucket(Bucket="bench-media")
            s3 = {"MEDIA_STORAGE": "s3", "S3_BUCKET": "bench-media", **client_settings(endpoint)}
            local_app, s3_app = build(tmp, {}), build(tmp, s3)
            names = [f"img/{n:02x}/{n:02x}bench-{n}-640.webp" for n in range(20)]
            for application in (local_app, s3_app):
                with application.app_context():
                    for n, name in enumerate(names):
                        get_storage().save(name, picture(n))

            requests = {}
            for label, application, url in (
                ("ping", local_app, "/bench/ping"),
                ("media_local", local_app, f"/media/{names[3]}"),
                ("media_s3", s3_app, f"/media/{names[3]}"),
            ):
                test_client = application.test_client()
                timed(test_client, url, 20)  # warm-up
                requests[label] = timed(test_client, url, args.requests)
            ping = requests["ping"]["mean_ms"]
            for figures in requests.values():
                figures["ratio_to_ping"] = round(figures["mean_ms"] / ping, 1)

            migrate = {}
            media = tmp / "migrate-media"
            for n in range(args.files):
                path = media / "img" / f"{n % 256:02x}" / f"{n:06d}migrate-640.webp"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(picture(n))
            for key, bucket, jobs in (
                ("jobs_1", "bench-migrate-1", 1),
                ("jobs_8", "bench-migrate-8", 8),
                ("rerun_jobs_8", "bench-migrate-8", 8),  # everything already there
            ):
                if not key.startswith("rerun"):
                    client.create_bucket(Bucket=bucket)
                app = build(tmp, {**s3, "S3_BUCKET": bucket, "MEDIA_ROOT": str(media)})
                start = time.perf_counter()
                result = app.test_cli_runner().invoke(
                    args=["media", "migrate", "--jobs", str(jobs)]
                )
                seconds = time.perf_counter() - start
                assert result.exit_code == 0, result.output
                migrate[key] = {
                    "files": args.files,
                    "seconds": round(seconds, 2),
                    "files_per_second": round(args.files / seconds, 1),
                    "output": result.output.strip().splitlines()[0],
                }
    finally:
        process.terminate()
        process.wait(timeout=10)

    report = {
        "requests": requests,
        "migrate": migrate,
        "load": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(report, indent=2))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
