"""Keep each product's summary (lowest price, total stock) in step with its variants.

Listings filter and sort on ``Product.min_price_cents`` and
``Product.stock_total``. Every ORM flush that adds, changes or removes a
variant refreshes its product's summary in the same transaction; code that
changes variants with bulk SQL (conditional stock UPDATEs) calls
``refresh_summaries`` itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from .models import Product, Variant


def summary_update(product_ids: Iterable[int] | None):
    """One UPDATE recomputing the summaries of ``product_ids`` (None: every product)."""
    sellable = (Variant.product_id == Product.id, Variant.active.is_(True), Variant.price_cents > 0)
    statement = update(Product)
    if product_ids is not None:
        statement = statement.where(Product.id.in_(sorted(set(product_ids))))
    return statement.values(
        min_price_cents=select(func.min(Variant.price_cents)).where(*sellable).scalar_subquery(),
        stock_total=select(func.coalesce(func.sum(Variant.stock), 0))
        .where(*sellable)
        .scalar_subquery(),
    ).execution_options(synchronize_session=False)


def refresh_summaries(session: Session, product_ids: Iterable[int]) -> None:
    """Recompute summaries now and expire the loaded products' copies."""
    ids = {i for i in product_ids if i is not None}
    if not ids:
        return
    session.connection().execute(summary_update(ids))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Product) and obj.id in ids:
            session.expire(obj, ["min_price_cents", "stock_total"])


def _touched_products(session: Session) -> set[int]:
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Variant):
            ids.add(obj.product_id)
        elif isinstance(obj, Product) and obj in session.new:
            ids.add(obj.id)
    return ids


def _before_flush_collect(session: Session, _context, _instances) -> None:
    session.info.setdefault("summary_products", set()).update(
        i for i in _touched_products(session) if i is not None
    )


def _after_flush(session: Session, _context) -> None:
    # New rows only have their ids now; collect again to include them.
    ids = session.info.pop("summary_products", set()) | _touched_products(session)
    refresh_summaries(session, ids)


def init_summary() -> None:
    """Listen to every session's flushes (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "before_flush", _before_flush_collect)
        event.listen(Session, "after_flush", _after_flush)
