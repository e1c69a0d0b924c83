"""Facet and sort columns of every document, the filters' narrowings and the facet counts."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from itertools import compress, repeat
from operator import contains, eq, ge, le
from typing import Any

from whoosh.searching import Searcher

from ...queries import Filters


@dataclass
class Columns:
    """Facet and sort values of every document, by document number."""

    ids: list[int]
    category: list[str]
    path: list[frozenset[str]]
    region: list[int]
    certifications: list[frozenset[str]]
    cooperative: list[str]
    price: list[int]
    in_stock: list[int]
    published: list[int]
    live: frozenset[int]
    #: Per sort: every document number in that order, and each one's place in it.
    _sorts: dict[str, tuple[list[int], list[int]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    #: Per facet: each value's documents as a mask; "region": each cooperative's region.
    _masks: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def first(self, docs: Collection[int], sort: str, count: int) -> list[int]:
        """The first ``count`` of ``docs`` sorted like the listing: ``newest``,
        ``price_asc`` or ``price_desc``, ties to the most recently created product.

        Every document is sorted once per index generation; a search then only
        sorts its matches' places, integers, at C speed.
        """
        sorts = self._sorts.get(sort)
        if sorts is None:
            order = sorted(range(len(self.ids)), key=self._sort_key(sort))
            sorts = self._sorts[sort] = (order, _inverse(order))
        order, places = sorts
        return list(map(order.__getitem__, sorted(map(places.__getitem__, docs))[:count]))

    def mask(self, docs: Iterable[int]) -> int:
        """``docs`` as a mask: a byte per document, 1 for those in ``docs``."""
        marks = bytearray(len(self.ids))
        deque(map(marks.__setitem__, docs, repeat(1)), maxlen=0)  # at C speed
        return int.from_bytes(marks, "little")

    def masks(self, facet: str) -> dict[str, int]:
        """Each value of ``facet`` (``category`` or ``certification``), with the mask of
        the documents having it (made when first asked for)."""
        masks = self._masks.get(facet)
        if masks is None:
            values = self.certifications if facet == "certification" else self.category
            having: dict[str, bytearray] = {}
            for docnum, value in enumerate(values):
                for one in value if facet == "certification" else (value,):
                    having.setdefault(one, bytearray(len(values)))[docnum] = 1
            masks = self._masks[facet] = {
                value: int.from_bytes(marks, "little") for value, marks in sorted(having.items())
            }
        return masks

    def region_of_cooperative(self) -> dict[str, int] | None:
        """Each cooperative's region, or None if some cooperative's products disagree."""
        if "region" not in self._masks:
            regions: dict[str, int] = {}
            for docnum in self.live:
                if (
                    regions.setdefault(self.cooperative[docnum], self.region[docnum])
                    != (self.region[docnum])
                ):
                    self._masks["region"] = None
                    break
            else:
                self._masks["region"] = regions
        return self._masks["region"]

    def _sort_key(self, sort: str) -> Callable[[int], tuple[int, int]]:
        ids, price, published = self.ids, self.price, self.published
        if sort == "price_asc":
            return lambda d: (price[d], -ids[d])
        if sort == "price_desc":
            return lambda d: (-price[d], -ids[d])
        return lambda d: (-published[d], -ids[d])


def _inverse(permutation: list[int]) -> list[int]:
    """Where each number stands in ``permutation`` (of ``range(n)``)."""
    places = [0] * len(permutation)
    for place, number in enumerate(permutation):
        places[number] = place
    return places


def load_columns(searcher: Searcher) -> Columns:
    reader = searcher.reader()

    def column(name: str) -> list[Any]:
        # An empty index has no columns at all (Whoosh raises instead).
        if not reader.doc_count_all():
            return []
        return list(reader.column_reader(name, translate=True))

    return Columns(
        ids=[int(v) for v in column("id")],
        category=column("category"),
        path=[frozenset(v.split()) for v in column("category_path")],
        region=column("region"),
        certifications=[frozenset(v.split()) for v in column("certification")],
        cooperative=column("cooperative"),
        price=column("price"),
        in_stock=column("in_stock"),
        published=column("published"),
        live=frozenset(reader.all_doc_ids()),
    )


def _narrowings(cols: Columns, docs: Collection[int], filters: Filters) -> dict[str, set[int]]:
    """For each active filter, the documents of ``docs`` it keeps (tested at C speed)."""
    docs = list(docs)  # iterated twice below, in the same order

    def where(tests: Iterable[Any]) -> set[int]:
        return set(compress(docs, tests))

    keep: dict[str, set[int]] = {}
    if filters.category:
        keep["category"] = where(
            map(contains, map(cols.path.__getitem__, docs), repeat(filters.category))
        )
    if filters.region:
        keep["region"] = where(map(eq, map(cols.region.__getitem__, docs), repeat(filters.region)))
    if filters.certification:
        keep["certification"] = where(
            map(
                contains,
                map(cols.certifications.__getitem__, docs),
                repeat(filters.certification),
            )
        )
    if filters.cooperative:
        keep["cooperative"] = where(
            map(eq, map(cols.cooperative.__getitem__, docs), repeat(filters.cooperative))
        )
    low, high = filters.min_price, filters.max_price
    if low is not None or high is not None:
        prices = list(map(cols.price.__getitem__, docs))
        keep["price"] = where(map(ge, prices, repeat(low))) if low is not None else set(docs)
        if high is not None:
            keep["price"] &= where(map(le, prices, repeat(high)))
    if filters.in_stock:
        keep["in_stock"] = where(map(cols.in_stock.__getitem__, docs))
    return keep


def facet_counts(
    cols: Columns, docs: Collection[int], filters: Filters
) -> tuple[Collection[int], dict[str, Counter]]:
    """The documents every filter keeps (``docs`` itself when none), and each facet's counts.

    A facet is counted with every filter applied except its own, as shops do,
    so that its other values still show what choosing them would give.
    """
    keep = _narrowings(cols, docs, filters)
    # Each narrowing is a subset of ``docs``: their intersection is what every filter keeps.
    allowed = set.intersection(*keep.values()) if keep else docs

    def without(name: str) -> Collection[int]:
        others = [s for key, s in keep.items() if key != name]
        return set.intersection(*others) if others else docs

    # Categories and certifications (few values): each value's documents as a bit
    # mask, counted against the matches' mask; cooperatives (hundreds) at C speed
    # with a Counter; regions from the cooperatives' counts when no filter on
    # either sets them apart (a product's region is its cooperative's).
    masks: dict[frozenset[str], int] = {}  # by the filters applied

    def masked(name: str) -> Counter:
        applied = frozenset(keep) - {name}
        if applied not in masks:
            masks[applied] = cols.mask(without(name))
        matched = masks[applied]
        return Counter(
            {
                value: n
                for value, mask in cols.masks(name).items()
                if (n := (matched & mask).bit_count())
            }
        )

    cooperatives = Counter(map(cols.cooperative.__getitem__, without("cooperative")))
    region_of = cols.region_of_cooperative()
    if region_of is not None and "region" not in keep and "cooperative" not in keep:
        regions: Counter = Counter()
        for cooperative, n in cooperatives.items():
            regions[region_of[cooperative]] += n
    else:
        regions = Counter(map(cols.region.__getitem__, without("region")))
    facets = {
        "category": masked("category"),
        "region": regions,
        "certification": masked("certification"),
        "cooperative": cooperatives,
    }
    return allowed, facets
