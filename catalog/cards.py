"""Product cards: what a card shows, read with a few column queries, no ORM objects.

The home page, the listing, a cooperative's page and search results show up
to 24 cards. Loading them as ``Product`` objects with their translations,
variants, images, cooperative (and its translated stories), category and
certificates built hundreds of ORM objects per page for a name, a picture,
a price and two labels. A card reads instead:

- its row, with the page's own query (``card_rows``): id, slug, lowest price,
  stock, the cooperative's name and region, and, from the same statement,
  its name in each language (a join per language), the sellable variants'
  count and the first picture (correlated subqueries);
- then, for the page's products, one query of plain rows (``load_cards``):
  the certificates' kinds.

The statements do not grow with the number of cards. Each statement costs
the application far more than the database here (SQLAlchemy compiles,
executes and reads it in Python): the names, counts and pictures were three
queries of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from producers.models import Cooperative, CooperativeTranslation
from shop.extensions import db, read
from shop.i18n import LANGUAGES, Localized, pick
from shop.regions import Region, regions

from .models import (
    Certification,
    CertificationKind,
    Product,
    ProductImage,
    ProductTranslation,
    Variant,
    product_certification,
)
from .queries import rows_chosen_by_id
from .reviews.queries import card_figures


@dataclass(frozen=True, slots=True)
class CardImage:
    """A product's first picture: what ``image_src``/``image_srcset`` read of a ``ProductImage``."""

    key: str
    width: int
    height: int
    widths: str


@dataclass(slots=True)
class ProductCard:
    """One product as its card shows it (the card template's ``product``)."""

    id: int
    slug: str
    min_price_cents: int | None
    stock_total: int
    cooperative_name: str
    region_code: int
    names: dict[str, str | None] = field(default_factory=dict)
    variant_count: int = 0
    #: The first picture only (a list, like ``Product.images``, for the template).
    images: list[CardImage] = field(default_factory=list)
    #: The kinds of its certificates, each once, in the order they were added.
    certification_kinds: list[CertificationKind] = field(default_factory=list)
    #: Its shown reviews: how many, and their mean rating (None without any).
    review_count: int = 0
    rating: float | None = None

    def name(self, lang: str) -> Localized:
        """The product's name in ``lang`` or its fallback (as ``Product.name``)."""
        return pick(self.names, lang)

    @property
    def in_stock(self) -> bool:
        """True when a sellable variant has stock (``stock_total`` sums them)."""
        return self.stock_total > 0

    @property
    def region(self) -> Region:
        """The cooperative's region."""
        return regions()[self.region_code]


@dataclass(frozen=True, slots=True)
class CooperativeCard:
    """A cooperative as its card and a product's page show it: what they read of a
    ``Cooperative`` (no story), from plain columns."""

    id: int
    slug: str
    legal_name: str
    region_code: int
    commune: str
    province: str
    latitude: Decimal | None
    longitude: Decimal | None
    founded_year: int | None
    members_count: int
    women_members_count: int
    logo_key: str | None
    taglines: dict[str, str | None]

    @property
    def region(self) -> Region:
        """The official region."""
        return regions()[self.region_code]

    def tagline(self, lang: str) -> Localized:
        """A one-line presentation in ``lang`` or its fallback."""
        return pick(self.taglines, lang)

    def women_share(self) -> Decimal:
        """Share of women among members (0 when unknown), as ``Cooperative.women_share``."""
        if not self.members_count:
            return Decimal(0)
        return Decimal(self.women_members_count) / Decimal(self.members_count)


#: A cooperative's tagline in each language: one join per language.
TAGLINES = {lang: aliased(CooperativeTranslation, name=f"card_coop_{lang}") for lang in LANGUAGES}
COOPERATIVE_COLUMNS = (
    Cooperative.id,
    Cooperative.slug,
    Cooperative.legal_name,
    Cooperative.region_code,
    Cooperative.commune,
    Cooperative.province,
    Cooperative.latitude,
    Cooperative.longitude,
    Cooperative.founded_year,
    Cooperative.members_count,
    Cooperative.women_members_count,
    Cooperative.logo_key,
)


def cooperative_cards(query: Select) -> list[CooperativeCard]:
    """The cooperatives ``query`` selects (joined to nothing else), as cards, in one statement."""
    return [
        CooperativeCard(*row[:-3], dict(zip(LANGUAGES, row[-3:], strict=True)))  # type: ignore[call-arg]
        for row in read(_cooperative_rows(query))
    ]


@lru_cache(maxsize=16)
def _cooperative_rows(query: Select) -> Select:
    rows = query.with_only_columns(
        *COOPERATIVE_COLUMNS, *(tagline.tagline for tagline in TAGLINES.values())
    )
    for lang, tagline in TAGLINES.items():
        rows = rows.outerjoin(
            tagline, and_(tagline.cooperative_id == Cooperative.id, tagline.locale == lang)
        )
    return rows


#: The columns of a card that the page's own query reads.
CARD_COLUMNS = (
    Product.id,
    Product.slug,
    Product.min_price_cents,
    Product.stock_total,
    Cooperative.legal_name,
    Cooperative.region_code,
)


