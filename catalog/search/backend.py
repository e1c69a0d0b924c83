"""The search backend interface and its Whoosh implementation.

The storefront talks to a :class:`SearchBackend` only, with plain
:class:`ProductDocument` values in and :class:`SearchResult` values out, so a
server-based engine can replace Whoosh without touching the pages.
"""
from __future__ import annotations

import html
import os
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat
from operator import itemgetter
from typing import Any, Collection, Iterable, Iterator, Protocol

from whoosh import highlight, scoring
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import Storage
from whoosh.index import Index
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import And, FuzzyTerm, Or, Prefix, Query, Term
from whoosh.searching import Searcher
from whoosh.writing import CLEAR

from shop.i18n import FALLBACK_ORDER, pick

from ..queries import Filters
from .analysis import (LANGS, fold, language_analyzer, latin_analyzer, surface_analyzer,
                       transliterate, words)

#: Bump when the schema changes: an index written by older code is then
#: "missing" (plain listings) until ``flask search reindex`` rebuilds it.
#: v2: numbers are columns only (not indexed), texts without positions.
INDEX_NAME = "products_v2"
#: Searchable text fields per language, with their weight in the ranking.
KINDS: dict[str, float] = {"name": 4.0, "category": 2.0, "certification": 1.5,
                           "cooperative": 1.5, "region": 1.2, "description": 1.0}
#: Fields tried with typos: short ones, where a typo is likelier than a new word.
FUZZY_KINDS = ("name", "category", "region")
#: Matches in the page's language rank above the same match in another one.
PAGE_LANG_BOOST = 2.0
#: An exact search finding fewer results than this retries with typos.
FEW_RESULTS = 3
#: Bounds on what a query may cost, whatever is typed.
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
SORTS = ("relevance", "newest", "price_asc", "price_desc")


class SearchUnavailable(Exception):
    """The index is missing or cannot be read."""


@dataclass(frozen=True)
class ProductDocument:
    """What the index knows about a product, with texts per language."""

    id: int
    slug: str
    names: dict[str, str]
    descriptions: dict[str, str]
    #: The category's name and its parents' names.
    categories: dict[str, str]
    #: The cooperative's legal name and tagline.
    cooperatives: dict[str, str]
    #: Region, province, commune and the product's origin.
    regions: dict[str, str]
    certifications: dict[str, str]
    #: SKUs and GTINs.
    codes: tuple[str, ...]
    category: str
    #: Slugs of the category and every category above it.
    category_path: tuple[str, ...]
    region: int
    certification_kinds: tuple[str, ...]
    cooperative: str
    price_cents: int
    in_stock: bool
    #: POSIX timestamp of publication, for "newest first".
    published: int


@dataclass(frozen=True)
class Snippet:
    """Highlighted HTML (text escaped, matches in ``<mark>``) and its language."""

    html: str
    lang: str


@dataclass
class SearchResult:
    """One page of results, in rank order, with facet counts."""

    ids: list[int] = field(default_factory=list)
    total: int = 0
    #: facet name → value → number of results if that value were chosen.
    facets: dict[str, Counter] = field(default_factory=dict)
    #: A corrected query ("did you mean"), when the typed one found little.
    suggestion: str | None = None
    highlights: dict[int, Snippet] = field(default_factory=dict)
    #: True when the results come from typo-tolerant matching.
    fuzzy: bool = False
    #: True when the query had no searchable word at all ("!!!", "***").
    unreadable: bool = False


@dataclass(frozen=True)
class Suggestion:
    """An autocomplete entry: a product name in (or falling back from) a language."""

    id: int
    slug: str
    label: str
    lang: str


