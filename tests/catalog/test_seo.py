"""Search engines' view of the storefront: schema.org data, canonical and
alternate links, and the sitemap (issue 14, "Standards and quality").

The JSON-LD is checked against schema.org's vocabulary (tests/catalog/schemaorg.py)
and Google's rules for the rich results it feeds; the sitemap against the
sitemaps.org schema with lxml (tests/data/sitemaps/). Both run offline.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from xml.etree import ElementTree

import pytest
from lxml import etree

from catalog.sitemap import w3c_datetime
from producers.models import CooperativeTranslation
from shop.extensions import db
from tests.catalog.schemaorg import check

from .sitemaps import whole_sitemap

BASE = "http://shop.test"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
SCHEMAS = Path(__file__).parent.parent / "data" / "sitemaps"
#: A W3C datetime to the second, with its zone (no fraction, never a bare local time).
W3C_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")
LOGO = "ab" * 32


def json_ld(page: str) -> list[dict]:
    """Every JSON-LD block of a page."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(b) for b in blocks]


def of_type(page: str, name: str) -> dict:
    (node,) = [b for b in json_ld(page) if b.get("@type") == name]
    return node


def head_link(page: str, rel: str) -> dict[str, str]:
    """``<link rel=…>`` tags of the page: hreflang (or "") → href."""
    found = {}
    for tag in re.findall(rf'<link rel="{rel}"[^>]*>', page):
        href = html.unescape(re.search(r'href="([^"]+)"', tag).group(1))
        lang = re.search(r'hreflang="([^"]+)"', tag)
        found[lang.group(1) if lang else ""] = href
    return found


def visible_trail(page: str) -> list[tuple[str, str | None]]:
    """The breadcrumbs a reader sees: (text, link or None for the page itself)."""
    nav = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', page, re.S).group(1)
    steps = re.findall(r'<a href="([^"]+)">(.*?)</a>|<span aria-current="page">(.*?)</span>', nav)
    text = lambda s: html.unescape(re.sub(r"<[^>]+>", "", s))  # noqa: E731  (a fallback is wrapped in <span lang>)
    return [(text(a or current), html.unescape(href) or None) for href, a, current in steps]


@pytest.fixture
def coop(make_cooperative):
    made = make_cooperative(
        slug="tifaout", legal_name="Coopérative Tifaout", logo_key=LOGO, founded_year=2004
    )
    made.translations[0].tagline = "L'argan des femmes"
    made.translations.append(
        CooperativeTranslation(locale="ar", tagline="أركان النساء", story="قصة")
    )
    db.session.commit()
    return made


# schema.org -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "region", "description"),
    [("fr", "Souss-Massa", "L'argan des femmes"), ("ar", "سوس ماسة", "أركان النساء")],
)
def test_cooperative_page_describes_an_organization(client, coop, lang, region, description):
    page = client.get(f"/{lang}/cooperatives/tifaout").get_data(as_text=True)
    org = of_type(page, "Organization")
    url = f"{BASE}/{lang}/cooperatives/tifaout"
    assert org["@context"] == "https://schema.org"
    assert org["name"] == "Coopérative Tifaout"
    assert org["url"] == url and org["@id"] == f"{url}#organization"
    assert org["logo"] == f"{BASE}/media/img/{LOGO[:2]}/{LOGO}-320.jpg"
    assert org["address"] == {
        "@type": "PostalAddress",
        "addressRegion": region,  # in the page's language
        "addressLocality": "Taliouine",
        "addressCountry": "MA",
    }
    assert org["description"] == description
    assert org["foundingDate"] == "2004"
    assert "sameAs" not in org  # nothing to point to: no website field yet


def test_cooperative_open_graph_is_a_website_with_its_url_and_logo(client, coop):
    page = client.get("/fr/cooperatives/tifaout").get_data(as_text=True)
    og = dict(re.findall(r'<meta property="og:(\w+)" content="([^"]*)">', page))
    assert og["type"] == "website"  # "profile" is a person's page
    assert og["url"] == f"{BASE}/fr/cooperatives/tifaout"
    assert og["image"] == of_type(page, "Organization")["logo"]
    assert html.unescape(og["description"]) == "L'argan des femmes"


