"""Trusted hosts, proxies, CSRF, rate limiting, security and cache headers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from .extensions import csrf, limiter
from .urls import base_url

F = TypeVar("F", bound=Callable[..., Any])

#: Two years, subdomains included (the preload list's minimum is one year).
HSTS = "max-age=63072000; includeSubDomains"

#: Blueprints whose every page is about one person or one cooperative: the
#: account, the shopper's cart, checkout and orders (guest-token pages too),
#: the cooperative's workspace and the back office, the favourites and a stock alert's page.
PERSONAL_BLUEPRINTS = frozenset({"accounts", "orders", "producers", "admin", "favourites"})

#: Downloads that are always somebody's own papers (statements, bank files,
#: packing slips, documents), whatever room serves them.
PERSONAL_MIMETYPES = frozenset({"text/csv", "application/pdf"})

NO_STORE = "private, no-store"


def content_security_policy(media_url: str = "") -> str:
    """The policy of every page; pictures may also come from ``MEDIA_URL``'s origin.

    No inline script anywhere: every script is a file under /static. Stripe
    Checkout is reached by a redirect after a form POST, which form-action
    governs in browsers that enforce it on redirects.
    """
    images = "img-src 'self' data:"
    if media_url:
        parts = urlsplit(media_url)
        images += f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            images,
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self' https://checkout.stripe.com",
            "frame-ancestors 'none'",
        ]
    )


def init_security(app: Flask) -> None:
    """Proxies and hosts first, then CSRF and the limiter, and headers on every response."""
    proxies = app.config["PROXY_COUNT"]
    if proxies:
        # Only the address and scheme: the host is never taken from a header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    # Before every other hook (language, login, limits): nothing runs for a
    # request to a host that is not ours.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_foreign_host)
    csrf.init_app(app)
    limiter.init_app(app)
    hsts = app.config["PREFERRED_URL_SCHEME"] == "https"
    csp = content_security_policy(app.config.get("MEDIA_URL") or "")

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if hsts:
            headers.setdefault("Strict-Transport-Security", HSTS)
        cache_policy(response)
        return response


def refuse_foreign_host() -> None:
    """400 for a Host outside TRUSTED_HOSTS, before any view or hook uses it.

    Flask 3.1 checks TRUSTED_HOSTS when it binds the URL adapter but only
    raises the error at dispatch, after the before-request hooks; reading
    ``request.host`` here raises it first (werkzeug's SecurityError is a 400).
    """
    if isinstance(request.routing_exception, SecurityError):
        raise request.routing_exception
    request.host  # noqa: B018  (raises SecurityError for an untrusted host)


def cache_policy(response: Response) -> None:
    """``private, no-store`` on personal pages and downloads; ``private`` for the signed in.

    Public pages for anonymous visitors keep whatever their view decided
    (they may be cached); a signed-in visitor's page shows their name, so no
    shared cache may keep it.
    """
    disposition = response.headers.get("Content-Disposition", "")
    if (
        request.blueprint in PERSONAL_BLUEPRINTS
        or response.mimetype in PERSONAL_MIMETYPES
        or disposition.lower().startswith("attachment")
    ):
        response.headers["Cache-Control"] = NO_STORE
        response.headers.pop("Expires", None)
        return
    user = g.get("_login_user")  # set by Flask-Login only if the page looked
    if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private"


# ---------------------------------------------------------------- forms on cached pages


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin_request() -> bool:
    """Did this request come from one of our own pages?

    The browser's ``Origin`` header (sent with every form POST by current
    browsers), or the ``Referer``'s origin when there is no ``Origin``, must
    be the public base URL's origin or the request's own (a host that
    TRUSTED_HOSTS lets in). Neither header, or ``Origin: null``: no.
    """
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent or sent == "null":
        return False
    base = base_url(current_app)
    return _origin(sent) in {f"{base.scheme}://{base.netloc}", _origin(request.host_url)}


def same_origin(view: F) -> F:
    """CSRF protection for a form on a cached page, which cannot carry anyone's token.

    The view is exempt from Flask-WTF's token; a POST must come from our own
    origin instead (``same_origin_request``). With the session cookie's
    ``SameSite=Lax`` a cross-site POST does not even carry the session; the
    origin check refuses it, and a request without either header, outright
    (the translated 400 of an expired form).
    """

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin_request():
            raise CSRFError("The request did not come from this site.")
        return view(*args, **kwargs)

    csrf.exempt(checked)
    return checked  # type: ignore[return-value]
