"""Checkout under load: cash-on-delivery orders per second through gunicorn, on PostgreSQL.

For each gunicorn worker count in ``--workers`` (sync workers):

1. Creates a throw-away database (``--pg-database``, default
   ``taawon_bench_checkout``) on the server of ``--database-url`` (never
   writes to that one), ``db.create_all()``, and seeds ``--products`` hot
   products (one variant and two lots each) of a few cooperatives; the first
   ``--scarce`` of them hold only ``--scarce-stock`` units, so they sell out
   during the run and the race for the last units is part of it.
2. Starts gunicorn with bench/wsgi.py on a free loopback port and prepares
   ``--sessions`` guest shoppers through the real pages, as a browser would:
   a page for the session cookie and its CSRF token, ``POST /fr/cart/add`` for
   1–3 hot products, ``POST /fr/checkout`` (review), and keeps the review
   page's "Place the order" form. A quarter of the carts hold a scarce product.
3. Counts the SQL statements of one placing request (in-process, test client).
4. Load: wrk (a separate process, one thread) first on ``/bench/ping`` (no
   database, no template: the baseline), then replaying the shoppers' placing
   POSTs (each with its own session cookie, which holds the cart and the CSRF
   token: Flask's session lives in the cookie, so a replay is a new order) on
   ``--connections`` connections for ``--duration`` seconds after a warm-up.
   A 302 to the order's page is an order placed; a 302 to the cart is "sold
   out"; anything else is an error.
5. Checks that no variant's or lot's stock went negative, that the units sold
   of each variant (order lines) equal its stock's decrease and each lot's
   allocations its decrease, that the orders in the database are the ones the
   client saw placed, and that the ledger balances.

Prints and writes bench/results/checkout-postgresql.json; exit status 1 if a
check fails or any request errs.

    .venv/bin/python bench/bench_checkout.py
    .venv/bin/python bench/bench_checkout.py --workers 2,3,4 --duration 20
    .venv/bin/python bench/bench_checkout.py --duration 3 --warmup 1 --workers 2  # smoke

Needs wrk (``apt-get install wrk``). The database server, gunicorn and wrk
share the machine: compare ratios to the ping in the same run, and read the
load average recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

from bench_orders import seed  # noqa: E402
from bench_storefront import (  # noqa: E402
    HOST,
    drop_pg_database,
    prepare_database,
    start_gunicorn,
    stop_gunicorn,
)
from cpu import children, cpu_seconds, local_backends  # noqa: E402
from sqlalchemy import event, func, select, text  # noqa: E402
from wsgi import bench_config  # noqa: E402

LANG = "fr"
ADDRESS = {
    "email": "buyer@example.com",
    "phone": "0612345678",
    "full_name": "Bench Buyer",
    "address_line": "1 rue du Test",
    "city": "Casablanca",
    "postal_code": "20250",
    "country": "MA",
    "payment": "cod",
}

# wrk's Lua: ``placing`` replays one shopper's form per request, round robin,
# and sorts the answers; both scripts print their figures as one JSON line.
LUA_DONE = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary, latency, requests)
  local placed, soldout, other = 0, 0, 0
  for _, t in ipairs(threads) do
    placed = placed + (t:get("placed") or 0)
    soldout = soldout + (t:get("soldout") or 0)
    other = other + (t:get("other") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %d, "duration_us": %d, "placed": %d, "soldout": %d, "other": %d, '
    .. '"socket_errors": %d, "status_errors": %d, "timeouts": %d, '
    .. '"p50_ms": %.1f, "p95_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f}\n',
    summary.requests, summary.duration, placed, soldout, other,
    e.connect + e.read + e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
"""
LUA_PLACING = (
    r"""
local shoppers = {}
local n = 0
placed, soldout, other = 0, 0, 0
function init(args)
  for line in io.lines(args[1]) do
    local cookie, body = line:match("^(.-)\t(.*)$")
    table.insert(shoppers, {cookie = cookie, body = body})
  end
end
function request()
  n = n + 1
  local s = shoppers[(n % #shoppers) + 1]
  return wrk.format("POST", nil, {
    ["Cookie"] = s.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, s.body)
end
function response(status, headers, body)
  local location = headers["Location"] or ""
  if status == 302 and location:find("/orders/", 1, true) then
    placed = placed + 1
  elseif status == 302 and location:find("/cart", 1, true) then
    soldout = soldout + 1
  else
    other = other + 1
  end
end
"""
    + LUA_DONE
)
LUA_PLAIN = (
    r"""
placed, soldout, other = 0, 0, 0
function response(status, headers, body)
  if status ~= 200 then other = other + 1 end
end
"""
    + LUA_DONE
)