def test_cooperative_without_logo_has_no_image(client, make_cooperative):
    plain = make_cooperative(slug="sans-logo")
    page = client.get(f"/fr/cooperatives/{plain.slug}").get_data(as_text=True)
    assert "og:image" not in page and "logo" not in of_type(page, "Organization")


def test_each_offer_names_the_cooperative_as_seller(client, coop, make_product):
    product = make_product(cooperative=coop, variants=2)
    page = client.get(f"/en/products/{product.slug}").get_data(as_text=True)
    data = of_type(page, "Product")
    coop_url = f"{BASE}/en/cooperatives/tifaout"
    # schema.org's seller belongs to the Offer (Product has no such property).
    assert "seller" not in data
    for offer in data["offers"]:
        assert offer["seller"] == {
            "@type": "Organization",
            "@id": f"{coop_url}#organization",
            "name": "Coopérative Tifaout",
            "url": coop_url,
        }
    # The same node as the cooperative page's Organization.
    org = of_type(client.get(coop_url.removeprefix(BASE)).get_data(as_text=True), "Organization")
    assert org["@id"] == data["offers"][0]["seller"]["@id"]


def trail_pages(make_product, coop):
    product = make_product(cooperative=coop, name_fr="Huile d'argan <pure>")
    return {
        "product": (
            f"/fr/products/{product.slug}",
            [
                ("Produits", "/fr/products/"),
                ("Huile d’argan", "/fr/products/?category=argan-oil"),
                ("Huile d'argan <pure>", None),
            ],
        ),
        "cooperative": (
            "/fr/cooperatives/tifaout",
            [("Coopératives", "/fr/cooperatives/"), ("Coopérative Tifaout", None)],
        ),
        "category": (
            "/fr/products/?category=argan-oil&sort=price_asc",
            [("Produits", "/fr/products/"), ("Huile d’argan", None)],
        ),
    }


@pytest.mark.parametrize("kind", ["product", "cooperative", "category"])
def test_breadcrumb_list_matches_the_visible_breadcrumbs(client, make_product, coop, kind):
    url, expected = trail_pages(make_product, coop)[kind]
    page = client.get(url).get_data(as_text=True)
    shown = visible_trail(page)
    assert shown == expected
    crumbs = of_type(page, "BreadcrumbList")["itemListElement"]
    assert [c["position"] for c in crumbs] == list(range(1, len(shown) + 1))
    assert [c["name"] for c in crumbs] == [name for name, _ in shown]
    assert [c.get("item") for c in crumbs] == [BASE + h if h else None for _, h in shown]


def test_the_checker_finds_what_schema_org_refuses():
    """The vocabulary check is not a rubber stamp: the mistakes it exists for fail."""
    assert check({"@type": "Product", "name": "x", "seller": {"@type": "Organization"}}) == [
        "$.seller: not a property of Product"
    ]
    assert check({"@type": "Organisation"}) == ["$: unknown type Organisation"]
    errors = check({"@type": "Offer", "availability": "https://schema.org/Male", "price": True})
    assert errors == [
        "$.availability[0]: Male is not a value of ['ItemAvailability']",
        "$.price[0]: a boolean where ['Number', 'Text']",
    ]
    assert check({"@type": "Offer", "seller": {"@type": "Brand", "name": "x"}}) == [
        "$.seller[0]: a Brand where ['Organization', 'Person'] is expected"
    ]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_json_ld_follows_schema_org_and_google(client, make_product, coop, lang):
    product = make_product(cooperative=coop, variants=2)
    pages = {
        f"/{lang}/products/{product.slug}": {"Product", "BreadcrumbList"},
        f"/{lang}/cooperatives/tifaout": {"Organization", "BreadcrumbList"},
        f"/{lang}/products/?category=argan-oil": {"BreadcrumbList"},
        f"/{lang}/products/?sort=price_asc": set(),  # all products: no trail to show
    }
    for url, types in pages.items():
        page = client.get(url).get_data(as_text=True)
        blocks = json_ld(page)
        assert {b["@type"] for b in blocks} == types, url
        assert ('class="breadcrumbs"' in page) == ("BreadcrumbList" in types), url
        for block in blocks:
            assert block["@context"] == "https://schema.org"
            assert check(block) == [], (url, block)
            google_rules(block)


