"""Opening and writing the Whoosh index, safe across processes."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from whoosh.filedb.filestore import Storage
from whoosh.index import Index
from whoosh.writing import CLEAR

from ..backend import ProductDocument, SearchUnavailable
from .schema import INDEX_NAME, build_schema, document_fields


class WhooshIndex:
    """A Whoosh index in a directory (or in memory), safe across processes.

    Writers take the index's lock file and wait for it up to ``write_timeout``
    seconds, so several app processes queue up instead of corrupting it.
    """

    #: Written after each commit (the sync's ``after_commit``), not in it.
    transactional = False

    def __init__(
        self, storage: Storage, *, create: bool = False, write_timeout: float = 10.0
    ) -> None:
        self.storage = storage
        self.write_timeout = write_timeout
        if create and not self.available():
            self._create()

    def _create(self) -> Index:
        self.storage.create()
        return self.storage.create_index(build_schema(), indexname=INDEX_NAME)

    def bound(self, connection: Any) -> AbstractContextManager[None]:
        """Nothing to bind: the index is files, written in transactions of its own."""
        return nullcontext()

    def available(self) -> bool:
        """True when the index exists and can be opened."""
        try:
            self._index()
        except SearchUnavailable:
            return False
        return True

    def _index(self) -> Index:
        try:
            if not self.storage.index_exists(INDEX_NAME):
                raise SearchUnavailable("the search index does not exist")
            return self.storage.open_index(INDEX_NAME)
        except SearchUnavailable:
            raise
        except Exception as error:  # Whoosh raises many types for a damaged index
            raise SearchUnavailable(f"the search index cannot be opened: {error}") from error

    # ---------------------------------------------------------------------- writes

    def update(self, docs: Iterable[ProductDocument], remove: Iterable[int] = ()) -> None:
        """Add or replace ``docs`` and delete ``remove`` in one commit."""
        writer = self._index().writer(timeout=self.write_timeout, delay=0.05)
        try:
            for product_id in remove:
                writer.delete_by_term("id", str(product_id))
            for doc in docs:
                writer.update_document(**document_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, docs: Iterable[ProductDocument]) -> int:
        """Write every document into a new segment that replaces all others."""
        index = self._index() if self.available() else self._create()
        writer = index.writer(timeout=self.write_timeout, delay=0.05, limitmb=256)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**document_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        # CLEAR drops the old segments in the same commit: readers see the old
        # index until then, never a half-built one.
        writer.commit(mergetype=CLEAR)
        return count

    def clear(self) -> None:
        """Remove every document."""
        self.rebuild(())