class SearchBackend(Protocol):
    """What the storefront needs from a search engine."""

    def available(self) -> bool:
        """True when the index exists and can be read."""

    def update(self, docs: Iterable[ProductDocument], remove: Iterable[int] = ()) -> None:
        """Add or replace ``docs`` and delete products ``remove``, atomically."""

    def rebuild(self, docs: Iterable[ProductDocument]) -> int:
        """Replace the whole index with ``docs``; return how many were indexed."""

    def search(self, text: str, lang: str, filters: Filters, page: int = 1,
               per_page: int = 24) -> SearchResult:
        """Products matching ``text``, narrowed by ``filters``, ranked for ``lang``."""

    def suggest(self, prefix: str, lang: str, limit: int = 8) -> list[Suggestion]:
        """Product names in ``lang`` whose words start like ``prefix``."""

    def snapshot(self) -> dict[int, tuple[int, bool]]:
        """Every indexed product's (price, in stock), to find stale entries."""

    def clear(self) -> None:
        """Remove every document."""


ANALYZERS = {lang: language_analyzer(lang) for lang in LANGS}
LATIN = latin_analyzer()
SURFACE = surface_analyzer()
SURFACE_FOLDED = surface_analyzer(fold_accents=True)


def _number(typecode: str) -> COLUMN:
    """A stored integer with a column for filters, facets and sorts, not indexed.

    Numbers are only ever read from columns (never searched for), and indexing
    them cost 56 postings per document (a term per 4-bit shift of each value).
    """
    field = COLUMN(NumericColumn(typecode, default=0))
    field.stored = True
    return field


def build_schema() -> Schema:
    """Per-language text fields, codes, and stored facet/sort columns."""
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True, sortable=True),
        "slug": STORED(),
        # Latin spellings of the Arabic name, so "argan" finds Arabic-only products.
        "translit": TEXT(analyzer=LATIN, phrase=False),
        "code": KEYWORD(lowercase=True, scorable=True),
        # Whole words, accents kept: the vocabulary of "did you mean".
        "spell": TEXT(analyzer=SURFACE, phrase=False),
        "category": ID(stored=True, sortable=True),
        "category_path": ID(stored=True, sortable=True),
        "region": _number("i"),
        "certification": ID(stored=True, sortable=True),
        "cooperative": ID(stored=True, sortable=True),
        "price": _number("q"),
        "in_stock": _number("i"),
        "published": _number("q"),
    }
    for lang in LANGS:
        for kind in KINDS:
            stored = kind in ("name", "description")  # names for autocomplete, texts for snippets
            # No positions: there is no phrase search, and snippets re-analyse the text.
            fields[f"{kind}_{lang}"] = TEXT(analyzer=ANALYZERS[lang], stored=stored,
                                            phrase=False)
        fields[f"complete_{lang}"] = TEXT(analyzer=SURFACE_FOLDED, phrase=False)
    return Schema(**fields)


def document_fields(doc: ProductDocument) -> dict[str, Any]:
    """The Whoosh fields of a product document."""
    values: dict[str, Any] = {
        "id": str(doc.id), "slug": doc.slug,
        "translit": transliterate(doc.names.get("ar", "")),
        "code": " ".join(c.lower() for c in doc.codes),
        "spell": " ".join([*doc.names.values(), *doc.categories.values()]),
        "category": doc.category, "category_path": " ".join(doc.category_path),
        "region": doc.region, "certification": " ".join(doc.certification_kinds),
        "cooperative": doc.cooperative, "price": doc.price_cents,
        "in_stock": int(doc.in_stock), "published": doc.published,
    }
    texts = {"name": doc.names, "description": doc.descriptions, "category": doc.categories,
             "cooperative": doc.cooperatives, "region": doc.regions,
             "certification": doc.certifications}
    for lang in LANGS:
        for kind, by_lang in texts.items():
            values[f"{kind}_{lang}"] = by_lang.get(lang, "")
        values[f"complete_{lang}"] = pick(doc.names, lang).text
    return values


def typo_distance(word: str) -> int:
    """Edits allowed for a typed word: none below 4 letters, 1 up to 6, then 2."""
    return 0 if len(word) < 4 else 1 if len(word) <= 6 else 2


