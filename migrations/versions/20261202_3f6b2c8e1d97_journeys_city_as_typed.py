"""order city as typed, with the recognised city beside it (journeys helper, issue #14)

``order.city`` now keeps what the shopper typed ("الدار البيضاء");
``order.city_canonical`` holds the city it was recognised as ("Casablanca"),
which the region and shipping zone come from. Orders placed before stored the
recognised city in ``city`` already, so both start equal.

Revision ID: 3f6b2c8e1d97
Revises: 08d3675402eb
Create Date: 2026-12-02 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6b2c8e1d97'
down_revision = '08d3675402eb'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('city_canonical', sa.String(length=80), nullable=False,
                                      server_default=''))
    order = sa.table('order', sa.column('city', sa.String), sa.column('city_canonical', sa.String))
    op.execute(order.update().values(city_canonical=order.c.city))


def downgrade():
    # What was typed is lost on the way down: the old column held the recognised city.
    order = sa.table('order', sa.column('city', sa.String), sa.column('city_canonical', sa.String))
    op.execute(
        order.update().where(order.c.city_canonical != '').values(city=order.c.city_canonical)
    )
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_column('city_canonical')
