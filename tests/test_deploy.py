"""The deployment files under deploy/: gunicorn's settings follow the app's, nginx and
systemd accept theirs (where those tools are installed)."""

from __future__ import annotations

import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def gunicorn_settings(monkeypatch, **env: str) -> dict:
    for name in ("PROXY_COUNT", "FORWARDED_ALLOW_IPS", "WEB_CONCURRENCY", "PORT", "TAAWON_ENV"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_believes_forwarded_headers_only_with_a_proxy(monkeypatch):
    production = gunicorn_settings(monkeypatch, TAAWON_ENV="production")
    assert production["forwarded_allow_ips"] == "127.0.0.1,::1"  # PROXY_COUNT 1 by default
    alone = gunicorn_settings(monkeypatch, TAAWON_ENV="production", PROXY_COUNT="0")
    assert alone["forwarded_allow_ips"] == ""
    development = gunicorn_settings(monkeypatch, TAAWON_ENV="development")
    assert development["forwarded_allow_ips"] == ""  # PROXY_COUNT 0 there, as in the app
    assert production["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}


def test_gunicorn_binds_the_loopback_with_workers_from_the_cores(monkeypatch):
    import multiprocessing

    settings = gunicorn_settings(monkeypatch, PORT="8001")
    assert settings["bind"] == "127.0.0.1:8001"
    assert settings["workers"] == 2 * multiprocessing.cpu_count() + 1
    assert gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")["workers"] == 3
    assert settings["wsgi_app"] == "shop:create_app()"
    assert "%(q)s" not in settings["access_log_format"]  # tokens in query strings stay out


def test_nginx_sends_the_headers_proxyfix_reads_and_never_a_host():
    snippet = (DEPLOY / "nginx" / "taawon-proxy.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in snippet
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in snippet
    assert 'proxy_set_header X-Forwarded-Host "";' in snippet
    site = (DEPLOY / "nginx" / "taawon.conf").read_text()
    assert "client_max_body_size 32m;" in site  # MAX_CONTENT_LENGTH
    webhook = site.split("location = /stripe/webhook")[1].split("location / {")[0]
    assert "proxy_buffering off;" in webhook and "gzip off;" in webhook


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=taawon.ma", "-keyout", str(tmp_path / "key.pem"),
         "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "taawon.conf").read_text()
    site = site.replace("/etc/letsencrypt/live/taawon.ma/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/letsencrypt/live/taawon.ma/privkey.pem", str(tmp_path / "key.pem"))
    site = site.replace(
        "/etc/nginx/snippets/taawon-proxy.conf", str(DEPLOY / "nginx" / "taawon-proxy.conf")
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is missing")
def test_systemd_accepts_the_units(tmp_path):
    root = DEPLOY.parent
    python = Path(shutil.which("python3") or "/usr/bin/python3")
    for unit in ("taawon-web@.service", "taawon-worker@.service"):
        text = (DEPLOY / "systemd" / unit).read_text()
        # The real paths do not exist here: point them at this checkout.
        text = text.replace("/srv/taawon/venv/bin/gunicorn", str(python))
        text = text.replace("/srv/taawon/venv/bin/flask", str(python))
        text = text.replace("/srv/taawon/app", str(root))
        (tmp_path / unit).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "./taawon-web@8000.service", "./taawon-worker@1.service"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr
