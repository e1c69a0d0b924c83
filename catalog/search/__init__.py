"""Product search: analysis, the index behind a backend interface, sync, pages.

``SEARCH_INDEX_DIR`` holds a Whoosh index (":memory:" keeps it in RAM). A
missing index is not created on the fly outside tests: an empty index would
hide every product, so the pages fall back to a database search and the log
says to run ``flask search reindex`` (``flask seed-demo`` builds it too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session
from whoosh.filedb.filestore import FileStorage, RamStorage

from shop.extensions import db

from .backend import ProductDocument, SearchBackend
from .whoosh import WhooshBackend

search_cli = AppGroup("search", help="The product search index.")


def get_backend() -> SearchBackend:
    """The application's search backend."""
    return current_app.extensions["taawon_search"]


def make_backend(app: Flask) -> SearchBackend:
    """A Whoosh backend on the configured directory, or in memory."""
    location = str(app.config["SEARCH_INDEX_DIR"])
    storage = RamStorage() if location == ":memory:" else FileStorage(location)
    return WhooshBackend(
        storage,
        create=location == ":memory:" or bool(app.config["SEARCH_INDEX_AUTOCREATE"]),
        write_timeout=float(app.config["SEARCH_WRITE_TIMEOUT"]),
    )


def reindex(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; return the number of products."""
    from .documents import DocumentBuilder

    # Its own session: the rows read for the index never enter the caller's.
    with Session(db.engine) as session:
        builder = DocumentBuilder(session)
        ids = builder.visible_ids()

        def documents() -> Iterator[ProductDocument]:
            for doc in builder.documents(ids):
                yield doc
                if progress:
                    progress(1)

        return get_backend().rebuild(documents())


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the database, with a progress bar."""
    from .documents import DocumentBuilder

    total = len(DocumentBuilder(db.session).visible_ids())
    with click.progressbar(length=total, label="Indexing products") as bar:
        count = reindex(bar.update)
    click.echo(
        f"Search index rebuilt: {count} products in {current_app.config['SEARCH_INDEX_DIR']}."
    )


def init_search(app: Flask) -> None:
    """Bind the search backend, keep it in sync, add its command."""
    from .sync import init_sync

    # Tests start from an empty database, so an empty index is the right one.
    app.config.setdefault("SEARCH_INDEX_AUTOCREATE", app.testing)
    app.config.setdefault("SEARCH_WRITE_TIMEOUT", 10.0)
    app.extensions["taawon_search"] = make_backend(app)
    init_sync()
    app.cli.add_command(search_cli)
