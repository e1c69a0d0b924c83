"""Sessions end when they should: a copied cookie dies with the session version.

Each test first checks that the copied cookie works, so that its refusal
afterwards is the session version's doing and not a broken copy.
"""

from __future__ import annotations

import re

import pytest

from producers.models import Membership, MembershipRole
from shop.accounts import services
from shop.accounts.services import make_reset_token
from shop.extensions import db

PAGE = "/fr/account/"
SESSION, REMEMBER = "session", "remember_token"


def copy_of(client, name: str):
    """A new client holding only ``client``'s cookie ``name`` (a thief's copy)."""
    cookie = client.get_cookie(name, domain="shop.test")
    assert cookie is not None, f"no {name} cookie"
    thief = client.application.test_client()
    thief.set_cookie(name, cookie.value, domain="shop.test")
    return thief


def signed_in(client) -> bool:
    """True when the account page opens; False when it sends to the login page."""
    response = client.get(PAGE)
    if response.status_code == 302:
        assert "/account/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def login_remembered(client, post_form, user, password="correct horse battery"):
    response = post_form(
        client, "/fr/account/login", {"email": user.email, "password": password, "remember": "y"}
    )
    assert response.status_code == 302
    assert client.get_cookie(REMEMBER, domain="shop.test") is not None


def test_a_password_reset_ends_copied_session_and_remember_cookies(client, post_form, make_user):
    user = make_user()
    login_remembered(client, post_form, user)
    assert signed_in(copy_of(client, SESSION)) and signed_in(copy_of(client, REMEMBER))
    stolen_session, stolen_remember = copy_of(client, SESSION), copy_of(client, REMEMBER)

    link = f"/fr/account/reset/{make_reset_token(user)}"
    owner = client.application.test_client()
    done = post_form(
        owner, link, {"password": "a-brand-new-secret", "confirm": "a-brand-new-secret"}
    )
    assert done.status_code == 302

    assert not signed_in(stolen_session)
    assert not signed_in(stolen_remember)
    assert not signed_in(client)  # the browser that was logged in too


def test_logout_ends_a_copied_session_and_remember_cookie(client, post_form, make_user):
    user = make_user()
    login_remembered(client, post_form, user)
    stolen_session, stolen_remember = copy_of(client, SESSION), copy_of(client, REMEMBER)
    assert signed_in(copy_of(client, SESSION)) and signed_in(copy_of(client, REMEMBER))
    response = post_form(client, "/fr/account/logout", page=PAGE)
    assert response.status_code == 302
    assert not signed_in(client)
    assert not signed_in(stolen_session)
    assert not signed_in(stolen_remember)


def test_log_out_everywhere(client, post_form, make_user, login):
    user = make_user()
    laptop = client.application.test_client()
    login(client, user)
    login_remembered(laptop, post_form, user)
    assert "Log out everywhere" in client.get("/en/account/").get_data(as_text=True)
    # Without its CSRF token the button does nothing.
    assert client.post("/fr/account/sessions/end", data={}).status_code == 400
    assert signed_in(laptop)
    response = post_form(client, "/en/account/sessions/end", page="/en/account/")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    assert not signed_in(client)
    assert not signed_in(laptop)
    assert not signed_in(copy_of(laptop, REMEMBER))
    # Logging in again works, under the new version.
    login(client, user)
    assert signed_in(client)


