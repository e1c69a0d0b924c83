"""Storefront pages against a bare Flask route, cached and uncached, in one run (issue #15).

1. Seeds the catalogue (10,000 products, 500 cooperatives by default; see
   bench/seeding.py) in a SQLite file, or a throw-away PostgreSQL database,
   and builds the search index on disk.
2. Starts gunicorn (2 sync workers) for ``bench/hello.py``, a bare Flask
   "hello" app: the reference.
3. Starts gunicorn (2 sync workers) for the real application twice, one mode
   after the other: uncached (``PAGE_CACHE_SECONDS=0``) and cached (the
   application's default), and drives each page with ``wrk`` (16 connections,
   a Lua script rotating over each page's URLs). The bare route is measured
   before, between and after the two modes; each mode's ratios are to the
   mean of the two bare runs around it.
4. Records requests/s, the ratio to the bare route, p50/p99 latency, errors
   (sockets and non-2xx answers), the HTML size, and the load average before
   and after each target, with ``nproc``; checks the issue's targets; writes
   bench/results/pages.json.

    .venv/bin/python bench/bench_pages.py                 # the full run (~4 min)
    .venv/bin/python bench/bench_pages.py --quick         # smoke run (~1 min)
    .venv/bin/python bench/bench_pages.py --profile       # + cProfile of each page

Exit status: 1 if a request failed, 0 otherwise (missed targets are reported,
not fatal: the machine may be loaded).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from bench_storefront import (  # noqa: E402
    HOST,
    clean_up,
    common_arguments,
    prepare_database,
    start_server,
    stop_gunicorn,
)
from seeding import WORDS, seed  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from wsgi import bench_config  # noqa: E402

VENV_BIN = Path(sys.executable).parent
WRK = shutil.which("wrk") or "/usr/bin/wrk"

#: The issue's targets: a page's requests/s as a share of the bare route's.
TARGETS = {
    "cached": dict.fromkeys(
        ("home", "product", "listing", "cooperative", "search", "directory", "sitemap_index"), 0.5
    ),
    "uncached": {
        "home": 0.08,
        "product": 0.08,
        "listing": 0.05,
        "cooperative": 0.05,
        "search": 0.05,
    },
}
HEADERS = {"Accept-Language": "fr", "Cookie": "lang=fr"}


# --------------------------------------------------------------------------- pages


def page_paths(seeded: dict, rnd: random.Random, size: str) -> dict[str, list[str]]:
    """Each page's URLs, rotated over by wrk (every one is primed before measuring)."""
    few = size == "quick"
    products = rnd.sample(
        seeded["product_slugs"], min(16 if few else 64, len(seeded["product_slugs"]))
    )
    coops = rnd.sample(
        seeded["cooperative_slugs"], min(8 if few else 32, len(seeded["cooperative_slugs"]))
    )
    listing_pages = 5 if few else 20
    directory_pages = max(1, min(10, len(seeded["cooperative_slugs"]) // 24))
    return {
        "home": ["/fr/"],
        "product": [f"/fr/products/{slug}" for slug in products],
        "listing": [
            f"/fr/products/?page={n}" if n > 1 else "/fr/products/"
            for n in range(1, listing_pages + 1)
        ],
        "cooperative": [f"/fr/cooperatives/{slug}" for slug in coops],
        "search": [f"/fr/search?q={urllib.request.quote(word)}" for word in WORDS],
        "directory": [
            f"/fr/cooperatives/?page={n}" if n > 1 else "/fr/cooperatives/"
            for n in range(1, directory_pages + 1)
        ],
        "sitemap_index": ["/sitemap.xml"],
    }


# --------------------------------------------------------------------------- servers


def fetch(port: int, path: str) -> tuple[int, int, dict[str, str]]:
    """(status, body bytes, headers) of one GET, as wrk sends it."""
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=HEADERS)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, len(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as error:
        return error.code, len(error.read()), dict(error.headers)


# --------------------------------------------------------------------------- wrk

LUA = """
local paths = {PATHS}
local made = 0
function setup(thread)
  thread:set("tid", made)
  made = made + 1
end
function init(args)
  counter = (tid or 0) * 7919
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH_JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"bytes\\": %d, "
    .. "\\"connect\\": %d, \\"read\\": %d, \\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, "
    .. "\\"p50_us\\": %d, \\"p90_us\\": %d, \\"p99_us\\": %d, \\"max_us\\": %d, \\"mean_us\\": %.1f}\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def lua_script(paths: list[str], folder: Path, name: str) -> Path:
    quoted = ", ".join(json.dumps(p) for p in paths)  # JSON strings are Lua strings here
    script = folder / f"{name}.lua"
    script.write_text(LUA.replace("{PATHS}", "{" + quoted + "}"))
    return script


def run_wrk(port: int, script: Path, seconds: float, connections: int, threads: int) -> dict:
    cmd = [
        WRK,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
    ]
    for key, value in HEADERS.items():
        cmd += ["-H", f"{key}: {value}"]
    cmd.append(f"http://{HOST}:{port}")
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 90)
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    duration = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / duration if duration else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": socket_errors + raw["status"],
        "error_detail": {k: raw[k] for k in ("connect", "read", "write", "timeout", "status")},
        "transfer_bytes_per_request": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
    }


def server_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master's workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == master_pid:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def measure(port, paths, name, folder, args, master_pid: int) -> dict:
    """Warm up, then measure one target; the load average and the server's CPU around it.

    ``cpu_ms_per_request`` is what the gunicorn workers spent per answer (CPU
    time, not wall time): it does not move with the machine's load the way
    requests/s do, so it shows the cost of a page even when others are busy.
    """
    script = lua_script(paths, folder, name)
    if args.warmup > 0:
        run_wrk(port, script, args.warmup, args.connections, args.threads)
    before = os.getloadavg()[0]
    cpu_before = server_cpu_seconds(master_pid)
    result = run_wrk(port, script, args.duration, args.connections, args.threads)
    cpu = server_cpu_seconds(master_pid) - cpu_before
    result["cpu_ms_per_request"] = cpu * 1000 / result["requests"] if result["requests"] else None
    result["loadavg_1m_before"] = round(before, 2)
    result["loadavg_1m_after"] = round(os.getloadavg()[0], 2)
    result["urls"] = len(paths)
    return result


def prime(port: int, paths: list[str]) -> dict:
    """Fetch every URL once: statuses, the first page's size, and its cache headers."""
    statuses: dict[str, int] = {}
    sizes = []
    first_headers: dict[str, str] = {}
    for i, path in enumerate(paths):
        status, size, headers = fetch(port, path)
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        sizes.append(size)
        if i == 0:
            first_headers = {
                k: v
                for k, v in headers.items()
                if k.lower() in ("cache-control", "etag", "x-cache", "age", "vary", "set-cookie")
            }
    return {
        "statuses": statuses,
        "html_bytes_first": sizes[0],
        "html_bytes_max": max(sizes),
        "headers_first": first_headers,
    }


# --------------------------------------------------------------------------- profile


def profile_pages(app, pages: dict[str, list[str]], repeat: int, folder: Path) -> dict:
    """cProfile each page in-process (uncached): the functions that cost the most."""
    out = {}
    client = app.test_client()
    for name, paths in pages.items():
        for path in paths[:3]:
            client.get(path, headers=HEADERS)  # templates compiled, caches warm
        profiler = cProfile.Profile()
        t0 = time.perf_counter()
        profiler.enable()
        for i in range(repeat):
            client.get(paths[i % len(paths)], headers=HEADERS)
        profiler.disable()
        wall = (time.perf_counter() - t0) / repeat
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        (folder / f"profile-{name}.txt").write_text(stream.getvalue())
        out[name] = {"ms_per_request_profiled": round(wall * 1000, 2)}
        print(f"  {name:<14} {wall * 1000:7.1f} ms/request under cProfile")
    return out


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common_arguments(ap, duration=5.0, pg_database="taawon_bench_pages")
    ap.add_argument("--connections", type=int, default=16, help="wrk connections")
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument(
        "--pages",
        default="",
        help="comma-separated subset of: home, product, listing, cooperative, search, "
        "directory, sitemap_index",
    )
    ap.add_argument(
        "--modes", default="uncached,cached", help="uncached, cached, or both (the default)"
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1,000 products, 60 cooperatives, 2 s per target, fewer URLs",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also cProfile each page in-process (uncached); writes profile-<page>.txt "
        "next to the output",
    )
    ap.add_argument("--profile-repeat", type=int, default=30)
    ap.add_argument("--output", default=str(BENCH / "results" / "pages.json"))
    ap.add_argument(
        "--data",
        default="",
        help="a folder for the SQLite database and search index: seeded the first time, "
        "reused by later runs with the same --products/--cooperatives (before/after runs)",
    )
    args = ap.parse_args()
    if args.quick:
        args.products, args.cooperatives = min(args.products, 1000), min(args.cooperatives, 60)
        args.duration, args.warmup = min(args.duration, 2.0), min(args.warmup, 0.5)
    modes = [m for m in args.modes.split(",") if m]
    if not set(modes) <= {"uncached", "cached"} or not modes:
        raise SystemExit("--modes takes uncached, cached or both")
    if not Path(WRK).exists():
        raise SystemExit("wrk is needed: apt-get install wrk")

    nproc = os.cpu_count()
    load_start = [round(x, 2) for x in os.getloadavg()]
    workdir = Path(tempfile.mkdtemp(prefix="taawon-pages-"))
    instance = workdir / "instance"
    data = Path(args.data) if args.data else None
    if data is not None:
        if args.database_url:
            raise SystemExit("--data keeps a SQLite database: not with --database-url")
        instance = data / f"instance-{args.products}-{args.cooperatives}"
        instance.mkdir(parents=True, exist_ok=True)
    out_path = Path(args.output)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    pg_name = None
    procs: list = []
    try:
        if data is not None:
            db_url = "sqlite:///" + str(instance / "bench.sqlite3")
        else:
            db_url, pg_name = prepare_database(args, workdir)
        from catalog.search import reindex
        from shop import create_app

        seed_app = create_app(
            {**bench_config(db_url, str(instance)), "SEARCH_INDEX_AUTOCREATE": True}
        )
        dialect = make_url(db_url).get_backend_name()
        t0 = time.perf_counter()
        seeded_file = instance / "seeded.json"
        if data is not None and seeded_file.exists():
            seeded = json.loads(seeded_file.read_text())
            indexed = seeded["indexed"]
        else:
            seeded = seed(seed_app, args.products, args.cooperatives, True, certified_every=3)
            with seed_app.app_context():
                indexed = seeded["indexed"] = reindex()
                from shop.extensions import db

                db.session.remove()
                db.engine.dispose()
            if data is not None:
                seeded_file.write_text(json.dumps(seeded))
        seed_s = time.perf_counter() - t0
        print(
            f"{dialect}: seeded {seeded['rows']} and indexed {indexed} products in "
            f"{seed_s:.1f} s; load average {load_start} on {nproc} CPUs"
        )
        page_cache_default = seed_app.config.get("PAGE_CACHE_SECONDS")
        if page_cache_default is None:
            print(
                "note: this application has no PAGE_CACHE_SECONDS setting yet: "
                "the cached mode runs the same code as the uncached one"
            )

        pages = page_paths(seeded, random.Random(7), "quick" if args.quick else "full")
        if args.pages:
            wanted = args.pages.split(",")
            unknown = set(wanted) - set(pages)
            if unknown:
                raise SystemExit(f"unknown pages: {', '.join(sorted(unknown))}")
            pages = {k: v for k, v in pages.items() if k in wanted}

        profile = {}
        if args.profile:
            print("\ncProfile, uncached, in-process:")
            prof_app = create_app(bench_config(db_url, str(instance), page_cache_seconds=0))
            profile = profile_pages(prof_app, pages, args.profile_repeat, out_path.parent)
            with prof_app.app_context():
                from shop.extensions import db

                db.engine.dispose()

        bare_proc, bare_port = start_server("hello", {}, args.workers, workdir / "hello.log", "/")
        procs.append(bare_proc)
        bare_paths = ["/"]
        bare_runs = []

        def bare(label: str) -> None:
            result = measure(bare_port, bare_paths, "bare", workdir, args, bare_proc.pid)
            result["when"] = label
            bare_runs.append(result)
            print(
                f"  bare ({label}){'':<4} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:6.1f} ms  "
                f"cpu {result['cpu_ms_per_request'] or 0:6.2f} ms/req  errors {result['errors']}  "
                f"load {result['loadavg_1m_after']}"
            )

        print(
            f"\nwrk: {args.connections} connections, {args.threads} threads, "
            f"{args.duration:g} s per target (+{args.warmup:g} s warm-up); "
            f"gunicorn: {args.workers} sync workers"
        )
        bare("start")
        results: dict[str, dict] = {}
        for mode in modes:
            env = {"BENCH_DATABASE_URL": db_url, "BENCH_INSTANCE": str(instance)}
            if mode == "uncached":
                env["BENCH_PAGE_CACHE_SECONDS"] = "0"
            proc, port = start_server(
                "wsgi", env, args.workers, workdir / f"app-{mode}.log", "/bench/ping"
            )
            procs.append(proc)
            print(f"\n{mode}:")
            block = {}
            try:
                for name, paths in pages.items():
                    checked = prime(port, paths)
                    result = measure(port, paths, f"{mode}-{name}", workdir, args, proc.pid)
                    result.update(checked)
                    block[name] = result
                    print(
                        f"  {name:<14} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.1f} ms  "
                        f"p99 {result['p99_ms']:7.1f} ms  "
                        f"cpu {result['cpu_ms_per_request'] or 0:6.2f} ms/req  errors {result['errors']}  "
                        f"{result['html_bytes_first'] / 1024:6.1f} KB  "
                        f"load {result['loadavg_1m_after']}"
                    )
            finally:
                stop_gunicorn(proc)
                procs.remove(proc)
            bare(f"after {mode}")
            around = bare_runs[-2:]
            reference = statistics.fmean(b["rps"] for b in around)
            bare_cpu = statistics.fmean(b["cpu_ms_per_request"] or 0 for b in around)
            for result in block.values():
                result["bare_rps_reference"] = round(reference, 1)
                result["ratio_to_bare"] = result["rps"] / reference if reference else float("nan")
                # The same ratio from CPU cost: bare's CPU per answer over the page's.
                page_cpu = result["cpu_ms_per_request"]
                result["cpu_ratio_to_bare"] = bare_cpu / page_cpu if page_cpu else None
            results[mode] = block

        checks = []
        print(
            f"\n{'page':<14}"
            + "".join(f"{m + ' req/s':>16}{'ratio':>8}{'target':>8}" for m in modes)
        )
        for name in pages:
            row = f"{name:<14}"
            for mode in modes:
                r = results[mode][name]
                target = TARGETS[mode].get(name)
                ok = None if target is None else r["ratio_to_bare"] >= target
                if target is not None:
                    checks.append(
                        {
                            "mode": mode,
                            "page": name,
                            "ratio": round(r["ratio_to_bare"], 4),
                            "cpu_ratio": r["cpu_ratio_to_bare"]
                            and round(r["cpu_ratio_to_bare"], 4),
                            "target": target,
                            "met": ok,
                        }
                    )
                mark = "" if ok is None else (" ok" if ok else " MISS")
                cpu_ratio = r["cpu_ratio_to_bare"]
                row += (
                    f"{r['rps']:>16.1f}{r['ratio_to_bare']:>8.3f}"
                    f"{'' if cpu_ratio is None else format(cpu_ratio, '.3f'):>7}"
                    f"{'' if target is None else format(target, '.2f'):>8}{mark:<5}"
                )
            print(row)
        print(
            f"bare route: {', '.join(format(b['rps'], '.0f') for b in bare_runs)} req/s; "
            f"load average {load_start} at start, {[round(x, 2) for x in os.getloadavg()]} "
            f"at end, {nproc} CPUs"
        )

        logs = {
            p.name: p.read_text(errors="replace")[-2000:]
            for p in workdir.glob("*.log")
            if p.stat().st_size
        }
        report = {
            "benchmark": "pages",
            "when": datetime.now().isoformat(timespec="seconds"),
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "nproc": nproc,
                "loadavg_at_start": load_start,
                "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            },
            "config": {
                "products": args.products,
                "cooperatives": args.cooperatives,
                "database": dialect,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
                "connections": args.connections,
                "wrk_threads": args.threads,
                "workers": args.workers,
                "headers": HEADERS,
                "page_cache_seconds_default": page_cache_default,
                "quick": args.quick,
            },
            "seed": {"seconds": round(seed_s, 2), "rows": seeded["rows"], "indexed": indexed},
            "bare": bare_runs,
            "results": results,
            "targets": checks,
            "profile": profile,
            "server_logs": logs,
        }
        out_path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"wrote {out_path}")
        failed = any(r["errors"] for block in results.values() for r in block.values())
        return 1 if failed or any(b["errors"] for b in bare_runs) else 0
    finally:
        for proc in procs:
            stop_gunicorn(proc)
        clean_up(args, pg_name, workdir)


if __name__ == "__main__":
    sys.exit(main())
