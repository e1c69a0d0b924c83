"""Property tests (hypothesis) of the Whoosh backend's results pages.

The backend finds a page without ranking every match: terms are read once
per index generation (``TermCache``), scores are summed at C speed, only the
documents up to the page's last are put in order (``best``, ``Columns.first``)
and facets are counted from the columns. Each step is checked here against
its plain version, and whole results pages against a brute-force page worked
out from the documents themselves.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.queries import Filters
from catalog.search.backend import ProductDocument
from catalog.search.matching import best_match
from catalog.search.whoosh import WhooshBackend, build_query, evaluate, parse, ranked
from catalog.search.whoosh.facets import Columns, facet_counts
from catalog.search.whoosh.scoring import TermCache, _intersected, _summed, best

# Few distinct values, so that ties (scores, prices, dates, counts) are common.
SCORES = st.sampled_from([0.5, 1.0, 1.2, 2.0, 2.4, 3.7, 8.0, 0.1 + 0.2])
SORTS = ("relevance", "newest", "price_asc", "price_desc")


def _plain_sum(subs: list[dict[int, float]]) -> dict[int, float]:
    """Or, as a plain loop: the larger sub-results first, scores added in that order."""
    subs = sorted((sub for sub in subs if sub), key=len, reverse=True)
    result: dict[int, float] = {}
    for sub in subs:
        for docnum, score in sub.items():
            result[docnum] = result[docnum] + score if docnum in result else score
    return result


def _plain_intersection(subs: list[dict[int, float]]) -> dict[int, float]:
    if not subs or not all(subs):
        return {}
    subs = sorted(subs, key=len)
    result = {}
    for docnum in subs[0]:
        if all(docnum in sub for sub in subs[1:]):
            score = subs[0][docnum]
            for sub in subs[1:]:
                score += sub[docnum]
            result[docnum] = score
    return result


sub_results = st.lists(st.dictionaries(st.integers(0, 40), SCORES, max_size=30), max_size=6)


@given(subs=sub_results)
def test_sums_are_the_plain_loops_bit_for_bit(subs):
    """Same documents and the very same floats (additions in the same order per document)."""
    assert _summed(subs) == _plain_sum(subs)
    assert _intersected(subs) == _plain_intersection(subs)
    # The sub-results are never changed (the term cache hands out its own dicts).
    copies = [dict(sub) for sub in subs]
    _summed(subs), _intersected(subs)
    assert subs == copies


@given(
    scores=st.dictionaries(st.integers(0, 200), SCORES, max_size=120),
    count=st.integers(0, 130),
    data=st.data(),
)
def test_best_is_the_start_of_the_full_ranking(scores, count, data):
    among = data.draw(st.none() | st.sets(st.sampled_from(sorted(scores) or [0])))
    if among is not None:
        among &= scores.keys()
    full = [d for d in ranked(scores) if among is None or d in among]
    assert best(scores, count, among) == full[:count]


def _columns(draw_docs: list[dict]) -> Columns:
    return Columns(
        ids=[d["id"] for d in draw_docs],
        category=[d["category"] for d in draw_docs],
        path=[frozenset(d["path"]) for d in draw_docs],
        region=[d["region"] for d in draw_docs],
        certifications=[frozenset(d["certs"]) for d in draw_docs],
        cooperative=[d["coop"] for d in draw_docs],
        price=[d["price"] for d in draw_docs],
        in_stock=[int(d["in_stock"]) for d in draw_docs],
        published=[d["published"] for d in draw_docs],
        live=frozenset(range(len(draw_docs))),
    )


column_docs = st.lists(
    st.fixed_dictionaries(
        {
            "category": st.sampled_from(["oil", "honey", "saffron"]),
            "path": st.sets(st.sampled_from(["food", "oil", "honey", "beauty"])),
            "region": st.integers(1, 4),
            "certs": st.sets(st.sampled_from(["organic", "igp", "aop"])),
            "coop": st.sampled_from(["c1", "c2", "c3", "c4"]),
            "price": st.integers(1, 6).map(lambda p: p * 500),
            "in_stock": st.booleans(),
            "published": st.integers(1, 4),
        }
    ),
    max_size=60,
).map(lambda docs: [{**d, "id": 1000 + i} for i, d in enumerate(docs)])

filters_strategy = st.builds(
    Filters,
    category=st.sampled_from(["", "food", "oil", "honey", "beauty"]),
    region=st.none() | st.integers(1, 4),
    certification=st.sampled_from(["", "organic", "igp", "aop"]),
    cooperative=st.sampled_from(["", "c1", "c2", "c3"]),
    min_price=st.none() | st.integers(1, 6).map(lambda p: p * 500),
    max_price=st.none() | st.integers(1, 6).map(lambda p: p * 500),
    in_stock=st.booleans(),
    sort=st.sampled_from(SORTS),
)

CHECKS = {
    "category": lambda d, f: f.category in d["path"],
    "region": lambda d, f: d["region"] == f.region,
    "certification": lambda d, f: f.certification in d["certs"],
    "cooperative": lambda d, f: d["coop"] == f.cooperative,
    "price": lambda d, f: (
        (f.min_price is None or d["price"] >= f.min_price)
        and (f.max_price is None or d["price"] <= f.max_price)
    ),
    "in_stock": lambda d, f: d["in_stock"],
}


def _active(f: Filters) -> list[str]:
    return [
        name
        for name, on in (
            ("category", f.category),
            ("region", f.region),
            ("certification", f.certification),
            ("cooperative", f.cooperative),
            ("price", f.min_price is not None or f.max_price is not None),
            ("in_stock", f.in_stock),
        )
        if on
    ]


def _brute_facets(docs: list[dict], f: Filters) -> tuple[set[int], dict[str, Counter]]:
    """Each document tested against each filter in turn, each facet counted by hand."""
    active = _active(f)

    def kept(d: dict, skip: str = "") -> bool:
        return all(CHECKS[name](d, f) for name in active if name != skip)

    facets: dict[str, Counter] = {name: Counter() for name in CHECKS if name in FACET_KEYS}
    for d in docs:
        for name, key in FACET_KEYS.items():
            if kept(d, name):
                for value in key(d):
                    facets[name][value] += 1
    return {d["number"] for d in docs if kept(d)}, facets


FACET_KEYS = {
    "category": lambda d: [d["category"]],
    "region": lambda d: [d["region"]],
    "certification": lambda d: sorted(d["certs"]),
    "cooperative": lambda d: [d["coop"]],
}


@given(docs=column_docs, filters=filters_strategy, by_cooperative=st.booleans(), data=st.data())
def test_facet_counts_are_a_brute_force_count_over_the_matches(docs, filters, by_cooperative, data):
    if by_cooperative:  # as in the shop, where a product's region is its cooperative's
        docs = [{**d, "region": int(d["coop"][1:])} for d in docs]
    cols = _columns(docs)
    assert (cols.region_of_cooperative() is not None) >= by_cooperative
    numbers = data.draw(st.sets(st.integers(0, max(len(docs) - 1, 0)))) if docs else set()
    matches = dict.fromkeys(sorted(numbers), 1.0)
    allowed, facets = facet_counts(cols, matches.keys(), filters)
    expected_allowed, expected = _brute_facets([{**docs[n], "number": n} for n in matches], filters)
    assert set(allowed) == expected_allowed
    assert facets == expected
    # Counted with every filter but its own: no facet value counts more than the matches.
    assert all(sum(c.values()) <= len(matches) for n, c in facets.items() if n != "certification")


@given(docs=column_docs, sort=st.sampled_from(SORTS[1:]), count=st.integers(0, 70), data=st.data())
def test_the_first_of_a_sort_are_those_of_a_full_sort(docs, sort, count, data):
    cols = _columns(docs)
    numbers = data.draw(st.sets(st.integers(0, max(len(docs) - 1, 0)))) if docs else set()
    key = {
        "price_asc": lambda n: (docs[n]["price"], -docs[n]["id"]),
        "price_desc": lambda n: (-docs[n]["price"], -docs[n]["id"]),
        "newest": lambda n: (-docs[n]["published"], -docs[n]["id"]),
    }[sort]
    assert cols.first(numbers, sort, count) == sorted(numbers, key=key)[:count]
    assert cols.first(numbers, sort, count) == sorted(numbers, key=key)[:count]  # sorted once


def test_the_term_cache_keeps_the_most_recently_used_within_its_bound():
    cache = TermCache(limit=10)
    cache.put(("f", "a", 1.0), {1: 1.0, 2: 1.0, 3: 1.0})  # 4 with the entry itself
    cache.put(("f", "b", 1.0), {})  # an absent term: 1
    cache.put(("f", "c", 1.0), {4: 1.0, 5: 1.0})  # 3
    assert cache.get(("f", "a", 1.0)) == {1: 1.0, 2: 1.0, 3: 1.0}  # now the most recent
    cache.put(("f", "d", 1.0), {6: 1.0})  # 2: 10 in all, still within
    assert len(cache) == 4
    cache.put(("f", "e", 1.0), {7: 1.0})  # over: "b" (least recently used) goes, then "c"
    assert cache.get(("f", "b", 1.0)) is None and cache.get(("f", "c", 1.0)) is None
    assert cache.get(("f", "a", 1.0)) is not None and cache.get(("f", "e", 1.0)) == {7: 1.0}
    cache.put(("f", "huge", 1.0), dict.fromkeys(range(20), 1.0))  # larger than the bound: not kept
    assert cache.get(("f", "huge", 1.0)) is None


# ------------------------------------------------------------------ whole results pages

NAMES = [
    ("Huile d'argan", "Argan oil", "زيت أركان"),
    ("Miel de thym", "Thyme honey", "عسل الزعتر"),
    ("Huile d'olive", "Olive oil", "زيت الزيتون"),
    ("Safran de Taliouine", "Saffron", "زعفران"),
    ("Amlou aux amandes et argan", "Almond amlou", "أملو"),
]
TEXTS = ["huile", "argan", "miel thym", "huile argan", "olive oil", "argn", "زيت", "safran miel"]

documents = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.integers(0, len(NAMES) - 1),
            "description": st.sampled_from(["", "Pressée à froid", "Huile pure d'argan", "miel"]),
            "category": st.sampled_from(["oil", "honey", "saffron"]),
            "parent": st.booleans(),
            "region": st.integers(1, 4),
            "certs": st.sets(st.sampled_from(["organic", "igp"])),
            "coop": st.sampled_from(["c1", "c2", "c3", "c4"]),
            "price": st.integers(1, 6).map(lambda p: p * 500),
            "in_stock": st.booleans(),
            "published": st.integers(1, 4),
        }
    ),
    min_size=1,
    max_size=40,
)


def _document(i: int, d: dict) -> ProductDocument:
    fr, en, ar = NAMES[d["name"]]
    path = (d["category"], "food") if d["parent"] else (d["category"],)
    return ProductDocument(
        id=i,
        slug=f"p-{i}",
        names={"fr": fr, "en": en, "ar": ar},
        descriptions={"fr": d["description"], "en": "", "ar": ""},
        categories={"fr": d["category"], "en": d["category"], "ar": ""},
        cooperatives={"fr": f"Coopérative {d['coop']}", "en": "", "ar": ""},
        regions={"fr": "", "en": "", "ar": ""},
        certifications={"fr": " ".join(sorted(d["certs"])), "en": "", "ar": ""},
        codes=(f"SKU-{i}",),
        category=d["category"],
        category_path=path,
        region=d["region"],
        certification_kinds=tuple(sorted(d["certs"])),
        cooperative=d["coop"],
        price_cents=d["price"],
        in_stock=d["in_stock"],
        published=1_700_000_000 + d["published"],
    )


def _expected_page(backend, by_id, text, lang, f, page, per_page):
    """The page worked out by hand: every match ranked, filtered and sorted in full."""
    parsed, _ = parse(text)
    with backend._searcher() as searcher:
        match = best_match(
            partial(build_query, parsed, text, lang), partial(evaluate, searcher=searcher)
        )
        product = {d: int(searcher.stored_fields(d)["id"]) for d in match.order}
    docs = [
        {
            "number": number,
            "id": product[number],
            "category": by_id[product[number]].category,
            "path": set(by_id[product[number]].category_path),
            "region": by_id[product[number]].region,
            "certs": set(by_id[product[number]].certification_kinds),
            "coop": by_id[product[number]].cooperative,
            "price": by_id[product[number]].price_cents,
            "in_stock": by_id[product[number]].in_stock,
            "published": by_id[product[number]].published,
        }
        for number in match.order
    ]
    allowed, facets = _brute_facets(docs, f)
    kept = [d for d in docs if d["number"] in allowed]
    if f.sort == "relevance":
        rank = {n: place for place, n in enumerate(ranked(match.order))}
        kept.sort(key=lambda d: rank[d["number"]])
    elif f.sort == "newest":
        kept.sort(key=lambda d: (-d["published"], -d["id"]))
    else:
        sign = 1 if f.sort == "price_asc" else -1
        kept.sort(key=lambda d: (sign * d["price"], -d["id"]))
    start = (page - 1) * per_page
    return [d["id"] for d in kept[start : start + per_page]], len(kept), facets


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=documents,
    follow=st.booleans(),
    removed=st.sets(st.integers(0, 39), max_size=8),
    split=st.integers(0, 40),
    searches=st.lists(
        st.tuples(
            st.sampled_from(TEXTS),
            st.sampled_from(["fr", "en", "ar"]),
            filters_strategy,
            st.integers(1, 3),
            st.integers(1, 5),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_results_pages_are_the_brute_force_pages(docs, follow, removed, split, searches):
    """Ids, total and facets of any page, on an index of several segments with deletions,
    searched again after a commit (the term cache and columns follow it)."""
    from whoosh.filedb.filestore import RamStorage

    backend = WhooshBackend(RamStorage(), create=True)
    if follow:  # as in the shop, where a product's region is its cooperative's
        docs = [{**d, "region": int(d["coop"][1:])} for d in docs]
    products = [_document(i + 1, d) for i, d in enumerate(docs)]
    by_id = {p.id: p for p in products}
    backend.rebuild(products[:split])
    gone = [i + 1 for i in removed if i < min(split, len(products))]  # from the first segment
    backend.update(products[split:], remove=gone)
    for i in gone:
        by_id.pop(i, None)
    for round_ in range(2):
        for text, lang, f, page, per_page in searches:
            result = backend.search(text, lang, f, page, per_page)
            ids, total, facets = _expected_page(backend, by_id, text, lang, f, page, per_page)
            assert (result.ids, result.total) == (ids, total), (text, lang, f)
            assert result.facets == facets, (text, lang, f)
        if round_ == 0 and by_id:  # a commit: a product changes category and price
            first = next(iter(by_id.values()))
            changed = _document(
                first.id,
                {
                    "name": 0,
                    "description": "",
                    "category": "honey",
                    "parent": False,
                    "region": 2,
                    "certs": set(),
                    "coop": "c2",
                    "price": 700,
                    "in_stock": True,
                    "published": 9,
                },
            )
            backend.update([changed])
            by_id[first.id] = changed
