"""The search backend interface: what the storefront asks of a search engine.

The storefront talks to a :class:`SearchBackend` only, with plain
:class:`ProductDocument` values in and :class:`SearchResult` values out, so a
server-based engine can replace Whoosh (``catalog.search.whoosh``) without
touching the pages. Language analysis (``analysis.py``) is shared by all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..queries import Filters

#: Bounds on what a query may cost, whatever is typed.
MAX_WORDS = 8
MAX_WORD_LENGTH = 40
#: The orders results can be sorted in (relevance is the default).
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
    """An autocomplete entry: a product name in (or falling back from) a language.

    ``lang`` is the name's own language, so that a fallback can be marked.
    """

    id: int
    slug: str
    label: str
    lang: str


class SearchBackend(Protocol):
    """What the storefront needs from a search engine."""

    #: True when the index lives in the database: the sync writes it in the
    #: committing transaction (through ``bound``), not after the commit.
    transactional: bool

    def bound(self, connection: Any) -> AbstractContextManager[None]:
        """Read and write through ``connection`` meanwhile (transactional backends)."""

    def available(self) -> bool:
        """True when the index exists and can be read."""

    def update(self, docs: Iterable[ProductDocument], remove: Iterable[int] = ()) -> None:
        """Add or replace ``docs`` and delete products ``remove``, atomically."""

    def rebuild(self, docs: Iterable[ProductDocument]) -> int:
        """Replace the whole index with ``docs``; return how many were indexed."""

    def search(
        self, text: str, lang: str, filters: Filters, page: int = 1, per_page: int = 24
    ) -> SearchResult:
        """Products matching ``text``, narrowed by ``filters``, ranked for ``lang``."""

    def suggest(self, prefix: str, lang: str, limit: int = 8) -> list[Suggestion]:
        """Names (in ``lang`` or their fallback) of the first products ``search`` would
        find for ``prefix``, its last word also completed as the start of a word."""

    def snapshot(self) -> dict[int, tuple[int, bool]]:
        """Every indexed product's (price, in stock), to find stale entries."""

    def clear(self) -> None:
        """Remove every document."""
