"""session version: a user's sessions can be ended

Revision ID: a5c3e91d7b20
Revises: 52a450dbee4f
Create Date: 2026-11-28 09:00:00.000000

Existing users start at version 1. Sessions issued before this migration
carry a bare user id, which the user loader no longer accepts: everyone logs
in once more after the upgrade.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5c3e91d7b20'
down_revision = "52a450dbee4f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
