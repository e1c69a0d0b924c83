"""Taawon: a marketplace for Moroccan fair-trade cooperatives."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .urls import TaawonFlask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application from named configuration steps."""
    app = TaawonFlask(
        __name__,
        instance_path=(test_config or {}).get("INSTANCE_PATH"),
        instance_relative_config=True,
        static_folder=str(ROOT / "static"),
        static_url_path="/static",
    )
    app.config["TRANSLATIONS_DIR"] = ROOT / "translations"
    configure_app(app, test_config)
    configure_db(app)
    configure_jobs(app)
    configure_mail(app)
    configure_i18n(app)
    configure_templates(app)
    configure_security(app)
    configure_assets(app)
    configure_accounts(app)
    configure_params(app)
    register_blueprints(app)
    configure_page_cache(app)
    register_errors(app)
    register_commands(app)
    return app


def configure_app(app: Flask, test_config: dict | None) -> None:
    """Configuration in layers and logging."""
    from .config import load_config

    load_config(app, test_config)


def configure_db(app: Flask) -> None:
    """SQLAlchemy, SQLite pragmas and Flask-Migrate."""
    from .database import init_db

    init_db(app)


def configure_jobs(app: Flask) -> None:
    """Background jobs: RQ with REDIS_URL, else in-process after commit."""
    from .jobs import init_jobs

    init_jobs(app)


def configure_mail(app: Flask) -> None:
    """Mails and text messages go through outbox tables, sent by jobs after commit."""
    from .mail import init_mail

    init_mail(app)

    # Short messages (SMS, WhatsApp): their outbox, rate limits and webhooks.
    from .messaging import init_messaging

    init_messaging(app)


def configure_i18n(app: Flask) -> None:
    """Languages, Babel and template helpers."""
    from .i18n import configure_i18n as setup

    setup(app)


def configure_templates(app: Flask) -> None:
    """Layout helpers: shared menus and template globals."""
    from .navigation import configure_templates as setup

    setup(app)


def configure_security(app: Flask) -> None:
    """Trusted hosts, proxies, CSRF, rate limits, security and cache headers."""
    from .security import init_security

    init_security(app)


def configure_assets(app: Flask) -> None:
    """Static files: area stylesheets, hashed names, a year in caches; compression."""
    from .assets import init_assets

    init_assets(app)


def configure_accounts(app: Flask) -> None:
    """Flask-Login and the user loader."""
    from .accounts import init_accounts

    init_accounts(app)


def configure_params(app: Flask) -> None:
    """Bounded ids in URLs, no NUL bytes in any input (before the routes exist)."""
    from .params import init_params

    init_params(app)


def register_blueprints(app: Flask) -> None:
    """Every domain's blueprint."""
    import catalog
    import orders
    import producers

    from .accounts.views import bp as accounts_bp
    from .views import bp as shop_bp

    app.register_blueprint(shop_bp)
    app.register_blueprint(accounts_bp)
    # Lowest layer first (ARCHITECTURE.md, Layout).
    for domain in (producers, catalog, orders):
        domain.init_app(app)


def configure_page_cache(app: Flask) -> None:
    """Anonymous catalogue pages served from a cache, invalidated by commits.

    After the domains: its after-request hook must run before theirs, and its
    commit listener after the search index's.
    """
    from .pagecache import init_page_cache

    init_page_cache(app)


def register_errors(app: Flask) -> None:
    """Translated error pages."""
    from .errors import init_errors

    init_errors(app)


def register_commands(app: Flask) -> None:
    """Flask CLI groups."""
    from .cli import init_cli
    from .devserver import serve_command
    from .worker import init_worker_cli

    init_cli(app)
    app.cli.add_command(serve_command)
    init_worker_cli(app)
