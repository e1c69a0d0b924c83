"""Typed text to SQL: every word in any language's tsvector, with typos if asked.

The same query as the Whoosh backend's (``whoosh/query.py``), in SQL: each
word may match in any language's fields, the transliterations or the codes;
every word (or, last, any word) is required; the whole text may be a SKU or
a GTIN. A word's lexemes come from PostgreSQL's configuration of each
language (``text.py``); typos are the vocabulary's words within the typed
word's edit budget (``typos.py``), restricted to the name, category and
region weights (A, B, C) as Whoosh restricts them to those fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import cast, false, func, literal, literal_column
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from ..analysis import LANGS, language_analyzer, unelide, words
from ..backend import MAX_WORD_LENGTH, MAX_WORDS
from ..matching import MIN_PREFIX, PAGE_LANG_BOOST, TYPO_WEIGHT, split_typed, typo_distance
from .models import DOCUMENTS
from .text import (
    CONFIGS,
    LATIN,
    LEXICON,
    NORMALIZERS,
    SIMPLE,
    conjunction,
    first,
    folded_surface,
    normalised,
    operand,
)

DOC = DOCUMENTS
#: The tsvector columns, by language (and the transliterations).
VECTORS = {"ar": DOC.c.tsv_ar, "fr": DOC.c.tsv_fr, "en": DOC.c.tsv_en, "translit": DOC.c.translit}
#: ts_rank_cd's weights of D, C, B, A, Whoosh's field boosts over 4: description 1
#: (and, sharing its weight, cooperative and certification, 1.5 in Whoosh),
#: region 1.2, category 2, name 4.
RANK_WEIGHTS: ColumnElement[Any] = literal_column("'{0.25, 0.3, 0.5, 1.0}'::float4[]")
#: Weights a typo may match in: names, categories and regions, as with Whoosh.
TYPO_WEIGHTS = "ABC"
#: Transliterations are all weighted A: their operands ask for A, so that in
#: ``terms`` (every language together) they match names, never descriptions.
TRANSLIT_WEIGHT = "A"
#: Stemmers for snippets (the Whoosh analysis: snippets are highlighted in Python).
STEMMED = {lang: language_analyzer(lang) for lang in LANGS}


@dataclass(frozen=True)
class Word:
    """A typed word: its normalised form per language, its Latin and typo forms."""

    raw: str
    forms: dict[str, str]
    latin: str
    folded: str
    #: The word after a French elision typed without its apostrophe
    #: ("dargan" → "argan"), tried with the typos.
    unelided: Word | None = None

    def pairs(self) -> set[tuple[str, str]]:
        """The (configuration, text) pairs whose lexemes it needs."""
        found = {(CONFIGS[lang], form) for lang, form in self.forms.items()}
        found.add((SIMPLE, self.latin))
        return found | (self.unelided.pairs() if self.unelided else set())


def analyse(raw: str) -> Word | None:
    """What each language makes of one typed word; None for a stop word in any of them.

    As with Whoosh, a stop word of any language ("de", "the", "في") is not
    searchable, since its language's fields never hold it.
    """
    forms = {lang: first(NORMALIZERS[lang], raw) for lang in LANGS}
    if not all(forms.values()):
        return None
    rest = unelide(raw)
    return Word(raw, forms, first(LATIN, raw), folded_surface(raw), analyse(rest) if rest else None)


def parse(text: str) -> tuple[list[Word], list[str]]:
    """Searchable words of ``text`` and all typed words, leniently (no query syntax)."""
    typed = [w[:MAX_WORD_LENGTH] for w in words(text)][:MAX_WORDS]
    return [w for w in map(analyse, typed) if w], typed


@dataclass
class Terms:
    """tsquery operands per tsvector column ("ar", "fr", "en", "translit")."""

    by_column: dict[str, set[str]] = field(default_factory=dict)

    def add(self, column: str, item: str | None) -> None:
        if item:
            self.by_column.setdefault(column, set()).add(item)

    def update(self, other: Terms) -> None:
        for column, items in other.by_column.items():
            self.by_column.setdefault(column, set()).update(items)

    def query(self, column: str) -> str | None:
        """The column's operands as one ``tsquery`` text (any of them), or None."""
        items = self.by_column.get(column)
        return " | ".join(sorted(items)) if items else None


