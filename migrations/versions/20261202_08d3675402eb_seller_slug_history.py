"""cooperative slug history (seller helper, issue #14)

An administrator may change a cooperative's slug; the addresses it had are
kept here so that the public pages redirect them (301) to the new one.

Revision ID: 08d3675402eb
Revises: a5c3e91d7b20
Create Date: 2026-12-02 09:55:46.567402

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '08d3675402eb'
down_revision = 'a5c3e91d7b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cooperative_old_slug',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('retired_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_cooperative_old_slug_cooperative_id_cooperative'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cooperative_old_slug')),
    sa.UniqueConstraint('slug', name=op.f('uq_cooperative_old_slug_slug'))
    )
    with op.batch_alter_table('cooperative_old_slug', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cooperative_old_slug_cooperative_id'), ['cooperative_id'], unique=False)



def downgrade():
    with op.batch_alter_table('cooperative_old_slug', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cooperative_old_slug_cooperative_id'))

    op.drop_table('cooperative_old_slug')
