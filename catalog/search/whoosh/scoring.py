"""Query evaluation straight from the posting blocks: matches and TF-IDF scores as dicts."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from itertools import accumulate, compress, repeat
from operator import add, ge, itemgetter, mul
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, FuzzyTerm, Or, Query, Term
from whoosh.searching import Searcher


def _term_postings(
    searcher: Searcher, fieldname: str, btext: bytes
) -> Iterator[tuple[Any, Any, int, frozenset[int] | None]]:
    """(docnums, weights, offset, deleted) per segment holding the term, block by block.

    Whole posting blocks are decoded at once (Whoosh's own decoding), instead of
    stepping a matcher document by document.
    """
    for reader, offset in searcher.reader().leaf_readers():
        if (fieldname, btext) not in reader:
            continue
        matcher = reader.postings(fieldname, btext)
        deleted = None
        if isinstance(matcher, FilterMatcher):  # a segment with deletions
            matcher, deleted = matcher.child, reader.deleted_docs_set
        if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
            while matcher.is_active():
                # A block's data is (delta-coded ids, weights, values); weights
                # are None when all 1.0, or one float when all equal.
                matcher._read_data()
                ids, weights = matcher._data[0], matcher._data[1]
                if weights is None or isinstance(weights, float):
                    weights = repeat(1.0 if weights is None else weights, matcher._blocklength)
                yield accumulate(ids), weights, offset, deleted
                matcher._next_block()
        else:  # postings inlined in the term info (rare terms)
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id())
                weights.append(matcher.weight())
                matcher.next()
            yield ids, weights, offset, deleted


#: Postings the term cache keeps per process, by default (``SEARCH_CACHE_POSTINGS``).
#: A posting costs 50 to 70 bytes (RSS measured). At 10,000 products, the 16
#: words of ``bench/bench_pages.py`` hold about 320,000 (terms, boosted
#: terms and whole searches): at the former 200,000, searching them in turn
#: evicted each before it came back (least recently used), nothing was ever
#: found in the cache, and a results page cost twice as much.
MAX_CACHED_POSTINGS = 500_000


class TermCache:
    """Terms' documents and scores (weight × idf × boost), read once per index generation.

    Reading a term (its posting blocks decompressed and unpickled, a dict
    built) was most of a query's work, and the same few hundred words make
    most searches. A word's clauses (typo expansions included) and a whole
    search's matches are kept too, under the key ``("", query, 0.0)``: the
    same words searched again are not merged again. One cache belongs to one
    searcher generation (deletions included), so it never outlives the
    postings it was read from; the least recently used entries go first when
    it holds more than ``limit`` postings.
    Callers hold the searcher's lock, and never change the dicts returned.
    """

    def __init__(self, limit: int = MAX_CACHED_POSTINGS) -> None:
        self._terms: dict[tuple[str, Any, float], dict[int, float]] = {}
        self._size = 0
        self._limit = limit

    def __len__(self) -> int:
        return len(self._terms)

    def get(self, key: tuple[str, Any, float]) -> dict[int, float] | None:
        scores = self._terms.pop(key, None)
        if scores is not None:
            self._terms[key] = scores  # now the most recently used
        return scores

    def put(self, key: tuple[str, Any, float], scores: dict[int, float]) -> None:
        size = len(scores) + 1  # an absent term is remembered too
        if size > self._limit:
            return
        old = self._terms.pop(key, None)
        if old is not None:
            self._size -= len(old) + 1
        self._terms[key] = scores
        self._size += size
        while self._size > self._limit:
            self._size -= len(self._terms.pop(next(iter(self._terms)))) + 1


def _term_scores(
    searcher: Searcher, fieldname: str, text: str, boost: float, cache: TermCache | None
) -> dict[int, float]:
    """A term's documents and TF-IDF scores (weight × idf × boost), as Whoosh scores them.

    (weight × idf) × boost: the same product, in the same order, as Whoosh's.
    The cache keeps the term's scores with each boost asked for (a field's
    weight, doubled in the page's language, halved for a typo), so that the
    results page's terms come out of it as they are summed.
    """
    if cache is None:
        return _boosted(_read_term(searcher, fieldname, text), boost)
    key = (fieldname, text, boost)
    scores = cache.get(key)
    if scores is None:
        plain = cache.get((fieldname, text, 1.0)) if boost != 1.0 else None
        if plain is None:
            plain = _read_term(searcher, fieldname, text)
            cache.put((fieldname, text, 1.0), plain)
        scores = _boosted(plain, boost)
        if boost != 1.0:
            cache.put(key, scores)
    return scores


def _read_term(searcher: Searcher, fieldname: str, text: str) -> dict[int, float]:
    """A term's documents and their weight × idf, from its posting blocks."""
    if fieldname not in searcher.schema:
        return {}
    try:
        btext = searcher.schema[fieldname].to_bytes(text)
    except ValueError:
        return {}
    if (fieldname, btext) not in searcher.reader():
        return {}
    idf = searcher.idf(fieldname, btext)
    scores: dict[int, float] = {}
    # A term has few distinct weights (frequencies): each is scored once (and
    # its float shared), then the dict is filled at C speed.
    value: dict[float, float] = {}
    for ids, weights, offset, deleted in _term_postings(searcher, fieldname, btext):
        weights = list(weights)
        for w in set(weights).difference(value):
            value[w] = w * idf
        pairs = zip(
            map(offset.__add__, ids) if offset else ids,
            map(value.__getitem__, weights),
            strict=True,
        )
        if deleted:
            pairs = ((d, v) for d, v in pairs if d - offset not in deleted)
        scores.update(pairs)
    return scores


def _summed(subs: list[dict[int, float]]) -> dict[int, float]:
    """Union of scored matches, scores added (Or).

    Each sub-result is added in one pass at C speed: every one of its documents
    gets the score so far (0.0 when new, which adds exactly) plus its own, so
    each document's additions happen in the same order as a loop would do them.
    """
    subs = sorted((sub for sub in subs if sub), key=len, reverse=True)
    if not subs:
        return {}
    if len(subs) == 1:
        return subs[0]
    result = dict(subs[0])
    for sub in subs[1:]:
        result.update(
            zip(
                sub.keys(),
                map(add, map(result.get, sub.keys(), repeat(0.0)), sub.values()),
                strict=True,
            )
        )
    return result


def _intersected(subs: list[dict[int, float]]) -> dict[int, float]:
    """Matches common to every sub-result, scores added (And)."""
    if not subs or not all(subs):
        return {}
    if len(subs) == 1:
        return subs[0]
    subs = sorted(subs, key=len)
    # A set iterates in the same order each time while unchanged: the columns line up.
    common = set(subs[0]).intersection(*subs[1:])
    scores = list(map(subs[0].__getitem__, common))
    for other in subs[1:]:
        scores = list(map(add, scores, map(other.__getitem__, common)))
    return dict(zip(common, scores, strict=True))


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    return (
        scores
        if boost == 1.0
        else dict(zip(scores, map(mul, scores.values(), repeat(boost)), strict=True))
    )


def evaluate(query: Query, searcher: Searcher, cache: TermCache | None = None) -> dict[int, float]:
    """Every matching document number with its score, straight from the postings.

    The same matches and TF-IDF scores as ``searcher.search(query, limit=None)``
    (term weight × idf × boost, summed over the clauses that match; only the
    order of additions differs, so scores may differ in the last bits), for the
    queries :func:`build_query` makes (Term, FuzzyTerm, Or, And), but without
    a matcher tree and a collector stepping through every document: posting
    blocks are decoded whole and scores merged as dicts.
    """
    if isinstance(query, Term):
        return _term_scores(searcher, query.fieldname, query.text, query.boost, cache)
    if cache is None or not isinstance(query, (FuzzyTerm, Or, And)):
        return _evaluate(query, searcher, cache)
    # A word's clauses (and a whole search) come back with the same words:
    # their matches are kept with the terms', for the index's generation.
    key = ("", query, 0.0)
    scores = cache.get(key)
    if scores is None:
        scores = _evaluate(query, searcher, cache)
        cache.put(key, scores)
    return scores


def _evaluate(query: Query, searcher: Searcher, cache: TermCache | None) -> dict[int, float]:
    """``evaluate`` for anything but a single Term, without the cache."""
    if isinstance(query, FuzzyTerm):
        if query.fieldname not in searcher.schema:
            return {}
        expansions = [w for w in query._btexts(searcher.reader()) if w]
        if len(expansions) == 1:
            # Whoosh matches a single expansion as a plain Term, without the boost.
            return _term_scores(searcher, query.fieldname, expansions[0], 1.0, cache)
        # Several: an Or of the terms, with the FuzzyTerm's boost.
        parts = _summed(
            [_term_scores(searcher, query.fieldname, w, 1.0, cache) for w in expansions]
        )
        return _boosted(parts, query.boost)
    if isinstance(query, (Or, And)):
        subs = [evaluate(q, searcher, cache) for q in query.subqueries]
        return _boosted(_summed(subs) if isinstance(query, Or) else _intersected(subs), query.boost)
    # Any other query type: let Whoosh do it.
    return {d: s for s, d in searcher.search(query, limit=None, terms=False).top_n}


def ranked(scores: dict[int, float]) -> list[int]:
    """Document numbers by score, ties by document number (Whoosh's order)."""
    # Sorted by number, then (stable, also in reverse) by score: no Python key function.
    items = sorted(scores.items())
    items.sort(key=itemgetter(1), reverse=True)
    return [docnum for docnum, _ in items]


def best(scores: dict[int, float], count: int, among: Collection[int] | None = None) -> list[int]:
    """The first ``count`` document numbers of :func:`ranked` (of ``among`` only, if given).

    Only the documents scoring at least the ``count``-th best score are put
    in order; the scores alone (floats, compared at C speed) find that one.
    """
    if among is not None and len(among) < len(scores):
        scores = dict(zip(among, map(scores.__getitem__, among), strict=True))
    if count <= 0 or not scores:
        return []
    if count < len(scores):
        threshold = sorted(scores.values(), reverse=True)[count - 1]
        items = list(compress(scores.items(), map(ge, scores.values(), repeat(threshold))))
    else:
        items = list(scores.items())
    items.sort()  # by document number, then (stable, also in reverse) by score
    items.sort(key=itemgetter(1), reverse=True)
    return list(map(itemgetter(0), items[:count]))
