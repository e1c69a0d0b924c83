"""A cooperative's private documents, streamed to administrators and its managers."""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

from flask import abort, send_file
from flask_login import current_user

from producers import services
from producers.models import CooperativeDocument
from shop.extensions import db, login_manager
from shop.storage import get_storage

EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}


def document(id: int):
    """Stream a private document to an administrator or a manager of its cooperative."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    doc = db.get_or_404(CooperativeDocument, id)
    if not (current_user.is_admin or services.membership(current_user, doc.cooperative)):
        abort(403)
    storage = get_storage()
    try:
        path = storage.path(doc.storage_name)
        if path is not None:
            if not path.is_file():
                abort(404)
            source: Any = path
        else:  # a remote backend: no local file to hand to send_file
            source = io.BytesIO(storage.read(doc.storage_name))
    except (ValueError, FileNotFoundError):
        abort(404)
    response = send_file(
        source,
        mimetype=doc.content_type,
        as_attachment=False,
        download_name=safe_filename(doc.filename, doc.content_type),
        conditional=True,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if doc.content_type == "application/pdf":
        # The file came from outside: a PDF's scripts and forms run without any origin.
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


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
