"""search tables for the PostgreSQL backend (pgsearch helper, issue #16)

``search_document`` (one row per visible product: per-language tsvectors and
transliterations for the ranking, all of them and the codes in ``terms`` for
matching, facet and sort values, names and descriptions) and
``search_term`` (the vocabulary typos are matched against). Both databases get
the tables, so that one set of models serves both; PostgreSQL alone gets the
tsvector type, the GIN indexes, the pg_trgm extension and the trigram index
(SQLite keeps the Whoosh backend and leaves the tables empty).

``flask search reindex`` fills them when ``SEARCH_BACKEND=postgresql``.

Revision ID: c4e7a2b9d1f0
Revises: 7c41d2e9a8b3
Create Date: 2026-12-02 15:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'c4e7a2b9d1f0'
down_revision = '7c41d2e9a8b3'
branch_labels = None
depends_on = None

TEXTS = postgresql.ARRAY(sa.Text()).with_variant(sa.JSON(), 'sqlite')
VECTOR = postgresql.TSVECTOR().with_variant(sa.Text(), 'sqlite')


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        # A trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('search_document',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name_ar', sa.Text(), nullable=False),
    sa.Column('name_fr', sa.Text(), nullable=False),
    sa.Column('name_en', sa.Text(), nullable=False),
    sa.Column('description_ar', sa.Text(), nullable=False),
    sa.Column('description_fr', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('category_path', TEXTS, nullable=False),
    sa.Column('region', sa.Integer(), nullable=False),
    sa.Column('certifications', TEXTS, nullable=False),
    sa.Column('cooperative', sa.String(length=80), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('in_stock', sa.Boolean(), nullable=False),
    sa.Column('published', sa.BigInteger(), nullable=False),
    sa.Column('tsv_ar', VECTOR, nullable=True),
    sa.Column('tsv_fr', VECTOR, nullable=True),
    sa.Column('tsv_en', VECTOR, nullable=True),
    sa.Column('translit', VECTOR, nullable=True),
    sa.Column('terms', VECTOR, nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document'))
    )
    op.create_table('search_term',
    sa.Column('word', sa.Text(), nullable=False),
    sa.Column('folded', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('word', name=op.f('pk_search_term'))
    )
    if postgres:
        # No statistics on terms: the planner always uses its GIN index (with
        # them, a common word made it read the whole table, three times slower).
        op.execute('ALTER TABLE search_document ALTER COLUMN terms SET STATISTICS 0')
        # fastupdate off: no pending list for every search to read until a vacuum.
        op.create_index('ix_search_document_terms', 'search_document', ['terms'], unique=False,
                        postgresql_using='gin', postgresql_with={'fastupdate': 'off'})
        op.create_index('ix_search_term_folded', 'search_term', ['folded'], unique=False,
                        postgresql_using='gist', postgresql_ops={'folded': 'gist_trgm_ops'})


def downgrade():
    # The indexes go with their tables; pg_trgm stays (other objects may use it).
    op.drop_table('search_term')
    op.drop_table('search_document')
