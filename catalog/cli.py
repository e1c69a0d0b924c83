"""``flask catalog …`` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import g
from flask.cli import AppGroup

from shop.cli import csv_file, finish_import, language_option
from shop.extensions import db
from shop.storage import get_storage

from .categories import ensure_default_categories
from .importer import import_file

catalog_cli = AppGroup("catalog", help="Products and categories.")


@catalog_cli.command("import")
@csv_file
@language_option("--lang", "en", "Language of the error messages.")
def import_command(path: Path, lang: str) -> None:
    """Import products from a UTF-8 CSV file, all or nothing."""
    g.lang = lang
    report = import_file(path, get_storage())
    finish_import(report)
    click.echo(
        f"Imported: {report.products_created} new products, {report.products_updated} updated; "
        f"{report.variants_created} new variants, {report.variants_updated} updated, "
        f"{report.unchanged} unchanged."
    )


@catalog_cli.command("init-categories")
def init_categories() -> None:
    """Create the default category tree (idempotent)."""
    created = ensure_default_categories()
    db.session.commit()
    click.echo(f"{created} categories created.")
