"""Search benchmark: the Whoosh index, the PostgreSQL backend and SQLite FTS5 on the same products.

For each size (10,000 and 50,000 synthetic trilingual products by default):

1. builds the Whoosh index on disk through ``WhooshBackend.rebuild`` (the code
   ``flask search reindex`` runs, minus the database reads), the PostgreSQL
   backend's tables through ``PostgresBackend.rebuild`` (in a throw-away
   database created next to ``--database-url``) and an FTS5 table
   (``unicode61 remove_diacritics 2``) in a SQLite file, timing each and
   measuring their size on disk;
2. runs the same 200 varied queries (French, English, Arabic with and without
   hamza/tashkeel, two-word queries, typos, SKUs) against each, once to warm
   up and once measured: Whoosh and PostgreSQL do a full results page
   (ranking, facet counts, typo retry, "did you mean", snippets), each
   PostgreSQL query in its own transaction as in a request; FTS5 returns the
   top 24 by rank and the total count; a bare ``SELECT 1`` through the same
   session is the PostgreSQL baseline;
3. prints p50/p95 per engine, their ratios, how often PostgreSQL's first page
   is Whoosh's, and writes bench/results/search.json.

    .venv/bin/python bench/bench_search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test_you
    .venv/bin/python bench/bench_search.py --sizes 2000 --queries 50   # smoke run, no PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(ROOT), str(BENCH)]

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from wsgi import bench_config  # noqa: E402

from catalog.queries import Filters  # noqa: E402
from catalog.search.analysis import words  # noqa: E402
from catalog.search.backend import ProductDocument  # noqa: E402
from catalog.search.whoosh import WhooshBackend  # noqa: E402

# (fr, ar, en) product words; the category each belongs to.
PRODUCTS = (
    ("Huile d'argan", "زيت أركان", "Argan oil", "argan-oil"),
    ("Huile d'olive", "زيت الزيتون", "Olive oil", "olive-oil"),
    ("Safran", "زعفران", "Saffron", "saffron"),
    ("Miel", "عسل", "Honey", "honey"),
    ("Amlou", "أملو", "Amlou", "amlou"),
    ("Dattes", "تمور", "Dates", "dates"),
    ("Couscous", "كسكس", "Couscous", "couscous"),
    ("Savon noir", "صابون بلدي", "Black soap", "cosmetics"),
    ("Eau de rose", "ماء الورد", "Rose water", "cosmetics"),
    ("Tapis berbère", "زربية أمازيغية", "Berber rug", "crafts"),
)
QUALIFIERS = (
    ("de thym", "بالزعتر", "thyme"),
    ("torréfiée", "محمص", "roasted"),
    ("biologique", "عضوي", "organic"),
    ("de l'Atlas", "الأطلس", "Atlas"),
    ("de Taliouine", "تالوين", "Taliouine"),
    ("aux amandes", "باللوز", "almond"),
    ("de jujubier", "السدر", "jujube"),
    ("extra vierge", "بكر ممتاز", "extra virgin"),
    ("à la lavande", "بالخزامى", "lavender"),
    ("du Souss", "سوس", "Souss"),
    ("de cactus", "الصبار", "cactus"),
    ("à l'eucalyptus", "بالكاليبتوس", "eucalyptus"),
)
DESCRIPTIONS = (
    (
        "Récolté à la main par les femmes de la coopérative.",
        "تجنيه نساء التعاونية يدويا.",
        "Harvested by hand by the cooperative's women.",
    ),
    (
        "Pressée à froid, au goût de noisette.",
        "معصور على البارد بطعم البندق.",
        "Cold-pressed, with a hazelnut taste.",
    ),
    (
        "Séché à l'ombre et conditionné en bocal.",
        "مجفف في الظل ومعبأ في برطمان.",
        "Shade-dried and packed in a jar.",
    ),
)
REGIONS = {1: "Tanger", 2: "Oriental", 5: "Béni Mellal", 8: "Drâa-Tafilalet", 9: "Souss-Massa"}
QUERIES = (
    ("argan", "fr"),
    ("huile d'argan", "fr"),
    ("argan oil", "en"),
    ("زيت الاركان", "ar"),
    ("زيت الأركان", "ar"),
    ("زَيْتُ الأَرْكَان", "ar"),
    ("safran taliouine", "fr"),
    ("saffron", "en"),
    ("زعفران", "ar"),
    ("amlou", "fr"),
    ("أملو", "ar"),
    ("miel de thym", "fr"),
    ("thyme honey", "en"),
    ("عسل", "ar"),
    ("berbere", "fr"),
    ("tapis berbère", "fr"),
    ("dattes", "fr"),
    ("dates", "en"),
    ("couscous", "fr"),
    ("savon noir", "fr"),
    ("rose water", "en"),
    ("ماء الورد", "ar"),
    ("olive", "en"),
    ("huiles", "fr"),
    ("organic", "en"),
    ("biologique", "fr"),
    ("lavande", "fr"),
    ("cactus", "en"),
    ("argn", "fr"),
    ("safrn", "fr"),
    ("miell", "fr"),
    ("olve oil", "en"),
    ("hony", "en"),
    ("tapiss", "fr"),
    ("زعفرن", "ar"),
    ("amlo", "fr"),
    ("jujubier", "fr"),
    ("Atlas", "en"),
    ("souss", "fr"),
    ("extra vierge", "fr"),
    ("SKU-123-0", "fr"),
    ("eucalyptus", "fr"),
)


def synthetic(count: int, seed: int = 8) -> list[ProductDocument]:
    """``count`` trilingual product documents."""
    rng = random.Random(seed)
    docs = []
    for i in range(count):
        fr, ar, en, category = rng.choice(PRODUCTS)
        qfr, qar, qen = rng.choice(QUALIFIERS)
        dfr, dar, den = rng.choice(DESCRIPTIONS)
        region = rng.choice(list(REGIONS))
        coop = f"coop-{rng.randrange(400)}"
        kinds = tuple(sorted(rng.sample(("organic", "igp", "aop", "onssa"), rng.randrange(3))))
        docs.append(
            ProductDocument(
                id=i + 1,
                slug=f"product-{i + 1}",
                names={
                    "fr": f"{fr} {qfr} {i % 97}",
                    "ar": f"{ar} {qar}",
                    "en": f"{qen} {en} {i % 97}",
                },
                descriptions={"fr": dfr, "ar": dar, "en": den},
                categories={"fr": fr, "ar": ar, "en": en},
                cooperatives=dict.fromkeys(("ar", "fr", "en"), f"Coopérative {coop}"),
                regions=dict.fromkeys(("ar", "fr", "en"), REGIONS[region]),
                certifications={lang: " ".join(kinds) for lang in ("ar", "fr", "en")},
                codes=(f"SKU-{i + 1}-0",),
                category=category,
                category_path=(category, "food"),
                region=region,
                certification_kinds=kinds,
                cooperative=coop,
                price_cents=rng.randrange(2_000, 200_000),
                in_stock=rng.random() > 0.1,
                published=1_700_000_000 + i,
            )
        )
    return docs


def queries(count: int) -> list[tuple[str, str]]:
    """``count`` queries cycling through the varied list."""
    return [QUERIES[i % len(QUERIES)] for i in range(count)]


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def timings(times: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
    }


def bench_whoosh(docs: list[ProductDocument], workdir: Path, qs: list[tuple[str, str]]) -> dict:
    folder = workdir / "whoosh"
    backend = WhooshBackend(FileStorage(str(folder)), create=True, write_timeout=60)
    start = time.perf_counter()
    backend.rebuild(docs)
    build = time.perf_counter() - start
    filters = Filters(sort="relevance")
    for text, lang in qs:  # warm-up: caches, column tables, OS page cache
        backend.search(text, lang, filters)
    times, hits, pages = [], 0, []
    for text, lang in qs:
        t0 = time.perf_counter()
        result = backend.search(text, lang, filters)
        times.append((time.perf_counter() - t0) * 1000)
        hits += bool(result.total)
        pages.append((result.ids, result.total))
    return {
        "build_s": round(build, 2),
        "size_mb": round(folder_size(folder) / 2**20, 2),
        **timings(times),
        "queries_with_results": hits,
        "pages": pages,
    }


def prepare_postgres(database_url: str, name: str) -> str:
    """A fresh database ``name`` on that server; its URL."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit("--database-url must be a PostgreSQL URL")
    if name == url.database:
        raise SystemExit(f"refusing to use {name!r} itself: the bench database is dropped")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres(database_url: str, name: str) -> None:
    admin = sa.create_engine(make_url(database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench_postgres(
    docs: list[ProductDocument], workdir: Path, qs: list[tuple[str, str]], args
) -> dict:
    """The PostgreSQL backend in a throw-away database: build, size, queries, baseline."""
    from catalog.search.postgres import PostgresBackend
    from catalog.search.postgres.models import DOCUMENTS, TERMS
    from shop import create_app
    from shop.extensions import db

    url = prepare_postgres(args.database_url, args.pg_database)
    app = create_app(
        {**bench_config(url, str(workdir / "instance")), "SEARCH_BACKEND": "postgresql"}
    )
    try:
        with app.app_context():
            for table in (TERMS, DOCUMENTS):
                table.create(db.engine)  # with pg_trgm and the GIN and trigram indexes
            backend = PostgresBackend()
            start = time.perf_counter()
            backend.rebuild(docs)
            build = time.perf_counter() - start
            size = db.session.scalar(
                sa.text(
                    "SELECT pg_total_relation_size('search_document') "
                    "+ pg_total_relation_size('search_term')"
                )
            )
            db.session.rollback()
            filters = Filters(sort="relevance")

            def run(text: str, lang: str):
                result = backend.search(text, lang, filters)
                db.session.rollback()  # each query in its own transaction, as a request
                return result

            for text, lang in qs:  # warm-up: lexemes, plans, shared buffers
                run(text, lang)
            times, hits, pages, bare = [], 0, [], []
            for text, lang in qs:
                t0 = time.perf_counter()
                result = run(text, lang)
                times.append((time.perf_counter() - t0) * 1000)
                hits += bool(result.total)
                pages.append((result.ids, result.total))
                t0 = time.perf_counter()
                db.session.execute(sa.text("SELECT 1"))
                db.session.rollback()
                bare.append((time.perf_counter() - t0) * 1000)
            db.session.remove()
            db.engine.dispose()
    finally:
        drop_postgres(args.database_url, args.pg_database)
    return {
        "build_s": round(build, 2),
        "size_mb": round(size / 2**20, 2),
        **timings(times),
        "queries_with_results": hits,
        "baseline_select_1": timings(bare),
        "pages": pages,
    }


def agreement(a: list, b: list) -> dict:
    """How often two engines gave the same first page, and the same total."""
    return {
        "same_first_page": sum(x[0] == y[0] for x, y in zip(a, b, strict=True)),
        "same_total": sum(x[1] == y[1] for x, y in zip(a, b, strict=True)),
        "queries": len(a),
    }


def fts_query(text: str) -> str:
    """Every word, quoted (FTS5 syntax typed by users must not be obeyed)."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words(text)[:8])


def bench_fts5(docs: list[ProductDocument], workdir: Path, qs: list[tuple[str, str]]) -> dict:
    path = workdir / "fts.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE product_fts USING fts5(name_fr, name_ar, name_en, desc_fr, "
        "desc_ar, desc_en, category, cooperative, region, code, "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    start = time.perf_counter()
    conn.executemany(
        "INSERT INTO product_fts(rowid, name_fr, name_ar, name_en, desc_fr, desc_ar, "
        "desc_en, category, cooperative, region, code) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                d.id,
                d.names["fr"],
                d.names["ar"],
                d.names["en"],
                d.descriptions["fr"],
                d.descriptions["ar"],
                d.descriptions["en"],
                " ".join(d.categories.values()),
                d.cooperatives["fr"],
                d.regions["fr"],
                " ".join(d.codes),
            )
            for d in docs
        ],
    )
    conn.commit()
    build = time.perf_counter() - start
    conn.execute("VACUUM")

    def run(text: str) -> int:
        match = fts_query(text)
        if not match:
            return 0
        conn.execute(
            "SELECT rowid FROM product_fts WHERE product_fts MATCH ? ORDER BY rank LIMIT 24",
            (match,),
        ).fetchall()
        return conn.execute(
            "SELECT count(*) FROM product_fts WHERE product_fts MATCH ?", (match,)
        ).fetchone()[0]

    for text, _ in qs:
        run(text)
    times, hits = [], 0
    for text, _ in qs:
        t0 = time.perf_counter()
        hits += bool(run(text))
        times.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return {
        "build_s": round(build, 2),
        "size_mb": round(path.stat().st_size / 2**20, 2),
        **timings(times),
        "queries_with_results": hits,
    }


def ratio(a: dict, b: dict) -> float | None:
    return round(a["p95_ms"] / b["p95_ms"], 1) if b["p95_ms"] else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "search.json")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="PostgreSQL URL of an existing database to connect through: a separate "
        "--pg-database is created there and dropped afterwards (no PostgreSQL run without it)",
    )
    parser.add_argument("--pg-database", default="taawon_bench_search")
    args = parser.parse_args()
    qs = queries(args.queries)
    report = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "queries": len(qs),
        "runs": [],
    }
    for size in args.sizes:
        docs = synthetic(size)
        load_before = os.getloadavg()
        with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
            whoosh = bench_whoosh(docs, Path(tmp), qs)
            postgres = bench_postgres(docs, Path(tmp), qs, args) if args.database_url else None
            fts5 = bench_fts5(docs, Path(tmp), qs)
        run = {
            "products": size,
            "whoosh": whoosh,
            "fts5": fts5,
            "p95_ratio_whoosh_to_fts5": ratio(whoosh, fts5),
        }
        line = (
            f"{size:>7,} products | Whoosh build {whoosh['build_s']:>6.1f} s, "
            f"{whoosh['size_mb']:>6.1f} MB, p50 {whoosh['p50_ms']:>6.1f} ms, "
            f"p95 {whoosh['p95_ms']:>6.1f} ms"
        )
        if postgres:
            run["postgresql"] = postgres
            run["p95_ratio_postgresql_to_whoosh"] = ratio(postgres, whoosh)
            run["p95_ratio_postgresql_to_select_1"] = ratio(postgres, postgres["baseline_select_1"])
            run["postgresql_agrees_with_whoosh"] = agreement(postgres["pages"], whoosh["pages"])
            line += (
                f" | PostgreSQL build {postgres['build_s']:>6.1f} s, "
                f"{postgres['size_mb']:>6.1f} MB, p50 {postgres['p50_ms']:>6.1f} ms, "
                f"p95 {postgres['p95_ms']:>6.1f} ms ({run['p95_ratio_postgresql_to_select_1']}× "
                f"SELECT 1), same first page as Whoosh "
                f"{run['postgresql_agrees_with_whoosh']['same_first_page']}/{len(qs)}"
            )
            del postgres["pages"]
        del whoosh["pages"]
        # Other work on the machine skews pure-Python timings: keep the load with each run.
        run["load_average_before"] = load_before
        run["load_average_after"] = os.getloadavg()
        report["runs"].append(run)
        line += (
            f" | FTS5 build {fts5['build_s']:>5.1f} s, {fts5['size_mb']:>5.1f} MB, "
            f"p50 {fts5['p50_ms']:>5.2f} ms, p95 {fts5['p95_ms']:>5.2f} ms "
            f"| p95 Whoosh/FTS5 {run['p95_ratio_whoosh_to_fts5']}× "
            f"| load {load_before[0]:.2f} → {os.getloadavg()[0]:.2f}"
        )
        print(line, flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print(f"Written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
