"""The page cache (shop/pagecache.py): anonymous catalogue pages served from a store.

Every test here turns the cache on (the suite runs with it off, see
tests/conftest.py). A hit is recognised by the SQL it runs: none. Tests
marked ``commits`` start a second application on the same database and the
same generation store, as a second gunicorn worker would be: its own
in-process store, so only the shared generation can tell it a page changed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask, render_template_string, session, template_rendered
from sqlalchemy import update

from catalog.models import ProductStatus, Variant
from catalog.trace import Action, EventType, Quantity, Step, record_trace_event
from orders.cart import COUNT_COOKIE
from producers.models import CooperativeStatus
from shop import pagecache
from shop.extensions import db
from shop.pagecache import cacheable
from tests.catalog import test_trace_pages
from tests.conftest import make_app, per_test_settings, redis_answers

#: The trace pages' lot factory, shared.
make_lot = test_trace_pages.make_lot

SECONDS = 60
REDIS_URL = "redis://127.0.0.1:6379/7"  # a database of this test module's own


REDIS = pytest.param(
    "redis", marks=pytest.mark.skipif(not redis_answers(), reason="no Redis at 127.0.0.1:6379")
)


@pytest.fixture
def app_config(request) -> Iterator[dict[str, Any]]:
    """The cache on; with ``redis`` (indirect parameter), its store and generation in Redis."""
    config: dict[str, Any] = {"PAGE_CACHE_SECONDS": SECONDS}
    store = getattr(request, "param", "file")
    prefix = f"taawon-test-{uuid.uuid4().hex[:12]}:"
    if store == "redis":
        config.update(REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix)
    yield config
    if store == "redis":
        import redis

        connection = redis.Redis.from_url(REDIS_URL)
        for key in connection.scan_iter(f"{prefix}*"):
            connection.delete(key)
        connection.close()


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """The cache's clock, moved by hand: ``clock[0] += 61``."""
    now = [1_000_000.0]
    monkeypatch.setattr(pagecache, "now", lambda: now[0])
    return now


@pytest.fixture
def second_worker(app, database_url, tmp_path, app_config) -> Iterator[Flask]:
    """Another process's application: same database, same instance folder (the
    generation file) or Redis, its own in-process store."""
    settings = {**per_test_settings(tmp_path), "SEARCH_INDEX_DIR": ":memory:", **app_config}
    other = make_app(database_url, tmp_path, **settings)
    assert other.instance_path == app.instance_path
    yield other
    with other.app_context():
        db.engine.dispose()


def hit(client, url: str, count_queries, **kwargs) -> tuple[Any, int]:
    """GET ``url``; the response and how much work it took: SQL statements run plus
    templates rendered (0 for a page from the store)."""
    rendered: list[str] = []

    def record(_sender, template, **_extra):
        rendered.append(template.name)

    with count_queries() as statements, template_rendered.connected_to(record):
        response = client.get(url, **kwargs)
    return response, len(statements) + len(rendered)


def other_hit(other: Flask, client, url: str) -> tuple[str, bool]:
    """GET ``url`` from ``other``: the page and whether it came from its store."""
    from sqlalchemy import event

    statements: list[str] = []
    with other.app_context():
        engine = db.engine

    def record(*_args):
        statements.append("x")

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code in (200, 404), response.status_code
    return response.get_data(as_text=True) if response.status_code == 200 else "404", not statements


def warm(client, url: str) -> None:
    """Visit ``url`` until the store has it (the first visit also sets the language cookie)."""
    for _ in range(2):
        assert client.get(url).status_code == 200


def csrf_of(html: str) -> str | None:
    found = re.search(r'name="csrf[-_]token"[^>]*(?:content|value)="([^"]+)"', html)
    return found.group(1) if found else None


# ---------------------------------------------------------------- stored and served


def test_an_anonymous_page_is_served_again_without_a_query(
    app, client, make_product, count_queries
):
    product = make_product(name_fr="Huile d'argan", price=12_000)
    url = f"/fr/products/{product.slug}"
    first, queries = hit(client, url, count_queries)
    assert first.status_code == 200 and queries > 0
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=10"
    assert first.headers["ETag"]
    again, queries = hit(client, url, count_queries)
    assert queries == 0
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert "120,00\xa0MAD" in again.get_data(as_text=True)
    # The hit still gets the security headers and no Vary: Cookie (it is everyone's page).
    assert "default-src 'self'" in again.headers["Content-Security-Policy"]
    assert again.headers["X-Frame-Options"] == "DENY"
    assert "cookie" not in again.headers.get("Vary", "").lower()


