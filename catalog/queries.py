"""Read-side queries for the storefront, with a bounded number of SQL statements.

Every page loads its rows with one query and what it shows with a fixed
number more: product cards read plain columns (``catalog.cards``), and so
does a product's page (``catalog.product_page``). The number of statements
does not grow with the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import selectinload

from producers.models import Cooperative, CooperativeStatus
from shop.cache import cached
from shop.extensions import db
from shop.i18n import Localized, pick
from shop.money.amounts import mad_str, parse_mad
from shop.params import query_choice, query_int, query_page
from shop.regions import regions

from .models import (
    Category,
    Certification,
    CertificationKind,
    Product,
    ProductStatus,
    product_certification,
)

PAGE_SIZE = 24
SORTS = ("newest", "price_asc", "price_desc")


@cache
def visible_products() -> Select:
    """Products a shopper may see: published, approved cooperative, a sellable variant.

    One statement object per process (statements are immutable: each use
    derives its own), so that what is derived from it can be kept by it.
    """
    return (
        select(Product)
        .join(Product.cooperative)
        .where(
            Product.status == ProductStatus.PUBLISHED,
            Cooperative.status == CooperativeStatus.APPROVED,
            Product.min_price_cents.is_not(None),
        )  # see catalog.summary
    )


def card_options() -> list[Any]:
    """A product's texts, pictures, variants, cooperative, category and certificates,
    eager-loaded in a fixed number of queries (the search index)."""
    return [
        selectinload(Product.translations),
        selectinload(Product.images),
        selectinload(Product.variants),
        selectinload(Product.cooperative),
        selectinload(Product.category),
        selectinload(Product.certifications),
    ]


def category_and_descendants(slug: str) -> list[int]:
    """Ids of a category and every category below it."""
    rows = db.session.execute(select(Category.id, Category.parent_id, Category.slug)).all()
    start = [r.id for r in rows if r.slug == slug]
    ids, frontier = set(start), list(start)
    while frontier:
        children = [r.id for r in rows if r.parent_id in frontier and r.id not in ids]
        ids.update(children)
        frontier = children
    return sorted(ids)


@dataclass
class Filters:
    """The listing's query string, parsed leniently (bad values are ignored)."""

    category: str = ""
    region: int | None = None
    certification: str = ""
    cooperative: str = ""
    min_price: int | None = None  # centimes
    max_price: int | None = None
    in_stock: bool = False
    sort: str = "newest"
    page: int = 1
    q: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> Filters:
        """Parse ``request.args``."""
        f = cls(
            category=args.get("category", "").strip(),
            certification=args.get("certification", "").strip(),
            cooperative=args.get("cooperative", "").strip(),
            in_stock=args.get("in_stock") in ("1", "on", "true"),
            q=args.get("q", "").strip()[:200],
        )
        f.region = query_int("region", None, min=1, max=12, args=args)
        f.min_price = _mad_to_cents(args.get("min_price", ""))
        f.max_price = _mad_to_cents(args.get("max_price", ""))
        if f.certification not in {k.value for k in CertificationKind}:
            f.certification = ""
        f.sort = query_choice("sort", SORTS, "newest", args=args)
        f.page = query_page(max=10_000, args=args)
        return f

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link, with some values changed."""
        values = {
            "category": self.category,
            "region": self.region,
            "certification": self.certification,
            "cooperative": self.cooperative,
            "min_price": _cents_to_mad(self.min_price),
            "max_price": _cents_to_mad(self.max_price),
            "in_stock": "1" if self.in_stock else None,
            "sort": self.sort,
            "q": self.q,
            "page": self.page,
        }
        values.update(changes)
        if values.get("sort") == "newest":
            values["sort"] = None
        if values.get("page") == 1:
            values["page"] = None
        return {k: v for k, v in values.items() if v not in (None, "")}

    @property
    def narrowed(self) -> bool:
        """True when a filter other than the words narrows the listing."""
        return bool(
            self.category
            or self.region
            or self.certification
            or self.cooperative
            or self.min_price is not None
            or self.max_price is not None
            or self.in_stock
        )

    @property
    def active(self) -> bool:
        """True when any filter narrows the listing, the words included."""
        return self.narrowed or bool(self.q)


def _mad_to_cents(value: str) -> int | None:
    try:
        return parse_mad(value)
    except ValueError:
        return None


def _cents_to_mad(value: int | None) -> str | None:
    if value is None:
        return None
    return mad_str(value).removesuffix(".00")


def filtered_products(filters: Filters) -> Select:
    """The listing's query: visible products narrowed by ``filters``, sorted.

    Cards read its rows' columns (``catalog.cards``); add ``card_options()``
    to load whole products instead. Without a category (whose descendants
    are read from the database each time), the statement for the same
    filters is the same object, built once per process: building it cost
    SQLAlchemy about as much as running it, and ``catalog.cards`` keeps what
    it derives from it by that object.
    """
    if filters.category:
        return _filtered_products(filters)
    return _same_filters(
        filters.region,
        filters.cooperative,
        filters.certification,
        filters.min_price,
        filters.max_price,
        filters.in_stock,
        filters.sort,
    )


@lru_cache(maxsize=256)
def _same_filters(
    region: int | None,
    cooperative: str,
    certification: str,
    min_price: int | None,
    max_price: int | None,
    in_stock: bool,
    sort: str,
) -> Select:
    return _filtered_products(
        Filters(
            region=region,
            cooperative=cooperative,
            certification=certification,
            min_price=min_price,
            max_price=max_price,
            in_stock=in_stock,
            sort=sort,
        )
    )


def _filtered_products(filters: Filters) -> Select:
    query = visible_products()
    if filters.category:
        query = query.where(Product.category_id.in_(category_and_descendants(filters.category)))
    if filters.region:
        query = query.where(Cooperative.region_code == filters.region)
    if filters.cooperative:
        query = query.where(Cooperative.slug == filters.cooperative)
    if filters.certification:
        query = query.where(
            exists().where(
                product_certification.c.product_id == Product.id,
                product_certification.c.certification_id == Certification.id,
                Certification.kind == filters.certification,
            )
        )
    if filters.min_price is not None:
        query = query.where(Product.min_price_cents >= filters.min_price)
    if filters.max_price is not None:
        query = query.where(Product.min_price_cents <= filters.max_price)
    if filters.in_stock:
        query = query.where(Product.stock_total > 0)
    if filters.sort == "price_asc":
        query = query.order_by(Product.min_price_cents.asc(), Product.id.desc())
    elif filters.sort == "price_desc":
        query = query.order_by(Product.min_price_cents.desc(), Product.id.desc())
    else:
        query = query.order_by(Product.published_at.desc().nulls_last(), Product.id.desc())
    return query


#: Cooperatives per directory page (a multiple of the grid's 2, 3 and 4 columns).
COOPERATIVES_PAGE_SIZE = 24


@cache
def approved_cooperatives() -> Select:
    """Cooperatives shown in the directory (one statement object, as ``visible_products``)."""
    return (
        select(Cooperative)
        .where(Cooperative.status == CooperativeStatus.APPROVED)
        .order_by(Cooperative.legal_name)
    )


def rows_chosen_by_id(query: Select, id_column: Any, limit: int, offset: int = 0) -> Select:
    """``query`` restricted to the ids of its page: ``limit`` rows from ``offset``.

    The ids come from a subquery that reads only what ``query`` filters and
    sorts on; whatever the caller then joins or counts runs for those rows
    alone. With the limit on the full query, SQLite joined and counted every
    matching row before sorting and keeping a page (the home page's
    cooperatives: 0.84 -> 0.22 ms at 500; a listing by price: 21 -> 3 ms of
    SQL at 10,000 products). The outer query keeps the order.
    """
    ids = query.with_only_columns(id_column).limit(limit)
    if offset:
        ids = ids.offset(offset)
    return query.where(id_column.in_(ids.scalar_subquery()))


@cache
def featured_cooperatives() -> Select:
    """The home page's cooperatives: the four with the most members, ties by slug."""
    by_members = (
        approved_cooperatives()
        .order_by(None)
        .order_by(Cooperative.members_count.desc(), Cooperative.slug)
    )
    return rows_chosen_by_id(by_members, Cooperative.id, 4)


