"""Where media files (product and cooperative images) are kept.

Code that stores or serves media talks to the small ``Storage`` protocol
rather than to the file system, so the local-disk backend used by a single
server can be swapped for an S3-like object store once several servers serve
the site and no longer share a disk.  Names are relative, "/"-separated keys
such as ``img/ab/ab12...-640.webp``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Protocol

from flask import current_app

#: Key of the cached backend in ``app.extensions``.
EXTENSION_KEY = "taawon_storage"


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
    """Return the application's storage backend, created once per app."""
    storage: Storage | None = current_app.extensions.get(EXTENSION_KEY)
    if storage is None:
        storage = LocalStorage(current_app.config["MEDIA_ROOT"])
        current_app.extensions[EXTENSION_KEY] = storage
    return storage
