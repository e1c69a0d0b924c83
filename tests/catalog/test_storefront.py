"""Storefront pages: visibility, filters, sorting, fallback, SEO, query counts."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from xml.etree import ElementTree

import pytest

from catalog.models import Certification, ProductStatus
from catalog.queries import PAGE_SIZE
from producers.models import CooperativeStatus
from shop.extensions import db
from tests.s3 import on_both_storages

from .sitemaps import whole_sitemap


def slugs(html: str) -> list[str]:
    """Product slugs linked from product cards, in page order."""
    return re.findall(r'class="product-card-link" href="/\w\w/products/([\w-]+)"', html)


def test_only_visible_products_are_shown(client, make_product, make_cooperative):
    shown = make_product(name_fr="Miel visible")
    draft = make_product(name_fr="Brouillon", status=ProductStatus.DRAFT)
    archived = make_product(name_fr="Archivé", status=ProductStatus.ARCHIVED)
    pending = make_product(
        name_fr="Coop en attente", cooperative=make_cooperative(status=CooperativeStatus.PENDING)
    )
    html = client.get("/fr/products/").get_data(as_text=True)
    assert slugs(html) == [shown.slug]
    for hidden in (draft, archived, pending):
        assert client.get(f"/fr/products/{hidden.slug}").status_code == 404
    assert client.get(f"/fr/products/{shown.slug}").status_code == 200


def test_suspending_a_cooperative_hides_its_products(client, make_product):
    product = make_product()
    product.cooperative.status = CooperativeStatus.SUSPENDED
    db.session.commit()
    assert client.get(f"/fr/products/{product.slug}").status_code == 404
    assert slugs(client.get("/fr/products/").get_data(as_text=True)) == []


def test_filters_combine(client, make_product, make_cooperative):
    souss = make_cooperative(slug="souss", region_code=9)
    oriental = make_cooperative(slug="oriental", region_code=2)
    a = make_product(
        name_fr="A",
        price=5_000,
        stock=0,
        cooperative=souss,
        category="honey",
        certifications=("organic",),
    )
    b = make_product(
        name_fr="B", price=9_000, cooperative=souss, category="argan-oil", certifications=("igp",)
    )
    c = make_product(
        name_fr="C",
        price=20_000,
        cooperative=oriental,
        category="argan-oil",
        certifications=("organic",),
    )

    def listed(query: str) -> set[str]:
        return set(slugs(client.get(f"/fr/products/?{query}").get_data(as_text=True)))

    assert listed("") == {a.slug, b.slug, c.slug}
    assert listed("category=argan-oil") == {b.slug, c.slug}
    assert listed("category=food") == {a.slug, b.slug, c.slug}  # a parent includes children
    assert listed("region=9") == {a.slug, b.slug}
    assert listed("certification=organic") == {a.slug, c.slug}
    assert listed("cooperative=oriental") == {c.slug}
    assert listed("min_price=60&max_price=200") == {b.slug, c.slug}
    assert listed("max_price=90,00") == {a.slug, b.slug}
    assert listed("in_stock=1") == {b.slug, c.slug}
    assert listed("category=argan-oil&region=9&certification=igp&in_stock=1") == {b.slug}
    assert listed("certification=organic&region=2") == {c.slug}
    # Nonsense values are ignored, not errors.
    assert listed("region=99&sort=drop&page=abc&min_price=x") == {a.slug, b.slug, c.slug}


def test_sorting(client, make_product):
    from datetime import datetime

    cheap = make_product(price=1_000, published_at=datetime(2026, 1, 1))
    dear = make_product(price=90_000, published_at=datetime(2026, 3, 1))
    mid = make_product(price=30_000, published_at=datetime(2026, 2, 1))
    order = {
        "": [dear.slug, mid.slug, cheap.slug],
        "sort=newest": [dear.slug, mid.slug, cheap.slug],
        "sort=price_asc": [cheap.slug, mid.slug, dear.slug],
        "sort=price_desc": [dear.slug, mid.slug, cheap.slug],
    }
    for query, expected in order.items():
        assert slugs(client.get(f"/fr/products/?{query}").get_data(as_text=True)) == expected


def test_pagination(client, make_product, make_cooperative):
    coop = make_cooperative()
    for _ in range(30):
        make_product(cooperative=coop)
    first = client.get("/fr/products/").get_data(as_text=True)
    second = client.get("/fr/products/?page=2").get_data(as_text=True)
    assert len(slugs(first)) == 24 and len(slugs(second)) == 6
    assert not set(slugs(first)) & set(slugs(second))
    assert 'rel="next" href="/fr/products/?page=2"' in first
    assert "30 produits" in first
    assert slugs(client.get("/fr/products/?page=9").get_data(as_text=True)) == []


def test_missing_translation_falls_back_and_is_marked(client, make_product):
    product = make_product(name_fr="Miel de thym", name_ar=None, name_en=None)
    html = client.get(f"/ar/products/{product.slug}").get_data(as_text=True)
    assert '<span lang="fr" dir="ltr">Miel de thym</span>' in html
    arabic_only = make_product(name_fr=None, name_ar="عسل الزعتر")
    html = client.get(f"/en/products/{arabic_only.slug}").get_data(as_text=True)
    assert '<span lang="ar" dir="rtl">عسل الزعتر</span>' in html
    french = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert "<h1>Miel de thym</h1>" in french


def test_product_page_content(client, make_product):
    product = make_product(
        name_fr="Huile d'argan", price=12_000, stock=3, variants=2, certifications=("organic",)
    )
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert "Plus que 3" in html  # low stock message
    assert "srcset" not in html or "320w" in html
    # Where your money goes: the default split of 120.00 MAD.
    assert "102,00\xa0MAD" in html and "6,00\xa0MAD" in html and "12,00\xa0MAD" in html
    chosen = client.get(f"/fr/products/{product.slug}?variant={product.variants[1].sku}")
    assert "130,00\xa0MAD" in chosen.get_data(as_text=True)


def test_expired_certificate_is_not_shown_as_valid(client, make_product):
    product = make_product(certifications=("organic",))
    cert = db.session.scalar(db.select(Certification))
    cert.valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    html = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert "cert-expired" in html and "Expired on" in html
    cert.valid_until = date.today() + timedelta(days=30)
    db.session.commit()
    html = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    assert "cert-valid" in html and "Valid until" in html


def test_product_json_ld(client, make_product):
    product = make_product(name_fr="Safran </script><b>", price=4_550, variants=2)
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "</script><b>" not in raw  # escaped inside the script block
    data = json.loads(raw)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "Safran </script><b>"
    assert data["brand"] == {"@type": "Brand", "name": product.cooperative.legal_name}
    assert [o["price"] for o in data["offers"]] == ["45.50", "55.50"]
    assert {o["priceCurrency"] for o in data["offers"]} == {"MAD"}
    assert data["offers"][0]["availability"] == "https://schema.org/InStock"
    assert f'<link rel="canonical" href="http://shop.test/fr/products/{product.slug}">' in html
    assert '<meta property="og:title" content="Safran &lt;/script&gt;&lt;b&gt;">' in html


def test_sitemap(client, make_product, make_cooperative):
    product = make_product()
    hidden = make_product(status=ProductStatus.DRAFT)
    root = ElementTree.fromstring(whole_sitemap(client))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    for lang in ("ar", "fr", "en"):
        assert f"http://shop.test/{lang}/products/{product.slug}" in locs
    assert not any(hidden.slug in loc for loc in locs)
    entry = next(
        u
        for u in root.findall("s:url", ns)
        if u.findtext("s:loc", namespaces=ns).endswith(f"/fr/products/{product.slug}")
    )
    alternates = {a.get("hreflang"): a.get("href") for a in entry.findall("x:link", ns)}
    assert alternates["ar"] == f"http://shop.test/ar/products/{product.slug}"
    assert set(alternates) == {"ar", "fr", "en", "x-default"}
    assert alternates["x-default"] == alternates["fr"]  # DEFAULT_LANGUAGE


def test_cooperative_pages(client, make_product, make_cooperative):
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    make_product(cooperative=coop, name_fr="Huile")
    pending = make_cooperative(slug="attente", status=CooperativeStatus.PENDING)
    directory = client.get("/fr/cooperatives/").get_data(as_text=True)
    assert "Coopérative Tifaout" in directory and "attente" not in directory
    profile = client.get("/fr/cooperatives/tifaout").get_data(as_text=True)
    assert "70\xa0%" in profile  # 7 of 10 members are women
    assert "Huile" in profile
    assert client.get(f"/fr/cooperatives/{pending.slug}").status_code == 404
    assert "Coopérative Tifaout" not in client.get("/fr/cooperatives/?region=2").get_data(
        as_text=True
    )


@pytest.mark.parametrize("url", ["/fr/products/?page=1", "/fr/", "/fr/cooperatives/"])
def test_pages_run_a_bounded_number_of_queries(
    count_queries, client, make_product, make_cooperative, url
):
    coops = [make_cooperative() for _ in range(4)]

    def queries_with(n: int) -> int:
        for i in range(n):
            make_product(cooperative=coops[i % 4], certifications=("organic",), variants=2)
        client.get(url)  # warm caches (translations, first connection)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    # Two products, then a full page and more (the second page starts): a
    # query per product, cooperative or certificate would show as a difference.
    few = queries_with(2)
    many = queries_with(PAGE_SIZE + 4)  # PAGE_SIZE + 6 in all
    assert few == many, (few, many)


def test_product_page_query_count_does_not_grow(
    count_queries, client, make_product, make_cooperative
):
    small = make_product(variants=1, certifications=("organic",))
    big = make_product(variants=12, certifications=("organic", "igp", "onssa"))
    counts = []
    for product in (small, big):
        client.get(f"/fr/products/{product.slug}")
        with count_queries() as statements:
            client.get(f"/fr/products/{product.slug}")
        counts.append(len(statements))
    assert counts[0] == counts[1]


@on_both_storages
def test_media_is_served_with_long_cache(client, app):
    from shop.storage import get_storage

    get_storage().save("img/ab/abc-320.jpg", b"\xff\xd8fake")
    response = client.get("/media/img/ab/abc-320.jpg")
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()
    assert client.get("/media/../secret_key").status_code == 404
    assert client.get("/media/img/none.jpg").status_code == 404