def test_a_new_visitor_without_cookies_gets_the_stored_page(
    app, client, make_product, count_queries
):
    product = make_product()
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    stranger = app.test_client()  # no language cookie, no session: a crawler, wrk
    response, queries = hit(stranger, url, count_queries)
    assert response.status_code == 200 and queries == 0
    # The language cookie is still set for this visitor, on top of the stored page.
    assert response.headers["Set-Cookie"].startswith("lang=fr")


def test_if_none_match_gets_304(app, client, make_product, count_queries):
    product = make_product()
    url = f"/en/products/{product.slug}"
    etag = client.get(url).headers["ETag"]
    fresh = client.get(url, headers={"If-None-Match": etag})  # stored by now, or rendered
    assert fresh.status_code == 304 and not fresh.get_data()
    response, queries = hit(client, url, count_queries, headers={"If-None-Match": etag})
    assert response.status_code == 304 and queries == 0
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_head_and_a_spoilt_session_cookie_get_the_stored_page(
    app, client, make_product, count_queries
):
    product = make_product()
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    full = client.get(url)
    with count_queries() as statements:
        head = client.head(url)
    assert head.status_code == 200 and not statements and not head.get_data()
    assert head.headers["Content-Length"] == str(len(full.get_data()))
    client.set_cookie("session", "not-a-signed-session", domain="shop.test")
    response, queries = hit(client, url, count_queries)
    assert response.status_code == 200 and queries == 0


def test_query_order_shares_a_page_and_languages_do_not(app, client, make_product, count_queries):
    make_product(name_fr="Miel", name_en="Honey")
    warm(client, "/fr/products/?sort=price_asc&page=1")
    assert hit(client, "/fr/products/?page=1&sort=price_asc", count_queries)[1] == 0
    english, queries = hit(client, "/en/products/?page=1&sort=price_asc", count_queries)
    assert queries > 0 and 'lang="en"' in english.get_data(as_text=True)


def test_a_host_we_do_not_serve_is_refused_before_the_store(app, client, make_product):
    product = make_product()
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    assert client.get(url, headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/fr/",
        "/fr/products/",
        "/fr/cooperatives/",
        "/fr/search?q=huile",
        "/fr/sell",
        "/fr/fair-trade",
        "/fr/impact",
    ],
)
def test_public_pages_are_cached(app, client, make_product, count_queries, url):
    make_product(name_fr="Huile d'argan")
    warm(client, url)
    response, queries = hit(client, url, count_queries)
    assert response.status_code == 200 and queries == 0, url


def test_a_cooperatives_page_is_cached(app, client, make_product, count_queries):
    product = make_product()
    url = f"/fr/cooperatives/{product.cooperative.slug}"
    warm(client, url)
    assert hit(client, url, count_queries)[1] == 0


def test_a_trace_page_is_cached_and_renewed_by_a_new_event(app, client, make_lot, count_queries):
    lot = make_lot(events=2)
    url = f"/en/trace/{lot.public_id}"
    warm(client, url)
    assert hit(client, url, count_queries)[1] == 0
    record_trace_event(
        lot,
        lot.cooperative,
        event_type=EventType.OBJECT,
        action=Action.OBSERVE,
        step=Step.LAB_TEST,
        occurred_at=datetime(2025, 8, 1, 9, tzinfo=UTC),
        description={"en": "Checked by the cooperative"},
        outputs=[Quantity("lot", Decimal(300), "H87")],
    )
    db.session.commit()
    assert "Checked by the cooperative" in client.get(url).get_data(as_text=True)


# ---------------------------------------------------------------- never for one person


@pytest.mark.parametrize("url", ["/fr/cart", "/fr/account/login", "/fr/checkout"])
def test_personal_pages_are_never_stored(app, client, url, count_queries):
    first = client.get(url)
    assert first.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in first.headers
    again, queries = hit(client, url, count_queries)
    assert again.headers["Cache-Control"] == "private, no-store"
    if url != "/fr/account/login":  # the login form runs no query at all
        assert queries > 0


