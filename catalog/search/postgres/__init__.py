"""The PostgreSQL search backend (``SEARCH_BACKEND=postgresql``): full-text search in the database.

``models`` (the search tables), ``text`` (normalised texts and the lexemes
PostgreSQL's configurations make of them), ``query`` (typed words to SQL
conditions and scores), ``typos`` (the vocabulary and pg_trgm), ``results``
(one statement per step: page, facets, totals), ``index`` (writing rows) and
``backend`` (the :class:`~catalog.search.backend.SearchBackend` they make up).
"""

from __future__ import annotations

from .backend import PostgresBackend

__all__ = ["PostgresBackend"]
