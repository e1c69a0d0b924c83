"""cash on delivery confirmed by the shopper (cod helper, issue #17)

A cash-on-delivery order now waits for the shopper's confirmation
(``awaiting_confirm``, a value of the existing VARCHAR status column) until
``confirm_due_at``; ``confirmed_at`` records when it was confirmed and
``contact_channel`` how the shopper wants to be reached. A parcel refused at
the door keeps ``refused_at``. Managers choose whether they are told of each
new parcel to prepare (``membership.parcel_notices``, on by default).
Orders placed before were confirmed at once: they keep their status.

Revision ID: b8d51c3e7a26
Revises: e5a1c9d3b7f2
Create Date: 2026-12-02 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d51c3e7a26'
down_revision = 'e5a1c9d3b7f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_channel', sa.String(length=10), nullable=False,
                                      server_default='sms'))
        batch_op.add_column(sa.Column('confirm_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_confirm_due_at'), ['confirm_due_at'],
                              unique=False)
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refused_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parcel_notices', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade():
    # Orders still waiting, or refused, have no status on the way down: they
    # become what they would have been (confirmed; cancelled).
    order = sa.table('order', sa.column('status', sa.String))
    op.execute(order.update().where(order.c.status == 'awaiting_confirm')
               .values(status='confirmed'))
    op.execute(order.update().where(order.c.status == 'refused').values(status='cancelled'))
    shipment = sa.table('shipment', sa.column('status', sa.String))
    op.execute(shipment.update().where(shipment.c.status == 'refused')
               .values(status='cancelled'))
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('parcel_notices')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_column('refused_at')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_confirm_due_at'))
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('confirm_due_at')
        batch_op.drop_column('contact_channel')
