"""The search tests run against both backends (``SEARCH_BACKEND``)."""

from __future__ import annotations

import pytest

#: Whoosh everywhere; PostgreSQL when the tests run on it.
SEARCH_BACKENDS = ("whoosh", "postgresql")


@pytest.fixture(params=SEARCH_BACKENDS)
def search_backend(request, database_url) -> str:
    """The backend a search test runs against (a module's ``app_config`` applies it)."""
    if request.param == "postgresql" and not database_url.startswith("postgresql"):
        pytest.skip(
            "the PostgreSQL search backend needs PostgreSQL: "
            "run with TEST_DATABASE_URL=postgresql+psycopg://…"
        )
    return request.param


@pytest.fixture
def demo_search(app, search_backend):
    """Demo tests: the demo's own Whoosh index, or its PostgreSQL rows built for the test.

    The demo's database is seeded once with the Whoosh backend; the
    PostgreSQL variant indexes it inside the test's rolled-back transaction.
    """
    from catalog.search import reindex
    from catalog.search.postgres import PostgresBackend

    if search_backend == "postgresql":
        app.extensions["taawon_search"] = PostgresBackend()
        reindex()
    return search_backend