def test_a_signed_in_visitor_never_gets_the_stored_page(
    app, client, make_product, make_user, login, count_queries
):
    product = make_product()
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    etag = client.get(url).headers["ETag"]
    login(client, make_user(name="Amina Alaoui"))
    client.get("/fr/account/")  # the welcome message is read: only the signed-in session is left
    with client.session_transaction() as sess:
        assert "_user_id" in sess and "_flashes" not in sess
    # Even a browser that lost the bypass cookie: the session says who it is.
    client.delete_cookie("no_page_cache", domain="shop.test")
    response, queries = hit(client, url, count_queries, headers={"If-None-Match": etag})
    assert response.status_code == 200 and queries > 0
    html = response.get_data(as_text=True)
    assert "Amina" in html and csrf_of(html)  # the account menu and its logout form
    assert response.headers["Cache-Control"] == "private"
    assert "ETag" not in response.headers
    # Nor was their page stored for the next visitor.
    stranger, _queries = hit(app.test_client(), url, count_queries)
    assert "Amina" not in stranger.get_data(as_text=True)


def test_the_remember_cookie_alone_bypasses_the_store(app, client, make_product, count_queries):
    product = make_product()
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    client.set_cookie("remember_token", "1|forged", domain="shop.test")
    assert hit(client, url, count_queries)[1] > 0


def test_no_page_carries_a_visitors_cart_token_or_name(
    app, client, make_product, make_user, login, post_form, count_queries
):
    product = make_product(name_fr="Huile d'argan")
    url = f"/fr/products/{product.slug}"
    shopper = app.test_client()
    post_form(
        shopper,
        "/fr/cart/add",
        {"variant": product.variants[0].sku, "quantity": 3},
        page="/fr/cart",
    )
    assert shopper.get_cookie(COUNT_COOKIE, domain="shop.test").value == "3"
    signed_in = app.test_client()
    login(signed_in, make_user(name="Youssef Benali"))
    signed_in.get("/fr/account/")
    # Shoppers with a cart and signed-in people visit first, then everyone else.
    for visitor in (shopper, signed_in, shopper, client, client):
        visitor.get(url)
    for visitor in (shopper, client, app.test_client()):
        response, queries = hit(visitor, url, count_queries)
        html = response.get_data(as_text=True)
        assert queries == 0
        assert csrf_of(html) is None and "csrf" not in html
        assert "Youssef" not in html
        assert '<span class="badge" data-cart-count="cookie"></span>' in html
        assert not re.search(r"data-cart-count>\d", html)


def test_the_buy_form_works_without_a_token_from_our_own_pages(app, client, make_product):
    product = make_product()
    html = client.get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert 'action="/fr/cart/add"' in html and "csrf_token" not in html
    data = {"variant": product.variants[0].sku, "quantity": "2"}
    response = client.post("/fr/cart/add", data=data, headers={"Origin": "http://shop.test"})
    assert response.status_code == 302
    assert client.get_cookie(COUNT_COOKIE, domain="shop.test").value == "2"
    # Without Origin (older browsers), the Referer's origin does.
    referred = client.post(
        "/fr/cart/add",
        data=data,
        headers={"Referer": f"http://shop.test/fr/products/{product.slug}"},
    )
    assert (
        referred.status_code == 302
        and client.get_cookie(COUNT_COOKIE, domain="shop.test").value == "4"
    )
    assert "data-cart-count>4<" in client.get("/fr/cart").get_data(as_text=True)


def test_the_count_cookie_follows_the_cart(app, client, make_product, make_user, login, post_form):
    sku = make_product().variants[0].sku

    def count() -> str | None:
        cookie = client.get_cookie(COUNT_COOKIE, domain="shop.test")
        return cookie.value if cookie else None

    post_form(client, "/fr/cart/add", {"variant": sku, "quantity": 2}, page="/fr/cart")
    assert count() == "2"
    post_form(client, "/fr/cart/update", {"sku": sku, "quantity": 0}, page="/fr/cart")
    assert count() is None
    client.set_cookie(COUNT_COOKIE, "7", domain="shop.test")  # stale: the cart page corrects it
    client.get("/fr/cart")
    assert count() is None
    post_form(client, "/fr/cart/add", {"variant": sku, "quantity": 1}, page="/fr/cart")
    assert count() == "1"
    login(client, make_user())  # the guest cart joins the account's
    assert count() == "1"
    post_form(client, "/fr/account/logout", page="/fr/account/")
    assert count() is None  # the visitor's cart is the (empty) session's again


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/shop.test/fr/"},
        {"Origin": "https://evil.example", "Referer": "http://shop.test/fr/"},
        {},
    ],
)
def test_a_cross_site_add_to_cart_is_refused(app, client, make_product, headers):
    product = make_product()
    data = {"variant": product.variants[0].sku, "quantity": "1"}
    response = client.post("/en/cart/add", data=data, headers=headers)
    assert response.status_code == 400
    assert "sent from another page" in response.get_data(as_text=True)
    assert client.get_cookie(COUNT_COOKIE, domain="shop.test") is None
    assert "Your cart is empty." in client.get("/en/cart").get_data(as_text=True)


