"""Translated error pages."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .i18n import LANGUAGES, best_language
from .params import BadInput

PAGES = {400, 403, 404, 405, 413, 429, 500}


def _error_language() -> str:
    # Routing may have failed before the URL's language was read.
    first = request.path.strip("/").split("/", 1)[0]
    return first if first in LANGUAGES else best_language(request)


def render_error(code: int, description: str | None = None):
    """The error page for ``code`` in the visitor's language."""
    if not g.get("lang"):
        g.lang = _error_language()
    if request.accept_mimetypes.best == "application/json" or request.path.startswith(
        ("/stripe/", "/healthz")
    ):
        return jsonify(error=code), code
    template = f"errors/{code}.html" if code in PAGES else "errors/500.html"
    return render_template(template, code=code, description=description), code


def init_errors(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, "csrf")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        # A BadInput says what was wrong, translated; other errors keep their page.
        message = str(error.message) if isinstance(error, BadInput) else None
        response = render_error(error.code, message)
        if error.code == 405 and error.valid_methods:
            body, code = response
            return body, code, {"Allow": ", ".join(error.valid_methods)}
        return response

    @app.errorhandler(500)
    def server_error(error):
        # The failed request may have left the session mid-transaction.
        db.session.rollback()
        return render_error(500)
