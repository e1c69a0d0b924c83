"""Database set-up: engine options, SQLite pragmas, migrations."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db, migrate

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run during a write; the busy timeout makes a second
    # writer wait instead of failing at once; SQLite needs foreign keys on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_db(app: Flask) -> None:
    """Bind SQLAlchemy and Flask-Migrate to the app."""
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options["connect_args"] = {"timeout": 15, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True
    )
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
    from . import audit as _audit  # noqa: F401  (metadata)
    from .accounts import models as _accounts  # noqa: F401  (metadata)
    from .money import ledger as _ledger  # noqa: F401  (metadata)
    from .money import policy as _policy  # noqa: F401  (metadata)


def is_sqlite(engine: Engine | None = None) -> bool:
    """True when the bound database is SQLite."""
    return (engine or db.engine).dialect.name == "sqlite"
