"""The page cache: public catalogue pages, kept for every visitor who is not signed in.

Which pages: views marked ``@cacheable`` (the storefront, the cooperative
directory and profiles, search results, trace pages, the sell and fair-trade
pages), for GET and HEAD. Never a personal page: the account, cart,
checkout, orders, workspace and back office are not marked, and
``shop.security`` keeps them ``private, no-store``.

For whom: a visitor whose session holds no user id, who sends no remember-me
cookie and has no flashed message waiting; a shopper with a cart qualifies.
Such a visit renders the page in *public mode* (``public_render()``, the
template variable ``public_page``): the same bytes for everyone, so without
a CSRF token, a cart count or a name. The header's count is filled in by
``static/js/taawon.js`` from the ``cart_count`` cookie (``orders``), and the
add-to-cart form is checked by origin instead of a token
(``shop.security.same_origin``). Public mode does not depend on the cache
being on, so an uncached page is the page the cache would keep.

The key: a generation, the language, the path, the sorted query string and
the encodings the client accepts (``page_key``). A response is stored only
when it is a 200 ``text/html`` (or ``application/xml``: the sitemaps), its
rendering neither read nor wrote the session nor made a CSRF token, and it
sets no cookie but the language's; it
is stored with the headers the application gave it (the security headers
included), an ``ETag`` and ``Cache-Control: public,
max-age=PAGE_CACHE_BROWSER_SECONDS, s-maxage=PAGE_CACHE_PROXY_SECONDS``. A
signed-in visitor's page stays ``private`` (``shop.security``).

Hits are answered by ``ServeStoredPages``, a WSGI middleware in front of
Flask: the host checked as Flask checks it, the visitor's cookies read (the
session opened only when there is one), then the store; no request context,
no query, no template. ``If-None-Match`` gets a 304. Every page the
application renders also keeps the ``no_page_cache`` cookie in step (set
while the browser is signed in or has a message waiting), for a reverse
proxy to bypass its cache on (README).

Invalidation: each domain ``watch()``-es, at start-up, the models and
attributes its public pages show. A commit that changed one of them (an
object added, deleted or with a watched attribute changed, or a bulk
statement setting a watched column) moves the generation on after the
commit, and no process reads the older entries again. The generation is
shared by every process: a Redis counter with ``REDIS_URL``, otherwise a
file in the instance folder holding a random token (one ``read`` per
request, a few microseconds; a database row would be a query per hit).
Stock is not watched: a page may show stock ``PAGE_CACHE_SECONDS`` old, the
entries' lifetime; the cart and checkout always read it live.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, current_app, g, has_app_context, request, request_finished
from flask.globals import request_ctx
from flask_sqlalchemy.session import Session as AppSession
from itsdangerous import BadSignature
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, SessionTransaction
from werkzeug.exceptions import SecurityError
from werkzeug.http import dump_cookie, parse_accept_header, parse_cookie, parse_etags
from werkzeug.wsgi import get_host

from .extensions import cache, login_manager
from .i18n import COOKIE as LANG_COOKIE
from .i18n import LANGUAGES, language_cookie

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: Marks a view function as a cacheable public page.
ATTR = "taawon_page_cache"
EXTENSION = "taawon_page_cache"
#: ``session.info`` key: this transaction changed something a public page shows.
CHANGED = "taawon_page_cache_changed"
#: Content codings a stored response may be in; the key names those the client accepts.
CODINGS = ("br", "gzip", "zstd", "deflate")
#: Longer query strings are rendered but not stored (nobody links to them).
MAX_QUERY = 512
#: Headers a stored response does not keep (recomputed, or this visitor's).
UNSTORED_HEADERS = frozenset({"set-cookie", "content-length", "date", "retry-after"})

#: Watched models: class -> attribute keys, and table -> column names (bulk statements).
_WATCHED: dict[type, frozenset[str]] = {}
_TABLES: dict[str, frozenset[str]] = {}


def cacheable(view: F) -> F:
    """Mark a public GET page whose anonymous rendering every visitor may share."""
    setattr(view, ATTR, True)
    return view


def public_render() -> bool:
    """True while a cacheable page is rendered for a visitor who is not signed in."""
    return bool(g.get("page_public"))


def now() -> float:
    """The clock entries expire by (wall time: Redis entries are shared between hosts)."""
    return time.time()


# ---------------------------------------------------------------- what invalidates


def watch(model: type, ignore: Iterable[str] = (), relationships: Iterable[str] = ()) -> None:
    """Invalidate the pages when a commit adds, deletes or changes a ``model``.

    Every column attribute counts except ``ignore`` (stock, figures that may
    lag); of the relationships only ``relationships`` (many-to-many links
    that have no object of their own), so that a new order pointing at a
    product does not count as a change of the product.
    """
    mapper: Mapper[Any] = inspect(model)
    ignored = set(ignore)
    unknown = (ignored | set(relationships)) - set(mapper.attrs.keys())
    if unknown:
        raise ValueError(f"{model.__name__} has no attribute {', '.join(sorted(unknown))}")
    keys = {prop.key for prop in mapper.column_attrs if prop.key not in ignored}
    _WATCHED[model] = frozenset(keys | set(relationships))
    table = getattr(mapper.local_table, "name", model.__name__)
    _TABLES[table] = frozenset(
        column.name
        for key, prop in mapper.column_attrs.items()
        if key in keys
        for column in prop.columns
        if not column.primary_key
    )


def _changed(session: Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if type(obj) in _WATCHED:
            return True
    for obj in session.dirty:
        keys = _WATCHED.get(type(obj))
        if keys is None:
            continue
        attrs = inspect(obj).attrs
        # History is read without loading anything; unloaded means unchanged.
        if any(attrs[key].history.has_changes() for key in keys):
            return True
    return False


def _after_flush(session: Session, _context: Any) -> None:
    if not session.info.get(CHANGED) and _changed(session):
        session.info[CHANGED] = True


def _set_columns(statement: Any) -> set[str] | None:
    """The columns an UPDATE sets, or None when they cannot be told."""
    values = getattr(statement, "_values", None) or {}
    ordered = getattr(statement, "_ordered_values", None) or ()
    keys = [*values, *(key for key, _value in ordered)]
    if not keys:
        return None
    return {str(getattr(key, "name", key)) for key in keys}


def _on_execute(state: ORMExecuteState) -> None:
    """Bulk INSERT/UPDATE/DELETE statements name no objects: look at their table and columns."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    columns = _TABLES.get(getattr(getattr(state.statement, "table", None), "name", ""))
    if columns is None:
        return
    if state.is_update:
        changed = _set_columns(state.statement)
        if changed is not None and not changed & columns:
            return  # a conditional stock update, a row lock
    state.session.info[CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(CHANGED, False) and has_app_context():
        pages = current_app.extensions.get(EXTENSION)
        if pages is not None:
            pages.bump()


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    # A rolled-back savepoint may leave the outer transaction's changes: keep
    # the mark then (one needless bump at worst).
    if previous.parent is None:
        session.info.pop(CHANGED, None)


# ---------------------------------------------------------------- the generation


class Generation(Protocol):
    def current(self) -> str: ...

    def bump(self) -> None: ...


class FileGeneration:
    """A random token in a file that every process on the machine reads."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def current(self) -> str:
        # os.open/read/close: a few microseconds, no Python file object.
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return "0"
        try:
            return os.read(fd, 64).decode("ascii", "replace") or "0"
        finally:
            os.close(fd)

    def bump(self) -> None:
        # A new random token, never a counter: two processes bumping at once
        # must not both write the same next value. Replaced atomically.
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        temporary.write_text(secrets.token_hex(8))
        os.replace(temporary, self.path)


class RedisGeneration:
    """A Redis counter every process of every host reads."""

    def __init__(self, url: str, key: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.key = key

    def current(self) -> str:
        value = self.client.get(self.key)
        if isinstance(value, bytes):
            return value.decode("ascii")
        return str(value) if value else "0"

    def bump(self) -> None:
        self.client.incr(self.key)


class PageCache:
    """The application's store of pages and its generation."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.backend = app.extensions["cache"][cache]
        redis_url = config.get("REDIS_URL")
        prefix = config["CACHE_KEY_PREFIX"]
        self.generation: Generation = (
            RedisGeneration(redis_url, f"{prefix}generation")
            if redis_url
            else FileGeneration(Path(app.instance_path) / "page-cache-generation")
        )

    def bump(self) -> None:
        """Make every stored page stale, in every process."""
        try:
            self.generation.bump()
        except Exception:  # the commit is done; pages may lag until they expire
            log.exception("page cache generation not moved on: pages may lag until they expire")

    def lookup(self, key: str) -> Any:
        """The entry stored under ``key`` in the current generation, or None."""
        return self.backend.get(f"{self.generation.current()}|{key}")


# ---------------------------------------------------------------- the key

_CODINGS_SEEN: dict[str, str] = {}


def _codings(header: str) -> str:
    """The content codings of ``CODINGS`` that an Accept-Encoding header accepts."""
    known = _CODINGS_SEEN.get(header)
    if known is None:
        accepted = parse_accept_header(header)
        known = ",".join(coding for coding in CODINGS if accepted[coding])
        if len(_CODINGS_SEEN) > 256:  # browsers send a handful of values
            _CODINGS_SEEN.clear()
        _CODINGS_SEEN[header] = known
    return known


#: What a cacheable view's answer may be to be stored: pages, and the sitemaps.
STORED_TYPES = frozenset({"text/html", "application/xml"})


def page_key(environ: dict[str, Any]) -> str | None:
    """Language, path, sorted query and accepted codings of a WSGI request.

    None for a query string too long to keep. The same function keys the
    store and the lookups, from the raw request, inside Flask or before it.
    """
    query = environ.get("QUERY_STRING", "")
    if len(query) > MAX_QUERY:
        return None
    path = environ.get("PATH_INFO", "") or "/"
    first = path.split("/", 2)[1] if path.count("/") > 1 else ""
    lang = first if first in LANGUAGES else ""
    if query:
        query = urlencode(sorted(parse_qsl(query, keep_blank_values=True)))
    return f"{lang}|{path}?{query}|{_codings(environ.get('HTTP_ACCEPT_ENCODING', ''))}"


# ---------------------------------------------------------------- serving hits


class ServeStoredPages:
    """WSGI middleware in front of the application: answer a stored page at once.

    Cheaper than any Flask hook (no request context, routing, session or
    after-request hooks), and as safe: the host is checked as Flask checks it
    (an untrusted one goes on to Flask's 400), the visitor must not be signed
    in (no remember-me cookie; a session cookie, when sent, is opened and
    must hold neither a user id nor a waiting message) and must not need the
    bypass cookie removed. A stored entry exists only for a cacheable page
    rendered in public mode, with the security headers the application
    added; the language cookie is set here as ``remember_lang`` would. Any
    other request, and any failure, goes on to the application.
    """

    def __init__(self, app: Flask, wsgi_app: Callable[..., Any]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._serializer: tuple[Any, Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        served = None
        if (
            environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and self.app.config["PAGE_CACHE_SECONDS"] > 0
        ):
            try:
                served = self._stored(environ)
            except Exception:  # a store that is down: the application answers
                log.warning("page cache unavailable", exc_info=True)
        if served is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = served
        start_response(status, headers)
        return [body]

    def _anonymous(self, cookies: Any) -> bool:
        config = self.app.config
        if config.get("REMEMBER_COOKIE_NAME", "remember_token") in cookies:
            return False
        if config["PAGE_CACHE_BYPASS_COOKIE"] in cookies:
            return False  # the application removes it, on a page it renders
        value = cookies.get(config["SESSION_COOKIE_NAME"])
        if not value:
            return True
        try:
            data = self._session_serializer().loads(
                value, max_age=int(self.app.permanent_session_lifetime.total_seconds())
            )
        except BadSignature:
            return True  # Flask opens it as an empty session
        return not ("_user_id" in data or "_flashes" in data)

    def _session_serializer(self) -> Any:
        key = self.app.secret_key
        if self._serializer is None or self._serializer[0] != key:
            interface: Any = self.app.session_interface
            self._serializer = (key, interface.get_signing_serializer(self.app))
        return self._serializer[1]

    def _stored(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        try:
            get_host(environ, self.app.config["TRUSTED_HOSTS"])
        except SecurityError:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", "")) if "HTTP_COOKIE" in environ else {}
        if not self._anonymous(cookies):
            return None
        key = page_key(environ)
        if key is None:
            return None
        entry = self.app.extensions[EXTENSION].lookup(key)
        if entry is None or entry[0] <= now():
            return None
        _expires, body, stored, etag = entry
        headers = list(stored)
        lang = key.split("|", 1)[0]
        if lang and cookies.get(LANG_COOKIE) != lang:
            secure = (
                self.app.config["SESSION_COOKIE_SECURE"]
                or environ.get("wsgi.url_scheme") == "https"
            )
            headers.append(("Set-Cookie", dump_cookie(**language_cookie(lang, secure))))
        matches = environ.get("HTTP_IF_NONE_MATCH")
        if matches and parse_etags(matches).contains(etag):
            return "304 NOT MODIFIED", [h for h in headers if h[0].lower() != "content-type"], b""
        headers.append(("Content-Length", str(len(body))))
        return "200 OK", headers, b"" if environ["REQUEST_METHOD"] == "HEAD" else body


# ---------------------------------------------------------------- rendering and storing


def _prepare() -> None:
    """Before every other hook but the host check: decide whether this is a public render."""
    sess = request_ctx.session
    # Nothing has read the session yet (this hook is the second); start
    # counting from here so that a render which reads it is not stored.
    sess.accessed = False
    g.page_session = sess
    if request.method not in ("GET", "HEAD"):
        return
    app = current_app
    view = app.view_functions.get(request.endpoint or "")
    if not getattr(view, ATTR, False):
        return
    # Plain dict lookups on the session object: they do not count as reads.
    remember = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    if "_user_id" in sess or "_flashes" in sess or remember in request.cookies:
        return
    g.page_public = True
    # Known without loading anyone: nobody is signed in, and no message waits.
    g._login_user = login_manager.anonymous_user()
    request_ctx.flashes = []
    key = page_key(request.environ) if app.config["PAGE_CACHE_SECONDS"] > 0 else None
    if key is None:
        return
    try:
        # Read before the view reads the database: a commit after this moment
        # moves the generation on, and what is stored under this one is never read.
        g.page_key = f"{app.extensions[EXTENSION].generation.current()}|{key}"
    except Exception:  # a store that is down stores nothing
        log.warning("page cache unavailable", exc_info=True)


def _mark_shared(response: Response) -> Response:
    """After the view: mark a public page shareable (ETag, Cache-Control) and keep the bypass cookie."""
    _bypass_cookie(response)
    if not g.get("page_public"):
        return response
    config = current_app.config
    sess = g.page_session
    if sess.accessed or sess.modified or "csrf_token" in g:
        # The page used the visitor's session: it is theirs, not everyone's.
        log.debug("%s read the session or made a CSRF token: not stored", request.endpoint)
        return response
    if (
        g.get("page_key") is None
        or response.status_code != 200
        or response.mimetype not in STORED_TYPES
        or response.direct_passthrough
        or response.is_streamed
    ):
        return response
    response.headers["Cache-Control"] = (
        f"public, max-age={config['PAGE_CACHE_BROWSER_SECONDS']}, "
        f"s-maxage={config['PAGE_CACHE_PROXY_SECONDS']}"
    )
    response.set_etag(hashlib.blake2b(response.get_data(), digest_size=16).hexdigest())
    g.page_store = True
    response.make_conditional(request)
    return response


def _bypass_cookie(response: Response) -> None:
    """``no_page_cache=1`` while the browser's pages are its own (signed in, a message waiting)."""
    sess = g.get("page_session")
    if sess is None or request.endpoint == "static" or response.mimetype != "text/html":
        return
    name = current_app.config["PAGE_CACHE_BYPASS_COOKIE"]
    personal = "_user_id" in sess or "_flashes" in sess
    if personal and name not in request.cookies:
        response.set_cookie(
            name,
            "1",
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    elif not personal and name in request.cookies:
        response.delete_cookie(name, httponly=True, samesite="Lax")


def _store(sender: Flask, response: Response, **_extra: Any) -> None:
    """Once the response is final (session saved): keep it, if nothing in it is the visitor's."""
    if not g.get("page_store"):
        return
    # The page is everyone's: a shared cache need not keep a copy per cookie.
    if "cookie" in response.vary:
        response.vary.discard("cookie")
        if not response.vary:
            del response.headers["Vary"]
    if response.status_code != 200:
        return
    for header in response.headers.getlist("Set-Cookie"):
        if header.split("=", 1)[0].strip() != LANG_COOKIE:
            return  # never another visitor's cookie (the language is the URL's)
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in UNSTORED_HEADERS and not name.lower().startswith("x-ratelimit")
    ]
    etag, _weak = response.get_etag()
    seconds = sender.config["PAGE_CACHE_SECONDS"]
    try:
        sender.extensions[EXTENSION].backend.set(
            g.page_key, (now() + seconds, response.get_data(), headers, etag), timeout=seconds
        )
    except Exception:  # not stored: the next visit renders again
        log.warning("page cache unavailable", exc_info=True)


# ---------------------------------------------------------------- wiring


def init_page_cache(app: Flask) -> None:
    """The store, the middleware, the hooks (after the domains': see ``shop/__init__.py``)
    and the watchers."""
    from .money.policy import PolicyVersion
    from .security import refuse_foreign_host

    config = app.config
    if config.get("REDIS_URL"):
        config.setdefault("CACHE_TYPE", "RedisCache")
        config.setdefault("CACHE_REDIS_URL", config["REDIS_URL"])
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")  # per process; the generation is shared
    config.setdefault("CACHE_KEY_PREFIX", "taawon:page:")
    config.setdefault("CACHE_DEFAULT_TIMEOUT", max(config["PAGE_CACHE_SECONDS"], 1))
    config.setdefault("CACHE_THRESHOLD", config["PAGE_CACHE_MAX_PAGES"])
    cache.init_app(app)
    app.extensions[EXTENSION] = PageCache(app)
    # Outermost: in front of ProxyFix and of Flask itself.
    app.wsgi_app = ServeStoredPages(app, app.wsgi_app)  # type: ignore[method-assign]

    hooks = app.before_request_funcs.setdefault(None, [])
    position = hooks.index(refuse_foreign_host) + 1 if refuse_foreign_host in hooks else 0
    hooks.insert(position, _prepare)
    # Registered last, so it runs first of the application's after-request
    # hooks: it sees whether the *view* read the session, before Flask-Login does.
    app.after_request(_mark_shared)
    request_finished.connect(_store, app)

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {"public_page": public_render()}

    watch(PolicyVersion)
    listeners: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("after_flush", _after_flush),
        ("do_orm_execute", _on_execute),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
    )
    for name, listener in listeners:
        # Once per process; after the search index's own after_commit, so a
        # page rendered after the bump finds the index already updated.
        if not event.contains(AppSession, name, listener):
            event.listen(AppSession, name, listener)
