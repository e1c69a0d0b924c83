"""Register (through a mailed link), log in, log out, reset a password; CSRF."""

from __future__ import annotations

import re

from shop.accounts.models import User
from shop.accounts.services import find_user, make_reset_token
from shop.extensions import db


def _link(message, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"http://shop\.test({path}\S+)", text).group(1)


def test_register_mails_a_link_that_creates_the_account(client, post_form, outbox):
    response = post_form(
        client, "/ar/account/register", {"name": "Khadija Amrani", "email": "Khadija@Example.ma"}
    )
    assert response.status_code == 200
    assert "khadija@example.ma" in response.get_data(as_text=True)
    assert find_user("khadija@example.ma") is None  # nothing until the link is opened
    (message,) = outbox()
    assert message["To"] == "khadija@example.ma"
    link = _link(message, "/ar/account/register/")
    page = client.get(link).get_data(as_text=True)
    assert "Khadija Amrani" in page and "khadija@example.ma" in page
    done = post_form(
        client, link, {"password": "argan-is-gold-2026", "confirm": "argan-is-gold-2026"}
    )
    assert done.status_code == 302
    user = find_user("khadija@example.ma")
    assert user.email == "khadija@example.ma" and user.locale == "ar"
    assert "argan-is-gold-2026" not in user.password_hash
    assert user.check_password("argan-is-gold-2026")
    assert "Khadija Amrani" in client.get("/ar/account/").get_data(as_text=True)
    # The link works once: the account exists now.
    other = client.application.test_client()
    again = other.get(link)
    assert again.status_code == 302 and "/account/login" in again.headers["Location"]


def test_register_answers_the_same_whether_the_address_has_an_account(
    client, post_form, make_user, outbox
):
    make_user(email="taken@example.com", name="Rachid Taken")
    pages = {}
    for email in ("TAKEN@example.com", "free@example.com"):
        response = post_form(client, "/fr/account/register", {"name": "Rachid", "email": email})
        assert response.status_code == 200
        page = response.get_data(as_text=True).replace(email.lower(), "ADDRESS")
        # A CSRF token carries the second it was signed in: two requests may
        # straddle a second, and the token says nothing about the address.
        pages[email] = re.sub(r'(csrf[-_]token"[^>]*(?:content|value)=")[^"]+', r"\1TOKEN", page)
    assert pages["TAKEN@example.com"] == pages["free@example.com"]
    assert "existe déjà" not in pages["TAKEN@example.com"]
    taken, free = outbox()
    # The owner of the taken address is told, with a way back in; no second account.
    assert taken["To"] == "taken@example.com"
    assert "/fr/account/reset/" in taken.get_body(("plain",)).get_content()
    assert "/account/register/" not in taken.get_body(("plain",)).get_content()
    assert free["To"] == "free@example.com"
    assert "/fr/account/register/" in free.get_body(("plain",)).get_content()
    reset = _link(taken, "/fr/account/reset/")
    assert client.get(reset).status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_register_errors_keep_the_input(client, post_form, outbox):
    response = post_form(
        client, "/fr/account/register", {"name": "Rachid <b>Bold</b>", "email": "not-an-email"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Rachid &lt;b&gt;Bold&lt;/b&gt;"' in html  # kept, and escaped
    assert 'value="not-an-email"' in html
    assert outbox() == []
    post_form(client, "/en/account/register", {"name": "R", "email": "r@example.com"})
    link = _link(outbox()[0], "/en/account/register/")
    mismatch = post_form(client, link, {"password": "longenough-1", "confirm": "different-1"})
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    short = post_form(client, link, {"password": "short", "confirm": "short"})
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_a_registration_link_expires_and_cannot_be_forged(app, client, post_form, outbox):
    from shop.accounts.services import make_registration_token

    forged = make_registration_token("a@example.com", "A", "fr")[:-2] + "xx"
    response = client.get(f"/fr/account/register/{forged}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/register")
    post_form(client, "/fr/account/register", {"name": "A", "email": "a@example.com"})
    link = _link(outbox()[0], "/fr/account/register/")
    app.config["REGISTRATION_LINK_MAX_AGE"] = -1
    expired = client.get(link)
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/register")
    assert find_user("a@example.com") is None


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
        data={"csrf_token": "forged", "name": "x", "email": "x@example.com"},
    )
    assert response.status_code == 400


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