def test_other_forms_still_need_their_token(app, client, make_product, post_form):
    product = make_product()
    post_form(client, "/fr/cart/add", {"variant": product.variants[0].sku}, page="/fr/cart")
    data = {"sku": product.variants[0].sku, "quantity": "5"}
    refused = client.post("/fr/cart/update", data=data, headers={"Origin": "http://shop.test"})
    assert refused.status_code == 400


def test_a_waiting_message_is_shown_not_stored(app, client, make_product, count_queries):
    product = make_product()
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    with client.session_transaction() as sess:
        sess["_flashes"] = [("info", "Message pour vous")]
    response, queries = hit(client, url, count_queries)
    assert queries > 0 and "Message pour vous" in response.get_data(as_text=True)
    assert "Message pour vous" not in app.test_client().get(url).get_data(as_text=True)


def test_the_bypass_cookie_follows_sign_in_and_out(app, client, make_user, login, post_form):
    login(client, make_user())
    assert client.get_cookie("no_page_cache", domain="shop.test").value == "1"
    post_form(client, "/fr/account/logout", page="/fr/account/")
    client.get("/fr/")  # shows "You are logged out", then the browser's pages are everyone's
    assert client.get_cookie("no_page_cache", domain="shop.test") is None


# ---------------------------------------------------------------- the guard


@pytest.mark.fresh_app
def test_a_page_that_reads_the_session_or_makes_a_token_is_not_stored(app):
    calls: dict[str, int] = {}

    def reads_session():
        calls["reads_session"] = calls.get("reads_session", 0) + 1
        return render_template_string("<p>{{ n }}</p>", n=session.get("n", 0))

    def makes_token():
        calls["makes_token"] = calls.get("makes_token", 0) + 1
        return render_template_string("<p>{{ csrf_token() }}</p>")

    def writes_session():
        calls["writes_session"] = calls.get("writes_session", 0) + 1
        session["seen"] = True
        return "<p>seen</p>"

    def plain():
        calls["plain"] = calls.get("plain", 0) + 1
        return render_template_string("<p>{{ _('Home') }}</p>")

    for view in (reads_session, makes_token, writes_session, plain):
        app.add_url_rule(f"/<lang:lang>/{view.__name__}", view.__name__, cacheable(view))
    client = app.test_client()
    for name in ("reads_session", "makes_token", "writes_session", "plain"):
        for _ in range(3):
            response = client.get(f"/fr/{name}")
            assert response.status_code == 200
        if name != "plain":
            assert "public" not in response.headers.get("Cache-Control", ""), name
    assert calls == {"reads_session": 3, "makes_token": 3, "writes_session": 3, "plain": 1}


# ---------------------------------------------------------------- invalidation


def test_a_price_change_is_visible_on_the_next_request(app, client, make_product, count_queries):
    product = make_product(price=12_000)
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    product.variants[0].price_cents = 15_000
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "150,00\xa0MAD" in html and "120,00\xa0MAD" not in html


def test_shipping_rates_and_free_thresholds_are_visible_on_the_next_request(
    app, client, make_product
):
    """The product page shows the national estimate and the cooperative's free-shipping
    threshold: changing either renews the stored page (they were not watched)."""
    from orders.models import CooperativeShipping, ShippingRate, ShippingZone
    from orders.shipping import ensure_default_rates

    ensure_default_rates()
    product = make_product(price=12_000)
    db.session.commit()
    url = f"/fr/products/{product.slug}"
    warm(client, url)
    assert "43,21\xa0MAD" not in client.get(url).get_data(as_text=True)
    db.session.execute(
        update(ShippingRate)
        .where(ShippingRate.zone == ShippingZone.NATIONAL)
        .values(price_cents=4_321)
    )
    db.session.commit()
    assert "43,21\xa0MAD" in client.get(url).get_data(as_text=True)
    db.session.add(
        CooperativeShipping(cooperative_id=product.cooperative_id, free_over_cents=77_700)
    )
    db.session.commit()
    assert "777,00\xa0MAD" in client.get(url).get_data(as_text=True)


