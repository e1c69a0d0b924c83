"""Writing the search rows: documents upserted with their tsvectors, and their words.

A document's texts are normalised in Python (``text.normalised``) and stemmed
by PostgreSQL as they are written (``to_tsvector`` with each language's
configuration), weighted A (name), B (category), C (region) and D
(description, cooperative, certification): typos match A, B and C only, as
Whoosh tries them on names, categories and regions only.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from sqlalchemy import Text, bindparam, cast, delete, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import TSVECTOR, insert
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from ..analysis import LANGS, fold, transliterate
from ..backend import ProductDocument
from .models import DOCUMENTS, TERMS
from .text import CONFIGS, SIMPLE, SURFACE, normalised, operand

DOC = DOCUMENTS
TERM = TERMS
#: The ranking's vectors (by language, and the transliterations).
VECTOR_COLUMNS = {"ar": "tsv_ar", "fr": "tsv_fr", "en": "tsv_en", "translit": "translit"}
#: Documents written per statement during a rebuild.
BATCH = 500
#: Each weight's texts: name (A), category (B), region (C), the rest (D).
WEIGHTS = {
    "A": ("names",),
    "B": ("categories",),
    "C": ("regions",),
    "D": ("descriptions", "cooperatives", "certifications"),
}


def _vector(config: str, parts: dict[str, str]) -> ColumnElement[Any]:
    """``setweight(to_tsvector(config, :part), weight) || …`` over the weights."""
    regconfig: ColumnElement[Any] = literal_column(f"'{config}'::regconfig")
    vector: ColumnElement[Any] | None = None
    for weight, param in parts.items():
        label: ColumnElement[Any] = literal_column(f"'{weight}'::\"char\"")
        part = func.setweight(func.to_tsvector(regconfig, bindparam(param)), label)
        vector = part if vector is None else vector.op("||")(part)
    assert vector is not None
    return vector


def _upsert():
    """``INSERT … SELECT`` of one document (executemany), replacing its old row.

    The inner select computes the vectors once; the outer one adds ``terms``,
    their concatenation with the codes, as it stores them.
    """
    plain = [column.name for column in DOC.columns if column.type.__visit_name__ != "TSVECTOR"]
    vectors = {lang: _vector(CONFIGS[lang], {w: f"{w}_{lang}" for w in WEIGHTS}) for lang in LANGS}
    vectors["translit"] = _vector(SIMPLE, {"A": "translit_words"})
    inner = select(
        *(bindparam(name, type_=DOC.c[name].type).label(name) for name in plain),
        *(vector.label(VECTOR_COLUMNS[key]) for key, vector in vectors.items()),
        cast(bindparam("code_terms", type_=Text()), TSVECTOR).label("codes"),
    ).subquery("document")
    terms = inner.c[VECTOR_COLUMNS["ar"]]
    for key in ("fr", "en", "translit"):
        terms = terms.op("||")(inner.c[VECTOR_COLUMNS[key]])
    names = [*plain, *VECTOR_COLUMNS.values(), "terms"]
    source = select(
        *(inner.c[name] for name in names[:-1]), terms.op("||")(inner.c.codes).label("terms")
    )
    statement = insert(DOC).from_select(names, source)
    return statement.on_conflict_do_update(
        index_elements=[DOC.c.id],
        set_={name: statement.excluded[name] for name in names if name != "id"},
    )


UPSERT = _upsert()
ADD_WORDS = insert(TERM).values(word=bindparam("word"), folded=bindparam("folded"))
ADD_WORDS = ADD_WORDS.on_conflict_do_nothing(index_elements=[TERM.c.word])


def row(doc: ProductDocument) -> dict[str, Any]:
    """The parameters of one document's upsert."""
    values: dict[str, Any] = {
        "id": doc.id,
        "slug": doc.slug,
        "category": doc.category,
        "category_path": list(doc.category_path),
        "region": doc.region,
        "certifications": list(doc.certification_kinds),
        "cooperative": doc.cooperative,
        "price_cents": doc.price_cents,
        "in_stock": doc.in_stock,
        "published": doc.published,
        # Weighted like names, so that a code ranks as a name does.
        "code_terms": " ".join(sorted({operand("#" + c.lower()) + ":1A" for c in doc.codes})),
        "translit_words": transliterate(doc.names.get("ar", "")),
    }
    for lang in LANGS:
        values[f"name_{lang}"] = doc.names.get(lang, "")
        values[f"description_{lang}"] = doc.descriptions.get(lang, "")
        for weight, kinds in WEIGHTS.items():
            texts = " ".join(getattr(doc, kind).get(lang, "") for kind in kinds)
            values[f"{weight}_{lang}"] = normalised(texts, lang)
    return values


def vocabulary(doc: ProductDocument) -> set[str]:
    """The words typos may stand for: names, categories, regions, transliterations."""
    texts = [
        *doc.names.values(),
        *doc.categories.values(),
        *doc.regions.values(),
        transliterate(doc.names.get("ar", "")),
    ]
    return {token.text for value in texts for token in SURFACE(value)}


def write(connection: Connection, docs: Iterable[ProductDocument]) -> int:
    """Upsert ``docs`` and add their words to the vocabulary, in batches; return how many."""
    count = 0
    pending = iter(docs)
    while batch := list(islice(pending, BATCH)):
        connection.execute(UPSERT, [row(doc) for doc in batch])
        # Sorted, so that two transactions adding the same new words never deadlock.
        words = sorted(set().union(*map(vocabulary, batch)))
        if words:
            connection.execute(ADD_WORDS, [{"word": w, "folded": fold(w)} for w in words])
        count += len(batch)
    return count


def remove(connection: Connection, ids: Iterable[int]) -> None:
    """Delete the documents of products ``ids``."""
    wanted = sorted(set(ids))
    if wanted:
        connection.execute(delete(DOC).where(DOC.c.id.in_(wanted)))


def clear(connection: Connection) -> None:
    """Delete every document and word (readers see the old rows until the commit)."""
    connection.execute(delete(DOC))
    connection.execute(delete(TERM))


def analyze(connection: Connection) -> None:
    """Fresh planner statistics after a rebuild."""
    connection.execute(text("ANALYZE search_document, search_term"))
