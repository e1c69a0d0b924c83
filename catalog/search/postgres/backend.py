"""The PostgreSQL search backend: the same steps as Whoosh's, in SQL on the shared database.

Exact words first, then typos, then any word (``matching.best_match``);
each step is one statement returning the page, the facet counts and the
totals (``results.py``). Reads go through the request's session, so a search
sees the database as the rest of the page does; writes go through the
committing transaction's connection when the sync binds one (``bound``), so
the index commits (or rolls back) with the catalogue, and every app server
sees the same results at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import func, literal, select, text
from sqlalchemy.engine import Connection

from shop.extensions import db
from shop.i18n import pick

from ...queries import Filters
from ..analysis import fold, unelide
from ..backend import ProductDocument, SearchResult, SearchUnavailable, Suggestion
from ..matching import best_match, typo_distance
from ..whoosh.snippets import description_snippet
from . import index
from .models import DOCUMENTS
from .query import (
    Builder,
    Clause,
    Word,
    analyse,
    clause_match,
    described,
    match,
    parse,
    score,
    snippet_terms,
    typing_words,
)
from .results import Found, Named, names, results
from .typos import candidates

#: The connection of the transaction the sync writes in, while it does.
_BOUND: ContextVar[Connection | None] = ContextVar("taawon_search_connection", default=None)

Typos = dict[str, list[tuple[int, str]]]


class _Typos:
    """The vocabulary's words close to the typed ones, asked for once, when a step needs them."""

    def __init__(self, connection: Connection, words: list[Word]) -> None:
        self.connection, self.typed = connection, words
        self._found: Typos | None = None

    def found(self) -> Typos:
        if self._found is None:
            self._found = candidates(self.connection, self.typed)
        return self._found

    def words(self) -> dict[str, list[str]]:
        return {typed: [word for _, word in options] for typed, options in self.found().items()}


