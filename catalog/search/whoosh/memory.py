"""The Whoosh index in memory: committed changes are indexed at its next read.

A RAM index lives and dies with one process, so that process is its only
reader. Instead of a Whoosh commit after every database commit (a new
segment, then a merge: most of the cost of creating a product in the tests,
where every application has its own index), the sync hands it what each
commit touched (:meth:`InMemoryBackend.defer`); the next read applies all of
it in one batch, re-reading the products from the database as they are then.
Every read therefore answers as if each commit had been indexed at once. An
index in a folder (shared by processes) is still written after each commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from whoosh.searching import Searcher

from ..backend import ProductDocument
from .backend import WhooshBackend

#: What a transaction touched (``catalog.search.sync``'s notes).
Touched = dict[str, Any]


class InMemoryBackend(WhooshBackend):
    """A :class:`WhooshBackend` in RAM whose writes wait for the next read."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._pending: Touched | None = None
        self._apply: Callable[[Touched], None] | None = None
        self._pending_lock = threading.RLock()
        super().__init__(*args, **kwargs)

    def defer(self, touched: Touched, apply: Callable[[Touched], None]) -> None:
        """Remember ``touched`` until the next read; ``apply`` indexes it then."""
        with self._pending_lock:
            if self._pending is None:
                self._pending = {"products": set(), "cooperatives": set(), "categories": set()}
                self._pending["bulk"] = False
            for key in ("products", "cooperatives", "categories"):
                self._pending[key].update(touched[key])
            self._pending["bulk"] = self._pending["bulk"] or touched["bulk"]
            self._apply = apply

    def flush(self) -> None:
        """Index what the commits since the last read touched."""
        with self._pending_lock:
            pending, self._pending = self._pending, None
            if pending is not None and self._apply is not None:
                self._apply(pending)

    @contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        self.flush()
        with super()._searcher() as searcher:
            yield searcher

    def update(self, docs: Iterable[ProductDocument], remove: Iterable[int] = ()) -> None:
        self.flush()  # earlier changes first
        super().update(docs, remove)

    def rebuild(self, docs: Iterable[ProductDocument]) -> int:
        # The rebuild reads every product as it is now: what waited is in it.
        with self._pending_lock:
            self._pending = None
        return super().rebuild(docs)
