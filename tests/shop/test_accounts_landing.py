"""Where a login lands (#14): a manager in their workspace, an admin in the back
office, a shopper back on the page they came from; an explicit ``next`` wins."""

from __future__ import annotations

import pytest

from producers.models import CooperativeStatus, Membership, MembershipRole
from shop.extensions import db

PASSWORD = "correct horse battery"


@pytest.fixture
def log_in(post_form):
    """Post the login form at ``url``; return where it sends the browser."""

    def run(client, user, url: str = "/fr/account/login") -> str:
        response = post_form(client, url, {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        return response.location

    return run


def manage(user, *cooperatives) -> None:
    for coop in cooperatives:
        db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()


def test_the_headers_login_link_says_where_the_visitor_was(client):
    html = client.get("/fr/products/").get_data(as_text=True)
    assert 'href="/fr/account/login?back=/fr/products/' in html
    # "back" is a wish, not an order: the login page carries it on.
    page = client.get("/fr/account/login?back=/fr/products/").get_data(as_text=True)
    assert 'name="back" value="/fr/products/"' in page


def test_a_shopper_goes_back_where_they_were(client, make_user, log_in):
    assert log_in(client, make_user(), "/fr/account/login?back=/fr/products/") == "/fr/products/"


def test_a_shopper_without_a_page_goes_home(client, make_user, log_in):
    assert log_in(client, make_user(locale="fr")) == "/fr/"


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "/\\evil"])
def test_back_stays_on_this_site(client, make_user, log_in, target):
    assert log_in(client, make_user(), f"/fr/account/login?back={target}") == "/fr/"


def test_a_manager_lands_on_their_cooperatives_dashboard(
    client, make_user, make_cooperative, log_in
):
    manager = make_user()
    manage(manager, make_cooperative(slug="amal"))
    # Even from the header on another page: the workspace is where their work is.
    assert log_in(client, manager, "/fr/account/login?back=/fr/products/") == "/fr/producer/amal/"
    assert client.get("/fr/producer/amal/").status_code == 200


def test_a_manager_of_several_cooperatives_chooses(client, make_user, make_cooperative, log_in):
    manager = make_user()
    manage(manager, make_cooperative(slug="amal"), make_cooperative(slug="tifaout"))
    assert log_in(client, manager) == "/fr/producer/"
    html = client.get("/fr/producer/").get_data(as_text=True)
    assert "/fr/producer/amal/" in html and "/fr/producer/tifaout/" in html


def test_an_applicant_lands_on_the_application(client, make_user, make_cooperative, log_in):
    manager = make_user()
    manage(manager, make_cooperative(slug="amal", status=CooperativeStatus.DRAFT))
    landing = log_in(client, manager)
    assert landing == "/fr/producer/apply/amal"
    assert client.get(landing).status_code == 200


def test_an_admin_lands_on_the_back_office(client, make_user, log_in):
    admin = make_user(is_admin=True)
    assert log_in(client, admin, "/ar/account/login?back=/ar/") == "/ar/admin/"


def test_an_explicit_next_wins_for_everyone(client, app, make_user, make_cooperative, log_in):
    manager = make_user()
    manage(manager, make_cooperative(slug="amal"))
    # Sent to log in by a page (or checkout's link): back to it.
    assert log_in(client, manager, "/fr/account/login?next=/fr/cart&back=/fr/") == "/fr/cart"
    admin_client = app.test_client()
    admin = make_user(is_admin=True)
    assert log_in(admin_client, admin, "/fr/account/login?next=/fr/checkout") == "/fr/checkout"


def test_a_protected_page_sends_a_manager_back_to_it(client, make_user, make_cooperative, log_in):
    manager = make_user()
    manage(manager, make_cooperative(slug="amal"))
    to_login = client.get("/fr/account/orders")
    assert to_login.status_code == 302
    assert log_in(client, manager, to_login.location) == "/fr/account/orders"
