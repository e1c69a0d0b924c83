"""threads: questions and messages between shoppers and cooperatives (threads helper, issue #18)

``thread`` (a shopper's question about a product or message about an order,
to one cooperative; reported threads are the only ones administrators read),
``thread_message`` (bodies stored masked before an order; photos in the
private storage), ``cooperative_response_time`` (the profile's median
first-response time over 90 days, one row per cooperative).

Revision ID: 8c4fb8452381
Revises: b8d51c3e7a26
Create Date: 2026-12-03 08:30:29.837010

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c4fb8452381'
down_revision = 'b8d51c3e7a26'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cooperative_response_time',
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('median_minutes', sa.Integer(), nullable=True),
    sa.Column('threads_count', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_cooperative_response_time_cooperative_id_cooperative'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cooperative_id', name=op.f('pk_cooperative_response_time'))
    )
    op.create_table('thread',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=False),
    sa.Column('shopper_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_message_at', sa.DateTime(), nullable=False),
    sa.Column('awaiting_reply', sa.Boolean(), nullable=False),
    sa.Column('first_response_at', sa.DateTime(), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=True),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('report_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], name=op.f('fk_thread_cooperative_id_cooperative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['order.id'], name=op.f('fk_thread_order_id_order'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_thread_product_id_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user.id'], name=op.f('fk_thread_reported_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shopper_id'], ['user.id'], name=op.f('fk_thread_shopper_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread'))
    )
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_cooperative_id'), ['cooperative_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thread_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_thread_inbox', ['cooperative_id', 'awaiting_reply', 'last_message_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_thread_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_thread_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_thread_shopper_id'), ['shopper_id'], unique=False)

    op.create_table('thread_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('from_cooperative', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('masked', sa.Boolean(), nullable=False),
    sa.Column('image_name', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_thread_message_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['thread.id'], name=op.f('fk_thread_message_thread_id_thread'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thread_message'))
    )
    with op.batch_alter_table('thread_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thread_message_thread_id'), ['thread_id'], unique=False)



def downgrade():
    with op.batch_alter_table('thread_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_message_thread_id'))

    op.drop_table('thread_message')
    with op.batch_alter_table('thread', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thread_shopper_id'))
        batch_op.drop_index(batch_op.f('ix_thread_reported_at'))
        batch_op.drop_index(batch_op.f('ix_thread_order_id'))
        batch_op.drop_index('ix_thread_inbox')
        batch_op.drop_index(batch_op.f('ix_thread_created_at'))
        batch_op.drop_index(batch_op.f('ix_thread_cooperative_id'))

    op.drop_table('thread')
    op.drop_table('cooperative_response_time')