@dataclass(frozen=True)
class _Word:
    """A typed word and what each analyzer makes of it."""

    raw: str
    terms: dict[str, str]  # lang → analysed term
    latin: str


def parse(text: str) -> tuple[list[_Word], list[str]]:
    """Searchable words of ``text`` and all typed words, leniently.

    Only words are kept: quotes, ``*``, ``~``, ``:`` and brackets are never
    query syntax here. A word that is a stop word in any language ("de",
    "the", "في") is not required, since its language's fields never hold it.
    """
    typed = [w[:MAX_WORD_LENGTH] for w in words(text)][:MAX_WORDS]
    parsed = []
    for raw in typed:
        terms = {}
        for lang in LANGS:
            tokens = [t.text for t in ANALYZERS[lang](raw)]
            if tokens:
                terms[lang] = tokens[0]
        if len(terms) == len(LANGS):
            latin = [t.text for t in LATIN(raw)]
            parsed.append(_Word(raw, terms, latin[0] if latin else ""))
    return parsed, typed


def _word_query(word: _Word, page_lang: str, fuzzy: bool) -> Query:
    """Where one word may match: any field of any language, or a code."""
    options: list[Query] = []
    distance = typo_distance(word.raw) if fuzzy else 0
    for lang, term in word.terms.items():
        lang_boost = PAGE_LANG_BOOST if lang == page_lang else 1.0
        for kind, weight in KINDS.items():
            name = f"{kind}_{lang}"
            options.append(Term(name, term, boost=weight * lang_boost))
            if distance and kind in FUZZY_KINDS:
                # A typo match counts for less than an exact one.
                options.append(FuzzyTerm(name, term, boost=weight * lang_boost * 0.5,
                                         maxdist=distance, prefixlength=1))
    if word.latin:
        options.append(Term("translit", word.latin, boost=KINDS["name"]))
        if distance:
            options.append(FuzzyTerm("translit", word.latin, boost=KINDS["name"] * 0.5,
                                     maxdist=distance, prefixlength=1))
    options.append(Term("code", word.raw.lower(), boost=KINDS["name"]))
    # A sum (Or), not DisjunctionMax: in Whoosh 2.7 DisjunctionMaxMatcher.score
    # takes the max over sub-matchers without checking they sit on the current
    # document, so one product's name match leaks into another's score.
    return Or(options)


def build_query(parsed: list[_Word], text: str, page_lang: str, fuzzy: bool = False,
                every_word: bool = True) -> Query:
    """All (or any) words, plus the whole text as a SKU or GTIN."""
    clauses = [_word_query(w, page_lang, fuzzy) for w in parsed]
    combined: Query = And(clauses) if every_word else Or(clauses)
    code = text.strip().lower()
    if code and len(code) <= 64 and " " not in code:
        combined = Or([combined, Term("code", code, boost=KINDS["name"])])
    return combined

# --------------------------------------------------------------- query evaluation

