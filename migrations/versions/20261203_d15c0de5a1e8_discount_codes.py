"""discount codes (codes helper, issue #18)

``discount_code`` (a percentage, a fixed amount or free shipping; funded by the
platform or by a cooperative for its own products; dates, minimum basket,
total and per-shopper limits, a ``uses`` counter raised by a conditional
UPDATE) and ``discount_redemption`` (one order's use). Orders keep the code
and their discounts: ``order.discount_cents`` (everything taken off) and
``platform_discount_cents`` (what the platform pays, so
``total = items + shipping - platform_discount``); each parcel its waived
shipping and platform part; each line its cooperative discount (taken off the
gross before the split: ``gross = unit price × quantity - discount``) and its
platform discount; each refund line the platform discount it gives back.
Existing rows have no discount: every new column defaults to 0.

Revision ID: d15c0de5a1e8
Revises: 8c4fb8452381
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd15c0de5a1e8'
down_revision = '8c4fb8452381'
branch_labels = None
depends_on = None


def _zero(name):
    return sa.Column(name, sa.Integer(), nullable=False, server_default='0')


def upgrade():
    op.create_table(
        'discount_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.Column('funded_by', sa.String(length=20), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=True),
        sa.Column('starts_at', sa.DateTime(), nullable=True),
        sa.Column('ends_at', sa.DateTime(), nullable=True),
        sa.Column('min_basket_cents', sa.Integer(), nullable=False),
        sa.Column('max_uses', sa.Integer(), nullable=True),
        sa.Column('per_shopper', sa.Integer(), nullable=True),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('uses >= 0', name=op.f('ck_discount_code_uses_not_negative')),
        sa.CheckConstraint('max_uses IS NULL OR max_uses > 0',
                           name=op.f('ck_discount_code_max_uses_positive')),
        sa.CheckConstraint('per_shopper IS NULL OR per_shopper > 0',
                           name=op.f('ck_discount_code_per_shopper_positive')),
        sa.CheckConstraint('min_basket_cents >= 0',
                           name=op.f('ck_discount_code_min_basket_not_negative')),
        sa.CheckConstraint(
            "(kind = 'percent' AND value >= 1 AND value <= 100) "
            "OR (kind = 'amount' AND value > 0) "
            "OR (kind = 'free_shipping' AND value = 0)",
            name=op.f('ck_discount_code_value_fits_kind')),
        sa.CheckConstraint("(funded_by = 'cooperative') = (cooperative_id IS NOT NULL)",
                           name=op.f('ck_discount_code_cooperative_funds_its_own')),
        sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'],
                                name=op.f('fk_discount_code_cooperative_id_cooperative'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_discount_code_created_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_code')),
        sa.UniqueConstraint('code', name=op.f('uq_discount_code_code')),
    )
    with op.batch_alter_table('discount_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discount_code_cooperative_id'), ['cooperative_id'],
                              unique=False)

    op.create_table(
        'discount_redemption',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('amount_cents', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['code_id'], ['discount_code.id'],
                                name=op.f('fk_discount_redemption_code_id_discount_code'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['order_id'], ['order.id'],
                                name=op.f('fk_discount_redemption_order_id_order'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_discount_redemption_user_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_discount_redemption')),
        sa.UniqueConstraint('order_id', name=op.f('uq_discount_redemption_order_id')),
    )
    with op.batch_alter_table('discount_redemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discount_redemption_code_id'), ['code_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_discount_redemption_email'), ['email'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_discount_redemption_user_id'), ['user_id'],
                              unique=False)

    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discount_code', sa.String(length=40), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('discount_code_id', sa.Integer(), nullable=True))
        batch_op.add_column(_zero('discount_cents'))
        batch_op.add_column(_zero('platform_discount_cents'))
        batch_op.create_index(batch_op.f('ix_order_discount_code_id'), ['discount_code_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_discount_code_id_discount_code'),
                                    'discount_code', ['discount_code_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('ck_order_total_is_sum'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_order_total_is_sum'), 'total_cents = items_cents + shipping_cents - platform_discount_cents')
        batch_op.create_check_constraint(
            op.f('ck_order_discounts_consistent'),
            'platform_discount_cents >= 0 AND discount_cents >= platform_discount_cents')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.add_column(_zero('shipping_discount_cents'))
        batch_op.add_column(_zero('platform_discount_cents'))
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(_zero('discount_cents'))
        batch_op.add_column(_zero('platform_discount_cents'))
        batch_op.drop_constraint(batch_op.f('ck_order_line_gross_is_product'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_order_line_gross_is_product'), 'gross_cents = unit_price_cents * quantity - discount_cents')
        batch_op.create_check_constraint(
            op.f('ck_order_line_discounts_within_gross'),
            'discount_cents >= 0 AND platform_discount_cents >= 0 '
            'AND platform_discount_cents <= gross_cents')
    with op.batch_alter_table('refund_line', schema=None) as batch_op:
        batch_op.add_column(_zero('discount_cents'))
        batch_op.create_check_constraint(op.f('ck_refund_line_discount_not_negative'), 'discount_cents >= 0')


def downgrade():
    # Discounted orders cannot be described without their columns: refuse
    # rather than leave totals that no longer add up.
    bind = op.get_bind()
    if bind.execute(sa.text('SELECT count(*) FROM "order" WHERE discount_cents > 0')).scalar():
        raise RuntimeError('orders with discount codes exist: cannot downgrade')
    with op.batch_alter_table('refund_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_refund_line_discount_not_negative'), type_='check')
        batch_op.drop_column('discount_cents')
    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_order_line_discounts_within_gross'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_order_line_gross_is_product'), type_='check')
        batch_op.create_check_constraint(op.f('ck_order_line_gross_is_product'),
                                         'gross_cents = unit_price_cents * quantity')
        batch_op.drop_column('platform_discount_cents')
        batch_op.drop_column('discount_cents')
    with op.batch_alter_table('shipment', schema=None) as batch_op:
        batch_op.drop_column('platform_discount_cents')
        batch_op.drop_column('shipping_discount_cents')
    with op.batch_alter_table('order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_order_discounts_consistent'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_order_total_is_sum'), type_='check')
        batch_op.create_check_constraint(op.f('ck_order_total_is_sum'),
                                         'total_cents = items_cents + shipping_cents')
        batch_op.drop_constraint(batch_op.f('fk_order_discount_code_id_discount_code'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_discount_code_id'))
        batch_op.drop_column('platform_discount_cents')
        batch_op.drop_column('discount_cents')
        batch_op.drop_column('discount_code_id')
        batch_op.drop_column('discount_code')
    with op.batch_alter_table('discount_redemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discount_redemption_user_id'))
        batch_op.drop_index(batch_op.f('ix_discount_redemption_email'))
        batch_op.drop_index(batch_op.f('ix_discount_redemption_code_id'))
    op.drop_table('discount_redemption')
    with op.batch_alter_table('discount_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discount_code_cooperative_id'))
    op.drop_table('discount_code')