@dataclass
class Clause:
    """Where one typed word may match, and its words a description may hold (snippets)."""

    exact: Terms = field(default_factory=Terms)
    typo: Terms = field(default_factory=Terms)
    codes: set[str] = field(default_factory=set)
    words: set[str] = field(default_factory=set)
    #: The words' lexemes in descriptions (weight D), to find the snippets' languages.
    described: Terms = field(default_factory=Terms)

    def update(self, other: Clause, as_typo: bool = False) -> None:
        (self.typo if as_typo else self.exact).update(other.exact)
        self.typo.update(other.typo)
        self.codes |= other.codes
        self.words |= other.words
        self.described.update(other.described)


class Builder:
    """Makes the clauses of one search: lexemes from the database, typos from the vocabulary.

    ``typos`` maps a word's typo form (``Word.folded``) to the vocabulary's
    words within its edit budget.
    """

    def __init__(self, connection: Connection, typos: dict[str, list[str]] | None = None) -> None:
        self.connection = connection
        self.typos = typos or {}

    def lexemes(self, lang: str, value: str) -> tuple[str, ...]:
        config = SIMPLE if lang == "translit" else CONFIGS[lang]
        return LEXICON.get(self.connection, config, value)

    def load(self, words: Iterable[Word], extra: Iterable[str] = ()) -> None:
        """Fetch every lexeme the words, their typos and ``extra`` texts need, at once."""
        pairs: set[tuple[str, str]] = set()
        for word in words:
            pairs |= word.pairs()
            for candidate in self.typos.get(word.folded, ()):
                pairs |= candidate_pairs(candidate)
            if word.unelided:
                for candidate in self.typos.get(word.unelided.folded, ()):
                    pairs |= candidate_pairs(candidate)
        for value in extra:
            pairs |= candidate_pairs(value)
        LEXICON.load(self.connection, pairs)

    def word_clause(self, word: Word, fuzzy: bool) -> Clause:
        """Any language's fields, the transliterations, a code; typos when ``fuzzy``."""
        clause = Clause(codes={word.raw.lower()}, words={word.raw})
        for lang, form in word.forms.items():
            clause.exact.add(lang, conjunction(self.lexemes(lang, form)))
            clause.described.add(lang, conjunction(self.lexemes(lang, form), "D"))
        clause.exact.add(
            "translit", conjunction(self.lexemes("translit", word.latin), TRANSLIT_WEIGHT)
        )
        if fuzzy and typo_distance(word.raw):
            # Typos match names, categories and regions only: never highlighted
            # in descriptions (``words``), as with Whoosh.
            for candidate in self.typos.get(word.folded, ()):
                for lang in LANGS:
                    lexemes = self.lexemes(lang, normalised(candidate, lang))
                    clause.typo.add(lang, conjunction(lexemes, TYPO_WEIGHTS))
                clause.typo.add(
                    "translit",
                    conjunction(self.lexemes("translit", first(LATIN, candidate)), TRANSLIT_WEIGHT),
                )
        if fuzzy and word.unelided:
            # "dargan" may be "d'argan": its second half counts like a typo match.
            clause.update(self.word_clause(word.unelided, fuzzy), as_typo=True)
            clause.codes.discard(word.unelided.raw.lower())
        return clause

    def prefix_clause(self, raw: str) -> Clause:
        """Name words (any language) and transliterations starting like ``raw``.

        Names are stemmed, so both the typed letters ("hu", "huile") and their
        stem ("huil") are tried as starts, as with Whoosh.
        """
        clause = Clause(words={raw})
        typed = folded_surface(raw)
        for lang in LANGS:
            starts = {typed, *self.lexemes(lang, normalised(raw, lang))}
            for start in starts:
                if len(start) >= MIN_PREFIX:
                    clause.exact.add(lang, conjunction([start], "A", prefix=True))
        latin = first(LATIN, raw)
        if len(latin) >= MIN_PREFIX:
            clause.exact.add("translit", conjunction([latin], TRANSLIT_WEIGHT, prefix=True))
        return clause

    def typing_clause(self, raw: str, fuzzy: bool) -> Clause:
        """The word being typed: a name word it starts, or itself whole (with typos)."""
        clause = self.prefix_clause(raw)
        word = analyse(raw)
        if word is not None:
            clause.update(self.word_clause(word, fuzzy))
        rest = unelide(raw) if fuzzy else None
        if rest:
            clause.update(self.prefix_clause(rest), as_typo=True)
        return clause


