"""Static files: one stylesheet per area, content-hashed names, compressed transfer.

Every page loads ONE stylesheet, its area's (``AREAS``): the storefront's
pages never download the back office's rules. An area's stylesheet is its
source files under ``static/css/src/`` concatenated in order and minified,
built in memory when the application starts (nothing is generated on disk,
so a fresh clone runs and tests as it is, and several workers build the
same bytes). A page picks its area from its blueprint (``BLUEPRINT_AREAS``);
a template may say otherwise with ``{% set asset_area = "..." %}``.

``url_for('static', filename='js/taawon.js')`` gives
``/static/js/taawon.<hash>.js``: a URL default puts the first 12 hex digits
of the file's SHA-256 in its name. The static route serves:

- the current hashed name with ``Cache-Control: public, max-age=31536000,
  immutable``: a browser or proxy keeps it a year and never asks again; a
  change gives a new name;
- an unhashed name (``/static/img/logo.svg``, an old bookmark) and a name
  whose hash is no longer current (a page cached before a deploy) with the
  current file and ``no-cache``: it still works, and no cache keeps it under
  that name without asking (ETag revalidation answers 304);
- anything else (the sources, a file that does not exist) 404.

CSS, JavaScript and SVG are compressed once, on first request, with brotli
(quality 11) and gzip (level 9), and sent as the browser accepts. Pages
themselves are compressed per response by Flask-Compress (``init_compression``).
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, Response, abort, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress

from .urls import URL_MEMO

#: The sources of each area's stylesheet, in cascade order (``static/css/src/<name>.css``).
AREAS: dict[str, tuple[str, ...]] = {
    # The catalogue: home, listing, product, cooperatives, search, error pages.
    "storefront": ("base", "catalog"),
    # The rest of the public site: account, cart, checkout, orders, trace
    # pages, fair-trade and impact pages, "Sell on Taawon".
    "site": ("base", "catalog", "forms", "trace", "orders", "transparency"),
    # The cooperative's workspace and the back office.
    "backoffice": ("base", "catalog", "forms", "trace", "orders", "transparency", "backoffice"),
}
#: The area of each blueprint's pages (by name: the core imports no domain);
#: any other page, an error page outside a blueprint included, is the storefront's.
BLUEPRINT_AREAS = {
    "accounts": "site",
    "orders": "site",
    "trace": "site",
    "transparency": "site",
    "sell": "site",
    "producers": "backoffice",
    "admin": "backoffice",
}
DEFAULT_AREA = "storefront"

#: What a hashed name looks like: ``css/storefront.0123456789ab.css``.
HASH_LENGTH = 12
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$")
#: Sources of the stylesheets: built into the areas' files, never served alone.
SOURCES = "css/src/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MIMETYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain",
}
#: Types worth compressing (images other than SVG are compressed already).
COMPRESSIBLE = frozenset({"text/css", "text/javascript", "image/svg+xml", "text/plain"})


@dataclass
class Asset:
    """One served file: its bytes, its hashed name and its compressed forms."""

    name: str  # the logical name: css/storefront.css, js/taawon.js
    body: bytes
    mimetype: str
    digest: str = field(init=False)
    hashed: str = field(init=False)
    _encoded: dict[str, bytes] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.digest = hashlib.sha256(self.body).hexdigest()[:HASH_LENGTH]
        stem, dot, ext = self.name.rpartition(".")
        self.hashed = f"{stem}.{self.digest}.{ext}" if dot else f"{self.name}.{self.digest}"

    def encoded(self, encoding: str) -> bytes:
        """The body in ``encoding`` ("br" or "gzip"), compressed once and kept."""
        data = self._encoded.get(encoding)
        if data is None:
            if encoding == "br":
                data = brotli.compress(self.body, quality=11)
            else:
                data = gzip.compress(self.body, compresslevel=9, mtime=0)
            self._encoded[encoding] = data
        return data


_STRINGS = r'"(?:[^"\\]|\\.)*"' + "|" + r"'(?:[^'\\]|\\.)*'"
_COMMENTS_OR_STRINGS = re.compile(rf"(/\*.*?\*/|{_STRINGS})", re.S)
_ONLY_STRINGS = re.compile(rf"({_STRINGS})")


def minify_css(css: str) -> str:
    """Comments and needless white space out; strings and ``calc()`` spacing kept.

    Only what is safe everywhere: white space runs become one space, and
    spaces next to ``{ } ; , >`` and after ``:`` go (never before a ``:``,
    which would turn ``.a :focus`` into ``.a:focus``, nor around ``+ -``,
    which ``calc()`` needs). Quoted strings are left as they are.
    """
    css = "".join(
        " " if part.startswith("/*") else part for part in _COMMENTS_OR_STRINGS.split(css)
    )
    out: list[str] = []
    for part in _ONLY_STRINGS.split(css):
        if part[:1] in ("'", '"'):
            out.append(part)
            continue
        part = re.sub(r"\s+", " ", part)
        part = re.sub(r" ?([{};,>]) ?", r"\1", part)
        part = part.replace(": ", ":").replace(" !important", "!important")
        out.append(part)
    return "".join(out).replace(";}", "}").strip()


#: A custom property's name (``--ink-muted``), wherever it stands.
_CUSTOM_PROPERTY = re.compile(r"(?<![\w-])--[A-Za-z][\w-]*")


def shorten_custom_properties(css: str) -> str:
    """The custom properties a stylesheet declares, renamed ``--a``, ``--b``...

    The most used gets the shortest name. ``var(--terracotta-dark)`` and its
    kin were 1.5 KB of the storefront's 23 KB (issue #15's page weight
    budget). Run on an area's whole stylesheet (its declarations and uses are
    in several sources), so each area has its own names; only properties the
    stylesheet itself declares are renamed, and never inside strings. No page
    or script may name one (``tests/shop/test_assets.py`` checks it): the
    sources' names exist only before this step.
    """
    parts = _ONLY_STRINGS.split(css)
    rules = [part for part in parts if part[:1] not in ("'", '"')]
    declared = {m.group(0) for rule in rules for m in _CUSTOM_PROPERTY.finditer(rule)} & {
        m.group(1) for rule in rules for m in re.finditer(r"(--[A-Za-z][\w-]*):", rule)
    }
    counts = Counter(
        name for rule in rules for name in _CUSTOM_PROPERTY.findall(rule) if name in declared
    )
    short = {name: "--" + _letters(i) for i, (name, _) in enumerate(counts.most_common())}
    return "".join(
        part
        if part[:1] in ("'", '"')
        else _CUSTOM_PROPERTY.sub(lambda m: short.get(m.group(0), m.group(0)), part)
        for part in parts
    )


def _letters(index: int) -> str:
    """0 → "a", 25 → "z", 26 → "aa"...: a short name for each index."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(97 + rest) + name
    return name


