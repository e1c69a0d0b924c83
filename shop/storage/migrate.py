"""``flask media migrate``: copy the files on this server's disk to the bucket(s), resumably.

Run once when a site moves to ``MEDIA_STORAGE=s3``: the pictures of
``MEDIA_ROOT`` go to the public bucket, the files of ``PRIVATE_MEDIA_ROOT``
to the private area, under the same names. An object already in the bucket
with the same size and SHA-256 is skipped, so the command can be stopped and
run again (an S3 write is whole or absent: nothing is left half-copied); one
that differs is written again. The local files stay where they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Literal

import click
from flask import current_app
from flask.cli import AppGroup

from . import get_private_storage, get_storage, media_backend
from .base import is_public_name
from .local import LocalStorage
from .s3 import S3Storage

media = AppGroup("media", help="Uploaded files: copy them to S3-compatible storage.")

Outcome = Literal["copied", "replaced", "present"]


@dataclass
class CopyReport:
    """What one area's copy did: counts, and the files that failed with why."""

    copied: int = 0
    replaced: int = 0
    present: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.copied} copied, {self.replaced} replaced, {self.present} already there, "
            f"{len(self.failed)} failed"
        )


def copy_one(name: str, source: LocalStorage, target: S3Storage) -> Outcome:
    """Copy one file unless the bucket already holds exactly its bytes."""
    data = source.read(name)
    found = target.stat(name)
    if found is not None and found.holds(data):
        return "present"
    target.replace(name, data)
    return "copied" if found is None else "replaced"


def copy_files(
    names: Iterable[str], source: LocalStorage, target: S3Storage, *, jobs: int = 8
) -> CopyReport:
    """Copy ``names`` from ``source`` to ``target`` with ``jobs`` threads; failures are listed."""
    from botocore.exceptions import BotoCoreError, ClientError

    report = CopyReport()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(copy_one, name, source, target): name for name in names}
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except (OSError, ValueError, BotoCoreError, ClientError) as exc:
                report.failed.append((futures[future], str(exc) or type(exc).__name__))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
    report.failed.sort()
    return report


def _where(storage: S3Storage) -> str:
    return f"s3://{storage.bucket}/{storage.prefix}"


@media.command("migrate")
@click.option(
    "--jobs", default=8, show_default=True, type=click.IntRange(1, 64), help="Parallel uploads."
)
def migrate(jobs: int) -> None:
    """Copy MEDIA_ROOT and PRIVATE_MEDIA_ROOT to the S3 bucket(s); safe to run again."""
    config = current_app.config
    if media_backend(config) != "s3":
        raise click.ClickException(
            "MEDIA_STORAGE is not s3: set it and the S3_* settings (README, Media storage) "
            "to say where the files go."
        )
    public, private = get_storage(), get_private_storage()
    assert isinstance(public, S3Storage) and isinstance(private, S3Storage)  # MEDIA_STORAGE=s3
    local_public = LocalStorage(config["MEDIA_ROOT"])
    local_private = LocalStorage(config["PRIVATE_MEDIA_ROOT"])
    pictures: list[str] = []
    others: list[str] = []
    for name in local_public.names():
        (pictures if is_public_name(name) else others).append(name)
    failed: list[tuple[str, str]] = []
    for label, names, source, target in (
        ("public pictures", pictures, local_public, public),
        ("private files", list(local_private.names()), local_private, private),
    ):
        report = copy_files(names, source, target, jobs=jobs)
        click.echo(f"{label} ({source.root} -> {_where(target)}): {report.summary()}")
        failed += report.failed
    if others:
        click.echo(
            f"left out: {len(others)} file(s) under MEDIA_ROOT that are not pictures "
            f"(such as {others[0]}); `flask db upgrade` moves such files to "
            "PRIVATE_MEDIA_ROOT, then run this command again.",
            err=True,
        )
    if failed:
        for name, error in failed[:10]:
            click.echo(f"failed: {name}: {error}", err=True)
        raise click.ClickException(
            f"{len(failed)} file(s) were not copied. Run the command again: "
            "what is already in the bucket is skipped."
        )
