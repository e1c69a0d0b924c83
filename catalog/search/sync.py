"""Keep the index in step with the database: in each commit, or after it.

``after_flush`` notes which products a transaction touched (directly, or
through a variant, a translation, a certification, a category or their
cooperative). A backend in the database (PostgreSQL) is written in the same
transaction: ``before_commit`` flushes, then re-reads exactly those products
on the committing connection and writes their rows there, so
the index commits or rolls back with them and every app server sees it at
once. A backend of its own (Whoosh) is written ``after_commit``, from a new
session; an index in memory is handed the notes instead and applies them at
its next read (``whoosh/memory.py``). A rollback forgets them. Bulk UPDATE or DELETE statements
(conditional stock updates) name no objects, so after them the index is
compared with the database's prices, stock and visibility and the
differences are re-indexed: that reads the whole index and catalogue. A bulk
UPDATE whose caller knows what it changed runs with the ``DECLARED``
execution option and names the products with ``note_products`` instead
(checkout's conditional stock updates name only the products whose stock
ran out or came back), so an order costs no scan of the catalogue.

A failure here is logged and never breaks the commit (in the transaction, the
index's writes are in a SAVEPOINT of their own, rolled back alone): the
database is the truth and ``flask search reindex`` repairs the index.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as AppSession
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from producers.models import Cooperative, CooperativeTranslation
from shop.extensions import db

from ..models import (
    Category,
    CategoryTranslation,
    Certification,
    Product,
    ProductTranslation,
    Variant,
)
from .backend import SearchBackend
from .documents import DocumentBuilder

KEY = "taawon_search_touched"
#: Tables whose bulk UPDATE/DELETE statements can change what the index holds.
BULK_TABLES = frozenset(
    {
        "product",
        "variant",
        "cooperative",
        "product_translation",
        "certification",
        "product_certification",
        "category",
    }
)
#: Execution option of a bulk UPDATE whose caller names what it changed in the
#: index with ``note_products`` (no comparison of the whole index after it).
DECLARED = "search_changes_declared"


def _touched(session: Session) -> dict[str, Any]:
    return session.info.setdefault(
        KEY, {"products": set(), "cooperatives": set(), "categories": set(), "bulk": False}
    )


def _after_flush(session: Session, flush_context: Any) -> None:
    """Remember which products this transaction changed."""
    touched = _touched(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Product):
            touched["products"].add(obj.id)
        elif isinstance(obj, (ProductTranslation, Variant)):
            touched["products"].add(obj.product_id)
        elif isinstance(obj, Cooperative):
            touched["cooperatives"].add(obj.id)
        elif isinstance(obj, (CooperativeTranslation, Certification)):
            touched["cooperatives"].add(obj.cooperative_id)
        elif isinstance(obj, Category):
            touched["categories"].add(obj.id)
        elif isinstance(obj, CategoryTranslation):
            touched["categories"].add(obj.category_id)


def note_products(session: Session, product_ids: Iterable[int]) -> None:
    """Re-index these products after the commit (what a ``DECLARED`` bulk UPDATE changed)."""
    _touched(session)["products"].update(i for i in product_ids if i is not None)


def _do_orm_execute(state: Any) -> None:
    """Note bulk statements on catalog tables: their rows are unknown."""
    if state.execution_options.get(DECLARED):
        return
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in BULK_TABLES:
            _touched(state.session)["bulk"] = True


def _backend(transactional: bool) -> SearchBackend | None:
    """The app's backend, if it is written in (True) or after (False) the commit."""
    if not has_app_context():
        return None
    backend = current_app.extensions.get("taawon_search")
    return backend if backend is not None and backend.transactional == transactional else None


