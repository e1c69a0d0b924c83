"""Flask extensions, created unbound here and bound in ``create_app``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Executable, MetaData, Result
from sqlalchemy.orm import DeclarativeBase

#: Named constraints: Alembic needs names to alter constraints on SQLite
#: (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
#: The page cache's store (shop/pagecache.py): in-process, or Redis with REDIS_URL.
cache = Cache()

if TYPE_CHECKING:
    # Flask-SQLAlchemy builds ``db.Model`` at run time from ``Base``, so mypy
    # cannot use it as a base class; typed modules subclass ``Model``, which
    # is ``db.Model`` when running and ``Base`` for the type checker.
    Model = Base
else:
    Model = db.Model


def read(
    statement: Executable, params: Mapping[str, Any] | None = None
) -> Result[*tuple[Any, ...]]:
    """Run a SELECT of plain columns on the session's connection, past the ORM's layer.

    ``db.session.execute`` of such a statement (no entities) spends about
    45 µs a statement (SQLite, 10,000 products) setting up ORM results it
    does not need, more than the query itself: a storefront page reads
    ten such statements. This runs in the session's transaction, but does
    not flush it first: for reads of pages that have written nothing yet.
    Rows come back as Core rows (``row.column`` and tuple unpacking).
    """
    return db.session.connection().execute(statement, params)
