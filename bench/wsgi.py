"""WSGI entry point for the storefront benchmark (used by bench_storefront.py).

Builds the real application from environment variables and adds one baseline
route, ``/bench/ping``, that touches neither the database nor a template:

    BENCH_DATABASE_URL  SQLAlchemy URL of the seeded database (required)
    BENCH_INSTANCE      instance folder (a temporary directory) (required)
    BENCH_PAGE_CACHE_SECONDS  the page cache's lifetime (``PAGE_CACHE_SECONDS``;
                        0 disables it); unset, the application's default

    gunicorn --pythonpath bench -w 2 wsgi:app
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def bench_config(database_url: str, instance: str, page_cache_seconds: int | None = None) -> dict:
    """The configuration the benchmark runs the app with (production-like, no limits)."""
    base = Path(instance)
    cache = {} if page_cache_seconds is None else {"PAGE_CACHE_SECONDS": page_cache_seconds}
    return {
        **cache,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(base),
        "SECRET_KEY": "bench-secret-key-not-for-production",
        # Plain http on the loopback: production would insist on https.
        "ENVIRONMENT": "development",
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "MEDIA_ROOT": str(base / "media"),
        "OUTBOX_DIR": str(base / "outbox"),
        "SEARCH_INDEX_DIR": str(base / "search"),
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": "",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
    }


def build_app():
    """The application plus the ``/bench/ping`` baseline route."""
    from shop import create_app

    cache = os.environ.get("BENCH_PAGE_CACHE_SECONDS", "")
    app = create_app(
        bench_config(
            os.environ["BENCH_DATABASE_URL"],
            os.environ["BENCH_INSTANCE"],
            int(cache) if cache else None,
        )
    )

    @app.get("/bench/ping")
    def bench_ping():
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}

    return app


if "BENCH_DATABASE_URL" in os.environ and "BENCH_INSTANCE" in os.environ:
    app = build_app()
