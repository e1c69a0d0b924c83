"""Configuration layers: defaults, ``instance/config.py``, environment, tests."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

#: Variables read from the environment (ARCHITECTURE.md, Configuration).
ENV_VARS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_SESSION_MINUTES",
    "STRIPE_MAX_NETWORK_RETRIES",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_DEFAULT_SENDER",
    "MEDIA_ROOT",
    "PRIVATE_MEDIA_ROOT",
    "SEARCH_INDEX_DIR",
    "RATELIMIT_STORAGE_URI",
    "SERVER_NAME",
    "PREFERRED_URL_SCHEME",
    "HOST",
    "PORT",
)


class Defaults:
    """Settings that hold when nothing else says otherwise."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    MAIL_SERVER = ""
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_DEFAULT_SENDER = "Taawon <no-reply@taawon.ma>"
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    STRIPE_PUBLISHABLE_KEY = ""
    STRIPE_SESSION_MINUTES = 30  # how long a card checkout holds the stock
    STRIPE_MAX_NETWORK_RETRIES = 1
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    PASSWORD_RESET_MAX_AGE = 3600  # seconds a reset link stays valid
    #: werkzeug's generate_password_hash method (its scrypt default); the
    #: tests use a cheap pbkdf2 since hashing is not what they test.
    PASSWORD_HASH_METHOD = "scrypt"
    DEFAULT_LANGUAGE = "fr"  # when neither cookie nor Accept-Language decides
    BABEL_DEFAULT_TIMEZONE = "Africa/Casablanca"
    CURRENCY = "MAD"
    HOST = "127.0.0.1"
    PORT = 5000


def _as_bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(app: Flask, test_config: dict | None) -> None:
    """Apply the layers in order; later layers win."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name in ENV_VARS:
        if name in os.environ:
            app.config[name] = os.environ[name]
    # A deployment's Redis (REDIS_URL) holds the rate limits and login
    # failures too, unless RATELIMIT_STORAGE_URI names another storage.
    if "RATELIMIT_STORAGE_URI" not in os.environ and os.environ.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = os.environ["REDIS_URL"]
    for name in ("MAIL_USE_TLS", "MAIL_USE_SSL"):
        if isinstance(app.config[name], str):
            app.config[name] = _as_bool(app.config[name])
    for name in ("MAIL_PORT", "STRIPE_SESSION_MINUTES", "STRIPE_MAX_NETWORK_RETRIES"):
        app.config[name] = int(app.config[name])
    app.config["PORT"] = int(app.config["PORT"])
    app.config.from_prefixed_env("TAAWON")
    if test_config:
        app.config.update(test_config)
    _derive_paths(app)


def database_uri(url: str | None, instance_path: str) -> str:
    """Turn DATABASE_URL into a SQLAlchemy URI (psycopg 3 for PostgreSQL)."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "taawon.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _derive_paths(app: Flask) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        database_uri(app.config.get("DATABASE_URL"), app.instance_path),
    )
    app.config.setdefault("MEDIA_ROOT", str(instance / "media"))
    # Documents and private evidence: never under MEDIA_ROOT, which /media/ serves.
    app.config.setdefault("PRIVATE_MEDIA_ROOT", str(instance / "private"))
    app.config.setdefault("SEARCH_INDEX_DIR", str(instance / "search"))
    app.config.setdefault("OUTBOX_DIR", str(instance / "outbox"))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)


def _instance_secret(instance: Path) -> str:
    """Read, or create once, a random key kept in the instance folder."""
    path = instance / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting together must not both write a key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()
