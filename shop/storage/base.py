"""The storage protocol, and the rules for names that every backend applies."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Protocol

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


def check_name(name: str) -> PurePosixPath:
    """``name`` as a relative path, or ValueError if it could leave its area.

    The same names are refused by every backend, so that a name means the
    same file on disk and in a bucket and files can move between them: no
    absolute path or drive ("C:x"), no empty, "." or ".." part, no backslash
    (a separator on Windows), no NUL.
    """
    parts = name.split("/")
    if (
        not name
        or "\x00" in name
        or "\\" in name
        or name.startswith("/")
        or PureWindowsPath(name).drive
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise ValueError(f"invalid storage name: {name!r}")
    return PurePosixPath(name)


def is_public_name(name: str) -> bool:
    """Tell whether ``name`` is of a kind the public ``/media/`` route may serve."""
    return name.startswith(PUBLIC_PREFIXES)
