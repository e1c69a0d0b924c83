"""The PostgreSQL backend: the same results as Whoosh on one corpus, and what only it does.

The search tests (``test_search*.py``) run on both backends; here both
answer the same queries side by side, and the PostgreSQL backend's own
promises are checked: its rows are written inside the catalogue's commit,
seen by every other connection at once, and a failing index write never
breaks that commit.
"""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event, text
from sqlalchemy.orm import Session
from whoosh.filedb.filestore import RamStorage

from catalog.queries import Filters
from catalog.search import get_backend, make_backend
from catalog.search.documents import DocumentBuilder
from catalog.search.postgres.models import SearchDocument
from catalog.search.postgres.typos import edit_distance
from catalog.search.whoosh import WhooshBackend
from shop.extensions import db
from shop.urls import ConfigError


@pytest.fixture
def app_config(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL search backend needs TEST_DATABASE_URL on PostgreSQL")
    return {"SEARCH_BACKEND": "postgresql"}


def whoosh_copy() -> WhooshBackend:
    """A Whoosh index of the same products (the app's backend is PostgreSQL)."""
    whoosh = WhooshBackend(RamStorage(), create=True)
    with Session(db.engine) as session:
        builder = DocumentBuilder(session)
        whoosh.rebuild(builder.documents(builder.visible_ids()))
    return whoosh


#: The search tests' queries and more: languages, hamza and tashkeel, plurals,
#: elisions, typos (Latin and Arabic), codes, stop words, nothing to find.
QUERIES = (
    "argan",
    "huile",
    "huile d'argan",
    "huile dargan",
    "l'huile d'argan",
    "huiles d'olive",
    "زيت الاركان",
    "زَيْتُ الأَرْكَان",
    "اركان غذائي",
    "حلوي اللوز الطبيعيه",
    "التجميلي",
    "berbere",
    "tapis berbères",
    "olive oil",
    "almond",
    "honeys",
    "zit argan",
    "amlou",
    "argn",
    "safrn",
    "miell",
    "taliuine",
    "amlo",
    "tapiss",
    "olve oil",
    "mil",
    "safran",
    "amandes",
    "زيت argan",
    "thym",
    "miel de thym",
    "souss",
    "bio",
    "chocolate",
    "de la",
)
#: Where the backends disagree on purpose: PostgreSQL measures a typo on whole
#: words, Whoosh on stems. "زعفرن" is one edit from "زعفران" (saffron), but its
#: stem "زعفر" is one edit from thyme honey's "زعتر": Whoosh also offers the
#: honey. "اركن" is one edit from "اركان" (argan), but its stem "ارك" is two
#: from "اركان": Whoosh finds nothing (and suggests "اركان").
DIFFERENT = {
    "زعفرن": ({"saffron", "honey"}, {"saffron"}),
    "اركن": (set(), {"argan", "argan_ar"}),
}
#: Queries also tried with filters, sorts and a short page.
FILTERED = ("huile", "argan", "amandes", "argn", "bio", "souss")
FILTERS = (
    Filters(sort="newest"),
    Filters(sort="price_asc", in_stock=True),
    Filters(sort="price_desc", region=9),
    Filters(category="food", certification="organic"),
    Filters(cooperative="nahla", min_price=100, max_price=9_000),
)


def answer(backend, query: str, lang: str, filters: Filters, per_page: int = 24):
    """What a results page shows: ids in order, counts, facets, correction, snippets."""
    result = backend.search(query, lang, filters, per_page=per_page)
    facets = {name: dict(counts) for name, counts in result.facets.items()}
    return result.ids, result.total, facets, result.suggestion, result.fuzzy, result.highlights


@pytest.mark.slow
def test_postgresql_finds_what_whoosh_finds(app, corpus):
    postgres, whoosh = get_backend(), whoosh_copy()
    for query in QUERIES:
        for lang in ("fr", "ar", "en"):
            relevance = Filters(sort="relevance")
            expected = answer(whoosh, query, lang, relevance)
            assert answer(postgres, query, lang, relevance) == expected, (query, lang)
            for filters in FILTERS if lang == "fr" and query in FILTERED else ():
                expected = answer(whoosh, query, lang, filters, per_page=2)
                assert answer(postgres, query, lang, filters, per_page=2) == expected, filters
            for typed in {query[:3], query}:
                assert postgres.suggest(typed, lang) == whoosh.suggest(typed, lang), (typed, lang)
    by_id = {product.id: key for key, product in corpus.items()}
    for query, (in_whoosh, in_postgres) in DIFFERENT.items():
        for backend, keys in ((whoosh, in_whoosh), (postgres, in_postgres)):
            found = backend.search(query, "ar", Filters(sort="relevance")).ids
            assert {by_id[i] for i in found} == keys


def test_the_index_is_written_inside_the_commit(app, make_product):
    events: list[str] = []

    def statement(conn, cursor, sql, *args):
        events.append(" ".join(sql.split()[:3]))

    def committed(session):
        events.append("committed")

    event.listen(db.engine, "before_cursor_execute", statement)
    # First in line: before the sync's own after_commit (where Whoosh is written).
    event.listen(AppSession, "after_commit", committed, insert=True)
    try:
        product = make_product(name_fr="Miel d'euphorbe")
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(AppSession, "after_commit", committed)
    # The product, then its search row, then the commit: one transaction, so
    # every server sees both or neither.
    product_row = events.index("INSERT INTO product")
    upsert = events.index("INSERT INTO search_document")
    assert product_row < upsert < events.index("committed", product_row)
    assert db.session.get(SearchDocument, product.id).name_fr == "Miel d'euphorbe"


@pytest.mark.commits
def test_another_connection_sees_a_change_exactly_when_it_commits(app, make_product):
    backend = get_backend()

    def seen_elsewhere(word: str) -> list[int]:
        """What a second app server (its own connection) finds."""
        with db.engine.connect() as other, backend.bound(other):
            return backend.search(word, "fr", Filters(sort="relevance")).ids

    product = make_product(name_fr="Miel d'euphorbe")
    assert seen_elsewhere("euphorbe") == [product.id]
    translation = product.translation("fr")
    translation.name, translation.description = "Miel de jujubier", "Doux."
    db.session.flush()
    assert seen_elsewhere("jujubier") == [] and seen_elsewhere("euphorbe") == [product.id]
    db.session.commit()
    assert seen_elsewhere("jujubier") == [product.id] and seen_elsewhere("euphorbe") == []


def test_reindex_rebuilds_the_tables_in_one_transaction(app, runner, make_product):
    product = make_product(name_fr="Amlou")
    db.session.execute(text("DELETE FROM search_document"))
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 products in the database's search tables" in result.output
    assert get_backend().snapshot() == {product.id: (12_000, True)}


def test_without_its_tables_the_pages_fall_back_to_the_database(
    client, make_product, monkeypatch, caplog
):
    argan = make_product(name_fr="Huile d'argan")
    make_product(name_fr="Miel de thym")
    monkeypatch.setattr(get_backend(), "available", lambda: False)
    with caplog.at_level(logging.WARNING):
        html = client.get("/fr/search?q=argan").get_data(as_text=True)
        suggestions = client.get("/fr/search/suggest?q=hui").json["suggestions"]
    assert f'href="/fr/products/{argan.slug}"' in html and 'class="search-notice"' in html
    assert [s["label"] for s in suggestions] == ["Huile d'argan"]
    assert "Search index unavailable" in caplog.text


def test_the_backend_is_chosen_by_configuration(tmp_path):
    app = Flask(__name__)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.sqlite3",
        SEARCH_INDEX_DIR=":memory:",
        SEARCH_INDEX_AUTOCREATE=True,
        SEARCH_WRITE_TIMEOUT=1.0,
    )
    assert isinstance(make_backend(app), WhooshBackend)
    app.config["SEARCH_BACKEND"] = "postgresql"
    with pytest.raises(ConfigError, match="needs a PostgreSQL DATABASE_URL"):
        make_backend(app)
    app.config["SEARCH_BACKEND"] = "elastic"
    with pytest.raises(ConfigError, match="SEARCH_BACKEND must be one of whoosh, postgresql"):
        make_backend(app)


@pytest.mark.parametrize(
    "a,b,distance",
    [
        ("argan", "argan", 0),
        ("argn", "argan", 1),
        ("agran", "argan", 1),  # a transposition is one edit, as in Whoosh
        ("taliuine", "taliouine", 1),
        ("safrn", "saffron", 2),
        ("miel", "thym", 3),  # past the limit: limit + 1
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, limit=2) == min(distance, 3)