def _term_postings(searcher: Searcher, fieldname: str, btext: bytes
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


def _term_scores(searcher: Searcher, fieldname: str, text: str, boost: float
                 ) -> dict[int, float]:
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
        pairs = zip(map(offset.__add__, ids) if offset else ids,
                    map(value.__getitem__, weights))
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
        result.update(zip(new, map(sub.__getitem__, new)))
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


@dataclass
class _Columns:
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


def _load_columns(searcher: Searcher) -> _Columns:
    reader = searcher.reader()

    def column(name: str) -> list[Any]:
        # An empty index has no columns at all (Whoosh raises instead).
        if not reader.doc_count_all():
            return []
        return list(reader.column_reader(name, translate=True))

    return _Columns(
        ids=[int(v) for v in column("id")], category=column("category"),
        path=[frozenset(v.split()) for v in column("category_path")],
        region=column("region"),
        certifications=[frozenset(v.split()) for v in column("certification")],
        cooperative=column("cooperative"), price=column("price"),
        in_stock=column("in_stock"), published=column("published"),
        live=frozenset(reader.all_doc_ids()),
    )


def _narrowings(cols: _Columns, docs: Collection[int], filters: Filters) -> dict[str, set[int]]:
    """For each active filter, the documents of ``docs`` it keeps."""
    keep: dict[str, set[int]] = {}
    if filters.category:
        keep["category"] = {d for d in docs if filters.category in cols.path[d]}
    if filters.region:
        keep["region"] = {d for d in docs if cols.region[d] == filters.region}
    if filters.certification:
        keep["certification"] = {d for d in docs
                                 if filters.certification in cols.certifications[d]}
    if filters.cooperative:
        keep["cooperative"] = {d for d in docs if cols.cooperative[d] == filters.cooperative}
    low, high = filters.min_price, filters.max_price
    if low is not None or high is not None:
        keep["price"] = {d for d in docs if (low is None or cols.price[d] >= low)
                         and (high is None or cols.price[d] <= high)}
    if filters.in_stock:
        keep["in_stock"] = {d for d in docs if cols.in_stock[d]}
    return keep


def facet_counts(cols: _Columns, docs: set[int], filters: Filters
                 ) -> tuple[set[int], dict[str, Counter]]:
    """The documents every filter keeps, and each facet's counts.

    A facet is counted with every filter applied except its own, as shops do,
    so that its other values still show what choosing them would give.
    """
    keep = _narrowings(cols, docs, filters)
    allowed = set(docs).intersection(*keep.values()) if keep else set(docs)

    def without(name: str) -> Collection[int]:
        others = [s for key, s in keep.items() if key != name]
        return set(docs).intersection(*others) if others else docs

    # map() over the columns' lists: counted at C speed, no Python loop per document.
    facets = {
        "category": Counter(map(cols.category.__getitem__, without("category"))),
        "region": Counter(map(cols.region.__getitem__, without("region"))),
        "certification": Counter(chain.from_iterable(
            map(cols.certifications.__getitem__, without("certification")))),
        "cooperative": Counter(map(cols.cooperative.__getitem__, without("cooperative"))),
    }
    return allowed, facets


def _expanded_terms(query: Query, searcher: Searcher) -> dict[str, set[str]]:
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


def _snippet(stored: dict[str, Any], terms: dict[str, set[str]], lang: str) -> Snippet | None:
    """The description passage with matches, in ``lang`` or a fallback language."""
    for candidate in dict.fromkeys((lang, *FALLBACK_ORDER)):
        name = f"description_{candidate}"
        text, wanted = stored.get(name) or "", terms.get(name)
        if text and wanted:
            html = highlight.highlight(text, frozenset(wanted), ANALYZERS[candidate],
                                       _FRAGMENTER, _FORMATTER, top=2)
            if html:
                return Snippet(html, candidate)
    return None


class WhooshBackend:
    """A Whoosh index in a directory (or in memory), safe across processes.

    Writers take the index's lock file and wait for it up to ``write_timeout``
    seconds, so several app processes queue up instead of corrupting it.
    """

    def __init__(self, storage: Storage, *, create: bool = False,
                 write_timeout: float = 10.0) -> None:
        self.storage = storage
        self.write_timeout = write_timeout
        self._columns: tuple[Any, _Columns] | None = None
        self._columns_lock = threading.Lock()
        self._shared: Searcher | None = None
        self._shared_pid = 0
        self._searcher_lock = threading.RLock()
        if create and not self.available():
            self._create()

    # ---------------------------------------------------------------- index access

    def _create(self) -> Index:
        self.storage.create()
        return self.storage.create_index(build_schema(), indexname=INDEX_NAME)

    def available(self) -> bool:
        """True when the index exists and can be opened."""
        try:
            self._index()
        except SearchUnavailable:
            return False
        return True

    def _index(self) -> Index:
        try:
            if not self.storage.index_exists(INDEX_NAME):
                raise SearchUnavailable("the search index does not exist")
            return self.storage.open_index(INDEX_NAME)
        except SearchUnavailable:
            raise
        except Exception as error:  # Whoosh raises many types for a damaged index
            raise SearchUnavailable(f"the search index cannot be opened: {error}") from error

    def _open_searcher(self) -> Searcher:
        try:
            # TF-IDF, not BM25F: names and labels are short, and reading every
            # matching document's field lengths was a third of a query's time.
            return self._index().searcher(weighting=scoring.TF_IDF())
        except SearchUnavailable:
            raise
        except Exception as error:
            raise SearchUnavailable(f"the search index cannot be read: {error}") from error

    @contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        """The shared searcher, replaced when the index has changed.

        Opening a searcher (table of contents, segment files, term index) cost
        a third of a query, so one is kept open and only refreshed when a commit
        made a new generation. Whoosh readers are not thread-safe (they seek
        shared files), so reads of this process take turns; pure-Python
        searches hold the GIL anyway.
        """
        with self._searcher_lock:
            current = self._shared
            if current is not None:
                try:
                    # A forked worker opens its own: open files share their offsets.
                    up_to_date = self._shared_pid == os.getpid() and current.up_to_date()
                except Exception:  # the index was removed or damaged since
                    up_to_date = False
                if not up_to_date:
                    # A new searcher, not ``refresh()``: Whoosh 2.7's reader
                    # reuse keeps segments' old deletion sets (and segments
                    # a merge removed), so deleted products would still match.
                    self._close_shared()
            if self._shared is None:
                self._shared = self._open_searcher()
                self._shared_pid = os.getpid()
            yield self._shared

    def _close_shared(self) -> None:
        if self._shared is not None:
            if self._shared_pid == os.getpid():  # never close a parent's files
                try:
                    self._shared.close()
                except Exception:  # already closed, or its files are gone
                    pass
            self._shared = None

    def _cols(self, searcher: Searcher) -> _Columns:
        """Columns for the searcher's generation, loaded once per index change."""
        reader = searcher.reader()
        key = (reader.generation(), tuple(r.segment().segment_id()
                                          for r, _ in reader.leaf_readers() if r.segment()))
        with self._columns_lock:
            if self._columns is None or self._columns[0] != key:
                self._columns = (key, _load_columns(searcher))
            return self._columns[1]

    # ---------------------------------------------------------------------- writes

    def update(self, docs: Iterable[ProductDocument], remove: Iterable[int] = ()) -> None:
        """Add or replace ``docs`` and delete ``remove`` in one commit."""
        writer = self._index().writer(timeout=self.write_timeout, delay=0.05)
        try:
            for product_id in remove:
                writer.delete_by_term("id", str(product_id))
            for doc in docs:
                writer.update_document(**document_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, docs: Iterable[ProductDocument]) -> int:
        """Write every document into a new segment that replaces all others."""
        index = self._index() if self.available() else self._create()
        writer = index.writer(timeout=self.write_timeout, delay=0.05, limitmb=256)
        count = 0
        try:
            for doc in docs:
                writer.add_document(**document_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            raise
        # CLEAR drops the old segments in the same commit: readers see the old
        # index until then, never a half-built one.
        writer.commit(mergetype=CLEAR)
        return count

    def clear(self) -> None:
        """Remove every document."""
        self.rebuild(())

    # ----------------------------------------------------------------------- reads

    def search(self, text: str, lang: str, filters: Filters, page: int = 1,
               per_page: int = 24) -> SearchResult:
        """Exact words first; with typos when that finds little; any word last."""
        parsed, typed = parse(text)
        if not parsed:
            return SearchResult(unreadable=not typed)
        with self._searcher() as searcher:
            cols = self._cols(searcher)
            ranked_sort = filters.sort not in ("newest", "price_asc", "price_desc")

            def run(q: Query) -> list[int]:
                """Matching documents, best first when ranking."""
                scores = evaluate(q, searcher)
                return ranked(scores) if ranked_sort else list(scores)

            query = build_query(parsed, text, lang)
            order = run(query)
            result = SearchResult()
            if len(order) < FEW_RESULTS:
                result.suggestion = self._did_you_mean(searcher, parsed, typed, lang)
                for fuzzy_query in (build_query(parsed, text, lang, fuzzy=True),
                                    build_query(parsed, text, lang, fuzzy=True,
                                                every_word=False)):
                    more = run(fuzzy_query)
                    if len(more) > len(order):
                        query, order, result.fuzzy = fuzzy_query, more, True
                    if order:
                        break
            allowed, result.facets = facet_counts(cols, set(order), filters)
            result.total = len(allowed)
            kept = ([d for d in order if d in allowed] if ranked_sort
                    else self._sorted(cols, allowed, filters.sort))
            start = (page - 1) * per_page
            docnums = kept[start:start + per_page]
            result.ids = [cols.ids[d] for d in docnums]
            terms = _expanded_terms(query, searcher)
            for docnum in docnums:
                snippet = _snippet(searcher.stored_fields(docnum), terms, lang)
                if snippet:
                    result.highlights[cols.ids[docnum]] = snippet
            return result

    @staticmethod
    def _sorted(cols: _Columns, docs: set[int], sort: str) -> list[int]:
        """Sorted like the listing: ties go to the most recently created product."""
        if sort == "price_asc":
            return sorted(docs, key=lambda d: (cols.price[d], -cols.ids[d]))
        if sort == "price_desc":
            return sorted(docs, key=lambda d: (-cols.price[d], -cols.ids[d]))
        return sorted(docs, key=lambda d: (-cols.published[d], -cols.ids[d]))

    @staticmethod
    def _did_you_mean(searcher: Searcher, parsed: list[_Word], typed: list[str],
                      lang: str) -> str | None:
        """The typed words, with those found nowhere replaced by close indexed words."""
        corrector = searcher.corrector("spell")
        unknown = {w.raw for w in parsed
                   if not evaluate(_word_query(w, lang, fuzzy=False), searcher)}
        corrected, changed = [], False
        for raw in typed:
            surface = [t.text for t in SURFACE(raw)]
            distance = typo_distance(raw)
            options = (corrector.suggest(surface[0], limit=1, maxdist=distance, prefix=1)
                       if raw in unknown and surface and distance else [])
            if options and fold(options[0]) != fold(raw):
                corrected.append(options[0])
                changed = True
            else:
                corrected.append(raw)
        return " ".join(corrected) if changed else None

    def suggest(self, prefix: str, lang: str, limit: int = 8) -> list[Suggestion]:
        """Names in ``lang`` (or their fallback) containing words that start so."""
        typed = [t.text for t in SURFACE_FOLDED(prefix[:100])][:MAX_WORDS]
        if not typed or len(prefix.strip()) < 2:
            return []
        field_name = f"complete_{lang}"
        clauses: list[Query] = [Term(field_name, w) for w in typed[:-1]]
        clauses.append(Prefix(field_name, typed[-1]))
        with self._searcher() as searcher:
            hits = searcher.search(And(clauses), limit=50, terms=False)
            found = []
            for hit in hits:
                name = pick({code: hit.get(f"name_{code}") or "" for code in LANGS}, lang)
                found.append(Suggestion(int(hit["id"]), hit["slug"], name.text, name.lang))
        # Names that start with what was typed first, then alphabetical.
        start = fold(prefix.strip())
        found.sort(key=lambda s: (not fold(s.label).startswith(start), fold(s.label)))
        return found[:limit]

    def snapshot(self) -> dict[int, tuple[int, bool]]:
        """Every live document's (price, in stock) by product id."""
        with self._searcher() as searcher:
            cols = self._cols(searcher)
            return {cols.ids[d]: (cols.price[d], bool(cols.in_stock[d])) for d in cols.live}

    def documents(self) -> Iterator[dict[str, Any]]:
        """Stored fields of every live document (for checks and tests)."""
        with self._searcher() as searcher:
            documents = [dict(fields) for fields in searcher.all_stored_fields()]
        yield from documents
