"""Application factory, configuration layers, health and headers."""

from __future__ import annotations

import pytest

from shop import create_app


def test_config_layers(tmp_path, monkeypatch, database_url):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "MAIL_DEFAULT_SENDER = 'from-instance@example.com'\nMEDIA_ROOT = '/from/instance'\n"
        "STRIPE_SECRET_KEY = 'sk_instance'\n"
    )
    monkeypatch.setenv("MEDIA_ROOT", "/from/env")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_env")
    app = create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STRIPE_SECRET_KEY": "sk_test_override",
        }
    )
    assert app.config["MAIL_DEFAULT_SENDER"] == "from-instance@example.com"  # instance file
    assert app.config["MEDIA_ROOT"] == "/from/env"  # environment beats the instance file
    assert app.config["STRIPE_SECRET_KEY"] == "sk_test_override"  # tests beat everything
    assert app.config["SEARCH_INDEX_DIR"] == str(instance / "search")  # derived default


def test_secret_key_generated_once_into_instance(tmp_path, monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": database_url})
    second = create_app({"INSTANCE_PATH": str(instance), "SQLALCHEMY_DATABASE_URI": database_url})
    key = first.config["SECRET_KEY"]
    assert len(key) == 64 and key == second.config["SECRET_KEY"]
    assert (instance / "secret_key").read_text().strip() == key
    assert (instance / "secret_key").stat().st_mode & 0o077 == 0
    other = create_app(
        {"INSTANCE_PATH": str(tmp_path / "other"), "SQLALCHEMY_DATABASE_URI": database_url}
    )
    assert other.config["SECRET_KEY"] != key


def test_database_url_uses_psycopg3():
    from shop.config import database_uri

    assert database_uri("postgres://u@h/db", "/i") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgresql://u@h/db", "/i") == "postgresql+psycopg://u@h/db"
    assert database_uri(None, "/inst") == "sqlite:////inst/taawon.sqlite3"


@pytest.mark.commits  # the application's own engine, not the test transaction's
def test_sqlite_uses_wal_and_busy_timeout(app):
    from sqlalchemy import text

    from shop.extensions import db

    if db.engine.dialect.name != "sqlite":
        assert db.engine.dialect.driver == "psycopg"
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15000
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "app": "ok", "database": "ok"}


def test_healthz_reports_database_failure(app, client, monkeypatch):
    from shop.extensions import db

    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "error"


def test_security_headers(client):
    response = client.get("/fr/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_inline_script_and_nothing_from_a_cdn(client):
    html = client.get("/ar/").get_data(as_text=True)
    import re

    for tag in re.findall(r"<script[^>]*>", html):
        assert 'src="/static/' in tag or 'type="application/ld+json"' in tag, tag
    assert "http://" not in html.replace("http://shop.test", "")
    for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', html):
        assert url.startswith("http://shop.test/"), url


def test_robots_txt(client):
    body = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /fr/admin" in body
    assert "Sitemap: http://shop.test/sitemap.xml" in body


def test_session_cookie_flags(app, client, make_user, login):
    user = make_user()
    response = login(client, user)
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session


@pytest.mark.demo
def test_seed_demo_is_idempotent(runner, demo_seed, demo_reseed):
    from shop.accounts.models import User
    from shop.extensions import db

    first = demo_seed
    assert first.exit_code == 0, first.output
    assert "admin@demo.taawon.ma / demo-admin-2026" in first.output
    count = db.session.scalar(db.select(db.func.count()).select_from(User))
    # The second run, made once for the suite (conftest.py): no table gains
    # or loses a row.
    second = demo_reseed.again
    assert second.exit_code == 0, second.output
    assert demo_reseed.rows_after == demo_reseed.rows_before
    assert demo_reseed.rows_after[User.__tablename__] == count == 3
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "already has data" in skipped.output


def test_create_admin_command(runner):
    from shop.accounts.services import find_user

    result = runner.invoke(args=["users", "create-admin", "Boss@Example.com", "--generate"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password: ")[1].strip()
    user = find_user("boss@example.com")
    assert user.is_admin and user.check_password(password)
    weak = runner.invoke(args=["users", "create-admin", "x@example.com", "--password", "short"])
    assert weak.exit_code != 0
    assert find_user("x@example.com") is None


@pytest.mark.demo
def test_demo_accounts_can_log_in(demo_seed, client, post_form):
    from demo.users import DEMO_USERS

    assert demo_seed.exit_code == 0
    for email, _name, password, _admin in DEMO_USERS:
        fresh = client.application.test_client()
        response = post_form(fresh, "/fr/account/login", {"email": email, "password": password})
        assert response.status_code == 302, email
