"""Keeping the search index in step: every kind of change, failures, reindex, processes."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text, update

from catalog.models import Certification, ProductStatus, ProductTranslation, Variant
from catalog.queries import Filters
from catalog.search import get_backend
from producers.models import CooperativeStatus
from shop.extensions import db


@pytest.fixture(params=["memory", "folder"])
def index_place(request, search_backend) -> str:
    """Whoosh's index in memory (indexed at its next read) or in a folder (after each commit)."""
    if request.param == "folder" and search_backend != "whoosh":
        pytest.skip("only the Whoosh index lives in a folder")
    return request.param


@pytest.fixture
def app_config(search_backend, index_place, tmp_path):
    """Every test here runs on both search backends (PostgreSQL when the tests do),
    and Whoosh's index both in memory and in a folder."""
    config = {"SEARCH_BACKEND": search_backend}
    if index_place == "folder":
        config["SEARCH_INDEX_DIR"] = str(tmp_path / "search")
    return config


ROOT = Path(__file__).resolve().parents[2]


def ids(query: str, lang: str = "fr", **filters) -> list[int]:
    """Product ids the index returns for ``query``."""
    return get_backend().search(query, lang, Filters(sort="relevance", **filters)).ids


def test_index_follows_every_kind_of_change(app, make_product, make_cooperative):
    coop = make_cooperative(slug="tifaout")
    draft = make_product(name_fr="Miel d'euphorbe", status=ProductStatus.DRAFT, cooperative=coop)
    assert ids("euphorbe") == []
    draft.status = ProductStatus.PUBLISHED  # publish
    db.session.commit()
    assert ids("euphorbe") == [draft.id]

    translation = draft.translation("fr")  # edit
    translation.name, translation.description = "Miel de jujubier", "Doux."
    db.session.commit()
    assert ids("euphorbe") == [] and ids("jujubier") == [draft.id]
    draft.translations.append(ProductTranslation(locale="en", name="Jujube honey"))
    db.session.commit()
    assert ids("jujube", "en") == [draft.id]

    draft.variants[0].stock = 0  # stock
    db.session.commit()
    assert ids("jujubier", in_stock=True) == []
    draft.variants[0].stock = 4
    db.session.commit()
    assert ids("jujubier", in_stock=True) == [draft.id]

    draft.variants[0].price_cents = 30_000  # price
    db.session.commit()
    assert ids("jujubier", max_price=20_000) == []
    assert ids("jujubier", min_price=30_000) == [draft.id]

    cert = Certification(cooperative=coop, kind="organic", number="B-1", issuer="Ecocert")
    draft.certifications.append(cert)  # certification
    db.session.commit()
    assert ids("jujubier", certification="organic") == [draft.id]
    assert ids("bio jujubier") == [draft.id]

    coop.legal_name = "Coopérative Tamount"  # cooperative edit
    db.session.commit()
    assert ids("tamount") == [draft.id]

    coop.status = CooperativeStatus.SUSPENDED  # cooperative suspension
    db.session.commit()
    assert ids("jujubier") == []
    coop.status = CooperativeStatus.APPROVED
    db.session.commit()
    assert ids("jujubier") == [draft.id]

    draft.status = ProductStatus.ARCHIVED  # archive
    db.session.commit()
    assert ids("jujubier") == []

    other = make_product(name_fr="Safran", cooperative=coop)
    db.session.delete(other)  # delete
    db.session.commit()
    assert ids("safran") == [] and other.id not in get_backend().snapshot()


def test_rolled_back_changes_are_not_indexed(app, make_product):
    product = make_product(name_fr="Dattes Mejhoul")
    product.translation("fr").name = "Dattes Boufeggous"
    db.session.flush()
    db.session.rollback()
    assert ids("boufeggous") == [] and ids("mejhoul") == [product.id]


def test_bulk_stock_updates_are_reconciled(app, make_product):
    product = make_product(name_fr="Amlou", stock=3)
    # A conditional UPDATE, as checkout does it: no ORM object is touched.
    db.session.execute(
        update(Variant)
        .where(Variant.product_id == product.id, Variant.stock >= 3)
        .values(stock=Variant.stock - 3)
    )
    db.session.commit()
    assert get_backend().snapshot()[product.id] == (12_000, False)
    assert ids("amlou", in_stock=True) == []


