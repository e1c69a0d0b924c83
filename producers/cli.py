"""``flask producers …`` commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, g
from flask.cli import AppGroup

from shop.extensions import db
from shop.i18n import LANGUAGES

producers_cli = AppGroup("producers", help="Cooperatives: onboarding.")


@producers_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the error messages.",
)
@click.option(
    "--invite-lang",
    type=click.Choice(LANGUAGES),
    default="fr",
    show_default=True,
    help="Language of the invitations sent to new managers.",
)
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
    if not report.ok:
        db.session.rollback()
        for error in report.errors:
            click.echo(f"line {error.line}: {error.message}", err=True)
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was imported.")
    db.session.commit()
    click.echo(
        f"Imported {len(report.created)} approved cooperative(s): "
        f"{', '.join(report.created)}. Invitations sent to {len(report.invited)} "
        "manager(s)."
    )