def minify_js(js: str) -> str:
    """Whole-line ``//`` comments, indentation and blank lines out; nothing else.

    Safe for the site's own scripts, which have no template literals and no
    block comments: every statement is kept exactly, so no parser is needed.
    """
    lines = (line.strip() for line in js.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


#: How each kind of file is made smaller before it is hashed and served.
MINIFIERS = {"text/css": minify_css, "text/javascript": minify_js}


class Manifest:
    """Every served static file by logical and by hashed name, built from the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.assets: dict[str, Asset] = {}
        self.by_hashed: dict[str, Asset] = {}
        self.stamp = self._stamp()
        for path in sorted(self._files()):
            name = path.relative_to(folder).as_posix()
            if name.startswith(SOURCES):
                continue
            mimetype = _mimetype(name)
            body = path.read_bytes()
            minify = MINIFIERS.get(mimetype)
            if minify is not None:
                body = minify(body.decode("utf-8")).encode("utf-8")
            self._add(Asset(name, body, mimetype))
        for area, parts in AREAS.items():
            css = shorten_custom_properties(
                "\n".join(minify_css(self._source(part)) for part in parts)
            )
            self._add(Asset(f"css/{area}.css", css.encode(), "text/css"))

    def _add(self, asset: Asset) -> None:
        self.assets[asset.name] = asset
        self.by_hashed[asset.hashed] = asset

    def _source(self, part: str) -> str:
        return (self.folder / SOURCES / f"{part}.css").read_text(encoding="utf-8")

    def _files(self) -> Iterator[Path]:
        return (p for p in self.folder.rglob("*") if p.is_file() and not p.name.startswith("."))

    def _stamp(self) -> tuple[tuple[str, int, int], ...]:
        stats = ((str(p), p.stat()) for p in self._files())
        return tuple(sorted((name, st.st_mtime_ns, st.st_size) for name, st in stats))

    def stale(self) -> bool:
        """Whether a file was added, removed or changed since the build."""
        return self._stamp() != self.stamp

    def url_name(self, name: str) -> str:
        """The hashed name of ``name``, or ``name`` itself when it is not ours."""
        asset = self.assets.get(name)
        return asset.hashed if asset else name

    def lookup(self, filename: str) -> tuple[Asset, bool] | None:
        """The asset a request names, and whether the name is its current hashed one."""
        asset = self.by_hashed.get(filename)
        if asset is not None:
            return asset, True
        asset = self.assets.get(filename)
        if asset is None:
            match = _HASHED.match(filename)
            if match is None:
                return None
            asset = self.assets.get(match["stem"] + match["ext"])
            if asset is None:
                return None
        return asset, False


def _mimetype(name: str) -> str:
    return MIMETYPES.get(Path(name).suffix.lower(), "application/octet-stream")


class Assets:
    """The manifest of one application, rebuilt on change when ``reload`` is on."""

    def __init__(
        self, folder: Path, reload: bool, on_change: Callable[[], None] | None = None
    ) -> None:
        self.reload = reload
        #: Called when the files changed (the links built with the old names are stale).
        self.on_change = on_change
        self._manifest = Manifest(folder)
        self._checked = time.monotonic()
        self._lock = threading.Lock()

    @property
    def manifest(self) -> Manifest:
        if self.reload and time.monotonic() - self._checked > 1:
            with self._lock:
                self._checked = time.monotonic()
                if self._manifest.stale():
                    self._manifest = Manifest(self._manifest.folder)
                    if self.on_change is not None:
                        self.on_change()
        return self._manifest

    def hashed_urls(self, endpoint: str, values: dict[str, Any]) -> None:
        """URL default: ``url_for('static', filename=...)`` names the hashed file."""
        if endpoint == "static" and "filename" in values:
            values["filename"] = self.manifest.url_name(values["filename"])

    def serve(self, filename: str) -> Response:
        """The static route: hashed names for a year, anything else revalidated."""
        found = self.manifest.lookup(filename)
        if found is None:
            abort(404)
        asset, current = found
        body, encoding = asset.body, None
        if asset.mimetype in COMPRESSIBLE:
            accepted = request.accept_encodings
            for candidate in ("br", "gzip"):
                if accepted[candidate]:
                    body, encoding = asset.encoded(candidate), candidate
                    break
        response = Response(body, mimetype=asset.mimetype)
        if asset.mimetype in COMPRESSIBLE:
            response.vary.add("Accept-Encoding")
        if encoding:
            response.headers["Content-Encoding"] = encoding
        # A strong validator per representation: each encoding has its own.
        response.set_etag(asset.digest + (f"-{encoding}" if encoding else ""))
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        response.make_conditional(request)  # 304 for a matching If-None-Match
        return response


def area_of(blueprint: str | None) -> str:
    """The stylesheet area of a page served by ``blueprint``."""
    return BLUEPRINT_AREAS.get(blueprint or "", DEFAULT_AREA)


def init_assets(app: Flask) -> None:
    """Build the manifest, hash ``url_for('static')``, serve the static route, compress."""
    folder = Path(app.static_folder or "static")
    reload = app.config["ENVIRONMENT"] == "development"
    # url_for keeps the links it built (shop.urls): new names make them stale.
    memo = app.extensions.get(URL_MEMO)
    assets = Assets(folder, reload=reload, on_change=memo.clear if memo is not None else None)
    app.extensions["taawon_assets"] = assets
    app.url_defaults(assets.hashed_urls)
    app.view_functions["static"] = assets.serve

    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = StaticSessionInterface()

    @app.context_processor
    def asset_area() -> dict[str, str]:
        return {"asset_area": area_of(request.blueprint if has_request_context() else None)}

    init_compression(app)


def init_compression(app: Flask) -> None:
    """Flask-Compress on pages (HTML, JSON, XML), never on streamed downloads.

    Static files arrive compressed already (``Assets.serve``: Flask-Compress
    leaves a response with a ``Content-Encoding`` alone). Streamed responses
    (private files, exports) are not compressed (``COMPRESS_STREAMS``); CSV
    and PDF are not in the list.

    zstd first: a 37 KB listing takes about 60 µs at level 3, against about
    450 µs for brotli 4 and 700 µs for gzip 6 (bench/README.md), for the
    same size within 5 %. Browsers without it get brotli 3, then gzip.

    ETags: Flask-Compress turns a strong ETag into one per encoding (``"x"``
    becomes ``"x:zstd"``) and evaluates ``If-None-Match`` again after
    compressing, so a client revalidating the compressed copy gets its 304;
    a weak ETag (``W/"x"``) stays as it is (weak means "equivalent content",
    whatever the encoding). A page cache should use weak ETags: the view
    then answers 304 before anything is rendered or compressed.

    A public page with an ETag (``Cache-Control: public``: the same bytes
    for every visitor) is compressed once per encoding and kept
    (``CompressedPages``).
    """
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESS_MIMETYPES)
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    app.config.setdefault("COMPRESS_ZSTD_LEVEL", 3)
    app.config.setdefault("COMPRESS_BR_LEVEL", 3)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config.setdefault("COMPRESS_CACHE_BACKEND", CompressedPages)
    app.config.setdefault("COMPRESS_CACHE_KEY", compressed_page_key)
    Compress(app)

    # Registered after Flask-Compress, so it runs before it (Flask runs
    # after-request functions last registered first).
    @app.after_request
    def remember_page_version(response: Response) -> Response:
        etag, _weak = response.get_etag()
        shared = etag and response.cache_control.public
        g.compress_key = f"{request.full_path}|{etag}" if shared else None
        return response


def compressed_page_key(_request: Any) -> str:
    """Flask-Compress's cache key: the page and its ETag, or a key never stored."""
    return g.get("compress_key") or _UNCACHED


_UNCACHED = "-"


class CompressedPages:
    """Compressed bodies of public pages with an ETag, the last ``SIZE`` per process.

    The key is the path, query and ETag, and the encoding: a new version of
    a page has a new ETag, so nothing stale is served. Other pages (personal,
    with a CSRF token, without an ETag) are compressed on every response.
    """

    SIZE = 512

    def __init__(self) -> None:
        self.data: OrderedDict[str, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        if key.endswith(";" + _UNCACHED):
            return None
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(";" + _UNCACHED):
            return
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.SIZE:
                self.data.popitem(last=False)


class StaticSessionInterface(SecureCookieSessionInterface):
    """Static files are the same for everyone: no session cookie, no ``Vary: Cookie``.

    Flask-Login reads the session after every request, which makes Flask
    add ``Vary: Cookie``; a shared cache would then keep one copy of each
    stylesheet per visitor.
    """

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


#: What Flask-Compress compresses: the pages and the small data the site answers.
COMPRESS_MIMETYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
    "application/xml",
    "text/xml",
    "image/svg+xml",
    "text/plain",
]
