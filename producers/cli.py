"""``flask producers …`` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, g
from flask.cli import AppGroup

from shop.cli import csv_file, finish_import, language_option

producers_cli = AppGroup("producers", help="Cooperatives: onboarding.")


@producers_cli.command("import")
@csv_file
@language_option("--lang", "en", "Language of the error messages.")
@language_option("--invite-lang", "fr", "Language of the invitations sent to new managers.")
def import_command(path: Path, lang: str, invite_lang: str) -> None:
    """Onboard approved cooperatives from a UTF-8 CSV file, all or nothing."""
    from producers.importer import import_file

    if not current_app.config.get("SERVER_NAME"):
        # The invitations carry absolute links, which need the site's address.
        raise click.ClickException(
            "Set SERVER_NAME (e.g. taawon.ma) so that the invitations can link to the site."
        )
    g.lang = lang
    report = import_file(path, invite_lang)
    finish_import(report)
    click.echo(
        f"Imported {len(report.created)} approved cooperative(s): "
        f"{', '.join(report.created)}. Invitations sent to {len(report.invited)} "
        "manager(s)."
    )
