"""verified buyers' reviews (reviews helper, issue #18)

A review belongs to one order line (unique: once per line bought), rates
its product from 1 to 5 with a text in one language, may carry photos
(``review_photo``, renditions of the image pipeline) and one public answer
of the cooperative. An administrator may hide it (with the reason, audited);
visitors' reports are counted on the row.

Revision ID: d7f3a1c5e9b2
Revises: f4c2a8e61b9d
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7f3a1c5e9b2'
down_revision = 'f4c2a8e61b9d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'review',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('cooperative_id', sa.Integer(), nullable=False),
        sa.Column('order_line_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=2), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('author_name', sa.String(length=60), nullable=False),
        sa.Column('reply', sa.Text(), nullable=True),
        sa.Column('reply_locale', sa.String(length=2), nullable=True),
        sa.Column('replied_at', sa.DateTime(), nullable=True),
        sa.Column('replied_by_id', sa.Integer(), nullable=True),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('hidden_reason', sa.Text(), nullable=False),
        sa.Column('report_count', sa.Integer(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_review_rating_range')),
        sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'],
                                name=op.f('fk_review_cooperative_id_cooperative')),
        sa.ForeignKeyConstraint(['order_line_id'], ['order_line.id'],
                                name=op.f('fk_review_order_line_id_order_line'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'],
                                name=op.f('fk_review_product_id_product'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['replied_by_id'], ['user.id'],
                                name=op.f('fk_review_replied_by_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_review_user_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
        sa.UniqueConstraint('order_line_id', name=op.f('uq_review_order_line_id')),
    )
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_cooperative_id'), ['cooperative_id'],
                              unique=False)
        batch_op.create_index('ix_review_product_shown', ['product_id', 'hidden', 'created_at'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_review_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_user_id'), ['user_id'], unique=False)
    op.create_table(
        'review_photo',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('width', sa.Integer(), nullable=False),
        sa.Column('height', sa.Integer(), nullable=False),
        sa.Column('widths', sa.String(length=40), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['review_id'], ['review.id'],
                                name=op.f('fk_review_photo_review_id_review'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_review_photo')),
    )
    with op.batch_alter_table('review_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_photo_review_id'), ['review_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('review_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_photo_review_id'))
    op.drop_table('review_photo')
    with op.batch_alter_table('review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_user_id'))
        batch_op.drop_index(batch_op.f('ix_review_reported_at'))
        batch_op.drop_index('ix_review_product_shown')
        batch_op.drop_index(batch_op.f('ix_review_cooperative_id'))
    op.drop_table('review')
