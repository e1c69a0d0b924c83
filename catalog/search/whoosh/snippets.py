"""Highlighted description passages: the matched words, escaped, in ``<mark>``."""

from __future__ import annotations

import html
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


def description_snippet(
    stored: dict[str, Any], terms: dict[str, set[str]], lang: str
) -> Snippet | None:
    """The description passage with matches, in ``lang`` or a fallback language."""
    for candidate in dict.fromkeys((lang, *FALLBACK_ORDER)):
        name = f"description_{candidate}"
        text, wanted = stored.get(name) or "", terms.get(name)
        if text and wanted:
            html = highlight.highlight(
                text, frozenset(wanted), ANALYZERS[candidate], _FRAGMENTER, _FORMATTER, top=2
            )
            if html:
                return Snippet(html, candidate)
    return None
