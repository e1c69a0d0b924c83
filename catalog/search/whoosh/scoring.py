"""Query evaluation straight from the posting blocks: matches and TF-IDF scores as dicts."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import accumulate, repeat
from operator import itemgetter
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


def _term_scores(searcher: Searcher, fieldname: str, text: str, boost: float) -> dict[int, float]:
    """A term's documents and TF-IDF scores (weight × idf × boost), as Whoosh scores them."""
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
    for ids, weights, offset, deleted in _term_postings(searcher, fieldname, btext):
        # A block has few distinct weights (term frequencies): score each once,
        # then fill the dict at C speed.
        weights = list(weights)
        value = {w: (w * idf * boost if boost != 1.0 else w * idf) for w in set(weights)}
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
    """Union of scored matches, scores added (Or)."""
    subs = sorted((sub for sub in subs if sub), key=len, reverse=True)
    if not subs:
        return {}
    result = dict(subs[0])
    for sub in subs[1:]:
        new = sub.keys() - result.keys()
        for docnum in sub.keys() & result.keys():
            result[docnum] += sub[docnum]
        result.update(zip(new, map(sub.__getitem__, new), strict=True))
    return result


def _intersected(subs: list[dict[int, float]]) -> dict[int, float]:
    """Matches common to every sub-result, scores added (And)."""
    if not subs or not all(subs):
        return {}
    subs = sorted(subs, key=len)
    common = set(subs[0]).intersection(*subs[1:])
    result = {}
    for docnum in common:
        score = subs[0][docnum]
        for other in subs[1:]:
            score += other[docnum]
        result[docnum] = score
    return result


def evaluate(query: Query, searcher: Searcher) -> dict[int, float]:
    """Every matching document number with its score, straight from the postings.

    The same matches and TF-IDF scores as ``searcher.search(query, limit=None)``
    (term weight × idf × boost, summed over the clauses that match; only the
    order of additions differs, so scores may differ in the last bits), for the
    queries :func:`build_query` makes (Term, FuzzyTerm, Or, And), but without
    a matcher tree and a collector stepping through every document: posting
    blocks are decoded whole and scores merged as dicts.
    """
    if isinstance(query, Term):
        return _term_scores(searcher, query.fieldname, query.text, query.boost)
    if isinstance(query, FuzzyTerm):
        if query.fieldname not in searcher.schema:
            return {}
        expansions = [w for w in query._btexts(searcher.reader()) if w]
        if len(expansions) == 1:
            # Whoosh matches a single expansion as a plain Term, without the boost.
            return _term_scores(searcher, query.fieldname, expansions[0], 1.0)
        # Several: an Or of the terms, with the FuzzyTerm's boost.
        parts = _summed([_term_scores(searcher, query.fieldname, w, 1.0) for w in expansions])
        return parts if query.boost == 1.0 else {d: s * query.boost for d, s in parts.items()}
    if isinstance(query, (Or, And)):
        subs = [evaluate(q, searcher) for q in query.subqueries]
        result = _summed(subs) if isinstance(query, Or) else _intersected(subs)
        if query.boost != 1.0:
            result = {d: s * query.boost for d, s in result.items()}
        return result
    # Any other query type: let Whoosh do it.
    return {d: s for s, d in searcher.search(query, limit=None, terms=False).top_n}


def ranked(scores: dict[int, float]) -> list[int]:
    """Document numbers by score, ties by document number (Whoosh's order)."""
    # Sorted by number, then (stable, also in reverse) by score: no Python key function.
    items = sorted(scores.items())
    items.sort(key=itemgetter(1), reverse=True)
    return [docnum for docnum, _ in items]