#: A product's name in each language: one join per language.
_NAMES = {lang: aliased(ProductTranslation, name=f"card_name_{lang}") for lang in LANGUAGES}
#: Its first picture (the gallery's order).
_FIRST_IMAGE = aliased(ProductImage, name="card_image")


@lru_cache(maxsize=256)
def card_rows(query: Select) -> Select:
    """``query`` (visible products, joined to their cooperative) reading a card's columns.

    The names, the sellable variants' count and the first picture come in
    the same row: no statement of their own. Kept by the query object
    (``queries.filtered_products`` returns the same one for the same
    filters): building it cost more than running it.
    """
    variant_count = (
        select(func.count())
        .where(
            Variant.product_id == Product.id,
            Variant.active.is_(True),
            Variant.price_cents > 0,
        )
        .correlate(Product)
        .scalar_subquery()
    )
    first_image = (
        select(ProductImage.id)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    rows = query.with_only_columns(
        *CARD_COLUMNS,
        variant_count,
        *card_figures(Product),
        *(name.name for name in _NAMES.values()),
        _FIRST_IMAGE.key,
        _FIRST_IMAGE.width,
        _FIRST_IMAGE.height,
        _FIRST_IMAGE.widths,
    )
    for lang, name in _NAMES.items():
        rows = rows.outerjoin(name, and_(name.product_id == Product.id, name.locale == lang))
    return rows.outerjoin(_FIRST_IMAGE, _FIRST_IMAGE.id == first_image)


#: The certificates' kinds of a page's products (built once: building it cost more than running it).
_CARD_CERTIFICATIONS = (
    select(product_certification.c.product_id, Certification.kind)
    .join(Certification, Certification.id == product_certification.c.certification_id)
    .where(product_certification.c.product_id.in_(bindparam("ids", expanding=True)))
    .order_by(Certification.id)
)


def load_cards(rows: Iterable[Any]) -> list[ProductCard]:
    """Cards for rows of ``card_rows``, in their order, completed in one query."""
    cards = []
    for product_id, slug, price, stock, cooperative, region, variants, *rest in rows:
        card = ProductCard(product_id, slug, price, stock, cooperative, region)
        card.variant_count = variants
        reviews, rating, *rest = rest
        card.review_count, card.rating = reviews, None if rating is None else float(rating)
        card.names = dict(zip(_NAMES, rest[: len(_NAMES)], strict=True))
        key, width, height, widths = rest[len(_NAMES) :]
        if key is not None:
            card.images.append(CardImage(key, width, height, widths))
        cards.append(card)
    if not cards:
        return cards
    by_id = {card.id: card for card in cards}
    ids = list(by_id)
    for product_id, kind in read(_CARD_CERTIFICATIONS, {"ids": ids}):
        kinds = by_id[product_id].certification_kinds
        if kind not in kinds:
            kinds.append(kind)
    return cards


@lru_cache(maxsize=512)
def _page_rows(query: Select, limit: int, offset: int) -> Select:
    """A page of ``card_rows(query)``, kept like it: the page's products are
    chosen first, so the card's joins and counts run for them alone."""
    return card_rows(rows_chosen_by_id(query, Product.id, limit, offset))


@lru_cache(maxsize=256)
def _count(query: Select) -> Select:
    """How many products ``query`` selects (their ids, not every column), kept like it."""
    ids = query.with_only_columns(Product.id).order_by(None).subquery()
    return select(func.count()).select_from(ids)


def cards_of(query: Select, limit: int) -> list[ProductCard]:
    """The first ``limit`` cards of ``query`` (visible products, sorted)."""
    return load_cards(read(_page_rows(query, limit, 0)))


@lru_cache(maxsize=16)
def _cards_among(visible: Select) -> Select:
    return card_rows(visible.where(Product.id.in_(bindparam("ids", expanding=True))))


def cards_by_ids(ids: Sequence[int], visible: Select) -> list[ProductCard]:
    """Cards of ``ids`` in that order, among the products ``visible`` selects.

    An id that ``visible`` leaves out (a product the search index still has
    but the shop no longer shows) is skipped.
    """
    if not ids:
        return []
    cards = load_cards(read(_cards_among(visible), {"ids": list(ids)}))
    by_id = {card.id: card for card in cards}
    return [by_id[i] for i in ids if i in by_id]


class CardPagination(SelectPagination):
    """Flask-SQLAlchemy's pagination of a products query, whose items are cards.

    The page's rows come with a card's columns, and the total counts the
    products' ids (not every column of every product).
    """

    def _query_items(self) -> list[Any]:
        query = _page_rows(self._query_args["select"], self.per_page, self._query_offset)
        return load_cards(read(query))

    def _query_count(self) -> int:
        return read(_count(self._query_args["select"])).scalar() or 0


def paginate_cards(query: Select, page: int, per_page: int) -> CardPagination:
    """A page of cards of ``query`` (visible products, sorted), like ``db.paginate``."""
    return CardPagination(
        select=query, session=db.session, page=page, per_page=per_page, error_out=False
    )
