"""The city-as-typed migration: orders placed before keep their city as both."""

from __future__ import annotations

from sqlalchemy import inspect, text

from shop import create_app
from shop.extensions import db
from tests.shop.test_migrations import empty_database

BEFORE = "08d3675402eb"  # the slug history, the revision this one follows
THIS = "3f6b2c8e1d97"

INSERT = """INSERT INTO "order" (number, token_hash, status, payment_method, lang, email, phone,
    full_name, address_line, city, postal_code, country, currency, items_cents, shipping_cents,
    total_cents, cancel_reason, payment_note, created_at, updated_at)
  VALUES ('TW-OLD001', 'x', 'confirmed', 'cod', 'ar', 'a@example.com', '+212600000000',
    'Amina', '12 rue', 'Casablanca', '20250', 'MA', 'MAD', 100, 0, 100, '', '',
    '2026-11-01 10:00:00', '2026-11-01 10:00:00')"""


def test_existing_orders_keep_their_city_as_both(database_url, tmp_path):
    with empty_database(database_url, tmp_path) as url:
        app = create_app(
            {
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "x",
            }
        )
        runner = app.test_cli_runner()
        step = runner.invoke(args=["db", "upgrade", BEFORE])
        assert step.exit_code == 0, step.output
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text(INSERT))
            step = runner.invoke(args=["db", "upgrade", THIS])
            assert step.exit_code == 0, step.output
            with db.engine.connect() as conn:
                row = conn.execute(text('SELECT city, city_canonical FROM "order"')).one()
            assert tuple(row) == ("Casablanca", "Casablanca")
            # A city typed since goes back to the recognised one on the way down.
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE \"order\" SET city = 'الدار البيضاء'"))
            step = runner.invoke(args=["db", "downgrade", BEFORE])
            assert step.exit_code == 0, step.output
            columns = {c["name"] for c in inspect(db.engine).get_columns("order")}
            assert "city_canonical" not in columns
            with db.engine.connect() as conn:
                assert conn.execute(text('SELECT city FROM "order"')).scalar() == "Casablanca"
            db.engine.dispose()
