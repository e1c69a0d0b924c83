"""Core routes: the language redirect, health check, robots.txt."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from sqlalchemy import text

from .extensions import csrf, db, limiter
from .i18n import LANGUAGES, best_language
from .urls import external_url

bp = Blueprint("shop", __name__)


@bp.route("/")
def root():
    """Send the visitor to their best language's home page."""
    response = redirect(url_for("catalog.home", lang=best_language(request)), code=302)
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    """Liveness and database check, for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001  any failure means "not healthy"; the body says which part
        db.session.rollback()
        database = "error"
    status = 200 if database == "ok" else 503
    return jsonify(status="ok" if status == 200 else "error", app="ok", database=database), status


@bp.route("/robots.txt")
def robots():
    """Let crawlers in, except private areas; point to the sitemap."""
    lines = ["User-agent: *"]
    for lang in LANGUAGES:
        for area in ("account", "cart", "checkout", "producer", "admin", "orders"):
            lines.append(f"Disallow: /{lang}/{area}")
    lines.append(f"Sitemap: {external_url('catalog.sitemap')}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
