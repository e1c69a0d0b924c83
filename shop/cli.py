"""Command line: translations, users, demo data."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .extensions import db
from .i18n import LANGUAGES
from .storage.migrate import media

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("shop", "catalog", "orders", "producers")
translate = AppGroup("translate", help="The pybabel cycle: extract, update, compile.")
users = AppGroup("users", help="Manage user accounts.")


#: The CSV file of an import command (``flask catalog import FILE``...).
csv_file = click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))


def language_option(name: str, default: str, help_text: str) -> Any:
    """A ``--name`` option taking one of the site's languages."""
    return click.option(
        name, type=click.Choice(LANGUAGES), default=default, show_default=True, help=help_text
    )


def finish_import(report: Any) -> None:
    """Commit an all-or-nothing import, or roll it back and list every bad row."""
    if not report.ok:
        db.session.rollback()
        for error in report.errors:
            click.echo(f"line {error.line}: {error.message}", err=True)
        raise click.ClickException(f"{len(report.errors)} error(s); nothing was imported.")
    db.session.commit()


def _pybabel(*args: str) -> None:
    cmd = [sys.executable, "-m", "babel.messages.frontend", *args]
    if subprocess.call(cmd, cwd=ROOT):
        raise click.ClickException("pybabel failed: " + " ".join(args))


@translate.command("extract")
def extract() -> None:
    """Extract messages into translations/messages.pot."""
    _pybabel(
        "extract",
        "-F",
        "translations/babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "--project",
        "Taawon",
        "-o",
        "translations/messages.pot",
        *SOURCE_DIRS,
    )


@translate.command("update")
def update() -> None:
    """Extract, then merge new messages into every catalog."""
    extract.callback()
    _pybabel(
        "update",
        "-i",
        "translations/messages.pot",
        "-d",
        "translations",
        "--no-fuzzy-matching",
        "--ignore-obsolete",
        # The catalogs are wrapped at 100 columns, like the code.
        "--width",
        "100",
    )


@translate.command("compile")
def compile_() -> None:
    """Compile .po catalogs into .mo files."""
    _pybabel("compile", "-d", "translations", "--statistics")


@users.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True)
@click.option("--password", help="Leave out to be prompted (or generate with --generate).")
@click.option("--generate", is_flag=True, help="Generate and print a strong password.")
@with_appcontext
def create_admin(email: str, name: str, password: str | None, generate: bool) -> None:
    """Create an administrator, or make an existing user one."""
    from .accounts.services import AccountError, find_user, register_user

    user = find_user(email)
    if user is not None:
        user.is_admin = True
        db.session.commit()
        click.echo(f"{user.email} is now an administrator.")
        return
    if generate:
        password = secrets.token_urlsafe(12)
    elif not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:  # the same strength rules as every form (shop/accounts/passwords.py)
        user = register_user(email, name, password, "fr", is_admin=True)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")
    if generate:
        click.echo(f"Password: {password}")


def _existing_user(email: str):
    """The account of ``email``, or a command-line error naming it."""
    from .accounts.services import find_user

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    return user


@users.command("suspend")
@click.argument("email")
@with_appcontext
def suspend(email: str) -> None:
    """Stop an account: no login, and every open session ends at once."""
    from .accounts.services import suspend_user

    user = _existing_user(email)
    suspend_user(user)
    db.session.commit()
    click.echo(f"{user.email} is suspended; its sessions have ended.")


@users.command("reinstate")
@click.argument("email")
@with_appcontext
def reinstate(email: str) -> None:
    """Let a suspended account log in again (its old sessions stay ended)."""
    user = _existing_user(email)
    user.active = True
    db.session.commit()
    click.echo(f"{user.email} can log in again.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when users already exist.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load realistic demo data (idempotent). Never run it in production."""
    from .accounts.models import User

    try:
        # The demo package lives in the source tree only (not installed).
        import demo
    except ModuleNotFoundError as exc:
        if exc.name != "demo":
            raise
        raise click.ClickException(
            "The demo data is not installed with Taawon: it lives in the demo/ folder of "
            "the source tree. Run this command from a checkout (`make seed`)."
        ) from None
    if if_empty and db.session.scalar(db.select(User.id).limit(1)) is not None:
        click.echo("The database already has data; demo data not loaded.")
        return
    lines: list[str] = []
    for step in demo.STEPS:
        lines.extend(step())
        db.session.commit()
    for line in lines:
        click.echo(line)


def init_cli(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(translate)
    app.cli.add_command(users)
    app.cli.add_command(seed_demo)
    app.cli.add_command(media)
