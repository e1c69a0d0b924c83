"""Where stored files are kept: public media, and private files in an area of their own.

Code that stores or serves files talks to the small ``Storage`` protocol
rather than to the file system, so the local-disk backend used by a single
server can be swapped for an S3-like object store once several servers serve
the site and no longer share a disk.  Names are relative, "/"-separated keys
such as ``img/ab/ab12...-640.webp``.

There are two areas. The public one (``MEDIA_ROOT``, ``get_storage``) holds
only pictures re-encoded by the image pipeline, under ``img/``, and is served
to anyone at ``/media/``. Everything else people upload (registration
documents, certificate scans, trace evidence PDFs and private evidence
photos) goes to the private area (``PRIVATE_MEDIA_ROOT``,
``get_private_storage``), which no URL maps to: each kind has its own route
that checks permission on every request. A name never changes when a file
moves between the areas, so rows (and hash-chained trace events) that name a
file stay valid.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Protocol

from flask import current_app

#: Keys of the cached backends in ``app.extensions``.
EXTENSION_KEY = "taawon_storage"
PRIVATE_EXTENSION_KEY = "taawon_private_storage"

#: Name prefixes the public area may serve: the image pipeline's renditions.
#: Any other name (``docs/``, ``evidence/``...) is private whatever the area.
PUBLIC_PREFIXES = ("img/",)


class Storage(Protocol):
    """A flat store of named byte blobs."""

    def save(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name``; a no-op if ``name`` already exists."""

    def read(self, name: str) -> bytes:
        """Return the bytes stored under ``name`` (FileNotFoundError if none)."""

    def exists(self, name: str) -> bool:
        """Tell whether something is stored under ``name``."""

    def delete(self, name: str) -> None:
        """Remove ``name``; a no-op if it is not stored."""

    def path(self, name: str) -> Path | None:
        """Return a local file path for ``send_file``, or None for remote backends."""


class LocalStorage:
    """Storage in a directory of the local file system."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        """Use ``root`` (created on first save) as the base directory."""
        self.root = Path(root).resolve()

    def save(self, name: str, data: bytes) -> None:
        """Write ``data`` atomically under ``name`` unless it already exists."""
        target = self._resolve(name)
        if target.exists():
            # Names are content addresses: an existing file already holds
            # these bytes, and rewriting it would race with readers.
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file in the same directory, then rename: a
        # reader (or a crash) never sees a half-written image.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, name: str) -> bytes:
        """Return the bytes stored under ``name``."""
        return self._resolve(name).read_bytes()

    def exists(self, name: str) -> bool:
        """Tell whether a file is stored under ``name``."""
        return self._resolve(name).is_file()

    def delete(self, name: str) -> None:
        """Remove the file stored under ``name``, if any."""
        self._resolve(name).unlink(missing_ok=True)

    def path(self, name: str) -> Path:
        """Return the local path of ``name`` (it may not exist)."""
        return self._resolve(name)

    def _resolve(self, name: str) -> Path:
        """Map ``name`` to a path inside the root, refusing names that escape it."""
        posix, windows = PurePosixPath(name), PureWindowsPath(name)
        # Check both flavours so "..\\x" and "C:x" are refused on any OS.
        if (
            not name
            or "\x00" in name
            or posix.is_absolute()
            or windows.drive
            or ".." in windows.parts
        ):
            raise ValueError(f"invalid storage name: {name!r}")
        target = (self.root / posix).resolve()
        # Also catches symbolic links inside the root pointing outside it.
        if target == self.root or not target.is_relative_to(self.root):
            raise ValueError(f"storage name escapes the media root: {name!r}")
        return target


def get_storage() -> Storage:
    """Return the public media backend (served at ``/media/``), created once per app."""
    storage: Storage | None = current_app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = LocalStorage(current_app.config["MEDIA_ROOT"])
        current_app.extensions[EXTENSION_KEY] = storage
    return storage


def get_private_storage() -> Storage:
    """Return the private backend, outside every public URL, created once per app.

    An object store would give it a bucket (or prefix) of its own with no
    public read access.
    """
    storage: Storage | None = current_app.extensions.get(PRIVATE_EXTENSION_KEY)
    if storage is None:
        private = Path(current_app.config["PRIVATE_MEDIA_ROOT"]).resolve()
        public = Path(current_app.config["MEDIA_ROOT"]).resolve()
        if private.is_relative_to(public) or public.is_relative_to(private):
            # /media/<name> would reach the private files again.
            raise RuntimeError("PRIVATE_MEDIA_ROOT must be outside MEDIA_ROOT (and not contain it)")
        storage = LocalStorage(private)
        current_app.extensions[PRIVATE_EXTENSION_KEY] = storage
    return storage


def is_public_name(name: str) -> bool:
    """Tell whether ``name`` is of a kind the public ``/media/`` route may serve."""
    return name.startswith(PUBLIC_PREFIXES)


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
