"""The embedded search backend: a Whoosh index in ``SEARCH_INDEX_DIR`` (or in memory).

``schema`` (fields and documents), ``index`` (opening and writing, safe
across processes), ``searcher`` (one long-lived searcher and its columns),
``query`` (typed text to a query), ``scoring`` (matches and scores from the
posting blocks), ``facets``, ``snippets`` and ``backend`` (the
:class:`~catalog.search.backend.SearchBackend` they make up).
"""

from __future__ import annotations

from .backend import WhooshBackend
from .query import build_query, parse
from .scoring import evaluate, ranked

__all__ = ["WhooshBackend", "build_query", "evaluate", "parse", "ranked"]
