"""The search index in memory (the tests' own): commits are indexed at its next read."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalog.models import ProductStatus
from catalog.queries import Filters
from catalog.search import get_backend
from catalog.search.whoosh import WhooshBackend
from catalog.search.whoosh.memory import InMemoryBackend
from shop.extensions import db


def ids(query: str) -> list[int]:
    return sorted(get_backend().search(query, "fr", Filters(sort="relevance")).ids)


def generation() -> int:
    return get_backend()._index().latest_generation()


def test_tests_search_an_index_in_memory(app):
    assert isinstance(get_backend(), InMemoryBackend)
    assert app.config["SEARCH_INDEX_DIR"] == ":memory:"


@pytest.mark.search_on_disk
def test_tests_marked_search_on_disk_search_an_index_in_a_folder(app, make_product):
    backend = get_backend()
    assert type(backend) is WhooshBackend
    product = make_product(name_fr="Miel de jujubier")
    # Written after the commit, in the folder: another process would see it.
    assert generation() == 1
    assert any(Path(app.config["SEARCH_INDEX_DIR"]).glob("*.seg"))
    assert ids("jujubier") == [product.id]


def test_commits_are_indexed_together_at_the_next_read(app, make_product):
    start = generation()
    honey = [make_product(name_fr=f"Miel {i}") for i in range(3)]
    draft = make_product(name_fr="Miel brouillon", status=ProductStatus.DRAFT)
    assert generation() == start  # four commits, nothing written yet
    assert ids("miel") == sorted(p.id for p in honey)
    assert generation() == start + 1  # one write for the four
    assert ids("miel") == sorted(p.id for p in honey) and generation() == start + 1

    draft.status = ProductStatus.PUBLISHED
    honey[0].status = ProductStatus.ARCHIVED
    db.session.commit()
    assert ids("miel") == sorted(p.id for p in [*honey[1:], draft])
    assert honey[0].id not in get_backend().snapshot()


def test_a_rebuild_supersedes_what_waited(app, make_product):
    from catalog.search import reindex

    make_product(name_fr="Dattes Mejhoul")
    start = generation()
    assert reindex() == 1
    assert generation() == start + 1  # the rebuild alone, not the waiting commit too
    assert len(ids("mejhoul")) == 1 and generation() == start + 1


def test_the_term_cache_holds_what_search_cache_postings_says(app, make_product, monkeypatch):
    """With room (the default), the same search again reads no term from the index;
    ``SEARCH_CACHE_POSTINGS`` bounds what each process keeps."""
    from catalog.search.whoosh import scoring
    from tests.conftest import configured

    reads: list[str] = []
    real = scoring._read_term

    def counted(searcher, field, text):
        reads.append(text)
        return real(searcher, field, text)

    monkeypatch.setattr(scoring, "_read_term", counted)
    product = make_product(name_fr="Miel de jujubier")
    assert ids("jujubier") == [product.id]
    first = len(reads)
    assert first and ids("jujubier") == [product.id] and len(reads) == first
    with configured(app, {"SEARCH_CACHE_POSTINGS": 1}):  # a new index, so a new product
        other = make_product(name_fr="Miel de thym")
        assert ids("thym") == [other.id]
        once = len(reads) - first
        assert once and ids("thym") == [other.id]
        assert len(reads) == first + 2 * once  # nothing kept: every term read again
