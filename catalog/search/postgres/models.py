"""The tables the PostgreSQL backend searches, written in the catalogue's own transactions.

``search_document`` holds one row per product a shopper may see: its
per-language ``tsvector`` columns (PostgreSQL's ``arabic``, ``french`` and
``english`` configurations, fed with text normalised in Python first) and its
transliterations, which rank matches; ``terms``, all of them together with
the codes, which finds them through one GIN index; facet and sort values;
and the names and descriptions that suggestions and snippets show.
``search_term`` is the vocabulary typos are matched against (``pg_trgm``).

The tables are part of every database's schema, so that one set of models and
migrations serves both; on SQLite they stay empty (the Whoosh backend is the
only one there) and the ``tsvector`` columns are plain text. The indexes that
only PostgreSQL has (GIN, trigram GiST) are marked :func:`postgresql_only`:
``create_all`` skips them elsewhere and ``flask db check`` does not look for them.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import DDL, JSON, BigInteger, Boolean, Index, Integer, String, Table, Text, event
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from shop.extensions import Model

#: A list of strings: an array on PostgreSQL, JSON (unused) elsewhere.
TEXTS = ARRAY(Text()).with_variant(JSON(), "sqlite")
#: A text search vector on PostgreSQL, text (unused) elsewhere.
VECTOR = TSVECTOR().with_variant(Text(), "sqlite")


def postgresql_only(index: Index) -> Index:
    """An index created on PostgreSQL only (``migrations/env.py`` reads ``info``)."""
    index.info["only_on"] = "postgresql"
    return index.ddl_if(dialect="postgresql")


class SearchDocument(Model):
    """What the PostgreSQL search knows of one visible product."""

    __tablename__ = "search_document"
    __table_args__ = (
        postgresql_only(
            Index(
                "ix_search_document_terms",
                "terms",
                postgresql_using="gin",
                # Entries go straight into the index: a pending list
                # (fastupdate) is read in full by every search until a
                # vacuum, which after a rebuild made each search slower.
                postgresql_with={"fastupdate": "off"},
            )
        ),
    )

    #: The product's id (no foreign key: like any search index, rows follow
    #: products through the sync, and a missing product is simply skipped).
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    slug: Mapped[str] = mapped_column(String(120))
    name_ar: Mapped[str] = mapped_column(Text, default="")
    name_fr: Mapped[str] = mapped_column(Text, default="")
    name_en: Mapped[str] = mapped_column(Text, default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    description_fr: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    #: Facets, filters and sorts.
    category: Mapped[str] = mapped_column(String(80))
    category_path: Mapped[list[str]] = mapped_column(TEXTS)
    region: Mapped[int] = mapped_column(Integer)
    certifications: Mapped[list[str]] = mapped_column(TEXTS)
    cooperative: Mapped[str] = mapped_column(String(80))
    price_cents: Mapped[int] = mapped_column(Integer)
    in_stock: Mapped[bool] = mapped_column(Boolean)
    published: Mapped[int] = mapped_column(BigInteger)
    #: Name (A), category (B), region (C), description, cooperative and
    #: certification (D) in each language, stemmed by its configuration: the ranking's.
    tsv_ar: Mapped[str | None] = mapped_column(VECTOR)
    tsv_fr: Mapped[str | None] = mapped_column(VECTOR)
    tsv_en: Mapped[str | None] = mapped_column(VECTOR)
    #: Latin spellings of the Arabic name ("argan", "amlou"), unstemmed (A).
    translit: Mapped[str | None] = mapped_column(VECTOR)
    #: The four above together, and the SKUs and GTINs (lower case, after a
    #: "#"): what a search matches, through one index.
    terms: Mapped[str | None] = mapped_column(VECTOR)


class SearchTerm(Model):
    """A word of the products' names, categories, regions or transliterations.

    The vocabulary typos are matched against: only added to as products are
    indexed (a word a product lost stays until ``flask search reindex``).
    """

    __tablename__ = "search_term"
    __table_args__ = (
        postgresql_only(
            Index(
                "ix_search_term_folded",
                "folded",
                postgresql_using="gist",
                postgresql_ops={"folded": "gist_trgm_ops"},
            )
        ),
    )

    #: As shown in "did you mean": lower case, Arabic letters normalised, accents kept.
    word: Mapped[str] = mapped_column(Text, primary_key=True)
    #: Without accents, as typos are measured.
    folded: Mapped[str] = mapped_column(Text)


#: The tables themselves, for Core statements.
DOCUMENTS = cast(Table, SearchDocument.__table__)
TERMS = cast(Table, SearchTerm.__table__)

#: No statistics on ``terms``: the planner then takes a search to be selective
#: and always uses the GIN index. With statistics, a word in a fifth of the
#: products tipped it into reading the whole table, three times slower, as
#: it cannot know how costly ``@@`` is on every row.
NO_TERMS_STATISTICS = "ALTER TABLE search_document ALTER COLUMN terms SET STATISTICS 0"

# What the migration does besides tables and indexes, for ``create_all`` too
# (the tests build their schema with it): the trigram operators exist once
# the extension does, and ``terms`` has no statistics.
event.listen(
    TERMS,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
event.listen(
    DOCUMENTS,
    "after_create",
    DDL(NO_TERMS_STATISTICS).execute_if(dialect="postgresql"),
)
