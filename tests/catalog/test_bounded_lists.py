"""The directory and a cooperative's products come a page at a time (#15).

The directory rendered every approved cooperative and the profile every
product: at 500 cooperatives the directory was the slowest page of the shop,
and both grew without bound with the federation. The last tests seed 2,000
cooperatives and 20,000 products once (marked slow) and check that no public
page or export grows with them, in size or in SQL statements.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event, select

from catalog.queries import COOPERATIVES_PAGE_SIZE, PAGE_SIZE
from shop.extensions import db


def cards(html: str, kind: str) -> int:
    return html.count(f'<article class="{kind}-card">')


@pytest.fixture
def many_cooperatives(make_cooperative):
    made = [
        make_cooperative(slug=f"coop-{i:03d}", legal_name=f"Coopérative {i:03d}")
        for i in range(COOPERATIVES_PAGE_SIZE * 2 + 5)
    ]
    db.session.commit()
    return made


def test_the_directory_shows_one_page_and_links_the_others(client, many_cooperatives):
    first = client.get("/fr/cooperatives/").get_data(as_text=True)
    assert cards(first, "coop") == COOPERATIVES_PAGE_SIZE
    assert 'href="/fr/cooperatives/?page=2"' in first and 'rel="next"' in first
    last = client.get("/fr/cooperatives/?page=3").get_data(as_text=True)
    assert cards(last, "coop") == 5
    assert "Coopérative 052" in last and "Coopérative 000" not in last
    # Past the end: an empty page, not an error.
    assert client.get("/fr/cooperatives/?page=99").status_code == 200


def test_the_directory_filters_by_name_and_keeps_the_filter_in_its_pages(client, many_cooperatives):
    html = client.get("/fr/cooperatives/?q=Coop%C3%A9rative+05").get_data(as_text=True)
    assert cards(html, "coop") == 3  # 050, 051, 052
    assert client.get("/fr/cooperatives/?q=100%25").status_code == 200
    none = client.get("/fr/cooperatives/?q=zzz").get_data(as_text=True)
    assert "Aucune coopérative ne correspond à « zzz »." in none
    paged = client.get("/fr/cooperatives/?q=Coop%C3%A9rative").get_data(as_text=True)
    assert "/fr/cooperatives/?q=Coop%C3%A9rative&amp;page=2" in paged


def test_the_directorys_queries_do_not_grow_with_the_cooperatives(
    client, count_queries, make_cooperative, make_product
):
    def queries_with(n: int) -> int:
        for _ in range(n):
            make_product(cooperative=make_cooperative())
        db.session.commit()
        with count_queries() as statements:
            assert client.get("/fr/cooperatives/").status_code == 200
        return len(statements)

    few = queries_with(3)
    many = queries_with(COOPERATIVES_PAGE_SIZE + 10)
    assert many == few, (few, many)


def test_a_cooperatives_products_come_a_page_at_a_time(
    client, count_queries, make_cooperative, make_product
):
    coop = make_cooperative(slug="tifaout")
    for i in range(PAGE_SIZE + 6):
        make_product(cooperative=coop, name_fr=f"Produit {i:02d}")
    db.session.commit()
    first = client.get("/fr/cooperatives/tifaout").get_data(as_text=True)
    assert cards(first, "product") == PAGE_SIZE
    assert 'href="/fr/cooperatives/tifaout?page=2"' in first
    assert "Filtrer et trier les 30 produits de cette coopérative" in first
    second = client.get("/fr/cooperatives/tifaout?page=2").get_data(as_text=True)
    assert cards(second, "product") == 6
    with count_queries() as statements:
        client.get("/fr/cooperatives/tifaout")
    before = len(statements)
    for _ in range(PAGE_SIZE):
        make_product(cooperative=coop)
    db.session.commit()
    with count_queries() as statements:
        client.get("/fr/cooperatives/tifaout")
    assert len(statements) == before


def test_the_sitemap_is_an_index_of_files_within_the_url_limit(
    client, monkeypatch, make_cooperative, make_product
):
    """Each file holds at most MAX_URLS_PER_FILE URLs; together they hold every page.

    The single file broke sitemaps.org's 50,000-URL limit at about 17,000
    products (three languages each); here the limit is lowered to 9 URLs, so
    three entries per file.
    """
    from lxml import etree

    from catalog import sitemap

    from .sitemaps import NS, sitemap_files, whole_sitemap

    monkeypatch.setattr(sitemap, "MAX_URLS_PER_FILE", 9)
    coops = [make_cooperative() for _ in range(4)]
    products = [make_product(cooperative=coops[i % 4]) for i in range(7)]
    db.session.commit()

    files = sitemap_files(client)
    names = [loc.rsplit("/", 1)[1] for loc, _body in files]
    assert names == [
        "pages-1.xml",
        "cooperatives-1.xml",
        "cooperatives-2.xml",
        "products-1.xml",
        "products-2.xml",
        "products-3.xml",
    ]
    for loc, body in files:
        count = len(etree.fromstring(body).findall("s:url", NS))
        assert count <= 9 or loc.endswith("pages-1.xml"), (loc, count)
    index = etree.fromstring(client.get("/sitemap.xml").data)
    dated = [s.findtext("s:lastmod", namespaces=NS) for s in index.findall("s:sitemap", NS)]
    assert all(dated[1:]), dated  # every cooperatives and products file has its date
    locs = {
        u.findtext("s:loc", namespaces=NS)
        for u in etree.fromstring(whole_sitemap(client)).findall("s:url", NS)
    }
    for product in products:
        for lang in ("ar", "fr", "en"):
            assert f"http://shop.test/{lang}/products/{product.slug}" in locs
    assert len(locs) == len(set(locs))
    assert client.get("/sitemaps/products-4.xml").status_code == 404
    assert client.get("/sitemaps/pages-2.xml").status_code == 404


# ---------------------------------------------------------------- menus and lots, bounded


def test_the_filter_menu_offers_the_busiest_cooperatives_and_the_one_chosen(
    client, monkeypatch, make_cooperative, make_product
):
    """The listing's menu listed every cooperative: 2,000 options at 2,000 cooperatives."""
    from catalog import queries

    monkeypatch.setattr(queries, "MENU_COOPERATIVES", 2)
    for slug, products in (("amal", 3), ("baraka", 1), ("chifaa", 2), ("dir", 1)):
        coop = make_cooperative(slug=slug, legal_name=slug.title())
        for _ in range(products):
            make_product(cooperative=coop)
    db.session.commit()

    def menu(url: str) -> list[str]:
        html = client.get(url).get_data(as_text=True)
        select = html.split('<select id="f-cooperative"', 1)[1].split("</select>", 1)[0]
        return [part.split('"', 1)[0] for part in select.split('<option value="')[2:]]

    assert menu("/fr/products/") == ["amal", "chifaa"]  # the most products, by name
    chosen = client.get("/fr/products/?cooperative=dir").get_data(as_text=True)
    assert menu("/fr/products/?cooperative=dir") == ["amal", "chifaa", "dir"]
    assert '<option value="dir" selected>' in chosen