def test_a_password_change_keeps_this_session_and_ends_the_others(client, post_form, make_user):
    user = make_user(name="Salma Idrissi")
    phone = client.application.test_client()
    login_remembered(client, post_form, user)
    login_remembered(phone, post_form, user)
    old_remember = copy_of(client, REMEMBER)

    wrong = post_form(
        client,
        "/en/account/password",
        {
            "current_password": "nope",
            "password": "safran-de-taliouine",
            "confirm": "safran-de-taliouine",
        },
    )
    assert wrong.status_code == 400
    assert "Your current password is not right." in wrong.get_data(as_text=True)
    assert signed_in(phone)  # a refused change ends nothing

    done = post_form(
        client,
        "/en/account/password",
        {
            "current_password": "correct horse battery",
            "password": "safran-de-taliouine",
            "confirm": "safran-de-taliouine",
        },
    )
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.check_password("safran-de-taliouine")
    assert signed_in(client)  # this browser stays
    assert signed_in(copy_of(client, REMEMBER))  # and its remember cookie was re-issued
    assert not signed_in(phone)
    assert not signed_in(old_remember)


def test_removal_from_the_team_ends_the_managers_sessions(
    client, post_form, login, make_user, make_cooperative
):
    coop = make_cooperative(slug="amal")
    owner = make_user(email="owner@amal.ma")
    manager = make_user(email="manager@amal.ma")
    db.session.add_all(
        [
            Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER),
            Membership(user=manager, cooperative=coop, role=MembershipRole.MANAGER),
        ]
    )
    db.session.commit()
    member_id = db.session.scalar(db.select(Membership.id).where(Membership.user_id == manager.id))
    desk = client.application.test_client()
    login(desk, manager)
    assert desk.get("/fr/producer/amal/").status_code == 200
    login(client, owner)
    response = post_form(
        client, f"/fr/producer/amal/team/{member_id}/remove", page="/fr/producer/amal/team"
    )
    assert response.status_code == 302
    assert not signed_in(desk)
    assert signed_in(client)  # the owner who removed them stays


def test_an_owner_who_leaves_the_team_stays_logged_in(
    client, post_form, login, make_user, make_cooperative
):
    coop = make_cooperative(slug="amal")
    first, second = make_user(email="one@amal.ma"), make_user(email="two@amal.ma")
    db.session.add_all(
        [
            Membership(user=first, cooperative=coop, role=MembershipRole.OWNER),
            Membership(user=second, cooperative=coop, role=MembershipRole.OWNER),
        ]
    )
    db.session.commit()
    mine = db.session.scalar(db.select(Membership.id).where(Membership.user_id == first.id))
    login(client, first)
    post_form(client, f"/fr/producer/amal/team/{mine}/remove", page="/fr/producer/amal/team")
    assert db.session.get(Membership, mine) is None
    assert signed_in(client)
    assert client.get("/fr/producer/amal/").status_code == 403


def test_a_suspended_user_is_logged_out_at_once(client, login, make_user):
    user = make_user()
    login(client, user)
    assert signed_in(client)
    services.suspend_user(user)
    db.session.commit()
    assert not signed_in(client)
    # Reactivating does not bring the old session back.
    user.active = True
    db.session.commit()
    assert not signed_in(client)


@pytest.mark.parametrize(
    "identity", ["{id}", "{id}:0", "{id}:x", "{id}:1:1", "99999999999999999999:1"]
)
def test_the_user_loader_refuses_identities_that_are_not_current(client, make_user, identity):
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = identity.format(id=user.id)
        session["_fresh"] = True
    assert not signed_in(client)


def test_the_identity_holds_the_session_version(make_user):
    user = make_user()
    assert re.fullmatch(rf"{user.id}:1", user.get_id())
    services.end_sessions(user)
    assert user.get_id() == f"{user.id}:2"


def test_the_suspend_command_ends_sessions_and_reinstate_lets_in_again(
    client, runner, login, make_user
):
    user = make_user(email="gone@example.com")
    login(client, user)
    result = runner.invoke(args=["users", "suspend", "GONE@example.com"])
    assert result.exit_code == 0, result.output
    assert not signed_in(client)
    assert runner.invoke(args=["users", "suspend", "nobody@example.com"]).exit_code != 0
    assert runner.invoke(args=["users", "reinstate", "gone@example.com"]).exit_code == 0
    login(client, user)
    assert signed_in(client)
