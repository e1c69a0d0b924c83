"""Production is the default and safe: base URL, hosts, cookies, HSTS, proxies, banners (#13)."""

from __future__ import annotations

import http.client
import threading
from pathlib import Path

import pytest
from flask import request, request_started
from flask_limiter.util import get_remote_address
from werkzeug.serving import WSGIRequestHandler, make_server

from shop import create_app
from shop.security import HSTS
from shop.urls import ConfigError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bare_config(tmp_path, database_url, monkeypatch):
    """create_app settings naming neither an environment nor a base URL."""
    for name in ("TAAWON_ENV", "PUBLIC_BASE_URL", "TAAWON_PUBLIC_BASE_URL", "TRUSTED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    return {
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "x",
        "SEARCH_INDEX_DIR": ":memory:",
    }


def test_production_is_the_default_and_needs_a_base_url(bare_config):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL is not set"):
        create_app(bare_config)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"PUBLIC_BASE_URL": "http://taawon.ma"}, "must be https:// in production"),
        ({"PUBLIC_BASE_URL": "taawon.ma"}, "not a usable base URL"),
        ({"PUBLIC_BASE_URL": "https://taawon.ma/?x=1"}, "not a usable base URL"),
        ({"PUBLIC_BASE_URL": "https://taawon.ma", "ENVIRONMENT": "prod"}, "TAAWON_ENV"),
    ],
)
def test_production_refuses_an_unsafe_base_url(bare_config, settings, message):
    with pytest.raises(ConfigError, match=message):
        create_app({**bare_config, **settings})


def test_trusted_hosts_are_the_base_host_and_the_configured_extras(bare_config, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://taawon.ma/")
    monkeypatch.setenv("TRUSTED_HOSTS", "www.taawon.ma, backoffice.internal")
    app = create_app(bare_config)
    assert app.config["TRUSTED_HOSTS"] == ["taawon.ma", "www.taawon.ma", "backoffice.internal"]
    assert app.config["PUBLIC_BASE_URL"] == "https://taawon.ma"
    client = app.test_client()
    for host in ("taawon.ma", "www.taawon.ma", "backoffice.internal"):
        assert client.get("/robots.txt", headers={"Host": host}).status_code == 200, host
    for host in ("localhost", "evil.example", "taawon.ma.evil.example"):
        assert client.get("/robots.txt", headers={"Host": host}).status_code == 400, host


def test_development_uses_its_own_address(bare_config, monkeypatch):
    monkeypatch.setenv("TAAWON_ENV", "development")
    app = create_app({**bare_config, "PORT": 8123})
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:8123"
    assert app.config["PROXY_COUNT"] == 0 and app.config["SESSION_COOKIE_SECURE"] is False


# ------------------------------------------------------------- the production app


PRODUCTION = {"ENVIRONMENT": "production", "PUBLIC_BASE_URL": "https://shop.test"}


@pytest.mark.parametrize("app_config", [PRODUCTION])
def test_production_cookies_and_hsts(app, client, make_user):
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["PROXY_COUNT"] == 1
    user = make_user(email="amina@example.com")
    page = client.get("/fr/account/login")
    assert (
        page.headers["Strict-Transport-Security"] == HSTS == ("max-age=63072000; includeSubDomains")
    )
    token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post(
        "/fr/account/login",
        data={
            "email": user.email,
            "password": "correct horse battery",
            "remember": "y",
            "csrf_token": token,
        },
        headers={"Referer": "https://shop.test/fr/account/login"},
    )
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        flags = [part.strip().lower() for part in cookies[name].split(";")]
        assert {"secure", "httponly", "samesite=lax"} <= set(flags), cookies[name]


def _seen_addresses(app, client, **kwargs) -> dict[str, object]:
    seen: dict[str, object] = {}

    def record(sender, **_extra):
        seen.update(addr=request.remote_addr, key=get_remote_address(), secure=request.is_secure)

    with request_started.connected_to(record, app):
        client.get("/robots.txt", **kwargs)
    return seen


FORWARDED = {
    "environ_base": {"REMOTE_ADDR": "10.0.0.2"},  # the reverse proxy
    "headers": {"X-Forwarded-For": "198.51.100.9, 203.0.113.7", "X-Forwarded-Proto": "https"},
    "base_url": "http://shop.test",
}


@pytest.mark.parametrize("app_config", [PRODUCTION])
def test_proxy_fix_gives_the_real_client_address(app, client):
    # One proxy: its own X-Forwarded-For entry is the client; what came before is the
    # client's own claim and is not believed.
    seen = _seen_addresses(app, client, **FORWARDED)
    assert seen == {"addr": "203.0.113.7", "key": "203.0.113.7", "secure": True}


def test_without_a_proxy_forwarded_headers_are_ignored(app, client):
    assert app.config["PROXY_COUNT"] == 0  # outside production, by default
    seen = _seen_addresses(app, client, **FORWARDED)
    assert seen == {"addr": "10.0.0.2", "key": "10.0.0.2", "secure": False}


# ------------------------------------------------------------- the development server


def _server_headers(app, handler) -> dict[str, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        connection.request("GET", "/robots.txt")
        response = connection.getresponse()
        response.read()
        connection.close()
        assert response.status == 200
        return {name.lower(): value for name, value in response.getheaders()}
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def test_make_run_server_sends_no_version_banner(app):
    from shop.devserver import QuietRequestHandler

    assert "werkzeug" in _server_headers(app, WSGIRequestHandler).get("server", "").lower()
    headers = _server_headers(app, QuietRequestHandler)
    assert "server" not in headers
    assert not any("werkzeug" in v.lower() or "python" in v.lower() for v in headers.values())
    makefile = (ROOT / "Makefile").read_text()
    run_target = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "$(FLASK) serve " in run_target


def test_serve_command_uses_the_quiet_handler(app, runner, monkeypatch):
    import shop.devserver as devserver

    calls = []
    monkeypatch.setattr(devserver, "run_simple", lambda *a, **kw: calls.append((a, kw)))
    result = runner.invoke(args=["serve", "--port", "5055"])
    assert result.exit_code == 0, result.output
    ((args, kwargs),) = calls
    assert args[:2] == ("127.0.0.1", 5055)
    assert kwargs["request_handler"] is devserver.QuietRequestHandler
    assert kwargs["use_debugger"] is False
    app.config["ENVIRONMENT"] = "production"
    refused = runner.invoke(args=["serve"])
    assert refused.exit_code != 0 and "gunicorn" in refused.output
