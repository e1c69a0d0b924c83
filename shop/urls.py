"""Absolute links, built from the one configured public base URL.

A link that leaves the page (an e-mail, the sitemap, a canonical or hreflang
link, a QR code, a Stripe return address) must never be built from the
request's ``Host`` header: a forged host would otherwise put an attacker's
domain in a password-reset mail. Every absolute URL comes from
``PUBLIC_BASE_URL`` instead, through a URL map bound to its scheme, host and
path, which also works outside requests (command-line mails).

``TaawonFlask`` routes Flask's own ``url_for`` through it: ``url_for(...,
_external=True)`` anywhere (code or template) gives a base-URL link, so a
new call site is safe without knowing about this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask, current_app, g, has_request_context, request
from flask.globals import _cv_request, request_ctx
from werkzeug.routing import BuildError, MapAdapter
from werkzeug.wrappers import Request

_ADAPTER_KEY = "taawon_public_adapter"
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # as Flask's url_for
#: ``app.extensions`` key of the links ``TaawonFlask.url_for`` has built.
URL_MEMO = "taawon_url_memo"


class ConfigError(RuntimeError):
    """A setting that makes the application unsafe or unable to start."""


@dataclass(frozen=True)
class BaseUrl:
    """``PUBLIC_BASE_URL`` taken apart."""

    scheme: str
    netloc: str  # host[:port], lower case
    hostname: str
    root: str  # the path the application is mounted at: "/" or "/shop"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.root.rstrip('/')}"


def parse_base_url(value: str, name: str = "PUBLIC_BASE_URL") -> BaseUrl:
    """Check and split a base URL: http(s), a host, no user, query or fragment."""
    parts = urlsplit(value.strip())
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "it must start with https:// (or http:// outside production)"
    elif not parts.hostname:
        problem = "it has no host name"
    elif parts.username or parts.password or parts.query or parts.fragment:
        problem = "it may not contain a user name, a query string or a fragment"
    if problem:
        raise ConfigError(f"{name}={value!r} is not a usable base URL: {problem}.")
    try:
        port = parts.port
    except ValueError as error:
        raise ConfigError(f"{name}={value!r} has a bad port: {error}.") from None
    hostname = parts.hostname or ""
    netloc = hostname if port is None else f"{hostname}:{port}"
    if ":" in hostname:  # an IPv6 literal keeps its brackets
        netloc = f"[{hostname}]" if port is None else f"[{hostname}]:{port}"
    root = "/" + parts.path.strip("/") if parts.path.strip("/") else "/"
    return BaseUrl(parts.scheme, netloc, hostname, root)


def base_url(app: Flask | None = None) -> BaseUrl:
    """The application's public base URL (checked at start-up by shop.config)."""
    app = app or current_app
    return parse_base_url(app.config["PUBLIC_BASE_URL"])


def public_adapter(app: Flask) -> MapAdapter:
    """A URL adapter bound to the base URL (cached per base URL)."""
    value = app.config["PUBLIC_BASE_URL"]
    cached = app.extensions.get(_ADAPTER_KEY)
    if cached is not None and cached[0] == value:
        return cached[1]
    base = parse_base_url(value)
    adapter = app.url_map.bind(base.netloc, script_name=base.root, url_scheme=base.scheme)
    app.extensions[_ADAPTER_KEY] = (value, adapter)
    return adapter


