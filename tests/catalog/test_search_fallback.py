"""Without an index: plain database search, a warning in the log, and recovery.

A missing Whoosh folder; the PostgreSQL backend's tables come with the
migrations, and its fallback is in ``test_search_postgres.py``.
"""

from __future__ import annotations

import logging
import re

import pytest

from catalog.search import get_backend
from demo import seed_search
from shop.extensions import db

pytestmark = pytest.mark.search_on_disk


@pytest.fixture
def app_config():
    """A file index that does not exist yet, as on a fresh install."""
    return {"SEARCH_INDEX_AUTOCREATE": False}


def slugs(html: str) -> list[str]:
    return re.findall(r'class="product-card-link" href="/\w\w/products/([\w-]+)"', html)


def test_missing_index_falls_back_to_the_database(client, make_product, caplog):
    argan = make_product(name_fr="Huile d'argan", name_ar="زيت أركان")
    make_product(name_fr="Miel de thym")
    assert not get_backend().available()
    with caplog.at_level(logging.WARNING):
        html = client.get("/fr/search?q=ARGAN").get_data(as_text=True)
        arabic = client.get("/ar/search?q=أركان").get_data(as_text=True)
        suggestions = client.get("/fr/search/suggest?q=hui").json["suggestions"]
    assert slugs(html) == [argan.slug] and slugs(arabic) == [argan.slug]
    assert "Search index unavailable" in caplog.text and "flask search reindex" in caplog.text
    assert [s["label"] for s in suggestions] == ["Huile d'argan"]
    # Names in every language are searched, and shown in the page's (issue #14).
    with caplog.at_level(logging.WARNING):
        arabic_page = client.get("/ar/search/suggest?q=argan").json["suggestions"]
    assert arabic_page == [
        {"label": "زيت أركان", "lang": "ar", "dir": "rtl", "url": f"/ar/products/{argan.slug}"}
    ]
    # LIKE wildcards typed by a shopper are plain characters.
    assert slugs(client.get("/fr/search?q=%25_").get_data(as_text=True)) == []


def test_commits_without_an_index_only_warn(app, make_product, caplog):
    with caplog.at_level(logging.WARNING):
        make_product(name_fr="Safran")
    assert "Search index missing" in caplog.text


def test_the_demo_step_builds_the_index_and_later_commits_follow(client, make_product):
    first = make_product(name_fr="Dattes Mejhoul")
    assert seed_search() == ["Search index: 1 products."]
    assert get_backend().available()
    # Seeders registered after this one (the demo catalogue) are indexed on commit.
    second = make_product(name_fr="Dattes Boufeggous")
    html = client.get("/fr/search?q=dattes").get_data(as_text=True)
    assert sorted(slugs(html)) == sorted([first.slug, second.slug])
    assert 'class="search-notice"' not in html


def test_reindex_creates_a_missing_index(runner, make_product):
    make_product(name_fr="Amlou")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "1 products" in result.output
    assert get_backend().available()
    db.session.remove()
