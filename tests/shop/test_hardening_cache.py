"""Personal pages and downloads send ``Cache-Control: private, no-store`` (issue #13).

Account, the shopper's orders and cart, the cooperative's workspace, the
back office and every CSV/PDF download; the public catalogue stays cacheable
for anonymous visitors. The guest-token order page: tests/orders/test_order_cache.py.
"""

from __future__ import annotations

import pytest

from producers.models import Membership, MembershipRole
from shop.extensions import db
from shop.models import utcnow

NO_STORE = "private, no-store"


def cache_control(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.headers.get("Cache-Control", "")


@pytest.fixture
def owner_client(app, client, make_user, make_cooperative, login):
    owner = make_user(email="owner@coop.ma")
    coop = make_cooperative(slug="tifaout")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    login(client, owner)
    return client


@pytest.mark.parametrize("url", ["/fr/account/login", "/fr/account/register", "/ar/account/reset"])
def test_account_forms_are_not_stored(client, url):
    assert cache_control(client, url) == NO_STORE


def test_signed_in_account_and_order_history(client, make_user, login):
    login(client, make_user())
    assert cache_control(client, "/fr/account/") == NO_STORE
    assert cache_control(client, "/fr/account/orders") == NO_STORE


def test_cart_is_personal_even_for_a_visitor(client):
    assert cache_control(client, "/fr/cart") == NO_STORE


def test_workspace_pages_and_csv_downloads(owner_client):
    assert cache_control(owner_client, "/fr/producer/tifaout/") == NO_STORE
    assert cache_control(owner_client, "/fr/producer/tifaout/balance") == NO_STORE
    now = utcnow()
    response = owner_client.get(f"/fr/producer/tifaout/statements/{now.year}/{now.month}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == NO_STORE


def test_refusals_on_personal_pages_are_not_stored_either(client, make_user, login):
    login(client, make_user())
    assert cache_control(client, "/fr/admin/", status=403) == NO_STORE


def test_back_office(client, make_user, login):
    login(client, make_user(email="admin@taawon.ma", is_admin=True))
    for url in ("/fr/admin/", "/fr/admin/audit", "/fr/admin/cooperatives", "/fr/admin/orders"):
        assert cache_control(client, url) == NO_STORE, url


def test_public_catalogue_is_not_marked_for_anonymous_visitors(client, make_product):
    product = make_product()
    for url in (
        "/fr/",
        f"/fr/products/{product.slug}",
        "/fr/products/",
        "/fr/cooperatives/",
        "/robots.txt",
        "/sitemap.xml",
    ):
        value = cache_control(client, url)
        assert "no-store" not in value and "private" not in value, (url, value)


def test_a_signed_in_visitor_gets_private_public_pages(client, make_user, login, make_product):
    product = make_product()
    login(client, make_user())
    value = cache_control(client, f"/fr/products/{product.slug}")
    assert value == "private"  # names the visitor in the header: no shared cache
