"""Configuration layers: defaults, ``instance/config.py``, environment, tests."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

from .storage import check_media_config
from .urls import ConfigError, parse_base_url

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
    "MESSAGING_TRANSPORT",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_SMS_FROM",
    "TWILIO_WHATSAPP_FROM",
    "MEDIA_ROOT",
    "PRIVATE_MEDIA_ROOT",
    "MEDIA_STORAGE",
    "MEDIA_URL",
    "S3_BUCKET",
    "S3_PRIVATE_BUCKET",
    "S3_PRIVATE_PREFIX",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_ADDRESSING_STYLE",
    "SEARCH_INDEX_DIR",
    "SEARCH_BACKEND",
    "RATELIMIT_STORAGE_URI",
    "REDIS_URL",
    "SERVER_NAME",
    "HOST",
    "PORT",
    "PUBLIC_BASE_URL",
    "TRUSTED_HOSTS",
    "PROXY_COUNT",
    "PAGE_CACHE_SECONDS",
)

#: ``ENVIRONMENT`` (environment variable ``TAAWON_ENV``): production unless
#: said otherwise, so a forgotten variable fails safe.
ENVIRONMENTS = ("production", "development", "testing")

#: Host names a development or test server also answers to.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1")


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
    #: Where SMS and WhatsApp messages go (shop/messaging/transports.py):
    #: "outbox" writes them as files under OUTBOX_DIR/messages/ (nothing
    #: leaves the machine), "twilio" sends them with the TWILIO_* settings.
    MESSAGING_TRANSPORT = "outbox"
    #: Twilio's account and its secret (the environment or instance/config.py
    #: only, never the code): the API's credentials and the key that signs
    #: the webhooks' requests (X-Twilio-Signature).
    TWILIO_ACCOUNT_SID = ""
    TWILIO_AUTH_TOKEN = ""
    #: The SMS sender: a number (+212…), a registered alphanumeric sender
    #: ID, or a Messaging Service (MG…). Empty: no SMS from Twilio.
    TWILIO_SMS_FROM = ""
    #: The WhatsApp Business sender's number (+212…, without "whatsapp:").
    TWILIO_WHATSAPP_FROM = ""
    STRIPE_SECRET_KEY = ""
    STRIPE_WEBHOOK_SECRET = ""
    STRIPE_PUBLISHABLE_KEY = ""
    STRIPE_SESSION_MINUTES = 30  # how long a card checkout holds the stock
    STRIPE_MAX_NETWORK_RETRIES = 1
    RATELIMIT_STORAGE_URI = "memory://"
    #: Redis shared by every process: the job queue (shop/jobs.py), the page
    #: cache and its generation (shop/pagecache.py) and, unless
    #: RATELIMIT_STORAGE_URI says otherwise, the rate limits. Empty: jobs run
    #: in-process after commit, pages are cached per process with a file as
    #: their shared generation, and limits are counted per process.
    REDIS_URL = ""
    JOB_QUEUE = "taawon"
    JOB_TIMEOUT = 600  # seconds a job may run before its worker stops it
    #: Seconds before each retry of a failed job (so 4 retries, then RQ's failed registry).
    JOB_RETRY_INTERVALS = [30, 120, 600, 1800]
    #: Periodic jobs' periods in seconds by name, overriding each domain's
    #: default (``flask jobs list``); 0 turns one off.
    JOB_SCHEDULE: dict[str, int] = {}
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
    ENVIRONMENT = "production"
    #: The site's public address, e.g. https://taawon.ma: every absolute link
    #: (mails, sitemap, QR codes, Stripe returns) is built from it, and only
    #: its host is served. Required in production.
    PUBLIC_BASE_URL = ""
    #: Extra host names to serve besides the base URL's (a list, or a
    #: comma-separated string in the environment).
    TRUSTED_HOSTS: list[str] | str | None = None
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto are
    #: believed; None means 1 in production (the documented nginx), else 0.
    PROXY_COUNT: int | str | None = None
    #: Where uploaded files are kept: "local" (MEDIA_ROOT and PRIVATE_MEDIA_ROOT
    #: on this server's disk) or "s3" (the S3_* buckets every server shares).
    MEDIA_STORAGE = "local"
    #: Where browsers fetch the public pictures from (a bucket or CDN address);
    #: empty: the app's own /media/ route.
    MEDIA_URL = ""
    #: How long anonymous catalogue pages are kept (shop/pagecache.py), and so
    #: how old their stock figures may be; 0 turns the page cache off.
    PAGE_CACHE_SECONDS = 60
    #: ``max-age`` of a cached page: 0, browsers revalidate (a 304) and so
    #: never show the anonymous page to someone who has just signed in.
    PAGE_CACHE_BROWSER_SECONDS = 0
    #: ``s-maxage``: how long a reverse proxy may keep a page without asking.
    PAGE_CACHE_PROXY_SECONDS = 10
    #: Most pages one process keeps in memory (without Redis).
    PAGE_CACHE_MAX_PAGES = 1000
    #: Set while a browser is signed in or has a message waiting: a reverse
    #: proxy's cache bypasses it (README, Deploying).
    PAGE_CACHE_BYPASS_COOKIE = "no_page_cache"


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
    for name in (
        "MAIL_PORT",
        "STRIPE_SESSION_MINUTES",
        "STRIPE_MAX_NETWORK_RETRIES",
        "PAGE_CACHE_SECONDS",
        "PAGE_CACHE_BROWSER_SECONDS",
        "PAGE_CACHE_PROXY_SECONDS",
        "PAGE_CACHE_MAX_PAGES",
    ):
        app.config[name] = int(app.config[name])
    app.config["PORT"] = int(app.config["PORT"])
    if "TAAWON_ENV" in os.environ:
        app.config["ENVIRONMENT"] = os.environ["TAAWON_ENV"]
    app.config.from_prefixed_env("TAAWON")
    intervals = app.config["JOB_RETRY_INTERVALS"]  # TAAWON_JOB_RETRY_INTERVALS="30,120" or "[30]"
    if isinstance(intervals, int):
        intervals = [intervals]
    elif isinstance(intervals, str):
        intervals = [part for part in intervals.split(",") if part.strip()]
    app.config["JOB_RETRY_INTERVALS"] = [int(seconds) for seconds in intervals]
    if test_config:
        app.config.update(test_config)
    _derive_paths(app)
    _derive_transport(app)
    check_messaging_config(app.config)
    app.config["MEDIA_URL"] = check_media_config(app.config) or ""


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


def _derive_transport(app: Flask) -> None:
    """Base URL, trusted hosts, proxies and cookie flags; refuse unsafe production."""
    config = app.config
    environment = str(config["ENVIRONMENT"]).strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"TAAWON_ENV={config['ENVIRONMENT']!r} is not one of {', '.join(ENVIRONMENTS)}."
        )
    config["ENVIRONMENT"] = environment
    production = environment == "production"
    if not config.get("PUBLIC_BASE_URL"):
        if production:
            raise ConfigError(
                "PUBLIC_BASE_URL is not set. In production (TAAWON_ENV=production, the "
                "default) every link in mails, the sitemap and QR codes is built from it: "
                "set PUBLIC_BASE_URL=https://your.domain, or TAAWON_ENV=development on a "
                "local checkout (make run does)."
            )
        config["PUBLIC_BASE_URL"] = f"http://{config['HOST']}:{config['PORT']}"
    base = parse_base_url(config["PUBLIC_BASE_URL"])
    if production and base.scheme != "https":
        raise ConfigError(
            f"PUBLIC_BASE_URL={config['PUBLIC_BASE_URL']!r} must be https:// in production."
        )
    config["PUBLIC_BASE_URL"] = base.url
    config["SERVER_NAME"] = config.get("SERVER_NAME") or base.netloc
    config["APPLICATION_ROOT"] = base.root
    config["PREFERRED_URL_SCHEME"] = base.scheme
    config["TRUSTED_HOSTS"] = _trusted_hosts(base.hostname, config.get("TRUSTED_HOSTS"), production)
    proxies = config.get("PROXY_COUNT")
    proxies = (1 if production else 0) if proxies in (None, "") else int(proxies)
    if proxies < 0:
        raise ConfigError(f"PROXY_COUNT={proxies} must be 0 (no proxy) or more.")
    config["PROXY_COUNT"] = proxies
    secure = base.scheme == "https"
    config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = secure
    if production:
        for prefix in ("SESSION", "REMEMBER"):
            config[f"{prefix}_COOKIE_HTTPONLY"] = True
            config[f"{prefix}_COOKIE_SAMESITE"] = "Lax"


def check_messaging_config(config) -> None:
    """Refuse a messaging transport that cannot work: an unknown one, Twilio without its keys."""
    transport = str(config.get("MESSAGING_TRANSPORT") or "outbox").strip().lower()
    if transport not in ("outbox", "twilio"):
        raise ConfigError(f"MESSAGING_TRANSPORT={transport!r} is not one of outbox, twilio.")
    config["MESSAGING_TRANSPORT"] = transport
    if transport != "twilio":
        return
    missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not config.get(name)]
    if missing:
        raise ConfigError(
            f"MESSAGING_TRANSPORT=twilio needs {' and '.join(missing)} (Twilio's console, "
            "Account info), set in the environment or instance/config.py."
        )
    if not str(config["TWILIO_ACCOUNT_SID"]).startswith("AC"):
        raise ConfigError("TWILIO_ACCOUNT_SID is an account SID, which starts with AC.")
    if not (config.get("TWILIO_SMS_FROM") or config.get("TWILIO_WHATSAPP_FROM")):
        raise ConfigError(
            "MESSAGING_TRANSPORT=twilio needs a sender: TWILIO_SMS_FROM, TWILIO_WHATSAPP_FROM or both."
        )


def _trusted_hosts(base_host: str, extra: list[str] | str | None, production: bool) -> list[str]:
    """The base URL's host, the configured extras, and loopback outside production."""
    if isinstance(extra, str):
        extra = [name for name in (part.strip() for part in extra.split(",")) if name]
    hosts = [base_host, *(extra or ())]
    if not production:
        hosts.extend(LOOPBACK_HOSTS)
    return list(dict.fromkeys(hosts))
