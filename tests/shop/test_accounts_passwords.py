"""Passwords are judged by zxcvbn as well as their length, wherever one is set."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from shop.accounts import services
from shop.accounts.passwords import password_problem
from shop.accounts.services import find_user, make_registration_token, make_reset_token
from shop.extensions import db

WEAK = ["aaaaaaaaaa", "1234567890", "azertyuiop", "password1234", "abcabcabcabc"]
#: zxcvbn's own English feedback: never shown as is (it is not translated).
ZXCVBN_WORDS = re.compile(r"are easy to guess|is easy to guess|top-\d+|very common|Repeats like")


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_with_a_hint(app, password):
    with app.test_request_context("/en/"), force_locale("en"):
        problem = str(password_problem(password))
    assert problem and problem.startswith("This password is too easy to guess.")
    hint = problem.removeprefix("This password is too easy to guess. ")
    assert hint and not ZXCVBN_WORDS.search(hint)


def test_strong_passwords_pass_and_the_own_address_does_not(app):
    with app.test_request_context("/en/"), force_locale("en"):
        for password in ("correct horse battery", "safran-de-taliouine", "demo-shopper-2026"):
            assert password_problem(password) is None
        # Strong for a stranger, but it is the person's own address.
        assert password_problem("khadija@example.ma") is None
        assert password_problem("khadija@example.ma", ["khadija@example.ma", "Khadija"])


def test_the_registration_link_refuses_a_weak_password(client, post_form):
    link = f"/en/account/register/{make_registration_token('k@example.ma', 'Khadija', 'en')}"
    for password in ("aaaaaaaaaa", "1234567890"):
        page = post_form(client, link, {"password": password, "confirm": password})
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "This password is too easy to guess." in html
    assert find_user("k@example.ma") is None


def test_a_reset_refuses_a_weak_password(client, post_form, make_user):
    user = make_user()
    link = f"/en/account/reset/{make_reset_token(user)}"
    page = post_form(client, link, {"password": "1234567890", "confirm": "1234567890"})
    assert "This password is too easy to guess." in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password("correct horse battery")


def test_an_invitation_refuses_a_weak_password(client, post_form, make_user, make_cooperative):
    from producers.services import invite_manager

    coop = make_cooperative(slug="amal")
    invite_manager(coop, "new@amal.ma", make_user(), "Hassan", lang="en")
    db.session.commit()
    user = find_user("new@amal.ma")
    link = f"/en/account/reset/{make_reset_token(user)}"
    page = post_form(client, link, {"password": "aaaaaaaaaa", "confirm": "aaaaaaaaaa"})
    assert "This password is too easy to guess." in page.get_data(as_text=True)
    assert not user.check_password("aaaaaaaaaa")


def test_a_change_refuses_a_weak_password_or_ones_own_address(client, post_form, make_user, login):
    user = make_user(email="khadija@example.ma", name="Khadija")
    login(client, user)
    for password in ("aaaaaaaaaa", "khadija@example.ma"):
        page = post_form(
            client,
            "/en/account/password",
            {
                "current_password": "correct horse battery",
                "password": password,
                "confirm": password,
            },
        )
        assert page.status_code == 400
        assert "This password is too easy to guess." in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password("correct horse battery")


def test_the_service_and_the_admin_command_refuse_weak_passwords(app, runner):
    with pytest.raises(services.AccountError):
        services.register_user("weak@example.com", "Weak", "1234567890", "fr")
    weak = runner.invoke(
        args=["users", "create-admin", "boss@example.com", "--password", "aaaaaaaaaa"]
    )
    # The command speaks the shop's default language (French).
    assert weak.exit_code != 0 and "trop facile à deviner" in weak.output
    assert find_user("boss@example.com") is None
