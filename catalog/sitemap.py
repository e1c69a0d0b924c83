"""The sitemap's entries: every public page, in every language, with its date.

Each function yields ``Entry`` objects for one kind of page. ``/sitemap.xml``
is a sitemap index (``catalog.views.sitemap``) naming one file per kind and
per chunk (``/sitemaps/<kind>-<n>.xml``), each of at most 50,000 URLs
(sitemaps.org's limit; an entry is one URL per language), with the latest
``lastmod`` of its rows: the sitemap no longer breaks its limit at about
17,000 products.

An entry's ``lastmod`` is the last change of the rows the page shows, from
their ``updated_at``. A cooperative has no such column: its page is dated by
its approval and by its visible products (whose ``updated_at`` moves with
every price, stock or status change), so an edit of its profile texts alone
does not move the date.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app, url_for
from sqlalchemy import func, select

from producers.models import Cooperative
from shop.extensions import db
from shop.i18n import LANGUAGES, default_language

from . import queries
from .models import Product


@dataclass(frozen=True)
class Entry:
    """One page: its address in each language and when it last changed."""

    urls: dict[str, str]
    lastmod: datetime | None = None

    @property
    def x_default(self) -> str:
        """The page for a language we do not have: the default language's version."""
        return self.urls[default_language()]

    @property
    def lastmod_w3c(self) -> str | None:
        """``lastmod`` as a W3C datetime in UTC, to the second (``2026-01-05T10:20:30+00:00``)."""
        return w3c_datetime(self.lastmod) if self.lastmod else None


def w3c_datetime(value: datetime) -> str:
    """A W3C datetime with its zone and no fraction; naive values are UTC (as stored)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.replace(microsecond=0).isoformat()


def localized_urls(endpoint: str, **values: Any) -> dict[str, str]:
    """The absolute address of a page in every language (from PUBLIC_BASE_URL)."""
    return {lang: url_for(endpoint, lang=lang, _external=True, **values) for lang in LANGUAGES}


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def page_entries() -> Iterator[Entry]:
    """The home page, the listing, the directory and the fair-trade pages."""
    products = db.session.scalar(
        queries.visible_products().with_only_columns(func.max(Product.updated_at))
    )
    approvals = db.session.scalar(
        queries.approved_cooperatives()
        .order_by(None)
        .with_only_columns(func.max(Cooperative.approved_at))
    )
    yield Entry(localized_urls("catalog.home"), products)
    yield Entry(localized_urls("catalog.listing"), products)
    yield Entry(localized_urls("catalog.cooperatives"), _latest(products, approvals))
    # The fair-trade rules and impact pages, when the producers package serves them.
    for name in ("transparency.fair_trade", "transparency.impact"):
        if name in current_app.view_functions:
            yield Entry(localized_urls(name))


#: sitemaps.org: at most 50,000 URLs per file.
MAX_URLS_PER_FILE = 50_000


def entries_per_file() -> int:
    """Entries per file: each is one URL per language."""
    return MAX_URLS_PER_FILE // len(LANGUAGES)


def _chunk_dates(query: Any, order: Any, dates: list[Any], size: int) -> list[datetime | None]:
    """The latest of ``dates`` in each chunk of ``size`` rows of ``query`` (one query)."""
    numbered = query.with_only_columns(
        *(date.label(f"d{i}") for i, date in enumerate(dates)),
        (func.row_number().over(order_by=order) - 1).label("n"),
    ).subquery()
    chunk = (numbered.c.n // size).label("chunk")
    rows = db.session.execute(
        select(chunk, *(func.max(numbered.c[f"d{i}"]) for i in range(len(dates))))
        .group_by(chunk)
        .order_by(chunk)
    )
    return [_latest(*latest) for _chunk, *latest in rows]


def _fitting(query: Any, size: int, *dates: Any) -> tuple[bool, list[datetime | None]]:
    """(True, [its date]) when the rows of ``query`` fit in one file, or none: no numbering.

    Numbering every row with a window function and grouping them made the
    index cost as much as a whole listing page; until a kind needs a second
    file, a count and a maximum are enough.
    """
    count, *latest = db.session.execute(
        query.with_only_columns(func.count(), *(func.max(date) for date in dates))
    ).one()
    if count > size:
        return False, []
    return True, [_latest(*latest)] if count else []


def product_chunks(size: int) -> list[datetime | None]:
    """The products' files: the latest change in each."""
    visible = queries.visible_products().order_by(None)
    fits, dates = _fitting(visible, size, Product.updated_at)
    if fits:
        return dates
    return _chunk_dates(visible, Product.id, [Product.updated_at], size)


def cooperative_chunks(size: int) -> list[datetime | None]:
    """The cooperatives' files, dated like their entries: approvals and products."""
    fits, dates = _fitting(
        queries.approved_cooperatives().order_by(None), size, Cooperative.approved_at
    )
    if fits:
        # One file: its date is the latest approval or change of a visible
        # product (every visible product belongs to an approved cooperative).
        if not dates:
            return dates
        latest = db.session.scalar(
            queries.visible_products()
            .order_by(None)
            .with_only_columns(func.max(Product.updated_at))
        )
        return [_latest(dates[0], latest)]
    products = (
        queries.visible_products()
        .order_by(None)
        .with_only_columns(
            Product.cooperative_id.label("cooperative_id"),
            func.max(Product.updated_at).label("latest"),
        )
        .group_by(Product.cooperative_id)
        .subquery()
    )
    return _chunk_dates(
        queries.approved_cooperatives()
        .order_by(None)
        .outerjoin(products, products.c.cooperative_id == Cooperative.id),
        Cooperative.id,
        [Cooperative.approved_at, products.c.latest],
        size,
    )


def product_entries(chunk: int = 0, size: int | None = None) -> Iterator[Entry]:
    """Visible products' pages, in id order: all, or chunk ``chunk`` of ``size``."""
    query = (
        queries.visible_products()
        .order_by(None)
        .with_only_columns(Product.slug, Product.updated_at)
        .order_by(Product.id)
    )
    if size is not None:
        query = query.offset(chunk * size).limit(size)
    for slug, updated_at in db.session.execute(query):
        yield Entry(localized_urls("catalog.product", slug=slug), updated_at)


def cooperative_entries(chunk: int = 0, size: int | None = None) -> Iterator[Entry]:
    """Approved cooperatives' pages, dated by their approval and their products.

    All of them, or chunk ``chunk`` of ``size`` in id order.
    """
    products = dict(
        db.session.execute(
            queries.visible_products()
            .with_only_columns(Product.cooperative_id, func.max(Product.updated_at))
            .group_by(Product.cooperative_id)
        ).all()
    )
    query = (
        queries.approved_cooperatives()
        .order_by(None)
        .with_only_columns(Cooperative.id, Cooperative.slug, Cooperative.approved_at)
        .order_by(Cooperative.id)
    )
    if size is not None:
        query = query.offset(chunk * size).limit(size)
    for coop_id, slug, approved_at in db.session.execute(query):
        yield Entry(
            localized_urls("catalog.cooperative", slug=slug),
            _latest(approved_at, products.get(coop_id)),
        )


def all_entries() -> Iterable[Entry]:
    """Every entry, whatever the file it is in."""
    yield from page_entries()
    yield from product_entries()
    yield from cooperative_entries()