def google_rules(block: dict) -> None:
    """The required fields of Google's rich results for the types we publish."""
    if block["@type"] == "Product":
        assert block["name"] and block["offers"]
        for offer in block["offers"]:
            assert re.fullmatch(r"\d+\.\d\d", offer["price"]) and offer["priceCurrency"] == "MAD"
            assert offer["availability"].startswith("https://schema.org/")
            assert offer["url"].startswith(BASE + "/")
    elif block["@type"] == "BreadcrumbList":
        items = block["itemListElement"]
        assert len(items) >= 2
        for n, item in enumerate(items, start=1):
            assert item["@type"] == "ListItem" and item["position"] == n and item["name"]
            assert n == len(items) or item["item"].startswith(BASE + "/")
    elif block["@type"] == "Organization":
        assert block["name"] and block["url"].startswith(BASE + "/")
        assert block.get("logo", BASE).startswith(BASE)


# canonical and alternate links ----------------------------------------------


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("/fr/?utm_source=mail", "/fr/"),
        ("/ar/products/", "/ar/products/"),
        ("/fr/products/?sort=price_asc", "/fr/products/"),
        ("/fr/products/?page=1", "/fr/products/"),
        # Each page of a list is its own page; the order is not.
        ("/fr/products/?sort=price_desc&page=2", "/fr/products/?page=2"),
        ("/fr/products/?category=argan-oil&sort=price_asc", "/fr/products/?category=argan-oil"),
        ("/fr/products/?page=3&category=argan-oil", "/fr/products/?category=argan-oil&page=3"),
        # Narrowing filters point to the first page of the category, or of all.
        ("/fr/products/?category=argan-oil&region=9&page=2", "/fr/products/?category=argan-oil"),
        ("/fr/products/?in_stock=1&page=2", "/fr/products/"),
        ("/fr/products/?category=nothing-like-this", "/fr/products/"),
    ],
)
def test_home_and_listing_have_a_canonical_address(client, make_product, url, canonical):
    make_product()
    page = client.get(url).get_data(as_text=True)
    assert head_link(page, "canonical") == {"": BASE + canonical}


def test_alternates_follow_the_canonical_and_end_with_x_default(client, make_product):
    product = make_product(variants=2)
    page = client.get("/ar/products/?category=argan-oil&sort=price_asc&page=2").get_data(
        as_text=True
    )
    assert head_link(page, "alternate") == {
        code: f"{BASE}/{lang}/products/?category=argan-oil&page=2"
        for code, lang in (("ar", "ar"), ("fr", "fr"), ("en", "en"), ("x-default", "fr"))
    }
    sku = product.variants[1].sku
    page = client.get(f"/en/products/{product.slug}?variant={sku}").get_data(as_text=True)
    assert head_link(page, "alternate")["x-default"] == f"{BASE}/fr/products/{product.slug}"
    assert head_link(page, "alternate")["ar"] == f"{BASE}/ar/products/{product.slug}"


def test_every_page_in_a_language_has_an_x_default(client):
    # Pages without a canonical of their own keep their address (query included).
    page = client.get("/en/cooperatives/?region=9").get_data(as_text=True)
    assert head_link(page, "alternate")["x-default"] == f"{BASE}/fr/cooperatives/?region=9"


def test_x_default_is_the_default_language(app, client, make_product):
    app.config["DEFAULT_LANGUAGE"] = "en"
    product = make_product()
    page = client.get("/ar/").get_data(as_text=True)
    assert head_link(page, "alternate")["x-default"] == f"{BASE}/en/"
    root = ElementTree.fromstring(whole_sitemap(client))
    entry = sitemap_entry(root, f"/ar/products/{product.slug}")
    links = {a.get("hreflang"): a.get("href") for a in entry.findall("x:link", NS)}
    assert links["x-default"] == f"{BASE}/en/products/{product.slug}"


# sitemap ----------------------------------------------------------------------


