"""Favourites: the heart on cards and product pages, the session for guests, the merge at
login, the page, and SQL that does not grow with the cards or the favourites."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from catalog.favourites.models import Favourite
from catalog.favourites.saved import COOKIE, MAX_FAVOURITES, SESSION_KEY
from catalog.models import ProductStatus
from catalog.queries import PAGE_SIZE
from shop.extensions import db


def origin(client) -> dict[str, str]:
    return {"Origin": client.application.config["PUBLIC_BASE_URL"]}


def press(client, product, back: str = "/fr/products/"):
    """Press a product's heart as a browser does from a cached page (no token, our origin)."""
    return client.post(
        "/fr/favourites/toggle", data={"p": product.id, "back": back}, headers=origin(client)
    )


def saved_of(user) -> list[int]:
    return list(
        db.session.scalars(
            select(Favourite.product_id).where(Favourite.user_id == user.id).order_by(Favourite.id)
        )
    )


def cookie(client) -> str | None:
    found = next((c for c in client._cookies.values() if c.key == COOKIE), None)
    return found.value if found else None


def hearts(html: str) -> dict[int, str | None]:
    """Each heart's product id and its aria-pressed (None: left to the script)."""
    found = {}
    for tag in re.findall(r'<button class="fav"[^>]*>', html):
        value = int(re.search(r'value="(\d+)"', tag).group(1))
        pressed = re.search(r'aria-pressed="(\w+)"', tag)
        found[value] = pressed.group(1) if pressed else None
    return found


def pressed_ids(html: str) -> set[int]:
    return {i for i, pressed in hearts(html).items() if pressed == "true"}


def test_a_guest_saves_and_removes_a_product(client, make_product):
    product = make_product(name_fr="Huile d'argan")
    response = press(client, product, back="/fr/products/?page=1")
    assert response.status_code == 302 and response.location == "/fr/products/?page=1"
    with client.session_transaction() as session:
        assert session[SESSION_KEY] == [product.id]
    assert cookie(client) == str(product.id)
    page = client.get("/fr/favourites")
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert "Huile d&#39;argan" in html and pressed_ids(html) == {product.id}
    press(client, product)
    assert cookie(client) is None
    assert "Huile d&#39;argan" not in client.get("/fr/favourites").get_data(as_text=True)


def test_the_heart_refuses_other_sites_unknown_and_hidden_products(client, make_product):
    product = make_product()
    draft = make_product(status=ProductStatus.DRAFT)
    data = {"p": product.id}
    assert client.post("/fr/favourites/toggle", data=data).status_code == 400  # no Origin
    evil = {"Origin": "https://evil.example"}
    assert client.post("/fr/favourites/toggle", data=data, headers=evil).status_code == 400
    assert press(client, draft).status_code == 404
    for nonsense in ("999999", "", "-1", "1e3"):
        gone = client.post("/fr/favourites/toggle", data={"p": nonsense}, headers=origin(client))
        assert gone.status_code == 404
    # A link elsewhere as the way back is ignored.
    response = press(client, product, back="https://evil.example/")
    assert response.location == "/fr/favourites"


def test_cached_pages_carry_hearts_without_state_and_signed_in_pages_with_it(
    client, make_product, make_user, login
):
    saved, other = make_product(), make_product()
    html = client.get("/fr/products/").get_data(as_text=True)
    assert hearts(html)[saved.id] is None and "aria-pressed" not in html
    assert 'action="/fr/favourites/toggle"' in html
    assert 'name="csrf_token"' not in html  # still a public page
    user = make_user()
    login(client, user)
    press(client, saved)
    for url in ("/fr/products/", f"/fr/products/{saved.slug}"):
        html = client.get(url).get_data(as_text=True)
        assert pressed_ids(html) == {saved.id}, url
    html = client.get(f"/fr/products/{other.slug}").get_data(as_text=True)
    assert hearts(html)[other.id] == "false"
    assert saved_of(user) == [saved.id]
    assert cookie(client) == str(saved.id)


def test_guest_favourites_join_the_account_at_login_without_duplicates(
    client, make_product, make_user, login, post_form
):
    a, b, c = make_product(), make_product(), make_product()
    user = make_user()
    db.session.add(Favourite(user_id=user.id, product_id=b.id))
    db.session.commit()
    for product in (a, b, c):
        press(client, product)
    login(client, user)
    assert sorted(saved_of(user)) == sorted([a.id, b.id, c.id])
    with client.session_transaction() as session:
        assert SESSION_KEY not in session
    assert set(cookie(client).split(".")) == {str(a.id), str(b.id), str(c.id)}
    html = client.get("/fr/favourites").get_data(as_text=True)
    assert pressed_ids(html) == {a.id, b.id, c.id}
    # Logging out: the hearts are the (empty) session's again.
    assert post_form(client, "/fr/account/logout", page="/fr/favourites").status_code == 302
    assert cookie(client) is None


def test_a_guest_keeps_at_most_the_bound(client, make_product):
    product = make_product()
    with client.session_transaction() as session:
        session[SESSION_KEY] = list(range(10_000, 10_000 + MAX_FAVOURITES))
    response = press(client, product)
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert product.id not in session[SESSION_KEY]


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_favourites_page_runs_a_bounded_number_of_queries(
    count_queries, client, make_product, make_cooperative, make_user, login, signed_in
):
    coops = [make_cooperative() for _ in range(4)]
    if signed_in:
        login(client, make_user())

    def queries_with(n: int) -> int:
        for i in range(n):
            press(client, make_product(cooperative=coops[i % 4], certifications=("organic",)))
        client.get("/fr/favourites")
        with count_queries() as statements:
            html = client.get("/fr/favourites").get_data(as_text=True)
        assert len(hearts(html)) == min(PAGE_SIZE, total[0] + n)
        total[0] += n
        return len(statements)

    total = [0]
    few = queries_with(2)
    many = queries_with(PAGE_SIZE + 4)  # PAGE_SIZE + 6 in all
    assert few == many, (few, many)


@pytest.mark.parametrize("url", ["/fr/products/?page=1", "/fr/"])
def test_listings_with_favourites_run_a_bounded_number_of_queries(
    count_queries, client, make_product, make_cooperative, make_user, login, url
):
    coops = [make_cooperative() for _ in range(4)]
    login(client, make_user())

    def queries_with(n: int) -> int:
        for i in range(n):
            press(client, make_product(cooperative=coops[i % 4], variants=2))
        client.get(url)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = queries_with(2)
    many = queries_with(PAGE_SIZE + 4)
    assert few == many, (few, many)


def test_the_product_page_with_favourites_runs_a_bounded_number_of_queries(
    count_queries, client, make_product, make_user, login
):
    login(client, make_user())
    small = make_product(variants=1)
    big = make_product(variants=12, certifications=("organic", "igp"))
    for product in (small, big, *(make_product() for _ in range(8))):
        press(client, product)
    counts = []
    for product in (small, big):
        client.get(f"/fr/products/{product.slug}")
        with count_queries() as statements:
            client.get(f"/fr/products/{product.slug}")
        counts.append(len(statements))
    assert counts[0] == counts[1]
