"""The directory and a cooperative's products come a page at a time (#15).

The directory rendered every approved cooperative and the profile every
product: at 500 cooperatives the directory was the slowest page of the shop,
and both grew without bound with the federation.
"""

from __future__ import annotations

import pytest

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
