"""Static files and transfer (issue #15): area stylesheets, hashed names, compression."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from backports import zstd
from flask import Response, make_response

from shop import assets
from shop.assets import (
    AREAS,
    Assets,
    Manifest,
    minify_css,
    minify_js,
    shorten_custom_properties,
)

ROOT = Path(__file__).resolve().parents[2]
STATIC_REF = re.compile(
    r'<(?:link[^>]*rel="(?:stylesheet|icon)"|script)[^>]*(?:href|src)="(/static/[^"]+)"'
)
STYLESHEETS = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
HASHED = re.compile(r"^/static/.+\.([0-9a-f]{12})\.[a-z0-9]+$")
#: Page weight budgets (issue #15): HTML + its stylesheets and scripts, images not counted.
MAX_BYTES = 60_000
MAX_COMPRESSED = 20_000


def selectors_of(css: str) -> set[str]:
    """Every selector of a stylesheet (``.a .b``, ``.c:hover``...), minified."""
    found = re.findall(r"(?:^|[{}])([^{}@][^{}]*)\{", minify_css(css))
    return {selector for group in found for selector in group.split(",")}


def page(client, url: str, **headers: str) -> Response:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return response


# ---------------------------------------------------------------- one stylesheet per area


def test_storefront_pages_load_one_stylesheet_without_back_office_rules(client, make_product):
    product = make_product(name_fr="Miel de thym")
    backoffice = selectors_of((ROOT / "static/css/src/backoffice.css").read_text())
    assert {".admin-nav", ".workspace-nav", ".balance-table"} <= backoffice
    for url in ("/fr/", "/ar/products/", f"/fr/products/{product.slug}", "/fr/cooperatives/"):
        html = page(client, url).get_data(as_text=True)
        sheets = STYLESHEETS.findall(html)
        assert len(sheets) == 1, (url, sheets)
        assert re.fullmatch(r"/static/css/storefront\.[0-9a-f]{12}\.css", sheets[0]), sheets
        css = page(client, sheets[0]).get_data(as_text=True)
        leaked = backoffice & selectors_of(css)
        assert not leaked, f"{url} loads back-office rules: {sorted(leaked)[:10]}"
        assert "admin" not in sheets[0]


def test_each_area_has_its_stylesheet(client, login, make_user):
    expected = {"/fr/cart": "site", "/fr/account/login": "site", "/fr/fair-trade": "site"}
    for url, area in expected.items():
        (sheet,) = STYLESHEETS.findall(page(client, url).get_data(as_text=True))
        assert sheet.startswith(f"/static/css/{area}."), (url, sheet)
    login(client, make_user(is_admin=True))
    (sheet,) = STYLESHEETS.findall(page(client, "/fr/admin/").get_data(as_text=True))
    assert sheet.startswith("/static/css/backoffice."), sheet
    admin_css = page(client, sheet).get_data(as_text=True)
    assert ".admin-table" in admin_css and ".workspace-nav" in admin_css


def test_every_area_source_exists_and_every_source_is_in_an_area():
    sources = {p.stem for p in (ROOT / "static/css/src").glob("*.css")}
    used = {part for parts in AREAS.values() for part in parts}
    assert used == sources
    assert set(assets.BLUEPRINT_AREAS.values()) <= set(AREAS)


# ---------------------------------------------------------------- hashed names, long lifetimes


def test_static_urls_are_hashed_and_cached_for_a_year(client):
    html = page(client, "/fr/").get_data(as_text=True)
    urls = STATIC_REF.findall(html) + re.findall(r'data-suggest="([^"]+)"', html)
    assert len(urls) >= 4, urls  # icon, stylesheet, taawon.js, suggest.js
    for url in urls:
        digest = HASHED.match(url)
        assert digest, f"{url} has no content hash in its name"
        response = page(client, url)
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert hashlib.sha256(response.get_data()).hexdigest()[:12] == digest.group(1)
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")


def test_a_change_gives_a_new_name(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "AREAS", {"storefront": ("base",)})
    (tmp_path / "css/src").mkdir(parents=True)
    (tmp_path / "js").mkdir()
    (tmp_path / "css/src/base.css").write_text("a { color: red; }")
    (tmp_path / "js/x.js").write_text("var a = 1;")
    store = Assets(tmp_path, reload=True)
    before = store.manifest.url_name("css/storefront.css")
    assert before.startswith("css/storefront.") and before.endswith(".css")
    (tmp_path / "css/src/base.css").write_text("a { color: blue; }")
    store._checked = 0  # as if a second had passed
    after = store.manifest.url_name("css/storefront.css")
    assert after != before
    assert store.manifest.assets["css/storefront.css"].body == b"a{color:blue}"
    assert Manifest(tmp_path).url_name("js/x.js") == store.manifest.url_name("js/x.js")


def test_a_change_empties_the_links_url_for_kept(tmp_path, monkeypatch):
    # url_for keeps the links it built (shop.urls): hashed names must go with the files.
    monkeypatch.setattr(assets, "AREAS", {"storefront": ("base",)})
    (tmp_path / "css/src").mkdir(parents=True)
    (tmp_path / "css/src/base.css").write_text("a { color: red; }")
    changes = []
    store = Assets(tmp_path, reload=True, on_change=lambda: changes.append(1))
    store._checked = 0
    assert store.manifest and changes == []  # nothing changed: the links stay
    (tmp_path / "css/src/base.css").write_text("a { color: blue; }")
    store._checked = 0
    assert store.manifest and changes == [1]


def test_static_links_follow_the_files(app, monkeypatch):
    memo = app.extensions["taawon_url_memo"]
    store = app.extensions["taawon_assets"]
    with app.test_request_context("/fr/"):
        from flask import url_for

        link = url_for("static", filename="js/taawon.js")
        assert link == f"/static/{store.manifest.url_name('js/taawon.js')}"
        assert link in memo.values()
        store.on_change()  # as when a file changes
        assert not memo


def test_unhashed_and_stale_names_still_work_but_are_revalidated(client):
    html = page(client, "/fr/").get_data(as_text=True)
    (current,) = [u for u in STATIC_REF.findall(html) if "/js/taawon." in u]
    body = page(client, current).get_data()
    for url in ("/static/js/taawon.js", "/static/js/taawon.0123456789ab.js"):
        response = page(client, url)
        assert response.get_data() == body
        assert response.headers["Cache-Control"] == "no-cache"
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    for url in (
        "/static/css/src/base.css",
        "/static/css/nothing.css",
        "/static/js/x.0123456789ab.js",
    ):
        assert client.get(url).status_code == 404, url


# ---------------------------------------------------------------- compression


def test_stylesheets_and_scripts_are_sent_compressed(client):
    html = page(client, "/fr/").get_data(as_text=True)
    for url in STATIC_REF.findall(html):
        plain = page(client, url)
        br = page(client, url, **{"Accept-Encoding": "br, gzip"})
        gz = page(client, url, **{"Accept-Encoding": "gzip"})
        assert br.headers["Content-Encoding"] == "br" and gz.headers["Content-Encoding"] == "gzip"
        assert brotli.decompress(br.get_data()) == plain.get_data()
        assert gzip.decompress(gz.get_data()) == plain.get_data()
        assert len(br.get_data()) < len(plain.get_data())
        assert "Accept-Encoding" in br.headers["Vary"]
        # A strong validator per representation.
        assert len({plain.headers["ETag"], br.headers["ETag"], gz.headers["ETag"]}) == 3


def test_pages_are_compressed_as_the_browser_accepts(client):
    for encoding, decompress in (
        ("gzip", gzip.decompress),
        ("br", brotli.decompress),
        ("zstd", zstd.decompress),
    ):
        response = page(client, "/fr/products/", **{"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert b"</html>" in decompress(response.get_data())
    chrome = page(client, "/fr/products/", **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert chrome.headers["Content-Encoding"] == "zstd"
    assert "Content-Encoding" not in page(client, "/fr/products/").headers


@pytest.mark.fresh_app
def test_downloads_and_streams_are_not_compressed(app, client):
    @app.route("/t/stream")
    def stream():
        return Response((b"<p>%d</p>" % i for i in range(500)), mimetype="text/html")

    @app.route("/t/csv")
    def csv():
        return Response("a,b\n" * 500, mimetype="text/csv")

    for url in ("/t/stream", "/t/csv"):
        response = client.get(url, headers={"Accept-Encoding": "gzip, br, zstd"})
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, url


@pytest.mark.fresh_app
def test_compression_keeps_etags_and_304s_right(app, client):
    html = "<p>" + "Tifaout " * 200 + "</p>"

    @app.route("/t/strong")
    def strong():
        response = make_response(html)
        response.set_etag("v1")
        return response.make_conditional(__import__("flask").request)

    @app.route("/t/weak")
    def weak():
        response = make_response(html)
        response.set_etag("v1", weak=True)
        return response.make_conditional(__import__("flask").request)

    gz = {"Accept-Encoding": "gzip"}
    first = client.get("/t/strong", headers=gz)
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"] == '"v1:gzip"'  # each encoding its own strong validator
    assert client.get("/t/strong", headers={**gz, "If-None-Match": '"v1:gzip"'}).status_code == 304
    assert client.get("/t/strong", headers={"If-None-Match": '"v1"'}).status_code == 304
    plain = client.get("/t/strong", headers={"If-None-Match": '"v1:gzip"'})
    assert plain.status_code == 200 and plain.headers["ETag"] == '"v1"'

    weak_first = client.get("/t/weak", headers=gz)
    assert weak_first.headers["Content-Encoding"] == "gzip"
    assert weak_first.headers["ETag"] == 'W/"v1"'  # weak: equivalent under any encoding
    assert client.get("/t/weak", headers={**gz, "If-None-Match": 'W/"v1"'}).status_code == 304


@pytest.mark.fresh_app
def test_a_public_page_with_an_etag_is_compressed_once(app, client, monkeypatch):
    import flask_compress.flask_compress as fc

    calls = []
    original = fc._compress_data
    monkeypatch.setattr(fc, "_compress_data", lambda *a: calls.append(a[2]) or original(*a))
    body = {"n": 1}

    @app.route("/t/public")
    def public():
        response = make_response("<p>" + f"version {body['n']} " * 100 + "</p>")
        response.set_etag(f"v{body['n']}", weak=True)
        response.cache_control.public = True
        return response

    @app.route("/t/private")
    def private():
        return "<p>" + "personal " * 100 + "</p>"

    gz = {"Accept-Encoding": "gzip"}
    first = client.get("/t/public", headers=gz).get_data()
    assert client.get("/t/public", headers=gz).get_data() == first
    assert calls == ["gzip"]
    client.get("/t/public", headers={"Accept-Encoding": "br"})
    assert calls == ["gzip", "br"]
    body["n"] = 2  # a new version, a new ETag: compressed anew, never the old bytes
    assert b"version 2" in gzip.decompress(client.get("/t/public", headers=gz).get_data())
    assert calls == ["gzip", "br", "gzip"]
    client.get("/t/private", headers=gz)
    client.get("/t/private", headers=gz)
    assert calls[3:] == ["gzip", "gzip"]


# ---------------------------------------------------------------- minifiers


def test_css_minifier_keeps_meaning():
    css = """/* it's a "comment" */ .a /* between */ .b :focus { content: "x  /* y */"; }
    .grid { grid-template-areas: "brand tools" "search search"; inline-size: calc(100% - 2rem) !important; }
    @media (min-width: 40rem) and (max-width: 60rem) { .c > .d , .e { margin : 0 ; } }"""
    assert minify_css(css) == (
        '.a .b :focus{content:"x  /* y */"}'
        '.grid{grid-template-areas:"brand tools" "search search";'
        "inline-size:calc(100% - 2rem)!important}"
        "@media (min-width:40rem) and (max-width:60rem){.c>.d,.e{margin :0}}"
    )


def test_js_minifier_drops_only_comment_lines_and_indentation():
    js = '(function () {\n  // a comment\n  var url = "http://x"; // kept\n\n  go(url);\n})();\n'
    assert minify_js(js) == '(function () {\nvar url = "http://x"; // kept\ngo(url);\n})();\n'


# ---------------------------------------------------------------- pictures


def test_first_picture_is_eager_and_others_lazy(client, make_product, add_picture):
    products = [make_product(name_fr=f"Miel {n}") for n in range(3)]
    for product in products:
        add_picture(product, 1600)
    listing = page(client, "/fr/products/").get_data(as_text=True)
    imgs = re.findall(r"<img [^>]*>", listing.split('class="product-grid"')[1])
    assert len(imgs) == 3
    assert 'fetchpriority="high"' in imgs[0] and "loading=" not in imgs[0]
    assert all('loading="lazy"' in i and "fetchpriority" not in i for i in imgs[1:])
    # Cards never offer more than 640 px: a card is at most 18rem wide.
    assert "-1080.webp" not in listing and "-1280.webp" not in listing
    assert 'sizes="(min-width: 60rem) 18rem, calc(50vw - 1.5rem)"' in listing

    product = page(client, f"/fr/products/{products[0].slug}").get_data(as_text=True)
    (img,) = re.findall(r"<img [^>]*>", product.split('class="gallery"')[1].split("</section>")[0])
    assert 'fetchpriority="high"' in img and "loading=" not in img
    assert "-1080.webp 1080w" in product and "-1280.webp 1280w" in product


@pytest.fixture
def add_picture(app):
    """Give a product a picture ``width`` pixels wide (every rendition up to it)."""
    import io

    from PIL import Image

    from catalog.services import add_image
    from shop.extensions import db

    def add(product, width: int):
        buffer = io.BytesIO()
        Image.new("RGB", (width, width), (200, 120, 40)).save(buffer, "PNG")
        image = add_image(product, buffer.getvalue())
        db.session.commit()
        return image

    return add


# ---------------------------------------------------------------- page weight (demo data)


def weigh(
    client, url: str, assets: dict[str, tuple[int, int]] | None = None
) -> tuple[int, int, list[str]]:
    """Bytes of a page and every stylesheet and script it references: plain, and gzip.

    ``assets`` keeps, between calls, the weights of the stylesheets and
    scripts whose address carries their content's hash.
    """
    assets = {} if assets is None else assets

    def sizes(part: str) -> tuple[int, int]:
        return (
            len(page(client, part).get_data()),
            len(page(client, part, **{"Accept-Encoding": "gzip"}).get_data()),
        )

    html = page(client, url).get_data(as_text=True)
    files = [*STYLESHEETS.findall(html), *re.findall(r'<script[^>]* src="([^"]+)"', html)]
    plain, compressed = sizes(url)
    for part in files:
        weights = assets.get(part) or sizes(part)
        if HASHED.match(part.split("?")[0]):  # the same address, the same bytes
            assets[part] = weights
        plain, compressed = plain + weights[0], compressed + weights[1]
    return plain, compressed, [url, *files]


@pytest.mark.demo
def test_storefront_pages_weigh_at_most_60_kb_and_20_kb_compressed(app, client):
    from catalog.models import Product, ProductStatus
    from shop.extensions import db

    slugs = db.session.scalars(
        db.select(Product.slug).where(Product.status == ProductStatus.PUBLISHED)
    ).all()
    assert len(slugs) > 20
    assets: dict[str, tuple[int, int]] = {}
    for lang in ("fr", "ar"):
        urls = [f"/{lang}/", f"/{lang}/products/"] + [f"/{lang}/products/{s}" for s in slugs]
        for url in urls:
            plain, compressed, parts = weigh(client, url, assets)
            assert plain <= MAX_BYTES, f"{url}: {plain} bytes ({parts})"
            assert compressed <= MAX_COMPRESSED, f"{url}: {compressed} bytes compressed ({parts})"


def test_custom_properties_get_short_names_outside_strings():
    css = (
        ":root{--ink:#000;--ink-muted:#555}a{color:var(--ink)}b{color:var(--ink-muted);"
        'border-color:var(--ink)}p{content:"--ink"}q{color:var(--set-elsewhere,red)}'
    )
    assert shorten_custom_properties(css) == (
        ":root{--a:#000;--b:#555}a{color:var(--a)}b{color:var(--b);"
        'border-color:var(--a)}p{content:"--ink"}q{color:var(--set-elsewhere,red)}'
    )


def test_no_page_or_script_names_a_custom_property():
    """The stylesheets' custom properties are renamed when served: a template, a
    script or Python code naming one (an inline style, getPropertyValue) would
    name nothing."""
    declared = set()
    for source in (ROOT / "static" / "css" / "src").glob("*.css"):
        declared |= set(re.findall(r"(--[A-Za-z][\w-]*)\s*:", source.read_text()))
    assert "--terracotta" in declared
    pattern = re.compile("|".join(re.escape(name) + r"(?![\w-])" for name in declared))
    named = []
    for folder in ("shop", "catalog", "orders", "producers", "static/js"):
        for path in (ROOT / folder).rglob("*"):
            if path.name == "assets.py":  # the renaming itself
                continue
            if path.suffix in (".html", ".js", ".py") and pattern.search(path.read_text()):
                named.append(str(path.relative_to(ROOT)))
    assert named == []