def candidate_pairs(value: str) -> set[tuple[str, str]]:
    """The (configuration, text) pairs a vocabulary word or a prefix needs."""
    pairs = {(CONFIGS[lang], normalised(value, lang)) for lang in LANGS}
    pairs.add((SIMPLE, first(LATIN, value)))
    return pairs


def typing_words(text: str) -> tuple[list[Word], str]:
    """The finished words of a text being typed, and the word being typed."""
    done, typing = split_typed(text)
    return parse(done)[0], typing


def tsquery(value: str) -> ColumnElement[Any]:
    return cast(literal(value), TSQUERY)


def code_operand(code: str) -> str:
    """A SKU or GTIN as ``terms`` holds it."""
    return operand("#" + code)


def clause_query(clause: Clause) -> str:
    """Any of the clause's operands, in any language, the transliterations or the codes."""
    operands = {code_operand(code) for code in clause.codes}
    for terms in (clause.exact, clause.typo):
        for items in terms.by_column.values():
            operands |= items
    return "(" + " | ".join(sorted(operands)) + ")"


def whole_code(text: str) -> str | None:
    """The whole text as a SKU or GTIN (None when it cannot be one)."""
    code = text.strip().lower()
    return code if code and len(code) <= 64 and " " not in code else None


def clause_match(clause: Clause) -> ColumnElement[bool]:
    """The clause's word found in any language, the transliterations or the codes."""
    return DOC.c.terms.op("@@")(tsquery(clause_query(clause)))


def match(clauses: list[Clause], text: str, every_word: bool) -> ColumnElement[bool]:
    """All (or any) clauses, or the whole text as a code: one ``tsquery`` on ``terms``."""
    query = (" & " if every_word else " | ").join(map(clause_query, clauses))
    code = whole_code(text)
    if code is not None:
        query = f"({query}) | {code_operand(code)}" if query else code_operand(code)
    return DOC.c.terms.op("@@")(tsquery(query)) if query else false()


def score(clauses: list[Clause], text: str, page_lang: str) -> ColumnElement[float]:
    """Cover density of the matched words, weighted by field; the page's language
    counts double, typos half; a matching code counts like a name (its weight).

    Cover density over ``terms`` (every language at once) is the sum of each
    language's, so one call ranks them all; the page's language is ranked
    once more (its boost less one).
    """
    exact, typo = Terms(), Terms()
    for clause in clauses:
        exact.update(clause.exact)
        typo.update(clause.typo)
        # Codes are in ``terms``, weighted like names.
        for typed in clause.codes:
            exact.add("codes", code_operand(typed))
    code = whole_code(text)
    if code is not None:
        exact.add("codes", code_operand(code))
    parts: list[ColumnElement[Any]] = []
    for terms, weight in ((exact, 1.0), (typo, TYPO_WEIGHT)):
        everywhere = Terms({"all": set().union(*terms.by_column.values())})
        for vector, query, boost in (
            (DOC.c.terms, everywhere.query("all"), weight),
            (VECTORS[page_lang], terms.query(page_lang), weight * (PAGE_LANG_BOOST - 1)),
        ):
            if query:
                parts.append(func.ts_rank_cd(RANK_WEIGHTS, vector, tsquery(query)) * boost)
    if not parts:
        return literal(0.0)
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def described(clauses: list[Clause]) -> dict[str, ColumnElement[bool]]:
    """Per language, whether a row's description (weight D) holds one of the words."""
    terms = Terms()
    for clause in clauses:
        terms.update(clause.described)
    return {
        lang: VECTORS[lang].op("@@")(tsquery(query))
        for lang in LANGS
        if (query := terms.query(lang))
    }


def snippet_terms(clauses: list[Clause]) -> dict[str, set[str]]:
    """The stems to highlight in each language's description (Whoosh's analysis)."""
    matched = set().union(*(clause.words for clause in clauses)) if clauses else set()
    return {
        f"description_{lang}": {t.text for w in matched for t in STEMMED[lang](w)} for lang in LANGS
    }
