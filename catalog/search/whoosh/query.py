"""Typed text to a Whoosh query: every word in any language's fields, with typos if asked."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from whoosh.query import And, FuzzyTerm, Or, Query, Term

from ..analysis import LANGS, unelide, words
from ..backend import MAX_WORD_LENGTH, MAX_WORDS
from ..matching import PAGE_LANG_BOOST, TYPO_WEIGHT, typo_distance
from .schema import ANALYZERS, KINDS, LATIN

#: Fields tried with typos: short ones, where a typo is likelier than a new word.
FUZZY_KINDS = ("name", "category", "region")


@dataclass(frozen=True)
class Word:
    """A typed word and what each analyzer makes of it."""

    raw: str
    terms: dict[str, str]  # lang → analysed term
    latin: str
    #: The word after a French elision typed without its apostrophe
    #: ("dargan" → "argan"), tried with the typos.
    unelided: Word | None = None


@lru_cache(maxsize=4096)
def analyse(raw: str) -> Word | None:
    """What each analyzer makes of one typed word; None for a stop word.

    A word that is a stop word in any language ("de", "the", "في") is not
    searchable, since its language's fields never hold it. Kept per process
    (the stemmers cost more than the rest of a query's building): the Word
    returned is shared, never to be changed.
    """
    terms = {}
    for lang in LANGS:
        tokens = [t.text for t in ANALYZERS[lang](raw)]
        if tokens:
            terms[lang] = tokens[0]
    if len(terms) < len(LANGS):
        return None
    latin = [t.text for t in LATIN(raw)]
    rest = unelide(raw)
    return Word(raw, terms, latin[0] if latin else "", analyse(rest) if rest else None)


def parse(text: str) -> tuple[list[Word], list[str]]:
    """Searchable words of ``text`` and all typed words, leniently.

    Only words are kept: quotes, ``*``, ``~``, ``:`` and brackets are never
    query syntax here. A word that is a stop word in any language ("de",
    "the", "في") is not required, since its language's fields never hold it.
    """
    typed = [w[:MAX_WORD_LENGTH] for w in words(text)][:MAX_WORDS]
    return [w for w in map(analyse, typed) if w], typed


def word_query(word: Word, page_lang: str, fuzzy: bool) -> Query:
    """Where one word may match: any field of any language, or a code."""
    options = _word_options(word, page_lang, fuzzy)
    if fuzzy and word.unelided:
        # "dargan" may be "d'argan": its second half counts like a typo match.
        options.append(Or(_word_options(word.unelided, page_lang, fuzzy), boost=TYPO_WEIGHT))
    # A sum (Or), not DisjunctionMax: in Whoosh 2.7 DisjunctionMaxMatcher.score
    # takes the max over sub-matchers without checking they sit on the current
    # document, so one product's name match leaks into another's score.
    return Or(options)


def _word_options(word: Word, page_lang: str, fuzzy: bool) -> list[Query]:
    options: list[Query] = []
    distance = typo_distance(word.raw) if fuzzy else 0
    for lang, term in word.terms.items():
        lang_boost = PAGE_LANG_BOOST if lang == page_lang else 1.0
        for kind, weight in KINDS.items():
            name = f"{kind}_{lang}"
            options.append(Term(name, term, boost=weight * lang_boost))
            if distance and kind in FUZZY_KINDS:
                options.append(
                    FuzzyTerm(
                        name,
                        term,
                        boost=weight * lang_boost * TYPO_WEIGHT,
                        maxdist=distance,
                        prefixlength=1,
                    )
                )
    if word.latin:
        options.append(Term("translit", word.latin, boost=KINDS["name"]))
        if distance:
            options.append(
                FuzzyTerm(
                    "translit",
                    word.latin,
                    boost=KINDS["name"] * TYPO_WEIGHT,
                    maxdist=distance,
                    prefixlength=1,
                )
            )
    options.append(Term("code", word.raw.lower(), boost=KINDS["name"]))
    return options


def build_query(
    parsed: list[Word], text: str, page_lang: str, fuzzy: bool = False, every_word: bool = True
) -> Query:
    """All (or any) words, plus the whole text as a SKU or GTIN."""
    clauses = [word_query(w, page_lang, fuzzy) for w in parsed]
    return or_code(And(clauses) if every_word else Or(clauses), text)


def or_code(query: Query, text: str) -> Query:
    """``query``, or the whole text as a SKU or GTIN."""
    code = text.strip().lower()
    if code and len(code) <= 64 and " " not in code:
        return Or([query, Term("code", code, boost=KINDS["name"])])
    return query