def _before_commit(session: Session) -> None:
    """A transactional backend's rows, written on the committing connection."""
    backend = _backend(transactional=True)
    if backend is None or session.in_nested_transaction():
        return  # a SAVEPOINT's release: the outermost commit writes them all
    session.flush()  # the last changes (commit flushes after this event)
    touched = session.info.pop(KEY, None)
    if not touched:
        return
    connection = session.connection()
    try:
        # A session of its own on the same connection reads the products as
        # the database has them (the committing session's objects keep the
        # Python values they were given); it never ends the transaction.
        with (
            connection.begin_nested(),
            backend.bound(connection),
            Session(bind=connection, join_transaction_mode="rollback_only") as reader,
        ):
            apply_changes(backend, touched, reader)
    except Exception:
        current_app.logger.warning(
            "Search index not updated in a commit; run `flask search reindex`.", exc_info=True
        )


def _after_commit(session: Session) -> None:
    touched = session.info.pop(KEY, None)
    backend = _backend(transactional=False)
    if not touched or backend is None:
        return
    defer = getattr(backend, "defer", None)
    if defer is not None:  # an index in memory: indexed at its next read
        defer(touched, partial(_apply_after_commit, backend))
        return
    _apply_after_commit(backend, touched)


def _apply_after_commit(backend: SearchBackend, touched: dict[str, Any]) -> None:
    try:
        # after_commit may not emit SQL on the committing session: use a new one.
        with Session(db.engine) as reader:
            apply_changes(backend, touched, reader)
    except Exception:
        current_app.logger.warning(
            "Search index not updated after a commit; run `flask search reindex`.", exc_info=True
        )


def _after_soft_rollback(session: Session, previous: SessionTransaction) -> None:
    # A rolled-back savepoint may leave changes of the outer transaction: keep
    # them (re-indexing an unchanged product is harmless, missing one is not).
    if previous.parent is None:
        session.info.pop(KEY, None)


def apply_changes(backend: SearchBackend, touched: dict[str, Any], session: Session) -> None:
    """Re-index the touched products from the database as ``session`` sees it."""
    if not (
        touched["products"] or touched["cooperatives"] or touched["categories"] or touched["bulk"]
    ):
        return  # e.g. an order that sold no product's last unit
    if not backend.available():
        current_app.logger.warning(
            "Search index missing: changes not indexed; run `flask search reindex`."
        )
        return
    ids = {i for i in touched["products"] if i is not None}
    if touched["cooperatives"]:
        ids.update(
            session.scalars(
                select(Product.id).where(Product.cooperative_id.in_(touched["cooperatives"]))
            )
        )
    if touched["categories"]:
        ids.update(
            session.scalars(
                select(Product.id).where(Product.category_id.in_(touched["categories"]))
            )
        )
    builder = DocumentBuilder(session)
    if touched["bulk"]:
        ids.update(stale_ids(session, builder, backend))
    if not ids:
        return
    visible = builder.visible_ids(ids)
    backend.update(builder.documents(visible), remove=ids - set(visible))


def stale_ids(session: Session, builder: DocumentBuilder, backend: SearchBackend) -> set[int]:
    """Products whose visibility, lowest price or stock the index has wrong."""
    indexed = backend.snapshot()
    visible = set(builder.visible_ids())
    rows = session.execute(
        select(Variant.product_id, func.min(Variant.price_cents), func.max(Variant.stock))
        .where(Variant.active.is_(True), Variant.price_cents > 0)
        .group_by(Variant.product_id)
    )
    state = {pid: (price, stock > 0) for pid, price, stock in rows if pid in visible}
    return (set(indexed) ^ visible) | {
        pid for pid, values in state.items() if indexed.get(pid) != values
    }


def init_sync() -> None:
    """Listen to the app's sessions (once per process: the events are global)."""
    listeners = (
        ("after_flush", _after_flush),
        ("do_orm_execute", _do_orm_execute),
        ("before_commit", _before_commit),
        ("after_commit", _after_commit),
        ("after_soft_rollback", _after_soft_rollback),
    )
    for name, listener in listeners:
        if not event.contains(AppSession, name, listener):
            event.listen(AppSession, name, listener)
