"""How every backend searches, whatever its engine: the typo budget and the retry steps.

Both backends (``whoosh/`` and ``postgres/``) build their own queries, but
go through the same steps so that they find the same products: exact words
first, with typos when that finds little, any word last; matches in the
page's language count double and typo matches half; autocomplete is the
results page's query with the word being typed as a prefix.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import Generic, TypeVar

from .analysis import WORD, words
from .backend import MAX_WORD_LENGTH, MAX_WORDS

#: Matches in the page's language rank above the same match in another one.
PAGE_LANG_BOOST = 2.0
#: A typo match counts for less than an exact one.
TYPO_WEIGHT = 0.5
#: An exact search finding fewer results than this retries with typos.
FEW_RESULTS = 3
#: A word being typed shorter than this is not completed yet ("huile d").
MIN_PREFIX = 2


def typo_distance(word: str) -> int:
    """Edits allowed for a typed word: none below 4 letters, 1 up to 6, then 2."""
    return 0 if len(word) < 4 else 1 if len(word) <= 6 else 2


Q = TypeVar("Q")
#: What a step finds: the matches in order (Whoosh), or a page and the number
#: of matches (PostgreSQL); its length is the number of matches.
R = TypeVar("R", bound=Sized)


@dataclass
class Match(Generic[Q, R]):
    """The query that found the results, and the results."""

    query: Q
    order: R
    #: True when the results come from typo-tolerant matching.
    fuzzy: bool = False
    #: True when the exact words found little (a "did you mean" may help).
    retried: bool = False


def best_match(build: Callable[..., Q], run: Callable[[Q], R]) -> Match[Q, R]:
    """Exact words first; with typos when that finds little; any word last.

    ``build(fuzzy=..., every_word=...)`` makes the query of each step, so that
    the results page and autocomplete go through the same steps.
    """
    exact = build(fuzzy=False, every_word=True)
    match = Match(exact, run(exact))
    if len(match.order) < FEW_RESULTS:
        match.retried = True
        for every_word in (True, False):
            query = build(fuzzy=True, every_word=every_word)
            more = run(query)
            if len(more) > len(match.order):
                match.query, match.order, match.fuzzy = query, more, True
            if match.order:
                break
    return match


def split_typed(text: str) -> tuple[str, str]:
    """The finished words of ``text`` and the word still being typed.

    A word followed by a space or a punctuation mark (``d'``) is finished;
    the word being typed is empty then, or when it is shorter than MIN_PREFIX.
    """
    every = words(text)
    found = [w[:MAX_WORD_LENGTH] for w in every][:MAX_WORDS]
    if not found:
        return "", ""
    # Still typing when the text ends inside its last word (and it was kept).
    ends_in_word = WORD.fullmatch(unicodedata.normalize("NFC", text)[-1:]) is not None
    typing = found[-1] if ends_in_word and len(every) == len(found) else ""
    done = found[:-1] if typing else found
    return " ".join(done), typing if len(typing) >= MIN_PREFIX else ""
