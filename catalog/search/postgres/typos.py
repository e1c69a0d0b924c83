"""Typos: the vocabulary's words within a typed word's edit budget, found with pg_trgm.

``search_term``'s trigram index gives each typed word its nearest
vocabulary words (``<->``, trigram distance); Python keeps those within the
word's edit budget (``matching.typo_distance``, Damerau–Levenshtein as
Whoosh measures it) that share its first letter (Whoosh's ``prefixlength=1``).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlalchemy.engine import Connection

from ..matching import typo_distance
from .query import Word

#: Nearest vocabulary words looked at per typed word.
NEAREST = 64


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau–Levenshtein distance (adjacent transpositions count one), or ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def budgets(words: Iterable[Word]) -> dict[str, int]:
    """Each typo form (the words' and their unelided halves') and its edit budget."""
    wanted: dict[str, int] = {}
    for word in words:
        for form in (word, word.unelided):
            if form is not None and form.folded and typo_distance(form.raw):
                wanted[form.folded] = max(wanted.get(form.folded, 0), typo_distance(form.raw))
    return wanted


def candidates(connection: Connection, words: Iterable[Word]) -> dict[str, list[tuple[int, str]]]:
    """For each typo form, the vocabulary's (distance, word) within its budget, closest first.

    The word itself (distance 0) is left out: its exact match is already asked for.
    """
    wanted = budgets(words)
    if not wanted:
        return {}
    rows = connection.execute(
        text(
            "SELECT q.typed, t.word, t.folded FROM unnest(CAST(:typed AS text[])) AS q(typed) "
            "CROSS JOIN LATERAL (SELECT word, folded FROM search_term "
            "ORDER BY folded <-> q.typed LIMIT :nearest) AS t"
        ),
        {"typed": sorted(wanted), "nearest": NEAREST},
    )
    found: dict[str, list[tuple[int, str]]] = {}
    for typed, word, folded in rows:
        if folded == typed or folded[:1] != typed[:1]:
            continue
        distance = edit_distance(folded, typed, wanted[typed])
        if distance <= wanted[typed]:
            found.setdefault(typed, []).append((distance, word))
    return {typed: sorted(options) for typed, options in found.items()}