def build_external(
    app: Flask,
    endpoint: str,
    values: dict[str, Any],
    *,
    anchor: str | None = None,
    method: str | None = None,
    external: bool = True,
) -> str:
    """What ``url_for(endpoint, _external=True, **values)`` returns, from the base URL."""
    if endpoint[:1] == ".":
        blueprint = request.blueprint if has_request_context() else None
        endpoint = f"{blueprint}{endpoint}" if blueprint else endpoint[1:]
    app.inject_url_defaults(endpoint, values)
    try:
        url = public_adapter(app).build(endpoint, values, method=method, force_external=external)
    except BuildError as error:
        values.update(_anchor=anchor, _method=method, _external=external)
        return app.handle_url_build_error(error, endpoint, values)
    if anchor is not None:
        url = f"{url}#{quote(anchor, safe=_ANCHOR_SAFE)}"
    return url


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to ``endpoint`` on the public site (``_anchor`` allowed)."""
    anchor = values.pop("_anchor", None)
    method = values.pop("_method", None)
    return build_external(current_app, endpoint, values, anchor=anchor, method=method)


class TaawonFlask(Flask):
    """Flask whose absolute URLs all come from ``PUBLIC_BASE_URL``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extensions[URL_MEMO] = {}

    def create_url_adapter(self, request: Request | None) -> MapAdapter | None:  # type: ignore[override]
        # Outside a request (CLI, app context): the public address, not SERVER_NAME.
        if request is None and self.config.get("PUBLIC_BASE_URL"):
            return public_adapter(self)
        return super().create_url_adapter(request)  # type: ignore[arg-type]

    #: Links one process keeps (``url_for``): the layout alone builds about forty.
    URL_MEMO_SIZE = 4096

    def url_for(
        self,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: Any,
    ) -> str:
        """Flask's ``url_for``, each link built once per process, then read from a memo.

        A page builds 40 to 60 links, most of them the same on every page
        (the layout's), and building one walks the URL map and the URL
        defaults. A link is a function of the endpoint, the values, the
        page's language (the ``lang`` default), the script root, the base URL
        (absolute links) and the static files' manifest (hashed names:
        ``shop.assets`` empties the memo when the files change): only links
        whose values are plain strings and integers, inside a request, are
        kept. Anything else is built each time.
        """
        key = self._url_key(endpoint, _anchor, _method, _scheme, _external, values)
        if key is None:
            return self._build_url(endpoint, _anchor, _method, _scheme, _external, values)
        memo: dict[tuple[Any, ...], str] = self.extensions[URL_MEMO]
        url = memo.get(key)
        if url is None:
            url = self._build_url(endpoint, _anchor, _method, _scheme, _external, values)
            if len(memo) >= self.URL_MEMO_SIZE:
                memo.clear()
            memo[key] = url
        return url

    def _url_key(
        self,
        endpoint: str,
        anchor: str | None,
        method: str | None,
        scheme: str | None,
        external: bool | None,
        values: dict[str, Any],
    ) -> tuple[Any, ...] | None:
        ctx = _cv_request.get(None)
        if ctx is None or ctx.app is not self or ctx.url_adapter is None or endpoint[:1] == ".":
            return None
        for value in values.values():
            kind = type(value)
            if kind is not str and kind is not int and value is not None:
                return None
        return (
            endpoint,
            tuple(values.items()),
            g.get("lang"),
            anchor,
            method,
            scheme,
            external,
            ctx.request.script_root,
            self.config.get("PUBLIC_BASE_URL"),
        )

    def _build_url(
        self,
        endpoint: str,
        _anchor: str | None,
        _method: str | None,
        _scheme: str | None,
        _external: bool | None,
        values: dict[str, Any],
    ) -> str:
        if _external is None:
            # Flask's rule: relative inside a request, absolute outside one.
            _external = _scheme is not None or not has_request_context()
        if _external and self.config.get("PUBLIC_BASE_URL"):
            # The base URL's scheme wins over _scheme: a link never downgrades.
            return build_external(self, endpoint, values, anchor=_anchor, method=_method)
        if has_request_context() and request_ctx.url_adapter is None:
            # A request refused for its Host has no adapter; its error page
            # still links to the site.
            return build_external(
                self, endpoint, values, anchor=_anchor, method=_method, external=False
            )
        return super().url_for(
            endpoint,
            _anchor=_anchor,
            _method=_method,
            _scheme=_scheme,
            _external=_external,
            **values,
        )