@pytest.mark.parametrize("failure", ["exception", "sql error"])
def test_a_broken_index_never_breaks_a_commit(
    app, make_product, monkeypatch, caplog, search_backend, failure
):
    from catalog.search.postgres import index
    from catalog.search.postgres.models import SearchDocument

    product = make_product(name_fr="Couscous d'orge")
    if failure == "exception":

        def broken(*args, **kwargs):
            raise OSError("disk full")

        monkeypatch.setattr(get_backend(), "update", broken)
    elif search_backend == "postgresql":
        # In the committing transaction: the index's SAVEPOINT alone is rolled back.
        monkeypatch.setattr(index, "write", lambda conn, docs: conn.execute(text("SELECT 1/0")))
    else:
        pytest.skip("Whoosh writes no SQL: only the PostgreSQL index fails in the database")
    product.translation("fr").name = "Couscous de blé"
    with caplog.at_level(logging.WARNING):
        db.session.commit()
        get_backend().snapshot()  # an index in memory is written at its next read
    assert "Search index not updated" in caplog.text
    db.session.expire_all()
    assert product.translation("fr").name == "Couscous de blé"
    if search_backend == "postgresql":  # the index kept its last good row
        assert db.session.get(SearchDocument, product.id).name_fr == "Couscous d'orge"


def test_reindex_command_rebuilds_everything(app, runner, make_product, monkeypatch):
    products = [make_product(name_fr=f"Huile {i}") for i in range(3)]
    hidden = make_product(name_fr="Huile brouillon", status=ProductStatus.DRAFT)
    get_backend().clear()
    assert ids("huile") == []
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Search index rebuilt: 3 products" in result.output
    assert sorted(ids("huile")) == sorted(p.id for p in products)
    assert hidden.id not in get_backend().snapshot()


WRITER = textwrap.dedent("""
    import sys
    from whoosh.filedb.filestore import FileStorage
    from catalog.search.backend import ProductDocument
    from catalog.search.whoosh import WhooshBackend

    folder, worker = sys.argv[1], int(sys.argv[2])
    backend = WhooshBackend(FileStorage(folder), write_timeout=60)
    base = 1000 * (worker + 1)
    for round_ in range(8):
        # Every worker rewrites the shared ids 0-9 and its own ids, removing
        # one of its own every other round (the last round removes base + 2).
        removed = [base + round_ % 5] if round_ % 2 else []
        docs = [ProductDocument(
            id=i, slug=f"p{i}", names={"fr": f"Produit {i} par {worker}"}, descriptions={},
            categories={}, cooperatives={}, regions={}, certifications={}, codes=(),
            category="honey", category_path=("honey",), region=1, certification_kinds=(),
            cooperative=f"w{worker}", price_cents=100 * i + 1, in_stock=True, published=round_)
            for i in [*range(10), *range(base, base + 5)] if i not in removed]
        backend.update(docs, remove=removed)
""")


def test_concurrent_writer_processes_keep_the_index_consistent(tmp_path):
    from whoosh.filedb.filestore import FileStorage

    from catalog.search.whoosh import WhooshBackend

    folder = tmp_path / "index"
    WhooshBackend(FileStorage(str(folder)), create=True)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), str(n)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    for worker in workers:
        _, errors = worker.communicate(timeout=240)
        assert worker.returncode == 0, errors
    backend = WhooshBackend(FileStorage(str(folder)))
    documents = list(backend.documents())
    found = sorted(int(d["id"]) for d in documents)
    # Each id once: no lost update, no duplicate from two writers racing.
    expected = {*range(10), *(1000 * (w + 1) + i for w in range(4) for i in (0, 1, 3, 4))}
    assert found == sorted(expected)
    snapshot = backend.snapshot()
    assert all(snapshot[i] == (100 * i + 1, True) for i in found)
    # And the index answers queries.
    assert len(backend.search("produit", "fr", Filters(sort="relevance"), per_page=100).ids) == len(
        found
    )


