"""The Whoosh search backend: exact words first, then typos, then any word; facets, snippets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh.query import And, Prefix, Query, Term
from whoosh.searching import Searcher

from shop.i18n import pick

from ...queries import Filters
from ..analysis import LANGS, fold
from ..backend import MAX_WORDS, SearchResult, Suggestion
from .facets import Columns, facet_counts
from .query import Word, build_query, parse, typo_distance, word_query
from .schema import SURFACE, SURFACE_FOLDED
from .scoring import evaluate, ranked
from .searcher import SearchableIndex
from .snippets import description_snippet, expanded_terms

#: An exact search finding fewer results than this retries with typos.
FEW_RESULTS = 3


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
            cols = self._cols(searcher)
            ranked_sort = filters.sort not in ("newest", "price_asc", "price_desc")

            def run(q: Query) -> list[int]:
                """Matching documents, best first when ranking."""
                scores = evaluate(q, searcher)
                return ranked(scores) if ranked_sort else list(scores)

            query = build_query(parsed, text, lang)
            order = run(query)
            result = SearchResult()
            if len(order) < FEW_RESULTS:
                result.suggestion = self._did_you_mean(searcher, parsed, typed, lang)
                for fuzzy_query in (
                    build_query(parsed, text, lang, fuzzy=True),
                    build_query(parsed, text, lang, fuzzy=True, every_word=False),
                ):
                    more = run(fuzzy_query)
                    if len(more) > len(order):
                        query, order, result.fuzzy = fuzzy_query, more, True
                    if order:
                        break
            allowed, result.facets = facet_counts(cols, set(order), filters)
            result.total = len(allowed)
            kept = (
                [d for d in order if d in allowed]
                if ranked_sort
                else self._sorted(cols, allowed, filters.sort)
            )
            start = (page - 1) * per_page
            docnums = kept[start : start + per_page]
            result.ids = [cols.ids[d] for d in docnums]
            terms = expanded_terms(query, searcher)
            for docnum in docnums:
                snippet = description_snippet(searcher.stored_fields(docnum), terms, lang)
                if snippet:
                    result.highlights[cols.ids[docnum]] = snippet
            return result

    @staticmethod
    def _sorted(cols: Columns, docs: set[int], sort: str) -> list[int]:
        """Sorted like the listing: ties go to the most recently created product."""
        if sort == "price_asc":
            return sorted(docs, key=lambda d: (cols.price[d], -cols.ids[d]))
        if sort == "price_desc":
            return sorted(docs, key=lambda d: (-cols.price[d], -cols.ids[d]))
        return sorted(docs, key=lambda d: (-cols.published[d], -cols.ids[d]))

    @staticmethod
    def _did_you_mean(
        searcher: Searcher, parsed: list[Word], typed: list[str], lang: str
    ) -> str | None:
        """The typed words, with those found nowhere replaced by close indexed words."""
        corrector = searcher.corrector("spell")
        unknown = {
            w.raw for w in parsed if not evaluate(word_query(w, lang, fuzzy=False), searcher)
        }
        corrected, changed = [], False
        for raw in typed:
            surface = [t.text for t in SURFACE(raw)]
            distance = typo_distance(raw)
            options = (
                corrector.suggest(surface[0], limit=1, maxdist=distance, prefix=1)
                if raw in unknown and surface and distance
                else []
            )
            if options and fold(options[0]) != fold(raw):
                corrected.append(options[0])
                changed = True
            else:
                corrected.append(raw)
        return " ".join(corrected) if changed else None

    def suggest(self, prefix: str, lang: str, limit: int = 8) -> list[Suggestion]:
        """Names in ``lang`` (or their fallback) containing words that start so."""
        typed = [t.text for t in SURFACE_FOLDED(prefix[:100])][:MAX_WORDS]
        if not typed or len(prefix.strip()) < 2:
            return []
        field_name = f"complete_{lang}"
        clauses: list[Query] = [Term(field_name, w) for w in typed[:-1]]
        clauses.append(Prefix(field_name, typed[-1]))
        with self._searcher() as searcher:
            hits = searcher.search(And(clauses), limit=50, terms=False)
            found = []
            for hit in hits:
                name = pick({code: hit.get(f"name_{code}") or "" for code in LANGS}, lang)
                found.append(Suggestion(int(hit["id"]), hit["slug"], name.text, name.lang))
        # Names that start with what was typed first, then alphabetical.
        start = fold(prefix.strip())
        found.sort(key=lambda s: (not fold(s.label).startswith(start), fold(s.label)))
        return found[:limit]

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
