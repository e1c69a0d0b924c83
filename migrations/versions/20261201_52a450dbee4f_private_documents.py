"""private documents: move documents, certificate scans and evidence files out of the public media

Registration documents (``cooperative_document.storage_name``), certificate
scans (``certification.document_name``) and trace evidence files that are not
public pictures (the ``evidence`` names in ``trace_event.payload``: every PDF,
and any photo marked private) were saved under MEDIA_ROOT, which ``/media/``
serves to anyone. They move to PRIVATE_MEDIA_ROOT under the same names, so no
row changes (trace events are hash-chained and must not). The schema does not
change.

The folders come from the running application's configuration
(``current_app``: ``flask db upgrade`` runs inside it), so the move happens in
the same step that deploys the code reading from the new place; no separate
command to forget. Safe to run again, and a file already gone (or never
there) is skipped.

Revision ID: 52a450dbee4f
Revises: 7884413abb4e
Create Date: 2026-12-01 10:00:00

"""
import json
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op
from flask import current_app

from shop.storage import LocalStorage, is_public_name, move_files

revision = '52a450dbee4f'
down_revision = '7884413abb4e'
branch_labels = None
depends_on = None

document = sa.table("cooperative_document", sa.column("storage_name", sa.String))
certification = sa.table("certification", sa.column("document_name", sa.String))
trace_event = sa.table("trace_event", sa.column("payload", sa.Text))


def private_names(conn) -> Iterator[str]:
    """Every stored name of a private kind that a row refers to."""
    yield from conn.execute(sa.select(document.c.storage_name)).scalars()
    yield from conn.execute(
        sa.select(certification.c.document_name).where(certification.c.document_name.is_not(None))
    ).scalars()
    payloads = sa.select(trace_event.c.payload).where(trace_event.c.payload.like('%"evidence"%'))
    for payload in conn.execute(payloads).scalars():
        try:
            name = json.loads(payload)["evidence"]["name"]
        except (ValueError, KeyError, TypeError):
            continue  # an unreadable (tampered) event: the chain check reports it
        if isinstance(name, str) and not is_public_name(name):
            yield name


def privatise(conn, media_root, private_root) -> int:
    """Move the private files named in the database from ``media_root`` to ``private_root``."""
    return move_files(private_names(conn), LocalStorage(media_root), LocalStorage(private_root))


def upgrade():
    config = current_app.config
    privatise(op.get_bind(), config["MEDIA_ROOT"], config["PRIVATE_MEDIA_ROOT"])


def downgrade():
    # The previous code reads these files from MEDIA_ROOT, where /media/ serves
    # them to anyone again: downgrade only to roll back a failed deployment.
    config = current_app.config
    privatise(op.get_bind(), config["PRIVATE_MEDIA_ROOT"], config["MEDIA_ROOT"])