def sitemap_entry(root, path: str):
    (entry,) = [
        u for u in root.findall("s:url", NS) if u.findtext("s:loc", namespaces=NS) == BASE + path
    ]
    return entry


def test_w3c_datetime():
    assert w3c_datetime(datetime(2026, 1, 5, 10, 20, 30, 123456)) == "2026-01-05T10:20:30+00:00"
    casablanca = timezone(timedelta(hours=1))
    aware = datetime(2026, 1, 5, 11, 20, 30, 999, tzinfo=casablanca)
    assert w3c_datetime(aware) == "2026-01-05T10:20:30+00:00"
    assert w3c_datetime(datetime(2026, 1, 5, tzinfo=UTC)) == "2026-01-05T00:00:00+00:00"


def test_sitemap_dates_each_page_by_its_rows(client, make_product, coop, make_cooperative):
    coop.approved_at = datetime(2025, 3, 1, 8, 0, 0, 5)
    older = make_product(cooperative=coop)
    newer = make_product()
    older.updated_at = datetime(2026, 1, 5, 10, 20, 30, 123456)
    newer.updated_at = datetime(2026, 2, 1, 9, 0, 0)
    lonely = make_cooperative(slug="sans-produit", approved_at=datetime(2025, 6, 2, 7, 0, 0))
    db.session.commit()
    root = ElementTree.fromstring(whole_sitemap(client))

    def lastmod(path: str) -> str | None:
        return sitemap_entry(root, path).findtext("s:lastmod", namespaces=NS)

    for lang in ("ar", "fr", "en"):
        assert lastmod(f"/{lang}/products/{older.slug}") == "2026-01-05T10:20:30+00:00"
    # A cooperative's page shows its products: the latest of its approval and theirs.
    assert lastmod("/fr/cooperatives/tifaout") == "2026-01-05T10:20:30+00:00"
    assert lastmod(f"/fr/cooperatives/{lonely.slug}") == "2025-06-02T07:00:00+00:00"
    # The home page and the listing show the newest products.
    assert lastmod("/fr/") == lastmod("/en/products/") == "2026-02-01T09:00:00+00:00"
    for value in root.iterfind("s:url/s:lastmod", NS):
        assert W3C_SECONDS.match(value.text), value.text


def test_sitemap_is_valid_for_sitemaps_org_with_x_default_everywhere(client, make_product, coop):
    make_product(cooperative=coop)
    make_product()
    body = whole_sitemap(client)
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-with-alternates.xsd")))
    document = etree.fromstring(body)
    assert schema.validate(document), schema.error_log
    urls = document.findall("s:url", NS)
    # Home, listing, directory, fair trade, impact, 2 products, 2 cooperatives; each in 3 languages.
    assert len(urls) == 9 * 3
    for url in urls:
        links = {a.get("hreflang"): a.get("href") for a in url.findall("x:link", NS)}
        assert list(links) == ["ar", "fr", "en", "x-default"]
        assert links["x-default"] == links["fr"]
        assert url.findtext("s:loc", namespaces=NS) in links.values()
    assert document.find("s:url/s:lastmod", NS) is not None


def test_the_schema_refuses_what_search_engines_refuse():
    """The sitemap schema is really applied: a misplaced or malformed field fails."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap-with-alternates.xsd")))
    head = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"><url><loc>http://shop.test/fr/</loc>'
    good = '<lastmod>2026-01-05T10:20:30+00:00</lastmod><xhtml:link rel="alternate" hreflang="x-default" href="http://shop.test/fr/"/>'
    assert schema.validate(etree.fromstring(f"{head}{good}</url></urlset>"))
    for bad in (
        '<xhtml:link rel="alternate" hreflang="fr" href="http://shop.test/fr/"/><lastmod>2026-01-05</lastmod>',
        "<lastmod>05/01/2026</lastmod>",
        '<xhtml:link rel="alternate" hreflang="fr_MA" href="http://shop.test/fr/"/>',
        '<xhtml:link rel="canonical" hreflang="fr" href="http://shop.test/fr/"/>',
    ):
        assert not schema.validate(etree.fromstring(f"{head}{bad}</url></urlset>")), bad
