"""One long-lived searcher per process, refreshed when the index changes, and what is read from it."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from whoosh import scoring
from whoosh.filedb.filestore import Storage
from whoosh.searching import Searcher

from ..backend import SearchUnavailable
from .facets import Columns, load_columns
from .index import WhooshIndex
from .scoring import MAX_CACHED_POSTINGS, TermCache

#: Documents whose stored fields a process keeps (results pages' snippets, suggestions).
MAX_STORED_DOCUMENTS = 2048


class SearchableIndex(WhooshIndex):
    """The index with one shared searcher, and the columns of its generation."""

    def __init__(
        self,
        storage: Storage,
        *,
        create: bool = False,
        write_timeout: float = 10.0,
        cache_postings: int = MAX_CACHED_POSTINGS,
    ) -> None:
        #: How many postings the term cache keeps (``SEARCH_CACHE_POSTINGS``).
        self._cache_postings = cache_postings
        self._columns: tuple[Any, Columns] | None = None
        #: The terms and stored fields read from this generation.
        self._caches: tuple[Any, TermCache, dict[int, dict]] | None = None
        self._columns_lock = threading.Lock()
        self._shared: Searcher | None = None
        self._shared_pid = 0
        self._searcher_lock = threading.RLock()
        super().__init__(storage, create=create, write_timeout=write_timeout)

    def _open_searcher(self) -> Searcher:
        try:
            # TF-IDF, not BM25F: names and labels are short, and reading every
            # matching document's field lengths was a third of a query's time.
            return self._index().searcher(weighting=scoring.TF_IDF())
        except SearchUnavailable:
            raise
        except Exception as error:
            raise SearchUnavailable(f"the search index cannot be read: {error}") from error

    @contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        """The shared searcher, replaced when the index has changed.

        Opening a searcher (table of contents, segment files, term index) cost
        a third of a query, so one is kept open and only refreshed when a commit
        made a new generation. Whoosh readers are not thread-safe (they seek
        shared files), so reads of this process take turns; pure-Python
        searches hold the GIL anyway.
        """
        with self._searcher_lock:
            current = self._shared
            if current is not None:
                try:
                    # A forked worker opens its own: open files share their offsets.
                    up_to_date = self._shared_pid == os.getpid() and current.up_to_date()
                except Exception:  # noqa: BLE001  (the index was removed or damaged since)
                    up_to_date = False
                if not up_to_date:
                    # A new searcher, not ``refresh()``: Whoosh 2.7's reader
                    # reuse keeps segments' old deletion sets (and segments
                    # a merge removed), so deleted products would still match.
                    self._close_shared()
            if self._shared is None:
                self._shared = self._open_searcher()
                self._shared_pid = os.getpid()
            yield self._shared

    def _close_shared(self) -> None:
        if self._shared is not None:
            if self._shared_pid == os.getpid():  # never close a parent's files
                # Already closed, or its files are gone: nothing to release.
                with contextlib.suppress(Exception):
                    self._shared.close()
            self._shared = None

    @staticmethod
    def _generation(searcher: Searcher) -> tuple[Any, ...]:
        reader = searcher.reader()
        return (
            reader.generation(),
            tuple(r.segment().segment_id() for r, _ in reader.leaf_readers() if r.segment()),
        )

    def _cols(self, searcher: Searcher) -> Columns:
        """Columns for the searcher's generation, loaded once per index change."""
        key = self._generation(searcher)
        with self._columns_lock:
            if self._columns is None or self._columns[0] != key:
                self._columns = (key, load_columns(searcher))
            return self._columns[1]

    def _term_cache(self, searcher: Searcher) -> TermCache:
        """The terms read for the searcher's generation (emptied on every index change)."""
        return self._generation_caches(searcher)[0]

    def _stored_fields(self, searcher: Searcher, docnum: int) -> dict[str, Any]:
        """A document's stored fields, read once per generation (never to be changed).

        Reading them (the whole document decompressed and unpickled) was a
        third of a results page's search, for its 24 descriptions; the most
        recently shown ``MAX_STORED_DOCUMENTS`` are kept.
        """
        stored = self._generation_caches(searcher)[1]
        fields = stored.pop(docnum, None)
        if fields is None:
            fields = searcher.stored_fields(docnum)
            if len(stored) >= MAX_STORED_DOCUMENTS:
                del stored[next(iter(stored))]  # the least recently used
        stored[docnum] = fields
        return fields

    def _generation_caches(self, searcher: Searcher) -> tuple[TermCache, dict[int, dict]]:
        key = self._generation(searcher)
        with self._columns_lock:
            if self._caches is None or self._caches[0] != key:
                self._caches = (key, TermCache(self._cache_postings), {})
            return self._caches[1], self._caches[2]
