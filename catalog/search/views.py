"""Search pages on the catalog blueprint: results with facets, and suggestions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from math import ceil
from typing import Any

from flask import current_app, jsonify, render_template, request, url_for
from sqlalchemy import bindparam, select

from producers.models import Cooperative
from shop.extensions import db, read
from shop.i18n import current_language, pick, text_direction
from shop.pagecache import cacheable
from shop.regions import regions

from .. import queries
from ..cards import ProductCard, cards_by_ids, paginate_cards
from ..models import (
    Category,
    CategoryTranslation,
    CertificationKind,
    Product,
    ProductTranslation,
)
from ..presentation import CERTIFICATION_LABELS
from . import get_backend
from .analysis import fold, words
from .backend import MAX_WORDS, SORTS, SearchResult, SearchUnavailable

SUGGESTIONS = 8


@dataclass
class SearchFilters(queries.Filters):
    """The listing's filters, sorted by relevance unless asked otherwise."""

    sort: str = "relevance"

    @classmethod
    def from_args(cls, args) -> SearchFilters:
        """Parse ``request.args`` (unknown sorts mean relevance)."""
        f = super().from_args(args)
        sort = args.get("sort", "relevance")
        f.sort = sort if sort in SORTS else "relevance"
        return f

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments; relevance, the default sort, is left out."""
        sort = changes.pop("sort", self.sort)
        values = super().args(**changes)
        values.pop("sort", None)
        if sort != "relevance":
            values["sort"] = sort
        return values


class ResultPage:
    """One page of ranked results, with what ``_pagination.html`` reads."""

    def __init__(self, items: list[ProductCard], page: int, per_page: int, total: int) -> None:
        self.items, self.page, self.per_page, self.total = items, page, per_page, total
        self.pages = ceil(total / per_page) if total else 0
        self.has_prev, self.prev_num = page > 1, page - 1
        self.has_next, self.next_num = page < self.pages, page + 1

    def iter_pages(
        self, left_edge: int = 2, left_current: int = 2, right_current: int = 4, right_edge: int = 2
    ) -> Iterator[int | None]:
        """Page numbers around the current one and at the edges; None for a gap."""
        last = 0
        for number in range(1, self.pages + 1):
            if (
                number <= left_edge
                or number > self.pages - right_edge
                or self.page - left_current <= number <= self.page + right_current
            ):
                if last + 1 != number:
                    yield None
                yield number
                last = number


Choice = tuple[Any, str, "int | None"]

# The facet menus' two statements, built once (building them cost more than running them).
_CATEGORY_NAMES = (
    select(Category.slug, CategoryTranslation.locale, CategoryTranslation.name)
    .outerjoin(CategoryTranslation, CategoryTranslation.category_id == Category.id)
    .where(Category.slug.in_(bindparam("slugs", expanding=True)))
    .order_by(Category.position, Category.id)
)
_COOPERATIVE_NAMES = (
    select(Cooperative.slug, Cooperative.legal_name)
    .where(Cooperative.slug.in_(bindparam("slugs", expanding=True)))
    .order_by(Cooperative.legal_name)
)


def _facet_choices(
    facets: dict[str, Counter], filters: SearchFilters, lang: str
) -> dict[str, list[Choice]]:
    """Filter menus offering the values found, with their counts."""
    wanted = set(facets["category"]) | ({filters.category} if filters.category else set())
    # The categories' names as plain rows, in one statement (no Category objects
    # and their translations loaded apart).
    names: dict[str, dict[str, str | None]] = {}
    for slug, locale, name in read(_CATEGORY_NAMES, {"slugs": list(wanted)}):
        names.setdefault(slug, {})[locale] = name
    # The cooperatives with the most hits (a broad search finds hundreds), ties by slug
    # (whatever order the backend counted them in), and the one chosen. Only the
    # counts are sorted (integers, at C speed), then the slugs tied at the last place.
    counts = facets["cooperative"]
    room = queries.MENU_COOPERATIVES
    if len(counts) > room:
        last = sorted(counts.values(), reverse=True)[room - 1]
        coop_slugs = {slug for slug, n in counts.items() if n > last}
        tied = sorted(slug for slug, n in counts.items() if n == last)
        coop_slugs.update(tied[: room - len(coop_slugs)])
    else:
        coop_slugs = set(counts)
    if filters.cooperative:
        coop_slugs.add(filters.cooperative)
    coops = read(_COOPERATIVE_NAMES, {"slugs": list(coop_slugs)}).all()
    return {
        "category": [
            (slug, pick(texts, lang).text, facets["category"][slug])
            for slug, texts in names.items()
        ],
        "region": [
            (code, region.name(lang), facets["region"][code])
            for code, region in regions().items()
            if facets["region"][code] or code == filters.region
        ],
        "certification": [
            (kind.value, str(CERTIFICATION_LABELS[kind]), facets["certification"][kind.value])
            for kind in CertificationKind
            if facets["certification"][kind.value] or kind.value == filters.certification
        ],
        "cooperative": [(slug, name, facets["cooperative"][slug]) for slug, name in coops],
    }


def _plain_choices(filters: SearchFilters, lang: str) -> dict[str, list[Choice]]:
    """The listing's menus without counts (when the index is unavailable)."""
    listing = queries.listing_choices(filters.cooperative)
    return {
        "category": [(c.slug, c.name(lang).text, None) for c, _ in listing["category_choices"]],
        "region": [(code, r.name(lang), None) for code, r in listing["region_choices"].items()],
        "certification": [
            (k.value, str(CERTIFICATION_LABELS[k]), None) for k in listing["certification_choices"]
        ],
        "cooperative": [(slug, name, None) for slug, name in listing["cooperative_choices"]],
    }


