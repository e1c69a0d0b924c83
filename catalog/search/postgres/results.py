"""One statement per search step: the page of results, the facet counts and the totals.

The matching rows are gathered once (a materialised CTE with their score and,
per active filter, whether it keeps them); each facet is then counted with
every filter applied but its own, as the Whoosh backend counts them, and the
page is cut from the rows every filter keeps, with their descriptions for
the snippets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, and_, any_, case, cast, func, literal, null, select, true, union_all
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from ...queries import Filters
from ..analysis import LANGS
from .models import DOCUMENTS

DOC = DOCUMENTS
FACETS = ("category", "region", "certification", "cooperative")


@dataclass
class Found:
    """What one step found: its length is the number of matches before filters."""

    matched: int = 0
    #: Matches every filter keeps.
    total: int = 0
    ids: list[int] = field(default_factory=list)
    facets: dict[str, Counter] = field(default_factory=lambda: {f: Counter() for f in FACETS})
    #: The page's descriptions per language, for snippets.
    descriptions: dict[int, dict[str, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.matched


def narrowings(filters: Filters) -> dict[str, ColumnElement[bool]]:
    """For each active filter, the condition that keeps a row."""
    keep: dict[str, ColumnElement[bool]] = {}
    if filters.category:
        keep["category"] = literal(filters.category) == any_(DOC.c.category_path)
    if filters.region:
        keep["region"] = DOC.c.region == filters.region
    if filters.certification:
        keep["certification"] = literal(filters.certification) == any_(DOC.c.certifications)
    if filters.cooperative:
        keep["cooperative"] = DOC.c.cooperative == filters.cooperative
    low, high = filters.min_price, filters.max_price
    if low is not None or high is not None:
        keep["price"] = and_(
            DOC.c.price_cents >= low if low is not None else true(),
            DOC.c.price_cents <= high if high is not None else true(),
        )
    if filters.in_stock:
        keep["in_stock"] = DOC.c.in_stock.is_(True)
    return keep


def _ordering(matches, sort: str) -> list[ColumnElement[Any]]:
    """Sorted like the listing (ties to the newest product); by score for relevance."""
    if sort == "price_asc":
        return [matches.c.price_cents.asc(), matches.c.id.desc()]
    if sort == "price_desc":
        return [matches.c.price_cents.desc(), matches.c.id.desc()]
    if sort == "newest":
        return [matches.c.published.desc(), matches.c.id.desc()]
    return [matches.c.score.desc(), matches.c.id.asc()]


def _row(kind: str, value: Any, n: Any, *descriptions: Any) -> list[Any]:
    """A result row: kind, value (text), count or rank, then three descriptions."""
    texts = descriptions or (null(),) * len(LANGS)
    return [literal(kind).label("kind"), cast(value, Text).label("value"), n.label("n"), *texts]


def results(
    connection: Connection,
    condition: ColumnElement[bool],
    score: ColumnElement[float],
    filters: Filters,
    page: int,
    per_page: int,
    described: dict[str, ColumnElement[bool]] | None = None,
) -> Found:
    """The page, the facet counts and the totals of one step, in one statement.

    The page's descriptions come in the languages ``described`` says hold a
    matched word (the others are not worth highlighting).
    """
    keep = narrowings(filters)
    matches = (
        select(
            DOC.c.id,
            DOC.c.category,
            DOC.c.region,
            DOC.c.certifications,
            DOC.c.cooperative,
            DOC.c.price_cents,
            DOC.c.published,
            score.label("score"),
            *(condition.label(f"keep_{name}") for name, condition in keep.items()),
        )
        .where(condition)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )

    def kept(*, but: str = "") -> list[ColumnElement[bool]]:
        return [matches.c[f"keep_{name}"] for name in keep if name != but]

    count = func.count()
    parts = [
        select(*_row("matched", null(), count)).select_from(matches),
        select(*_row("total", null(), count)).select_from(matches).where(*kept()),
    ]
    for facet in ("category", "region", "cooperative"):
        column = matches.c[facet]
        parts.append(
            select(*_row(facet, column, count))
            .select_from(matches)
            .where(*kept(but=facet))
            .group_by(column)
        )
    certifications = (
        select(func.unnest(matches.c.certifications).label("value"))
        .where(*kept(but="certification"))
        .subquery()
    )
    parts.append(
        select(*_row("certification", certifications.c.value, count)).group_by(
            certifications.c.value
        )
    )
    order = _ordering(matches, filters.sort)
    hits = (
        select(matches.c.id, func.row_number().over(order_by=order).label("n"))
        .where(*kept())
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery()
    )
    described = described or {}
    shown = [
        case((described[lang], DOC.c[f"description_{lang}"]), else_=null())
        if lang in described
        else null()
        for lang in LANGS
    ]
    parts.append(
        select(*_row("hit", hits.c.id, hits.c.n, *shown)).join_from(
            hits, DOC, DOC.c.id == hits.c.id
        )
    )
    found = Found()
    hit_rows = []
    for kind, value, n, *texts in connection.execute(union_all(*parts)):
        if kind == "matched":
            found.matched = n
        elif kind == "total":
            found.total = n
        elif kind == "hit":
            hit_rows.append((n, int(value), texts))
        elif value is not None:
            found.facets[kind][int(value) if kind == "region" else value] = n
    for _, product_id, texts in sorted(hit_rows):
        found.ids.append(product_id)
        found.descriptions[product_id] = {
            f"description_{lang}": text or "" for lang, text in zip(LANGS, texts, strict=True)
        }
    return found


@dataclass
class Named:
    """What autocomplete found: the best few names, and how many matched."""

    matched: int = 0
    rows: list[tuple[int, str, dict[str, str | None]]] = field(default_factory=list)

    def __len__(self) -> int:
        return self.matched


def names(
    connection: Connection, condition: ColumnElement[bool], score: ColumnElement[float], limit: int
) -> Named:
    """The best ``limit`` matches' ids, slugs and names, and the number of matches."""
    statement = (
        select(
            DOC.c.id,
            DOC.c.slug,
            *(DOC.c[f"name_{lang}"] for lang in LANGS),
            func.count().over().label("matched"),
        )
        .where(condition)
        .order_by(score.desc(), DOC.c.id.asc())
        .limit(limit)
    )
    found = Named()
    for product_id, slug, *texts, matched in connection.execute(statement):
        found.matched = matched
        found.rows.append((product_id, slug, dict(zip(LANGS, texts, strict=True))))
    return found