def test_the_sitemaps_are_served_from_the_store_and_follow_a_publication(
    app, client, make_product, count_queries
):
    """The sitemap index and its files are cached like the pages they list
    (one was about 20 ms of SQL and XML a request at 10,000 products); a new
    product is in them on the next request."""
    first = make_product()
    for url in ("/sitemap.xml", "/sitemaps/products-1.xml"):
        warm(client, url)
        response, work = hit(client, url, count_queries)
        assert work == 0 and response.mimetype == "application/xml", url
    assert first.slug in client.get("/sitemaps/products-1.xml").get_data(as_text=True)
    second = make_product()
    assert second.slug in client.get("/sitemaps/products-1.xml").get_data(as_text=True)


def test_a_stock_change_waits_for_the_entry_to_expire(
    app, client, make_product, count_queries, clock
):
    product = make_product(stock=10)
    url = f"/en/products/{product.slug}"
    warm(client, url)
    before = app.extensions[pagecache.EXTENSION].generation.current()
    variant = product.variants[0]
    variant.stock = 0  # a count from the storeroom (ORM)
    db.session.commit()
    db.session.execute(update(Variant).where(Variant.id == variant.id).values(stock=0))  # an order
    db.session.commit()
    assert app.extensions[pagecache.EXTENSION].generation.current() == before
    response, queries = hit(client, url, count_queries)
    assert queries == 0 and "In stock" in response.get_data(as_text=True)
    clock[0] += SECONDS - 1
    assert "In stock" in client.get(url).get_data(as_text=True)
    clock[0] += 2
    assert "Sold out" in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("app_config", ["file", REDIS], indirect=True)
@pytest.mark.commits
def test_price_unpublish_and_suspension_reach_every_worker(
    app, client, second_worker, make_product, count_queries, app_config
):
    product = make_product(price=12_000)
    url = f"/fr/products/{product.slug}"
    listing = "/fr/products/"
    other = second_worker.test_client()
    for page in (url, listing):
        warm(client, page)
        warm(other, page)
        assert other_hit(second_worker, other, page)[1], page

    product.variants[0].price_cents = 15_000
    db.session.commit()
    for visitor, worker in ((client, app), (other, second_worker)):
        # With Redis the second worker may get the page the first just stored.
        html, _from_store = other_hit(worker, visitor, url)
        assert "150,00\xa0MAD" in html and "120,00\xa0MAD" not in html
        warm(visitor, url)

    product.status = ProductStatus.DRAFT
    db.session.commit()
    assert other_hit(second_worker, other, url)[0] == "404"
    assert client.get(url).status_code == 404
    assert product.slug not in other_hit(second_worker, other, listing)[0]

    product.status = ProductStatus.PUBLISHED
    db.session.commit()
    warm(other, url)
    product.cooperative.status = CooperativeStatus.SUSPENDED
    db.session.commit()
    assert other_hit(second_worker, other, url)[0] == "404"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("app_config", ["file", REDIS], indirect=True)
def test_the_generation_is_the_configured_store(app, app_config):
    store = app.extensions[pagecache.EXTENSION].generation
    expected = pagecache.RedisGeneration if "REDIS_URL" in app_config else pagecache.FileGeneration
    assert isinstance(store, expected)
    before = store.current()
    store.bump()
    assert store.current() != before


def test_translations_images_categories_and_policies_renew_the_pages(app, make_product):
    from catalog.models import Category, CategoryTranslation, ProductImage
    from shop.money.policy import PolicyVersion

    product = make_product()
    generation = app.extensions[pagecache.EXTENSION].generation

    def bumps(change) -> bool:
        before = generation.current()
        change()
        db.session.commit()
        return generation.current() != before

    assert bumps(lambda: setattr(product.translations[0], "name", "Huile d'argan bio"))
    assert bumps(
        lambda: db.session.add(
            ProductImage(product=product, key="k" * 64, width=10, height=10, widths="320")
        )
    )
    category = db.session.scalar(db.select(Category).limit(1))
    assert bumps(
        lambda: db.session.add(CategoryTranslation(category_id=category.id, locale="xx", name="X"))
    )
    assert bumps(
        lambda: db.session.add(
            PolicyVersion(version=99, commission_bp=900, premium_bp=300, hold_days=7)
        )
    )
    assert bumps(lambda: setattr(product.cooperative, "legal_name", "Coopérative Renommée"))
    assert not bumps(lambda: setattr(product.variants[0], "stock", 3))
    assert not bumps(lambda: setattr(product.cooperative, "rib_holder", "Banque"))
    assert not bumps(lambda: None)