@cache
def cooperative_page() -> Select:
    """The approved cooperative at ``:slug`` (its page), built once."""
    return approved_cooperatives().where(Cooperative.slug == bindparam("slug"))


def product_counts_by_cooperative(coop_ids: list[int]) -> dict[int, int]:
    """Visible products of the cooperatives on a page, in one query."""
    if not coop_ids:
        return {}
    visible = (
        visible_products()
        .with_only_columns(Product.cooperative_id, Product.id)
        .where(Product.cooperative_id.in_(coop_ids))
        .subquery()
    )
    rows = db.session.execute(
        select(visible.c.cooperative_id, func.count()).group_by(visible.c.cooperative_id)
    )
    return dict(rows.all())


def cooperative_certifications(coop_ids: list[int]) -> dict[int, list[Certification]]:
    """Certifications of several cooperatives, in one query."""
    result: dict[int, list[Certification]] = {i: [] for i in coop_ids}
    if coop_ids:
        for cert in db.session.scalars(
            select(Certification)
            .where(Certification.cooperative_id.in_(coop_ids))
            .order_by(Certification.kind)
        ):
            result[cert.cooperative_id].append(cert)
    return result


def categories_tree() -> list[Category]:
    """Top-level categories with their children loaded."""
    return list(
        db.session.scalars(
            select(Category)
            .where(Category.parent_id.is_(None))
            .order_by(Category.position)
            .options(selectinload(Category.children))
        )
    )