def _document(i: int, fr: str, en: str, ar: str, description: str = ""):
    from catalog.search.backend import ProductDocument

    return ProductDocument(
        id=i,
        slug=f"p-{i}",
        names={"fr": fr, "en": en, "ar": ar},
        descriptions={"fr": description, "en": "", "ar": ""},
        categories={"fr": fr.split()[0], "en": en.split()[-1], "ar": ar.split()[0]},
        cooperatives={"fr": f"Coopérative {i % 3}", "en": "", "ar": ""},
        regions={"fr": ("Souss", "Atlas", "Drâa")[i % 3], "en": "", "ar": ""},
        certifications={"fr": "biologique" if i % 2 else "", "en": "", "ar": ""},
        codes=(f"SKU-{i}",),
        category="c",
        category_path=("c",),
        region=1 + i % 3,
        certification_kinds=("organic",) if i % 2 else (),
        cooperative=f"coop-{i % 3}",
        price_cents=1000 + i,
        in_stock=True,
        published=1_700_000_000 + i,
    )


def test_postings_evaluation_ranks_exactly_like_whoosh():
    """The direct postings evaluation gives Whoosh's own matches, scores and order,
    on several segments with deletions, exact, typo-tolerant and any-word queries;
    through the generation's cache (terms, words' clauses and whole queries kept)
    the same scores, first read and then kept."""
    from whoosh.filedb.filestore import RamStorage

    from catalog.search.whoosh import WhooshBackend, build_query, evaluate, parse, ranked
    from catalog.search.whoosh.scoring import TermCache

    names = [
        ("Huile d'argan", "Argan oil", "زيت أركان"),
        ("Miel de thym", "Thyme honey", "عسل"),
        ("Safran de Taliouine", "Saffron", "زعفران"),
        ("Huile d'olive", "Olive oil", "زيت الزيتون"),
        ("Amlou aux amandes", "Almond amlou", "أملو"),
    ]
    backend = WhooshBackend(RamStorage(), create=True)
    docs = [
        _document(i, *names[i % len(names)], description="Pressée à froid, huile fine")
        for i in range(1, 61)
    ]
    backend.rebuild(docs[:30])
    backend.update(docs[30:45], remove=[3, 8])  # a second segment, deletions in the first
    backend.update(docs[45:], remove=[33, 50, 51])  # a third one
    cache = TermCache()  # shared by every query below: their words and terms overlap
    with backend._searcher() as searcher:
        assert len(searcher.reader().leaf_readers()) > 1
        for text in (
            "huile",
            "argan oil",
            "زيت الاركان",
            "argn",
            "hony",
            "miell thym",
            "safrn taliouine",
            "souss",
            "biologique",
            "SKU-12",
            "olive zzzz",
        ):
            parsed, _ = parse(text)
            for lang in ("fr", "en", "ar"):
                for options in ({}, {"fuzzy": True}, {"fuzzy": True, "every_word": False}):
                    query = build_query(parsed, text, lang, **options)
                    expected = searcher.search(query, limit=None, terms=False).top_n
                    scores = evaluate(query, searcher)
                    assert ranked(scores) == [d for _, d in expected], (text, lang, options)
                    assert all(abs(scores[d] - s) < 1e-9 for s, d in expected)
                    assert evaluate(query, searcher, cache) == scores  # read, or kept
                    assert evaluate(query, searcher, cache) == scores  # kept


def test_the_shared_searcher_follows_commits():
    """Searches reuse one searcher, yet see every later commit at once."""
    from whoosh.filedb.filestore import RamStorage

    from catalog.search.whoosh import WhooshBackend

    backend = WhooshBackend(RamStorage(), create=True)
    backend.rebuild([_document(1, "Huile d'argan", "Argan oil", "زيت أركان")])
    search = lambda text: backend.search(text, "fr", Filters(sort="relevance")).ids  # noqa: E731
    assert search("argan") == [1]
    with backend._searcher() as first:
        pass
    with backend._searcher() as again:
        assert again is first
    backend.update([_document(2, "Huile d'argan", "Argan oil", "زيت أركان")], remove=[1])
    assert search("argan") == [2]
    assert backend.snapshot() == {2: (1002, True)}
    backend.update([_document(2, "Miel", "Honey", "عسل")])
    assert search("argan") == [] and search("miel") == [2]
    backend.clear()
    assert search("miel") == []
