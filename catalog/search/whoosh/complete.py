"""Autocomplete: the results page's query, with the word being typed as a prefix.

Suggestions go through the same analysis and the same steps as the results
page (every language, transliterations, typos, glued elisions, exact words
before typos), so that what the box suggests is what Enter would find. Only
the last word differs: it is still being typed, so it may also be the start
of a product name's word. Its expansion is bounded (``MAX_EXPANSIONS`` indexed
words per field) so that a two-letter prefix costs no more than a short query.
"""

from __future__ import annotations

from functools import partial
from itertools import islice

from whoosh.query import And, Or, Query, Term
from whoosh.reading import IndexReader

from ..analysis import LANGS, unelide
from ..matching import MIN_PREFIX, PAGE_LANG_BOOST, TYPO_WEIGHT, split_typed
from .query import analyse, or_code, parse, word_query
from .schema import ANALYZERS, KINDS, LATIN, SURFACE_FOLDED

#: Indexed words tried per field for the word being typed, in alphabetical order.
MAX_EXPANSIONS = 32


def prefix_options(raw: str, page_lang: str, reader: IndexReader) -> list[Query]:
    """Indexed name words (any language) and transliterations starting like ``raw``.

    Name fields hold stems, so both the typed letters ("hu", "huile") and
    their stem ("huil") are tried as starts; Arabic letters are normalised and
    the article removed as in the index.
    """
    surface = [t.text for t in SURFACE_FOLDED(raw)][:1]
    starts: dict[str, list[str]] = {}
    for lang in LANGS:
        stems = [t.text for t in ANALYZERS[lang](raw)][:1]
        starts[f"name_{lang}"] = list(dict.fromkeys([*surface, *stems]))
    starts["translit"] = [t.text for t in LATIN(raw)][:1]
    options: list[Query] = []
    for field, prefixes in starts.items():
        lang = field.removeprefix("name_")
        boost = KINDS["name"] * (PAGE_LANG_BOOST if lang == page_lang else 1.0)
        terms: set[str] = set()
        for prefix in prefixes:
            if len(prefix) < MIN_PREFIX:
                continue
            expanded = islice(reader.expand_prefix(field, prefix), MAX_EXPANSIONS)
            terms.update(t.decode("utf-8") for t in expanded)
        options.extend(Term(field, term, boost=boost) for term in sorted(terms))
    return options


def typing_query(raw: str, page_lang: str, reader: IndexReader, fuzzy: bool) -> Query | None:
    """Where the word being typed may match: a name word it starts, or itself whole.

    With typos, the whole word may also be misspelt ("argn"), or glue an
    elided article ("darg" for "d'arg…").
    """
    options = prefix_options(raw, page_lang, reader)
    word = analyse(raw)
    if word is not None:
        options.append(word_query(word, page_lang, fuzzy))
    rest = unelide(raw) if fuzzy else None
    if rest:
        glued = prefix_options(rest, page_lang, reader)
        if glued:
            options.append(Or(glued, boost=TYPO_WEIGHT))
    return Or(options) if options else None


def completion_query(
    text: str, page_lang: str, reader: IndexReader, *, fuzzy: bool, every_word: bool
) -> Query:
    """The results page's query for the finished words, and the word being typed.

    As on the results page, the whole text may also be a SKU or a GTIN.
    """
    done, typing = split_typed(text)
    parsed, _ = parse(done)
    clauses: list[Query] = [word_query(w, page_lang, fuzzy) for w in parsed]
    last = typing_query(typing, page_lang, reader, fuzzy) if typing else None
    if last is not None:
        clauses.append(last)
    return or_code(And(clauses) if every_word else Or(clauses), text)


def completion_builder(text: str, page_lang: str, reader: IndexReader):
    """``build(fuzzy=..., every_word=...)`` for :func:`~..matching.best_match`."""
    return partial(completion_query, text, page_lang, reader)
