"""Sending an uploaded file back to a browser without trusting it.

Every file people upload (documents, certificate scans, trace evidence) is
served by this one function, after the route has checked who asks. The
content type comes from what the shop stored (a PDF it checked, a JPEG or
WebP it re-encoded), never from the upload; ``nosniff`` stops the browser
guessing another. A viewable file (PDF or picture) is shown inline only in a
sandbox: a PDF's scripts and forms, or anything that slipped through, run in
an opaque origin with no access to the shop's cookies or pages, and load
nothing. Anything else is offered as a download.
"""

from __future__ import annotations

import re
import unicodedata

from flask import Response, abort, send_file

from shop.storage import Storage, file_source, get_private_storage

#: The content types the shop stores, and the extension it gives each.
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}
TYPES = {extension: content_type for content_type, extension in EXTENSIONS.items()}
#: Shown inline (in the sandbox); every other type is an attachment.
VIEWABLE = frozenset(EXTENSIONS)
#: The policy of a user file shown inline: an opaque origin that loads nothing
#: and cannot be framed.
SANDBOX_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
#: A private file is kept by no cache, shared or not.
PRIVATE = "private, no-store"


def content_type_of(name: str) -> str:
    """The type of a stored file, from the extension the shop gave its name."""
    return TYPES.get(name.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def send_stored(
    storage: Storage,
    name: str,
    *,
    download_name: str,
    content_type: str | None = None,
    cache_control: str = PRIVATE,
) -> Response:
    """Send ``name`` from ``storage`` (404 if it is not there) with safe headers.

    ``cache_control`` stays ``private, no-store`` for anything behind a
    permission check; only public trace evidence passes a public value.
    """
    content_type = content_type or content_type_of(name)
    try:
        source = file_source(storage, name)
    except (ValueError, FileNotFoundError):
        abort(404)
    inline = content_type in VIEWABLE
    response = send_file(
        source,
        mimetype=content_type,
        as_attachment=not inline,
        download_name=safe_filename(download_name, content_type),
        conditional=True,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_CSP
    return response


def send_private(
    name: str | None, *, download_name: str, content_type: str | None = None
) -> Response:
    """A file of the private area, 404 when none is recorded (the route checks who asks)."""
    if not name:
        abort(404)
    return send_stored(
        get_private_storage(), name, download_name=download_name, content_type=content_type
    )


def safe_filename(name: str, content_type: str) -> str:
    """A name to offer the browser: no path, no control characters, the real extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(
        c
        for c in unicodedata.normalize("NFC", base)
        if unicodedata.category(c)[0] not in "CZ" or c == " "
    )
    base = re.sub(r'["<>:|?*;]', "", base).strip(" .")
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base
    extension = EXTENSIONS.get(content_type, "bin")
    return f"{(stem or 'document')[:100]}.{extension}"