def _name_contains(word: str) -> Any:
    """Products with ``word`` in their name in any language (case-insensitive)."""
    return Product.id.in_(
        select(ProductTranslation.product_id).where(
            ProductTranslation.name.icontains(word, autoescape=True)
        )
    )


def _database_search(filters: SearchFilters, lang: str) -> str:
    """A plain search over product names, for when the index cannot be read."""
    query = queries.filtered_products(filters)
    typed = words(filters.q)[:MAX_WORDS]
    for word in typed:
        query = query.where(_name_contains(word))
    page = paginate_cards(query, filters.page, queries.PAGE_SIZE)
    return render_template(
        "catalog/search.html",
        filters=filters,
        page=page,
        result=SearchResult(unreadable=not typed),
        choices=_plain_choices(filters, lang),
        degraded=True,
    )


@cacheable
def search():
    """Search results with the listing's cards and filters, facet counts and snippets."""
    filters = SearchFilters.from_args(request.args)
    lang = current_language()
    if not filters.q:
        return render_template(
            "catalog/search.html",
            filters=filters,
            page=None,
            result=None,
            categories=queries.menu_categories(),
        )
    try:
        result = get_backend().search(filters.q, lang, filters, filters.page, queries.PAGE_SIZE)
    except SearchUnavailable as error:
        current_app.logger.warning(
            "Search index unavailable (%s): searching product names "
            "in the database instead. Run `flask search reindex`.",
            error,
        )
        return _database_search(filters, lang)
    # The hits' cards in the index's order (an id the database hides is skipped).
    hits = cards_by_ids(result.ids, queries.visible_products())
    page = ResultPage(hits, filters.page, queries.PAGE_SIZE, result.total)
    return render_template(
        "catalog/search.html",
        filters=filters,
        page=page,
        result=result,
        choices=_facet_choices(result.facets, filters, lang)
        if result.facets
        else _plain_choices(filters, lang),
        categories=[] if result.total else queries.menu_categories(),
    )


def _suggestion(label: str, label_lang: str, slug: str) -> dict[str, str]:
    """One suggestion as JSON: the name, its language and direction, the product's URL."""
    return {
        "label": label,
        "lang": label_lang,
        "dir": text_direction(label_lang),
        "url": url_for("catalog.product", slug=slug),
    }


def suggest():
    """Autocomplete: the names of the first products the results page would show (JSON).

    Names are in the page's language when the product has one, else in
    their fallback, with that language and its direction to mark them.
    """
    text = request.args.get("q", "")[:100]
    lang = current_language()
    found: list[dict[str, str]] = []
    if len(text.strip()) >= 2:
        try:
            found = [
                _suggestion(s.label, s.lang, s.slug)
                for s in get_backend().suggest(text, lang, SUGGESTIONS)
            ]
        except SearchUnavailable:
            current_app.logger.warning(
                "Search index unavailable: suggestions from the "
                "database. Run `flask search reindex`."
            )
            found = _database_suggestions(text, lang)
    response = jsonify({"suggestions": found})
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


def _database_suggestions(text: str, lang: str) -> list[dict[str, str]]:
    """Products with every typed word in a name, in any language (the index-less fallback).

    Two queries: the products, then their names, shown in ``lang`` or their fallback.
    """
    typed = words(text)[:MAX_WORDS]
    if not typed:
        return []
    query = queries.visible_products().with_only_columns(Product.id, Product.slug)
    for word in typed:
        query = query.where(_name_contains(word))
    slugs = dict(db.session.execute(query.order_by(Product.id).limit(SUGGESTIONS)).all())
    names: dict[int, dict[str, str | None]] = {}
    for product_id, locale, name in db.session.execute(
        select(
            ProductTranslation.product_id, ProductTranslation.locale, ProductTranslation.name
        ).where(ProductTranslation.product_id.in_(slugs))
    ):
        names.setdefault(product_id, {})[locale] = name
    picked = [(pick(names.get(i, {}), lang), slug) for i, slug in slugs.items()]
    picked.sort(key=lambda item: fold(item[0].text))
    return [_suggestion(name.text, name.lang, slug) for name, slug in picked]
