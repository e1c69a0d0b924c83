"""favourites and stock alerts (favs helper, issue #18)

``favourite``: a product an account saved (guests keep theirs in the
session and they join the account at login). ``stock_alert``: an e-mail
address or a mobile number waiting for a sold-out size to return; the row is
deleted once its message is written, when its contact unsubscribes, or after
90 days.

Revision ID: f4c2a8e61b9d
Revises: d15c0de5a1e8
Create Date: 2026-12-03 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4c2a8e61b9d'
down_revision = 'd15c0de5a1e8'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'favourite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'],
                                name=op.f('fk_favourite_product_id_product'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_favourite_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_favourite')),
        sa.UniqueConstraint('user_id', 'product_id', name=op.f('uq_favourite_user_id_product_id')),
    )
    with op.batch_alter_table('favourite', schema=None) as batch_op:
        batch_op.create_index('ix_favourite_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_favourite_product_id'), ['product_id'], unique=False)

    op.create_table(
        'stock_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('variant_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("(email = '') <> (phone = '')",
                           name=op.f('ck_stock_alert_one_contact')),
        sa.ForeignKeyConstraint(['variant_id'], ['variant.id'],
                                name=op.f('fk_stock_alert_variant_id_variant'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_alert')),
        sa.UniqueConstraint('variant_id', 'email', 'phone', name=op.f('uq_stock_alert_variant_id_email_phone')),
    )
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.create_index('ix_stock_alert_email', ['email'], unique=False)
        batch_op.create_index('ix_stock_alert_phone', ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_alert_variant_id'), ['variant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_alert_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_alert_created_at'))
        batch_op.drop_index(batch_op.f('ix_stock_alert_variant_id'))
        batch_op.drop_index('ix_stock_alert_phone')
        batch_op.drop_index('ix_stock_alert_email')
    op.drop_table('stock_alert')
    with op.batch_alter_table('favourite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_favourite_product_id'))
        batch_op.drop_index('ix_favourite_user_created')
    op.drop_table('favourite')