def test_a_product_page_lists_its_newest_lots_and_counts_the_others(
    client, monkeypatch, make_product
):
    """A product's page had a line for every lot on sale."""
    from datetime import date

    from catalog.trace import LotDetails, create_lot
    from catalog.trace import queries as trace_queries

    monkeypatch.setattr(trace_queries, "LOTS_SHOWN", 2)
    product = make_product()
    lots = [
        create_lot(
            product.cooperative,
            product.variants[0],
            f"L-{i}",
            LotDetails(quantity_produced=5, produced_on=date(2025, 1, 1 + i)),
        )
        for i in range(5)
    ]
    db.session.commit()
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert html.count('class="lot-link"') == 2
    assert f"/fr/trace/{lots[4].public_id}" in html and f"/fr/trace/{lots[0].public_id}" not in html
    assert "3 autres lots en vente" in html


# ---------------------------------------------------------------- 2,000 cooperatives, 20,000 products

#: An HTML page or export of the shop stays under this size however big the federation.
MAX_PAGE_BYTES = 64 * 1024
#: …and runs at most this many statements (24 cards, 24 cooperatives: an N+1 shows at once).
MAX_STATEMENTS = 25
BIG_COOPERATIVES, BIG_PRODUCTS = 2_000, 20_000
#: Cooperative 1 owns the first products (a profile of many pages), product 1 many lots.
BUSY_PRODUCTS, MANY_LOTS = 600, 40