# --------------------------------------------------------------------------- database


def make_app(url: str, instance: Path):
    """The application as gunicorn runs it (bench/wsgi.py's configuration)."""
    from shop import create_app

    return create_app(bench_config(url, str(instance)))


def seed_catalogue(app, args) -> dict[str, int]:
    """Seed the catalogue and its search index; return the hot products' ``{sku: stock}``.

    The hot products come first; the rest of ``--catalogue`` is there so that
    work proportional to the catalogue shows (the search index follows commits).
    """
    from catalog.search import reindex
    from shop.extensions import db

    stocks = dict.fromkeys(range(args.scarce), args.scarce_stock)
    with app.app_context():
        db.create_all()
        skus = seed(max(args.catalogue, args.products), args.cooperatives, args.stock, stocks)
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
        if args.search_index:
            reindex()
        db.session.remove()
    return {sku: stocks.get(i, args.stock) for i, sku in enumerate(skus[: args.products])}


# --------------------------------------------------------------------------- shoppers


class PlaceForm(HTMLParser):
    """The hidden fields of the form whose button places the order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.found: dict[str, str] | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form, self.fields = True, {}
        elif tag == "input" and self._in_form and a.get("type") == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "button" and self._in_form and a.get("value") == "place":
            self.found = dict(self.fields, action="place")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


class Shopper:
    """A guest with a cookie jar, talking to the server like a browser (no redirects followed)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def send(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": self.cookie} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # A browser's form POST names its origin (add-to-cart checks it).
            headers["Origin"] = f"http://{HOST}:{self.port}"
        conn = HTTPConnection(HOST, self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text_ = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.headers.get("Location", ""), text_
        finally:
            conn.close()

    def prepare(self, items: dict[str, int]) -> dict[str, str]:
        """Fill the cart through the pages; return the review's placing form."""
        status, _loc, page = self.send("GET", f"/{LANG}/cart")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"no CSRF token on the cart page ({status})")
        for sku, quantity in items.items():
            status, location, _page = self.send(
                "POST",
                f"/{LANG}/cart/add",
                {"csrf_token": token.group(1), "variant": sku, "quantity": quantity},
            )
            if status != 302:
                raise RuntimeError(f"adding {sku} answered {status}")
        status, _loc, page = self.send(
            "POST", f"/{LANG}/checkout", dict(ADDRESS, csrf_token=token.group(1), action="review")
        )
        parser = PlaceForm()
        parser.feed(page)
        if status != 200 or parser.found is None:
            raise RuntimeError(f"the review page answered {status} without a placing form")
        return parser.found


def prepare_shoppers(port: int, skus: list[str], args, path: Path) -> None:
    """Write ``cookie<TAB>body`` per shopper for the wrk script."""
    rng = random.Random(args.seed)
    scarce, plenty = skus[: args.scarce], skus[args.scarce :]
    lines = []
    for n in range(args.sessions):
        picked = rng.sample(plenty, rng.randint(1, min(3, len(plenty))))
        if scarce and n % 4 == 0:
            picked[0] = rng.choice(scarce)
        items = {sku: rng.randint(1, 2) for sku in picked}
        shopper = Shopper(port)
        form = shopper.prepare(items)
        lines.append(f"{shopper.cookie}\t{urlencode(form)}")
    path.write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- measuring


def statements_per_placing(app, skus: list[str]) -> dict:
    """SQL statements and time of one placing POST, in-process (a one-item cart)."""
    from shop.extensions import db

    client = app.test_client()
    client.environ_base["HTTP_HOST"] = HOST  # a trusted host (PUBLIC_BASE_URL's)
    page = client.get(f"/{LANG}/cart").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post(
        f"/{LANG}/cart/add",
        data={"csrf_token": token, "variant": skus[-1]},
        headers={"Origin": f"http://{HOST}"},
    )
    review = client.post(
        f"/{LANG}/checkout", data=dict(ADDRESS, csrf_token=token, action="review")
    ).get_data(as_text=True)
    parser = PlaceForm()
    parser.feed(review)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split(None, 1)[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        began = time.perf_counter()
        response = client.post(f"/{LANG}/checkout", data=parser.found)
        elapsed = time.perf_counter() - began
    finally:
        event.remove(engine, "before_cursor_execute", count)
    if response.status_code != 302 or "/orders/" not in response.headers.get("Location", ""):
        raise RuntimeError(f"the in-process placing answered {response.status_code}")
    kinds: dict[str, int] = {}
    for kind in statements:
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"statements": len(statements), "by_kind": kinds, "ms": round(elapsed * 1000, 1)}


def wrk(url: str, script: str, args, duration: float, *script_args: str) -> dict:
    """Run wrk (one thread) with a Lua script; return the script's figures."""
    command = [
        "wrk",
        "-t1",
        f"-c{args.connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        script,
        url,
    ]
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    figures = json.loads(line[len("RESULT ") :])
    seconds = figures["duration_us"] / 1e6
    figures["per_s"] = round(figures["requests"] / seconds, 1)
    figures["placed_per_s"] = round(figures["placed"] / seconds, 1)
    return figures


def check(app, stocks: dict[str, int], placed: int, in_flight: int) -> dict:
    """Stock, lots, orders and ledger after the run.

    wrk stops counting at the deadline while up to ``in_flight`` requests are
    still being served: those orders exist without having been seen placed.
    """
    from catalog.models import Variant
    from catalog.trace import Lot
    from orders.models import Order, OrderLine, OrderLineLot
    from shop.extensions import db
    from shop.money import ledger

    with app.app_context():
        left = dict(db.session.execute(select(Variant.sku, Variant.stock)).all())
        sold = dict(
            db.session.execute(
                select(OrderLine.sku, func.sum(OrderLine.quantity)).group_by(OrderLine.sku)
            ).all()
        )
        lots = db.session.execute(
            select(
                Lot.id,
                Lot.quantity_produced,
                Lot.quantity_remaining,
                func.coalesce(func.sum(OrderLineLot.quantity), 0),
            )
            .outerjoin(OrderLineLot, OrderLineLot.lot_id == Lot.id)
            .group_by(Lot.id)
        ).all()
        orders = db.session.scalar(select(func.count(Order.id)))
        problems = ledger.integrity_problems()
        db.session.remove()
    oversold = [sku for sku, stock in left.items() if stock < 0]
    mismatched = [sku for sku, start in stocks.items() if start - left[sku] != sold.get(sku, 0)]
    bad_lots = [lot for lot, made, rest, taken in lots if rest < 0 or made - rest != taken]
    return {
        "orders_in_database": orders,
        "orders_seen_placed": placed,
        "units_sold": int(sum(sold.values())),
        "sold_out_skus": sorted(sku for sku, stock in left.items() if stock == 0),
        "negative_stock": oversold,
        "sold_not_stock_decrease": mismatched,
        "lots_not_matching": bad_lots,
        "ledger_problems": problems,
        "ok": not (oversold or mismatched or bad_lots or problems)
        and placed <= orders <= placed + in_flight,
    }


def run_one(workers: int, args, workdir: Path) -> dict:
    """Seed a fresh database, serve it with ``workers`` workers, measure, check."""
    from shop.extensions import db

    instance = workdir / f"instance-{workers}"
    url, _name = prepare_database(args, workdir)
    proc = None
    try:
        app = make_app(url, instance)
        stocks = seed_catalogue(app, args)
        skus = list(stocks)
        proc, port = start_gunicorn(url, instance, workers, workdir / f"gunicorn-{workers}.log")
        base = f"http://{HOST}:{port}"
        shoppers = workdir / f"shoppers-{workers}.tsv"
        prepare_shoppers(port, skus, args, shoppers)
        profile = statements_per_placing(app, skus)
        placing, plain = workdir / "placing.lua", workdir / "plain.lua"
        placing.write_text(LUA_PLACING)
        plain.write_text(LUA_PLAIN)

        load_before = os.getloadavg()
        warm = wrk(f"{base}/{LANG}/checkout", str(placing), args, args.warmup, str(shoppers))
        ping = wrk(f"{base}/bench/ping", str(plain), args, args.duration)
        # The CPU the server side spends on the measured orders: gunicorn's
        # workers and the database's server processes for their connections.
        with app.app_context():
            with db.engine.connect() as conn:
                own = local_backends(conn)
                backends = [pid for pid in local_backends(conn, everyone=True) if pid not in own]
            db.engine.dispose()
        server = children(proc.pid)
        cpu_before = (cpu_seconds(server), cpu_seconds(backends))
        measured = wrk(f"{base}/{LANG}/checkout", str(placing), args, args.duration, str(shoppers))
        cpu_app = cpu_seconds(server) - cpu_before[0]
        cpu_database = cpu_seconds(backends) - cpu_before[1]
        load_after = os.getloadavg()
        stop_gunicorn(proc)
        proc = None
        checks = check(app, stocks, warm["placed"] + measured["placed"] + 1, 2 * args.connections)
        errors = (
            measured["other"]
            + measured["socket_errors"]
            + measured["timeouts"]
            + warm["other"]
            + ping["other"]
        )
        return {
            "workers": workers,
            "orders_per_s": measured["placed_per_s"],
            "placing_requests_per_s": measured["per_s"],
            "ping_requests_per_s": ping["per_s"],
            "ratio_to_ping": round(measured["placed_per_s"] / ping["per_s"], 4),
            # CPU milliseconds per order placed, whatever else the machine does.
            "cpu_ms_per_order": {
                "gunicorn": round(1000 * cpu_app / max(1, measured["placed"]), 1),
                "database": round(1000 * cpu_database / max(1, measured["placed"]), 1)
                if backends
                else None,
            },
            "errors": errors,
            "placing": measured,
            "ping": ping,
            "warmup": warm,
            "one_placing_in_process": profile,
            "checks": checks,
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in load_after],
        }
    finally:
        stop_gunicorn(proc)
        drop_pg_database(args.database_url, args.pg_database)


