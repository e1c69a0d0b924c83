"""Where stored files are kept: public media, and private files in an area of their own.

Code that stores or serves files talks to the small ``Storage`` protocol
(``base.py``) rather than to the file system. ``MEDIA_STORAGE`` picks the
backend: ``local`` (the default, ``local.py``: a directory on this server's
disk) or ``s3`` (``s3.py``: S3-compatible buckets every server shares).
Names are relative, "/"-separated keys such as ``img/ab/ab12...-640.webp``,
refused alike by every backend when they could leave their area.

There are two areas. The public one (``get_storage``: ``MEDIA_ROOT`` or
``S3_BUCKET``) holds only pictures re-encoded by the image pipeline, under
``img/``, and is served to anyone at ``/media/`` (or straight from
``MEDIA_URL``). Everything else people upload (registration documents,
certificate scans, trace evidence PDFs and private evidence photos) goes to
the private area (``get_private_storage``: ``PRIVATE_MEDIA_ROOT``, or
``S3_PRIVATE_BUCKET`` / ``S3_PRIVATE_PREFIX``), which no URL maps to: each
kind has its own route that checks permission on every request. A name never
changes when a file moves between areas or backends, so rows (and
hash-chained trace events) that name a file stay valid.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from flask import current_app

from ..urls import ConfigError, parse_base_url
from .base import PUBLIC_PREFIXES, Storage, check_name, is_public_name
from .local import LocalStorage
from .s3 import S3Storage, make_client

__all__ = [
    "MEDIA_CACHE_CONTROL",
    "PUBLIC_PREFIXES",
    "LocalStorage",
    "S3Storage",
    "Storage",
    "check_name",
    "get_private_storage",
    "get_storage",
    "is_public_name",
    "move_files",
]

#: Keys of the cached backends (and of the shared S3 client) in ``app.extensions``.
EXTENSION_KEY = "taawon_storage"
PRIVATE_EXTENSION_KEY = "taawon_private_storage"
CLIENT_EXTENSION_KEY = "taawon_s3_client"

BACKENDS = ("local", "s3")
#: Public pictures are named by their content: cache them for a year.
MEDIA_MAX_AGE = 365 * 24 * 3600
MEDIA_CACHE_CONTROL = f"public, max-age={MEDIA_MAX_AGE}, immutable"
#: Private objects are never served from the bucket; should one be, no cache keeps it.
PRIVATE_CACHE_CONTROL = "private, no-store"
#: The key prefix of private files when they share the public bucket.
DEFAULT_PRIVATE_PREFIX = "private/"


def media_backend(config: Mapping[str, Any]) -> str:
    """The configured backend, ``local`` or ``s3``."""
    backend = str(config.get("MEDIA_STORAGE") or "local").strip().lower()
    if backend not in BACKENDS:
        raise ConfigError(f"MEDIA_STORAGE={backend!r} is not one of {', '.join(BACKENDS)}.")
    return backend


def private_area(config: Mapping[str, Any]) -> tuple[str, str]:
    """The bucket and key prefix of the private files (MEDIA_STORAGE=s3).

    A bucket of their own, or the public bucket under a prefix that no
    public name can start with (``private/`` unless set).
    """
    public = config.get("S3_BUCKET") or ""
    if not public:
        raise ConfigError("MEDIA_STORAGE=s3 needs S3_BUCKET, the bucket of the public pictures.")
    bucket = config.get("S3_PRIVATE_BUCKET") or public
    prefix = config.get("S3_PRIVATE_PREFIX") or (DEFAULT_PRIVATE_PREFIX if bucket == public else "")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    if bucket == public and (not prefix or is_public_name(prefix)):
        # A private key would then be a public picture's name, which
        # /media/ or a public bucket policy on img/* would hand out.
        raise ConfigError(
            f"S3_PRIVATE_PREFIX={prefix!r}: private files sharing the public bucket need "
            "a prefix of their own (such as private/), or set S3_PRIVATE_BUCKET."
        )
    return bucket, prefix


def check_media_config(config: Mapping[str, Any]) -> str | None:
    """Refuse an unusable media setting at start-up; return ``MEDIA_URL`` normalised."""
    if media_backend(config) == "s3":
        private_area(config)
    url = config.get("MEDIA_URL") or ""
    if not url:
        return None
    base = parse_base_url(url, "MEDIA_URL")
    if base.scheme != "https" and config.get("ENVIRONMENT") == "production":
        # An https page's pictures over http: blocked or warned as mixed content.
        raise ConfigError(f"MEDIA_URL={url!r} must be https:// in production.")
    return base.url


def get_storage() -> Storage:
    """Return the public media backend (served at ``/media/``), created once per app."""
    storage: Storage | None = current_app.extensions.get(EXTENSION_KEY)
    if storage is None:
        config = current_app.config
        if media_backend(config) == "s3":
            private_area(config)  # the same checks as at start-up
            storage = S3Storage(_client(), config["S3_BUCKET"], cache_control=MEDIA_CACHE_CONTROL)
        else:
            storage = LocalStorage(config["MEDIA_ROOT"])
        current_app.extensions[EXTENSION_KEY] = storage
    return storage


def get_private_storage() -> Storage:
    """Return the private backend, outside every public URL, created once per app."""
    storage: Storage | None = current_app.extensions.get(PRIVATE_EXTENSION_KEY)
    if storage is None:
        config = current_app.config
        if media_backend(config) == "s3":
            bucket, prefix = private_area(config)
            storage = S3Storage(_client(), bucket, prefix, cache_control=PRIVATE_CACHE_CONTROL)
        else:
            private = Path(config["PRIVATE_MEDIA_ROOT"]).resolve()
            public = Path(config["MEDIA_ROOT"]).resolve()
            if private.is_relative_to(public) or public.is_relative_to(private):
                # /media/<name> would reach the private files again.
                raise RuntimeError(
                    "PRIVATE_MEDIA_ROOT must be outside MEDIA_ROOT (and not contain it)"
                )
            storage = LocalStorage(private)
        current_app.extensions[PRIVATE_EXTENSION_KEY] = storage
    return storage


def _client() -> Any:
    """The application's one S3 client (boto3 clients are thread-safe)."""
    client = current_app.extensions.get(CLIENT_EXTENSION_KEY)
    if client is None:
        client = make_client(current_app.config)
        current_app.extensions[CLIENT_EXTENSION_KEY] = client
    return client


def file_source(storage: Storage, name: str) -> Path | io.BytesIO:
    """What ``send_file`` sends for ``name``: its local path, or its bytes read from afar.

    FileNotFoundError if nothing is stored under ``name``, ValueError for a
    name no backend accepts.
    """
    path = storage.path(name)
    if path is None:
        return io.BytesIO(storage.read(name))
    if not path.is_file():
        raise FileNotFoundError(name)
    return path


def move_files(names: Iterable[str], source: Storage, target: Storage) -> int:
    """Move each named file from ``source`` to ``target``; return how many moved.

    Safe to run again: a name missing from ``source`` is skipped, and one
    already in ``target`` (names are content addresses, so the same bytes) is
    only removed from ``source``. A name that is not a valid storage name is
    skipped too: a migration must not stop on one odd row.
    """
    moved = 0
    for name in dict.fromkeys(names):
        try:
            if not source.exists(name):
                continue
            if not target.exists(name):
                target.save(name, source.read(name))
            source.delete(name)
        except ValueError:
            continue
        moved += 1
    return moved
