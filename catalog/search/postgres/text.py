"""Texts as PostgreSQL receives them, and the lexemes its configurations make of words.

Python does the same normalisation as for Whoosh (``analysis.py``: hamza and
alef forms, tashkeel, the definite article, stop words, French accents);
PostgreSQL's ``arabic``, ``french`` and ``english`` configurations then stem.
A typed word's lexemes are asked of the same configuration as the indexed
text's (``to_tsvector``), so both always agree; they are cached per process,
since a configuration maps a word to the same lexemes every time.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..analysis import LANGS, STEMMERS, fold, language_analyzer, latin_analyzer, surface_analyzer

#: PostgreSQL's text search configuration per language; "simple" (lower case
#: only) for transliterations.
CONFIGS = {lang: STEMMERS[lang] for lang in LANGS}
SIMPLE = "simple"
#: Each language's analysis without its stemmer: PostgreSQL stems.
NORMALIZERS = {lang: language_analyzer(lang, stem=False) for lang in LANGS}
LATIN = latin_analyzer()
SURFACE = surface_analyzer()


def normalised(value: str, lang: str) -> str:
    """``value``'s words in ``lang``, normalised and without stop words, for ``to_tsvector``."""
    return " ".join(token.text for token in NORMALIZERS[lang](value)) if value else ""


def first(analyzer, value: str) -> str:
    """The first token an analyzer makes of ``value`` ("" for none)."""
    return next((token.text for token in analyzer(value)), "")


def surface(word: str) -> str:
    """A word as "did you mean" shows it: lower case, Arabic letters normalised."""
    return first(SURFACE, word)


def folded_surface(word: str) -> str:
    """A word as typos are measured: its surface form without accents."""
    return fold(surface(word))


def operand(lexeme: str, weights: str = "", prefix: bool = False) -> str:
    """One quoted ``tsquery`` operand, its weights and prefix flag (``'huil':*A``)."""
    quoted = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    flags = ("*" if prefix else "") + weights
    return f"{quoted}:{flags}" if flags else quoted


def conjunction(lexemes: Iterable[str], weights: str = "", prefix: bool = False) -> str | None:
    """One operand per lexeme, all required (a word PostgreSQL cuts in two); None for none."""
    parts = [operand(lexeme, weights, prefix) for lexeme in lexemes]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else "(" + " & ".join(parts) + ")"


class Lexicon:
    """Lexemes of (configuration, text) pairs, from the database, cached per process."""

    #: Entries kept before the cache starts again (words, not documents: small).
    LIMIT = 50_000

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[str, ...]] = {}
        self._lock = threading.Lock()

    def load(self, connection: Connection, pairs: Iterable[tuple[str, str]]) -> None:
        """Ask the database, in one query, for the pairs not cached yet."""
        missing = sorted({p for p in pairs if p[1] and p not in self._cache})
        if not missing:
            return
        rows = connection.execute(
            text(
                "SELECT t.n, l.lexeme FROM unnest(CAST(:configs AS regconfig[]), "
                "CAST(:texts AS text[])) WITH ORDINALITY AS t(config, words, n) "
                "LEFT JOIN LATERAL unnest(to_tsvector(t.config, t.words)) AS l ON true"
            ),
            {"configs": [c for c, _ in missing], "texts": [t for _, t in missing]},
        )
        found: dict[tuple[str, str], list[str]] = {pair: [] for pair in missing}
        for n, lexeme in rows:
            if lexeme is not None:
                found[missing[n - 1]].append(lexeme)
        with self._lock:
            if len(self._cache) + len(found) > self.LIMIT:
                self._cache.clear()
            self._cache.update((pair, tuple(sorted(lex))) for pair, lex in found.items())

    def get(self, connection: Connection, config: str, value: str) -> tuple[str, ...]:
        """The lexemes of ``value`` in ``config`` (asked of the database if not cached)."""
        if not value:
            return ()
        key = (config, value)
        if key not in self._cache:
            self.load(connection, [key])
        return self._cache.get(key, ())


#: The process's lexicon (the configurations' stemming does not change).
LEXICON = Lexicon()
