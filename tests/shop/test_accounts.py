"""Register, log in, log out, reset a password; CSRF and rate limits."""

from __future__ import annotations

import re

import pytest

from shop.accounts.models import User
from shop.accounts.services import find_user, make_reset_token
from shop.extensions import db


def test_register_logs_in_and_hashes_the_password(client, post_form):
    response = post_form(
        client,
        "/ar/account/register",
        {
            "name": "Khadija Amrani",
            "email": "Khadija@Example.ma",
            "password": "argan-is-gold-2026",
            "confirm": "argan-is-gold-2026",
        },
    )
    assert response.status_code == 302
    user = find_user("khadija@example.ma")
    assert user.email == "khadija@example.ma" and user.locale == "ar"
    assert "argan-is-gold-2026" not in user.password_hash
    assert user.check_password("argan-is-gold-2026")
    page = client.get("/ar/account/").get_data(as_text=True)
    assert "Khadija Amrani" in page


def test_register_errors_keep_the_input(client, post_form, make_user):
    make_user(email="taken@example.com")
    response = post_form(
        client,
        "/fr/account/register",
        {
            "name": "Rachid <b>Bold</b>",
            "email": "taken@example.com",
            "password": "longenough-1",
            "confirm": "different-1",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Les mots de passe ne correspondent pas." in html
    assert 'value="Rachid &lt;b&gt;Bold&lt;/b&gt;"' in html  # kept, and escaped
    assert 'value="taken@example.com"' in html
    response = post_form(
        client,
        "/fr/account/register",
        {
            "name": "Rachid",
            "email": "TAKEN@example.com",
            "password": "longenough-1",
            "confirm": "longenough-1",
        },
    )
    assert "Un compte existe déjà avec cette adresse e-mail." in response.get_data(as_text=True)
    short = post_form(
        client,
        "/en/account/register",
        {
            "name": "R",
            "email": "r@example.com",
            "password": "short",
            "confirm": "short",
        },
    )
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_login_logout(client, post_form, make_user, login):
    user = make_user(email="fatima@example.com", name="Fatima Zahra")
    bad = post_form(
        client, "/en/account/login", {"email": user.email, "password": "wrong-password"}
    )
    assert "The e-mail or password is not right." in bad.get_data(as_text=True)
    login(client, user)
    assert "Fatima" in client.get("/fr/account/").get_data(as_text=True)
    response = post_form(client, "/fr/account/logout", page="/fr/account/")
    assert response.status_code == 302
    assert client.get("/fr/account/").status_code == 302  # back to login


def test_login_redirects_only_to_local_next(client, post_form, make_user):
    user = make_user()
    ok = post_form(
        client,
        "/fr/account/login?next=/fr/cart",
        {"email": user.email, "password": "correct horse battery"},
    )
    assert ok.headers["Location"] == "/fr/cart"
    client.post("/fr/account/logout", data={"csrf_token": ""})
    with client.session_transaction() as session:
        session.clear()
    evil = post_form(
        client,
        "/fr/account/login?next=//evil.example/x",
        {"email": user.email, "password": "correct horse battery"},
    )
    assert "evil.example" not in evil.headers["Location"]


def test_inactive_user_cannot_log_in(client, post_form, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    response = post_form(
        client, "/fr/account/login", {"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 200


def test_password_reset_through_the_outbox(client, post_form, make_user, outbox):
    user = make_user(email="amina@example.com", locale="ar")
    response = post_form(client, "/fr/account/reset", {"email": "AMINA@example.com"})
    assert response.status_code == 302
    (message,) = outbox()
    assert message["To"] == "amina@example.com"
    assert message["Subject"] == "أعد تعيين كلمة مرور تعاون"  # in the user's language
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"http://shop\.test(/ar/account/reset/\S+)", text).group(1)
    page = client.get(link)
    assert page.status_code == 200
    done = post_form(
        client, link, {"password": "a-brand-new-secret", "confirm": "a-brand-new-secret"}
    )
    assert done.status_code == 302
    db.session.refresh(user)
    assert user.check_password("a-brand-new-secret")
    # The link works only once.
    again = client.get(link)
    assert again.status_code == 302 and again.headers["Location"].endswith("/account/reset")


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(client, post_form, outbox):
    response = post_form(client, "/en/account/reset", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert outbox() == []


def test_reset_token_expires(app, make_user, monkeypatch):
    from shop.accounts import services

    user = make_user()
    token = make_reset_token(user)
    assert services.user_from_reset_token(token) == user
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert services.user_from_reset_token(token) is None
    assert services.user_from_reset_token("garbage") is None


def test_post_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post(
        "/fr/account/login", data={"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "Le formulaire a expiré" in response.get_data(as_text=True)
    response = client.post(
        "/fr/account/register",
        data={
            "csrf_token": "forged",
            "name": "x",
            "email": "x@example.com",
            "password": "longenough-1",
            "confirm": "longenough-1",
        },
    )
    assert response.status_code == 400
    assert find_user("x@example.com") is None


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}]
)
def test_login_is_rate_limited(client, post_form, make_user):
    user = make_user()
    for _ in range(3):
        response = post_form(
            client, "/fr/account/login", {"email": user.email, "password": "wrong-password"}
        )
        assert response.status_code == 200
    blocked = post_form(
        client, "/fr/account/login", {"email": user.email, "password": "correct horse battery"}
    )
    assert blocked.status_code == 429
    assert "Trop de tentatives" in blocked.get_data(as_text=True)
    assert client.get("/fr/account/login").status_code == 200  # reading the form is free


def test_passwords_are_hashed_with_scrypt_in_production(database_url, tmp_path):
    from shop import create_app

    production = create_app(
        {
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "x",
        }
    )
    assert production.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with production.app_context():
        user = User(email="real@example.com")
        user.set_password("argan-is-gold-2026")
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password("argan-is-gold-2026") and not user.check_password("argan")