@pytest.fixture(scope="module")
def federation(database_url, tmp_path_factory):
    """An application on a database of its own: 2,000 cooperatives, 20,000 products.

    Seeded once for the module with bulk inserts (bench/seeding.py, as the
    benchmarks), without a search index: searches take the database fallback.
    """
    from datetime import date, timedelta

    from sqlalchemy import insert, update

    from bench.seeding import seed
    from catalog.models import Product, Variant
    from catalog.trace.models import Lot
    from tests.conftest import create_schema, make_app, sibling_database

    folder = tmp_path_factory.mktemp("federation")
    if database_url.startswith("sqlite"):
        url = "sqlite:///" + str(folder / "federation.sqlite3")
    else:
        url = sibling_database(database_url, "federation")
    application = make_app(
        url, folder, SEARCH_INDEX_DIR=str(folder / "no-index"), SEARCH_INDEX_AUTOCREATE=False
    )
    with application.app_context():
        create_schema()
    seeded = seed(application, BIG_PRODUCTS, BIG_COOPERATIVES, False, certified_every=3)
    with application.app_context():
        db.session.execute(
            update(Product).where(Product.id <= BUSY_PRODUCTS).values(cooperative_id=1)
        )
        variant_id = db.session.scalar(select(Variant.id).where(Variant.product_id == 1))
        db.session.execute(
            insert(Lot),
            [
                dict(
                    cooperative_id=1,
                    variant_id=variant_id,
                    code=f"BIG-{i:03d}",
                    public_id=f"coop-0001-big-{i:03d}",
                    quantity_produced=10,
                    quantity_remaining=10,
                    produced_on=date(2025, 1, 1) + timedelta(days=i),
                    created_at=datetime(2025, 1, 1),
                )
                for i in range(MANY_LOTS)
            ],
        )
        db.session.commit()
        db.session.remove()
    yield application, seeded
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def big_pages(seeded: dict) -> list[str]:
    """Every public page and export, at its largest: first and last pages, filters."""
    products, coops = seeded["product_slugs"], seeded["cooperative_slugs"]
    last_products = BIG_PRODUCTS // PAGE_SIZE + 1
    last_coops = BIG_COOPERATIVES // COOPERATIVES_PAGE_SIZE + 1
    return [
        "/fr/",
        "/ar/",
        "/fr/products/",
        f"/fr/products/?page={last_products}",
        f"/en/products/?category={seeded['category_slugs'][0]}",
        "/fr/products/?category=food&sort=price_asc",
        "/fr/products/?in_stock=1&certification=organic",
        f"/fr/products/?cooperative={coops[-1]}",
        f"/fr/products/{products[0]}",  # 40 lots on sale
        f"/ar/products/{products[-1]}",
        "/fr/cooperatives/",
        f"/fr/cooperatives/?page={last_coops}",
        "/fr/cooperatives/?q=Coop%C3%A9rative&region=3",
        f"/fr/cooperatives/{coops[0]}",  # 600 products and more
        f"/fr/cooperatives/{coops[0]}?page=20",
        f"/en/cooperatives/{coops[-1]}",
        "/fr/search?q=argan",
        "/fr/search?q=miel&cooperative=coop-0002",
        "/fr/search/suggest?q=ar",
        "/fr/trace/coop-0001-big-000",
        "/en/trace/coop-0001-big-000/label",
        "/trace/coop-0001-big-000.jsonld",
        "/trace/coop-0001-big-000/qr.svg",
        "/fr/fair-trade",
        "/fr/impact",
        "/fr/sell",
        "/robots.txt",
        "/sitemap.xml",
        "/sitemaps/pages-1.xml",
    ]


@pytest.mark.slow
def test_no_public_page_grows_with_the_federation(federation):
    """At 2,000 cooperatives and 20,000 products every page stays small and its SQL constant.

    The listing's cooperative menu had an option per cooperative and a
    product's page a line per lot on sale: both grew without bound.
    """
    from catalog.trace.queries import LOTS_SHOWN

    application, seeded = federation
    client = application.test_client()
    with application.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    too_big, too_many = {}, {}
    for url in big_pages(seeded):
        client.get(url)  # the caches of a running shop (menus, counts) are warm
        statements.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(url)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert response.status_code == 200, url
        if len(response.data) > MAX_PAGE_BYTES:
            too_big[url] = len(response.data)
        if len(statements) > MAX_STATEMENTS:
            too_many[url] = len(statements)
    assert not too_big, too_big
    assert not too_many, too_many

    product = client.get(f"/fr/products/{seeded['product_slugs'][0]}").get_data(as_text=True)
    assert product.count('class="lot-link"') == LOTS_SHOWN
    listing = client.get(f"/fr/products/?cooperative={seeded['cooperative_slugs'][-1]}")
    assert f'<option value="{seeded["cooperative_slugs"][-1]}" selected>' in listing.get_data(
        as_text=True
    )


@pytest.mark.slow
def test_the_sitemaps_files_hold_at_most_50000_urls(federation):
    """Sitemap files are bounded by sitemaps.org's limits, not by a page's size.

    60,000 product URLs (20,000 in three languages) make two files, 6,000
    cooperative URLs one; each holds at most 50,000 URLs and 50 MB.
    """
    from lxml import etree

    from catalog.sitemap import MAX_URLS_PER_FILE

    from .sitemaps import NS, sitemap_files

    application, _seeded = federation
    names, totals = [], {"products": 0, "cooperatives": 0}
    for loc, body in sitemap_files(application.test_client()):
        name = loc.rsplit("/", 1)[1]
        names.append(name)
        urls = len(etree.fromstring(body).findall("s:url", NS))
        assert urls <= MAX_URLS_PER_FILE, (name, urls)
        assert len(body) < 50 * 1024 * 1024, name  # uncompressed
        totals[name.split("-")[0]] = totals.get(name.split("-")[0], 0) + urls
    assert names == ["pages-1.xml", "cooperatives-1.xml", "products-1.xml", "products-2.xml"]
    assert totals["products"] == BIG_PRODUCTS * 3
    assert totals["cooperatives"] == BIG_COOPERATIVES * 3