class PostgresBackend:
    """The :class:`~catalog.search.backend.SearchBackend` on PostgreSQL's full-text search."""

    #: The index is written in the committing transaction (``bound``).
    transactional = True

    def __init__(self) -> None:
        self._ready = False

    # ------------------------------------------------------------------ connections

    @contextmanager
    def bound(self, connection: Connection) -> Iterator[None]:
        """Read and write through ``connection`` (the committing transaction's) meanwhile."""
        token = _BOUND.set(connection)
        try:
            yield
        finally:
            _BOUND.reset(token)

    def _reader(self) -> Connection:
        return _BOUND.get() or db.session.connection()

    @contextmanager
    def _writer(self) -> Iterator[Connection]:
        """The bound connection, or a transaction of its own, committed at the end."""
        bound = _BOUND.get()
        if bound is not None:
            yield bound
            return
        with db.engine.begin() as connection:
            yield connection

    def available(self) -> bool:
        """True when the database is PostgreSQL with the search tables and pg_trgm."""
        if not self._ready:
            connection = self._reader()
            self._ready = connection.dialect.name == "postgresql" and bool(
                connection.scalar(
                    text(
                        "SELECT to_regclass('search_document') IS NOT NULL "
                        "AND to_regclass('search_term') IS NOT NULL "
                        "AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')"
                    )
                )
            )
        return self._ready

    def _searchable(self) -> Connection:
        if not self.available():
            raise SearchUnavailable("the search tables are missing: run `flask db upgrade`")
        return self._reader()

    # ----------------------------------------------------------------------- writes

    def update(self, docs: Iterable[ProductDocument], remove: Iterable[int] = ()) -> None:
        """Upsert ``docs`` and delete products ``remove`` (in the bound transaction)."""
        with self._writer() as connection:
            index.remove(connection, remove)
            index.write(connection, docs)

    def rebuild(self, docs: Iterable[ProductDocument]) -> int:
        """Replace every row in one transaction: readers see the old index until it commits."""
        with self._writer() as connection:
            index.clear(connection)
            count = index.write(connection, docs)
            index.analyze(connection)
        return count

    def clear(self) -> None:
        """Remove every document and word."""
        with self._writer() as connection:
            index.clear(connection)

    def snapshot(self) -> dict[int, tuple[int, bool]]:
        """Every indexed product's (price, in stock)."""
        doc = DOCUMENTS
        rows = self._reader().execute(select(doc.c.id, doc.c.price_cents, doc.c.in_stock))
        return {product_id: (price, bool(stock)) for product_id, price, stock in rows}

    # ------------------------------------------------------------------------ reads

    def search(
        self, text: str, lang: str, filters: Filters, page: int = 1, per_page: int = 24
    ) -> SearchResult:
        """Whoosh's steps in SQL: one statement a step (page, facets, totals), the
        vocabulary asked for typos only when the exact words found little."""
        parsed, typed = parse(text)
        if not parsed:
            return SearchResult(unreadable=not typed)
        connection = self._searchable()
        typos = _Typos(connection, parsed)

        def build(fuzzy: bool, every_word: bool) -> tuple[list[Clause], bool]:
            builder = Builder(connection, typos.words() if fuzzy else None)
            builder.load(parsed)
            return [builder.word_clause(word, fuzzy) for word in parsed], every_word

        def run(query: tuple[list[Clause], bool]) -> Found:
            clauses, every_word = query
            condition = match(clauses, text, every_word)
            # Sorted by price or date: no score to compute for every match.
            ranked = filters.sort not in ("newest", "price_asc", "price_desc")
            ranking = score(clauses, text, lang) if ranked else literal(0.0)
            return results(
                connection, condition, ranking, filters, page, per_page, described(clauses)
            )

        step = best_match(build, run)
        found = step.order
        result = SearchResult(ids=found.ids, total=found.total, facets=found.facets)
        result.fuzzy = step.fuzzy
        if step.retried:
            result.suggestion = self._did_you_mean(connection, parsed, typed, typos.found())
        terms = snippet_terms(step.query[0])
        for product_id in found.ids:
            snippet = description_snippet(found.descriptions[product_id], terms, lang)
            if snippet:
                result.highlights[product_id] = snippet
        return result

    @staticmethod
    def _did_you_mean(
        connection: Connection, parsed: list[Word], typed: list[str], typos: Typos
    ) -> str | None:
        """The typed words, with those found nowhere replaced by close vocabulary words."""
        builder = Builder(connection)
        builder.load(parsed)
        targets = [*parsed, *(w.unelided for w in parsed if w.unelided)]
        # Counts, not EXISTS: a LIMIT 1 plan reads the whole table for a word
        # found nowhere (the planner hopes for an early row), a count uses the index.
        doc = DOCUMENTS
        counts = [
            select(func.count())
            .select_from(doc)
            .where(clause_match(builder.word_clause(w, False)))
            .scalar_subquery()
            > 0
            for w in targets
        ]
        flags = connection.execute(select(*counts)).one()
        n = len(parsed)
        known = {w.raw for w, flag in zip(targets[:n], flags[:n], strict=True) if flag}
        halves = {w.raw for w, flag in zip(targets[n:], flags[n:], strict=True) if flag}
        unknown = {w.raw: w for w in parsed if w.raw not in known}
        corrected, changed = [], False
        for raw in typed:
            word = unknown.get(raw)
            if word is not None and word.unelided is not None and word.unelided.raw in halves:
                # "dargan" → "d’argan": the apostrophe was left out.
                glued = raw[: len(raw) - len(word.unelided.raw)]
                corrected.append(f"{glued}\u2019{word.unelided.raw}")
                changed = True
                continue
            options = typos.get(word.folded, []) if word is not None and typo_distance(raw) else []
            if options and fold(options[0][1]) != fold(raw):
                corrected.append(options[0][1])
                changed = True
            else:
                corrected.append(raw)
        return " ".join(corrected) if changed else None

    def suggest(self, prefix: str, lang: str, limit: int = 8) -> list[Suggestion]:
        """The names of the first products the results page would show for ``prefix``.

        The same analysis and steps as :meth:`search`, with the word being
        typed also matching the start of a name's word; names in ``lang``, or
        their fallback.
        """
        if len(prefix.strip()) < 2:
            return []
        text = prefix[:100]
        connection = self._searchable()
        done, typing = typing_words(text)
        typing_word = analyse(typing) if typing else None
        words = [*done, *([typing_word] if typing_word else [])]
        starts = [value for value in (typing, unelide(typing) if typing else None) if value]
        typos = _Typos(connection, words)

        def build(fuzzy: bool, every_word: bool) -> tuple[list[Clause], bool]:
            builder = Builder(connection, typos.words() if fuzzy else None)
            builder.load(words, starts)
            clauses = [builder.word_clause(word, fuzzy) for word in done]
            if typing:
                clauses.append(builder.typing_clause(typing, fuzzy))
            return clauses, every_word

        def run(query: tuple[list[Clause], bool]) -> Named:
            clauses, every_word = query
            return names(
                connection, match(clauses, text, every_word), score(clauses, text, lang), limit
            )

        found = best_match(build, run).order
        suggestions = []
        for product_id, slug, by_lang in found.rows:
            name = pick(by_lang, lang)
            suggestions.append(Suggestion(product_id, slug, name.text, name.lang))
        return suggestions
