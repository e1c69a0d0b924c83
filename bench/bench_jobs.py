"""Background jobs benchmark: what a request costs once its slow work is a job.

In one process, on a SQLite file in a temp folder, with the real application:

1. ``/bench/ping`` (no database, no template): the baseline every figure is
   divided by, measured in the same run.
2. The registration form (it writes one mail), with a mail server on the
   loopback that answers after ``--smtp-delay`` seconds (a remote relay):
   without ``REDIS_URL`` the mail is sent in the request after its commit;
   with it the request only queues the job.
3. A product picture (``--photo`` pixels, a phone's 12 MP by default): the
   whole pipeline in the request (every width), against the largest width in
   the request and the smaller ones by the job (``largest_only``); the job's
   own time is reported too.
4. Then a burst worker runs what was queued; its time per mail is reported.

    .venv/bin/python bench/bench_jobs.py
    .venv/bin/python bench/bench_jobs.py --rounds 5 --photo 1600x1200   # smoke run

Needs Redis (``--redis-url``, database 6 by default); the queue has a name of
its own and is deleted afterwards. Writes bench/results/jobs.json with the
machine's load average: other work on the machine moves every figure, so
compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import platform
import random
import socketserver
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from PIL import Image  # noqa: E402
from wsgi import bench_config  # noqa: E402


class SlowSMTP(socketserver.StreamRequestHandler):
    """Accepts every message, each after the server's delay (a remote relay)."""

    def handle(self) -> None:
        delay = self.server.delay  # type: ignore[attr-defined]
        self.wfile.write(b"220 bench ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                    pass
                time.sleep(delay)
                self.wfile.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def timed(func, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float], baseline: float) -> dict:
    median = statistics.median(times)
    p95 = sorted(times)[max(0, math.ceil(len(times) * 0.95) - 1)]
    return {
        "median_ms": round(median * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "ratio_to_ping": round(median / baseline, 1),
    }


def photo(size: tuple[int, int], seed: int) -> bytes:
    rng = random.Random(seed)
    base = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 30)
    img = Image.merge("RGB", (base, noise, Image.new("L", size, rng.randrange(256))))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--smtp-delay", type=float, default=0.3)
    parser.add_argument("--photo", default="4000x3000")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--output", default=str(BENCH / "results" / "jobs.json"))
    args = parser.parse_args()
    size = tuple(int(n) for n in args.photo.split("x"))

    from rq import SimpleWorker
    from rq.serializers import JSONSerializer

    from catalog.images import derive_renditions, process_image
    from shop import create_app, jobs
    from shop.extensions import db
    from shop.storage import LocalStorage

    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SlowSMTP)
    smtp.daemon_threads = True
    smtp.delay = args.smtp_delay  # type: ignore[attr-defined]
    threading.Thread(target=smtp.serve_forever, daemon=True).start()

    folder = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    config = bench_config(f"sqlite:///{folder / 'bench.sqlite3'}", str(folder))
    config.update(
        WTF_CSRF_ENABLED=False,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp.server_address[1],
        MAIL_USE_TLS=False,
        JOB_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
        SEARCH_INDEX_AUTOCREATE=True,
    )
    app = create_app(config)

    @app.get("/bench/ping")
    def bench_ping():
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}

    results: dict = {
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
        "rounds": args.rounds,
        "smtp_delay_s": args.smtp_delay,
        "photo": args.photo,
    }
    client = app.test_client()
    with app.app_context():
        db.create_all()
    counter = iter(range(10**6))

    def register() -> None:
        n = next(counter)
        response = client.post(
            "/en/account/register", data={"email": f"bench{n}@example.com", "name": f"B {n}"}
        )
        assert response.status_code == 200, response.status_code

    timed(lambda: client.get("/bench/ping"), 50)  # warm up
    ping = statistics.median(timed(lambda: client.get("/bench/ping"), args.rounds * 5))
    results["ping_ms"] = round(ping * 1000, 3)

    register()  # warm up: templates, the SMTP connection path
    results["register_mail_in_request"] = summary(timed(register, args.rounds), ping)
    app.config["REDIS_URL"] = args.redis_url
    with app.app_context():
        queue = jobs.queue()
    try:
        results["register_mail_queued"] = summary(timed(register, args.rounds), ping)
        with app.app_context():
            worker = SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer)
            start = time.perf_counter()
            worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
            spent = time.perf_counter() - start
        results["worker_per_mail_ms"] = round(spent / args.rounds * 1000, 1)
    finally:
        from tests.jobqueue import RedisJobs  # the tests' clean-up of a queue

        RedisJobs(queue).clean()

    photos = [photo(size, seed) for seed in range(args.rounds)]
    full = iter(photos)
    largest = iter(photos)
    keys: list[tuple[str, int]] = []
    with app.app_context():
        store_full = LocalStorage(folder / "full")
        store_split = LocalStorage(folder / "split")
        results["picture_every_width_in_request"] = summary(
            timed(lambda: process_image(next(full), store_full), args.rounds), ping
        )

        def only_largest() -> None:
            done = process_image(next(largest), store_split, largest_only=True)
            keys.append((done.key, done.width))

        results["picture_largest_in_request"] = summary(timed(only_largest, args.rounds), ping)
        pending = iter(keys)
        results["picture_job_smaller_widths"] = summary(
            timed(lambda: derive_renditions(*next(pending), store_split), args.rounds), ping
        )
    results["loadavg_after"] = os.getloadavg()

    width = max(len(name) for name in results)
    for name, value in results.items():
        print(f"{name:<{width}}  {value}")
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2))
    smtp.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