def main() -> int:
    """Parse options, run each worker count, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL server to create the throw-away database on (not written to)",
    )
    parser.add_argument("--pg-database", default="taawon_bench_checkout")
    parser.add_argument("--workers", default="2,4", help="gunicorn sync worker counts, e.g. 2,3,4")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measure")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--catalogue", type=int, default=2000, help="products in all")
    parser.add_argument("--products", type=int, default=8, help="hot products (the first ones)")
    parser.add_argument("--scarce", type=int, default=2, help="of which sell out")
    parser.add_argument("--scarce-stock", type=int, default=20)
    parser.add_argument("--stock", type=int, default=100_000)
    parser.add_argument("--cooperatives", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=48, help="prepared shoppers")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--no-search-index",
        dest="search_index",
        action="store_false",
        help="run without a search index (commits then skip re-indexing)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (gunicorn logs)")
    parser.add_argument("--output", default=str(BENCH / "results" / "checkout-postgresql.json"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")

    workdir = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    runs = []
    try:
        for workers in (int(w) for w in args.workers.split(",")):
            print(f"-- {workers} gunicorn workers", flush=True)
            result = run_one(workers, args, workdir)
            print(
                f"   {result['orders_per_s']} orders/s, ping {result['ping_requests_per_s']} req/s "
                f"(ratio {result['ratio_to_ping']}), errors {result['errors']}, "
                f"checks {'ok' if result['checks']['ok'] else 'FAILED'}, load {result['load_after']}",
                flush=True,
            )
            runs.append(result)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    result = {
        "database": "postgresql",
        "connections": args.connections,
        "duration_s": args.duration,
        "products": args.products,
        "scarce": args.scarce,
        "scarce_stock": args.scarce_stock,
        "sessions": args.sessions,
        "runs": runs,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load": [round(x, 2) for x in os.getloadavg()],
        },
    }
    print(json.dumps(result, indent=2))
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    ok = all(r["checks"]["ok"] and not r["errors"] for r in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
