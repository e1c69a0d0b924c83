"""Migrations build the schema the models describe (`flask db check`)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from shop import create_app
from shop.extensions import db


@contextmanager
def empty_database(database_url: str, tmp_path):
    """A brand-new database of the same kind as the test database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"taawon_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_then_check_finds_no_drift(database_url, tmp_path):
    with empty_database(database_url, tmp_path) as url:
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "x",
            }
        )
        runner = app.test_cli_runner()
        upgrade = runner.invoke(args=["db", "upgrade"])
        assert upgrade.exit_code == 0, upgrade.output
        check = runner.invoke(args=["db", "check"])
        assert check.exit_code == 0, check.output
        with app.app_context():
            tables = set(inspect(db.engine).get_table_names())
            assert set(db.metadata.tables) <= tables
            with db.engine.connect() as conn:  # a fresh database has the category tree
                assert conn.execute(text("SELECT count(*) FROM category")).scalar() == 11
            downgrade = runner.invoke(args=["db", "downgrade", "base"])
            assert downgrade.exit_code == 0, downgrade.output
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
