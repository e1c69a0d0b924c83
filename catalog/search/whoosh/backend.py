"""The Whoosh search backend: exact words first, then typos, then any word; facets, snippets."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from functools import partial
from typing import Any

from whoosh.query import Query
from whoosh.searching import Searcher

from shop.i18n import pick

from ...queries import Filters
from ..analysis import LANGS, fold
from ..backend import SearchResult, Suggestion
from ..matching import best_match, typo_distance
from .complete import completion_builder
from .facets import facet_counts
from .query import Word, build_query, parse, word_query
from .schema import SURFACE
from .scoring import TermCache, best, evaluate
from .searcher import SearchableIndex
from .snippets import description_snippet, expanded_terms


class WhooshBackend(SearchableIndex):
    """The :class:`~catalog.search.backend.SearchBackend` on a Whoosh index."""

    def search(
        self, text: str, lang: str, filters: Filters, page: int = 1, per_page: int = 24
    ) -> SearchResult:
        """Exact words first; with typos when that finds little; any word last."""
        parsed, typed = parse(text)
        if not parsed:
            return SearchResult(unreadable=not typed)
        with self._searcher() as searcher:
            cols, terms = self._cols(searcher), self._term_cache(searcher)
            match = best_match(
                partial(build_query, parsed, text, lang),
                partial(evaluate, searcher=searcher, cache=terms),
            )
            query, scores = match.query, match.order
            result = SearchResult(fuzzy=match.fuzzy)
            if match.retried:
                result.suggestion = self._did_you_mean(searcher, terms, parsed, typed, lang)
            allowed, result.facets = facet_counts(cols, scores.keys(), filters)
            result.total = len(allowed)
            # Only the documents up to the page's last are put in order.
            start = (page - 1) * per_page
            end = start + per_page
            if filters.sort in ("newest", "price_asc", "price_desc"):
                docnums = cols.first(allowed, filters.sort, end)[start:]
            else:
                docnums = best(scores, end, allowed)[start:]
            result.ids = [cols.ids[d] for d in docnums]
            marked = expanded_terms(query, searcher)
            for docnum in docnums:
                stored = self._stored_fields(searcher, docnum)
                snippet = description_snippet(stored, marked, lang)
                if snippet:
                    result.highlights[cols.ids[docnum]] = snippet
            return result

    @staticmethod
    def _did_you_mean(
        searcher: Searcher, terms: TermCache, parsed: list[Word], typed: list[str], lang: str
    ) -> str | None:
        """The typed words, with those found nowhere replaced by close indexed words."""
        corrector = searcher.corrector("spell")

        def found(word: Word) -> bool:
            return bool(evaluate(word_query(word, lang, fuzzy=False), searcher, terms))

        unknown = {w.raw: w for w in parsed if not found(w)}
        corrected, changed = [], False
        for raw in typed:
            word = unknown.get(raw)
            if word is not None and word.unelided is not None and found(word.unelided):
                # "dargan" → "d’argan": the apostrophe was left out.
                glued = raw[: len(raw) - len(word.unelided.raw)]
                corrected.append(f"{glued}\u2019{word.unelided.raw}")
                changed = True
                continue
            surface = [t.text for t in SURFACE(raw)]
            distance = typo_distance(raw)
            options = (
                corrector.suggest(surface[0], limit=1, maxdist=distance, prefix=1)
                if word is not None and surface and distance
                else []
            )
            if options and fold(options[0]) != fold(raw):
                corrected.append(options[0])
                changed = True
            else:
                corrected.append(raw)
        return " ".join(corrected) if changed else None

    def suggest(self, prefix: str, lang: str, limit: int = 8) -> list[Suggestion]:
        """The names of the first products the results page would show for ``prefix``.

        The same analysis and steps as :meth:`search` (every language,
        transliterations, typos), with the word being typed also matching
        the start of a name's word; names in ``lang``, or their fallback.
        """
        if len(prefix.strip()) < 2:
            return []
        with self._searcher() as searcher:
            terms = self._term_cache(searcher)
            tried: list[tuple[Query, dict[int, float]]] = []

            def run(q: Query) -> list[int]:
                tried.append((q, evaluate(q, searcher, terms)))
                return list(tried[-1][1])

            match = best_match(completion_builder(prefix[:100], lang, searcher.reader()), run)
            scores = next(s for q, s in tried if q is match.query)
            # The best few, without sorting every match (a prefix may match thousands).
            best = heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))
            found = []
            for docnum, _ in best:
                stored = self._stored_fields(searcher, docnum)
                name = pick({code: stored.get(f"name_{code}") or "" for code in LANGS}, lang)
                found.append(Suggestion(int(stored["id"]), stored["slug"], name.text, name.lang))
        return found

    def snapshot(self) -> dict[int, tuple[int, bool]]:
        """Every live document's (price, in stock) by product id."""
        with self._searcher() as searcher:
            cols = self._cols(searcher)
            return {cols.ids[d]: (cols.price[d], bool(cols.in_stock[d])) for d in cols.live}

    def documents(self) -> Iterator[dict[str, Any]]:
        """Stored fields of every live document (for checks and tests)."""
        with self._searcher() as searcher:
            documents = [dict(fields) for fields in searcher.all_stored_fields()]
        yield from documents
