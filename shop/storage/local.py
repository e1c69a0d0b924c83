"""Storage in a directory of the local file system (one server, the default)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .base import check_name

#: Prefix of the temporary file a save writes before renaming it.
TEMPORARY_PREFIX = ".tmp-"


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
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TEMPORARY_PREFIX)
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

    def names(self) -> Iterator[str]:
        """Every stored name, in order (a save's temporary files left out)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith(TEMPORARY_PREFIX):
                yield path.relative_to(self.root).as_posix()

    def _resolve(self, name: str) -> Path:
        """Map ``name`` to a path inside the root, refusing names that escape it."""
        target = (self.root / check_name(name)).resolve()
        # Also catches symbolic links inside the root pointing outside it.
        if target == self.root or not target.is_relative_to(self.root):
            raise ValueError(f"storage name escapes the media root: {name!r}")
        return target
