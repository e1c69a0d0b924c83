"""Product search: analysis, the index behind a backend interface, sync, pages.

``SEARCH_BACKEND`` chooses the index: ``whoosh`` (the default) keeps it in
``SEARCH_INDEX_DIR`` (":memory:" keeps it in RAM); ``postgresql`` keeps it
in the database's own tables, written in the catalogue's transactions, so
that several app servers share it. A missing Whoosh index is not created on
the fly outside tests: an empty index would hide every product, so the pages
fall back to a database search and the log says to run ``flask search
reindex`` (``flask seed-demo`` builds it too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session
from whoosh.filedb.filestore import FileStorage, RamStorage

from shop.extensions import db
from shop.urls import ConfigError

from .backend import ProductDocument, SearchBackend
from .whoosh import WhooshBackend
from .whoosh.memory import InMemoryBackend
from .whoosh.scoring import MAX_CACHED_POSTINGS

#: The values of ``SEARCH_BACKEND``.
BACKENDS = ("whoosh", "postgresql")

search_cli = AppGroup("search", help="The product search index.")


def get_backend() -> SearchBackend:
    """The application's search backend."""
    return current_app.extensions["taawon_search"]


def make_backend(app: Flask) -> SearchBackend:
    """The configured backend: PostgreSQL's tables, or a Whoosh index in a folder or in memory."""
    kind = app.config.get("SEARCH_BACKEND") or "whoosh"
    if kind not in BACKENDS:
        raise ConfigError(f"SEARCH_BACKEND must be one of {', '.join(BACKENDS)}, not {kind!r}.")
    if kind == "postgresql":
        if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
            raise ConfigError("SEARCH_BACKEND=postgresql needs a PostgreSQL DATABASE_URL.")
        from .postgres import PostgresBackend

        return PostgresBackend()
    location = str(app.config["SEARCH_INDEX_DIR"])
    write_timeout = float(app.config["SEARCH_WRITE_TIMEOUT"])
    postings = int(app.config.get("SEARCH_CACHE_POSTINGS", MAX_CACHED_POSTINGS))
    if location == ":memory:":
        return InMemoryBackend(
            RamStorage(), create=True, write_timeout=write_timeout, cache_postings=postings
        )
    return WhooshBackend(
        FileStorage(location),
        create=bool(app.config["SEARCH_INDEX_AUTOCREATE"]),
        write_timeout=write_timeout,
        cache_postings=postings,
    )


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; return the number of products."""
    from .documents import DocumentBuilder

    backend = get_backend()

    def documents(session: Session) -> Iterator[ProductDocument]:
        builder = DocumentBuilder(session)
        for doc in builder.documents(builder.visible_ids()):
            yield doc
            if progress:
                progress(1)

    if backend.transactional:
        # Read and write in one transaction: the new rows replace the old at its commit.
        # Its own session (rollback_only: it never ends the transaction it reads in).
        with (
            db.engine.begin() as connection,
            Session(bind=connection, join_transaction_mode="rollback_only") as session,
            backend.bound(connection),
        ):
            return backend.rebuild(documents(session))
    # Its own session: the rows read for the index never enter the caller's.
    with Session(db.engine) as session:
        return backend.rebuild(documents(session))


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database, with a progress bar."""
    from .documents import DocumentBuilder

    total = len(DocumentBuilder(db.session).visible_ids())
    with click.progressbar(length=total, label="Indexing products") as bar:
        count = reindex(bar.update)
    where = (
        "the database's search tables"
        if get_backend().transactional
        else current_app.config["SEARCH_INDEX_DIR"]
    )
    click.echo(f"Search index rebuilt: {count} products in {where}.")


def init_search(app: Flask) -> None:
    """Bind the search backend, keep it in sync, add its command."""
    from .postgres import models as _models  # noqa: F401  (metadata)
    from .sync import init_sync

    # Tests start from an empty database, so an empty index is the right one.
    app.config.setdefault("SEARCH_INDEX_AUTOCREATE", app.testing)
    app.config.setdefault("SEARCH_WRITE_TIMEOUT", 10.0)
    app.config.setdefault("SEARCH_CACHE_POSTINGS", MAX_CACHED_POSTINGS)
    app.config.setdefault("SEARCH_BACKEND", "whoosh")
    app.extensions["taawon_search"] = make_backend(app)
    init_sync()
    app.cli.add_command(search_cli)
