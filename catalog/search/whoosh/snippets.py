"""Highlighted description passages: the matched words, escaped, in ``<mark>``."""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from whoosh import highlight
from whoosh.query import Query
from whoosh.searching import Searcher

from shop.i18n import FALLBACK_ORDER

from ..backend import Snippet
from .schema import ANALYZERS


def expanded_terms(query: Query, searcher: Searcher) -> dict[str, set[str]]:
    """Indexed terms the query matched, typo expansions included, per field.

    ``Query.existing_terms`` is not used: in Whoosh 2.7 its loop variable
    shadows its ``fieldname`` argument, so it skips every field but the first.
    """
    reader = searcher.reader()
    terms: dict[str, set[str]] = {}
    for leaf in query.leaves():
        for fieldname, text in leaf.expanded_terms(reader):
            if isinstance(text, bytes):
                text = text.decode("utf-8")
            if fieldname.startswith("description_") and (fieldname, text) in reader:
                terms.setdefault(fieldname, set()).add(text)
    return terms


class _MarkFormatter(highlight.Formatter):
    """Escaped text with each match in a plain ``<mark>``."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        """One matched word, marked."""
        return f"<mark>{self._text(highlight.get_text(text, token, replace))}</mark>"


_FORMATTER = _MarkFormatter()
_FRAGMENTER = highlight.ContextFragmenter(maxchars=160, surround=50)
_SCORER = highlight.BasicFragmentScorer()


@lru_cache(maxsize=512)
def _words(text: str, lang: str) -> tuple[tuple[tuple[str, int, int, float], ...], frozenset[str]]:
    """A description's words as its field's analyzer cuts them (term, start, end, boost),
    and the set of its terms.

    Analysing the description again was most of a results page's time (24
    descriptions of about a hundred words, five filters each); a page's
    products come back for the next searches, so each text is analysed once.
    """
    words = tuple(
        (t.text, t.startchar, t.endchar, t.boost)
        for t in ANALYZERS[lang](text, chars=True, mode="query", removestops=False)
    )
    return words, frozenset(word[0] for word in words)


class _Word:
    """One word for Whoosh's fragmenter and formatter (what they read of a ``Token``)."""

    __slots__ = ("boost", "endchar", "matched", "startchar", "text")

    def __init__(self, text: str, startchar: int, endchar: int, boost: float, matched: bool):
        self.text, self.startchar, self.endchar = text, startchar, endchar
        self.boost, self.matched = boost, matched

    def copy(self) -> _Word:
        return _Word(self.text, self.startchar, self.endchar, self.boost, self.matched)


def _marked(words: tuple[tuple[str, int, int, float], ...], terms: frozenset[str]):
    """The words as tokens, ``matched`` when in ``terms``.

    As Whoosh's analyzers do, one token object is reused for the words that
    do not match: the fragmenter keeps copies of the matched ones only.
    """
    spare = _Word("", 0, 0, 1.0, False)
    for text, startchar, endchar, boost in words:
        if text in terms:
            yield _Word(text, startchar, endchar, boost, True)
        else:
            spare.text, spare.startchar, spare.endchar, spare.boost = (
                text,
                startchar,
                endchar,
                boost,
            )
            yield spare


@lru_cache(maxsize=2048)
def _highlight(text: str, terms: frozenset[str], lang: str) -> str:
    """``whoosh.highlight.highlight`` (top 2 passages, in text order) on the cached words.

    The passages depend on nothing else, and cutting them (Whoosh's fragmenter
    and scorer over every word) was a sixth of a results page: the same
    description found by the same words is cut once per process.
    """
    words, present = _words(text, lang)
    if terms.isdisjoint(present):
        return ""  # no passage to show: Whoosh's answer without reading every word
    fragments = _FRAGMENTER.fragment_tokens(text, _marked(words, terms))
    return _FORMATTER(text, highlight.top_fragments(fragments, 2, _SCORER, highlight.FIRST, 1))


def description_snippet(
    stored: dict[str, Any], terms: dict[str, set[str]], lang: str
) -> Snippet | None:
    """The description passage with matches, in ``lang`` or a fallback language."""
    for candidate in dict.fromkeys((lang, *FALLBACK_ORDER)):
        name = f"description_{candidate}"
        text, wanted = stored.get(name) or "", terms.get(name)
        if text and wanted:
            html = _highlight(text, frozenset(wanted), candidate)
            if html:
                return Snippet(html, candidate)
    return None