def leaf_categories_with_products() -> list[tuple[Category, int]]:
    """Categories that hold visible products, with their counts."""
    visible = visible_products().with_only_columns(Product.category_id).subquery()
    counts = dict(
        db.session.execute(
            select(visible.c.category_id, func.count()).group_by(visible.c.category_id)
        ).all()
    )
    cats = db.session.scalars(
        select(Category).where(Category.id.in_(counts)).order_by(Category.position)
    ).all()
    return [(c, counts[c.id]) for c in cats]


def impact_figures() -> dict[str, int]:
    """Figures from the data: cooperatives, members, women members, products, regions."""
    coops = select(Cooperative).where(Cooperative.status == CooperativeStatus.APPROVED).subquery()
    row = db.session.execute(
        select(
            func.count(coops.c.id),
            func.coalesce(func.sum(coops.c.members_count), 0),
            func.coalesce(func.sum(coops.c.women_members_count), 0),
            func.count(func.distinct(coops.c.region_code)),
        )
    ).one()
    products = db.session.scalar(select(func.count()).select_from(visible_products().subquery()))
    return {
        "cooperatives": row[0],
        "members": int(row[1]),
        "women": int(row[2]),
        "regions": row[3],
        "products": products or 0,
    }


@dataclass(frozen=True)
class CategoryChoice:
    """A category a filter menu offers: its slug and names (what ``Category.name`` reads)."""

    id: int
    slug: str
    names: dict[str, str | None]

    def name(self, lang: str) -> Localized:
        """The category's name in ``lang`` or its fallback."""
        return pick(self.names, lang)


#: Cooperatives a filter menu offers: those with the most products (and the
#: one chosen). With every cooperative the listing grew with the federation
#: (2,000 options at 2,000 cooperatives); the directory lists them all.
MENU_COOPERATIVES = 30


def menu_categories() -> list[tuple[CategoryChoice, int]]:
    """The categories that hold visible products, with their counts (cached for a minute)."""
    return cached(
        "listing:categories",
        lambda: [
            (CategoryChoice(c.id, c.slug, {t.locale: t.name for t in c.translations}), n)
            for c, n in leaf_categories_with_products()
        ],
    )


def _menu_cooperatives() -> list[tuple[str, str]]:
    counts = (
        visible_products()
        .order_by(None)
        .with_only_columns(Product.cooperative_id, func.count().label("n"))
        .group_by(Product.cooperative_id)
        .order_by(func.count().desc(), Product.cooperative_id)
        .limit(MENU_COOPERATIVES)
        .subquery()
    )
    return [
        (slug, name)
        for slug, name in db.session.execute(
            select(Cooperative.slug, Cooperative.legal_name)
            .join(counts, counts.c.cooperative_id == Cooperative.id)
            .order_by(Cooperative.legal_name)
        )
    ]


def menu_cooperatives(chosen: str = "") -> list[tuple[str, str]]:
    """(slug, name) of the cooperatives with the most visible products, by name, and ``chosen``."""
    cooperatives = cached("listing:cooperatives", _menu_cooperatives)
    if not chosen or any(slug == chosen for slug, _name in cooperatives):
        return cooperatives
    extra = db.session.execute(
        select(Cooperative.slug, Cooperative.legal_name).where(
            Cooperative.slug == chosen,
            Cooperative.id.in_(visible_products().with_only_columns(Product.cooperative_id)),
        )
    ).all()
    return sorted([*cooperatives, *((slug, name) for slug, name in extra)], key=lambda c: c[1])


def listing_choices(cooperative: str = "") -> dict[str, Any]:
    """The values the listing's filter menus offer (``cooperative``: the one chosen).

    The menus scan every visible product, so they are cached for a minute:
    a new product shows in the results at once and in the menus' counts soon.
    """
    return {
        "category_choices": menu_categories(),
        "region_choices": regions(),
        "certification_choices": list(CertificationKind),
        "cooperative_choices": menu_cooperatives(cooperative),
    }
