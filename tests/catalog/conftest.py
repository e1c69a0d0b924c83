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


@pytest.fixture(autouse=True)
def _the_backend_under_test(request):
    """A test run for a backend really searches with it (not the default one)."""
    if "search_backend" in request.fixturenames and "app" in request.fixturenames:
        from catalog.search import get_backend

        request.getfixturevalue("demo_search" if "demo_search" in request.fixturenames else "app")
        from catalog.search.postgres import PostgresBackend
        from catalog.search.whoosh import WhooshBackend

        expected = {"whoosh": WhooshBackend, "postgresql": PostgresBackend}
        backend = get_backend()
        assert isinstance(backend, expected[request.getfixturevalue("search_backend")]), backend


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


@pytest.fixture
def corpus(make_product, make_cooperative):
    """A fixed trilingual catalogue, by key."""
    souss = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout", region_code=9)
    atlas = make_cooperative(slug="nahla", legal_name="Coopérative Nahla", region_code=8)
    oriental = make_cooperative(slug="zitoun", legal_name="Coopérative Zitoun", region_code=2)
    return {
        "argan": make_product(
            name_fr="Huile d'argan alimentaire",
            name_ar="زيت أركان غذائي",
            name_en="Culinary argan oil",
            category="argan-oil",
            cooperative=souss,
            certifications=("organic", "igp"),
            price=19_000,
        ),
        # Arabic only, written with tashkeel and the definite article.
        "argan_ar": make_product(
            name_fr=None,
            name_ar="زَيْتُ الأَرْكَانِ التَّجْمِيلِيُّ",
            category="cosmetics",
            cooperative=souss,
            price=13_000,
        ),
        "saffron": make_product(
            name_fr="Safran de Taliouine",
            name_ar="زعفران تالوين",
            name_en="Taliouine saffron",
            category="saffron",
            cooperative=souss,
            certifications=("aop",),
            price=4_500,
        ),
        "honey": make_product(
            name_fr="Miel de thym",
            name_ar="عسل الزعتر",
            name_en="Thyme honey",
            category="honey",
            cooperative=atlas,
            certifications=("onssa",),
            price=9_500,
        ),
        "amlou": make_product(
            name_fr="Amlou aux amandes",
            name_ar="أملو باللوز",
            name_en="Amlou with almonds",
            category="amlou",
            cooperative=atlas,
            price=8_000,
            stock=0,
        ),
        "sweet": make_product(
            name_fr="Douceur aux amandes",
            name_ar="حلوى اللوز الطبيعية",
            name_en="Almond sweet",
            category="amlou",
            cooperative=atlas,
        ),
        "rug": make_product(
            name_fr="Tapis berbère",
            name_ar="زربية أمازيغية",
            name_en="Berber rug",
            category="crafts",
            cooperative=oriental,
            price=150_000,
        ),
        "olive": make_product(
            name_fr="Huiles d'olive vierge extra",
            name_ar="زيت الزيتون",
            name_en="Extra virgin olive oils",
            category="olive-oil",
            cooperative=oriental,
            certifications=("organic",),
            price=7_000,
        ),
    }
