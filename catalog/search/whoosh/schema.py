"""The index's schema: per-language text fields, codes, and stored facet and sort columns."""

from __future__ import annotations

from typing import Any

from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from ..analysis import LANGS, language_analyzer, latin_analyzer, surface_analyzer, transliterate
from ..backend import ProductDocument

#: Bump when the schema changes: an index written by older code is then
#: "missing" (plain listings) until ``flask search reindex`` rebuilds it.
#: v2: numbers are columns only (not indexed), texts without positions.
#: v3: no ``complete_<lang>`` fields (autocomplete uses the name fields).
INDEX_NAME = "products_v3"
#: Searchable text fields per language, with their weight in the ranking.
KINDS: dict[str, float] = {
    "name": 4.0,
    "category": 2.0,
    "certification": 1.5,
    "cooperative": 1.5,
    "region": 1.2,
    "description": 1.0,
}

ANALYZERS = {lang: language_analyzer(lang) for lang in LANGS}
LATIN = latin_analyzer()
SURFACE = surface_analyzer()
#: What autocomplete's word being typed is before stemming, as the name fields fold it.
SURFACE_FOLDED = surface_analyzer(fold_accents=True)


def _number(typecode: str) -> COLUMN:
    """A stored integer with a column for filters, facets and sorts, not indexed.

    Numbers are only ever read from columns (never searched for), and indexing
    them cost 56 postings per document (a term per 4-bit shift of each value).
    """
    field = COLUMN(NumericColumn(typecode, default=0))
    field.stored = True
    return field


def build_schema() -> Schema:
    """Per-language text fields, codes, and stored facet/sort columns."""
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True, sortable=True),
        "slug": STORED(),
        # Latin spellings of the Arabic name, so "argan" finds Arabic-only products.
        "translit": TEXT(analyzer=LATIN, phrase=False),
        "code": KEYWORD(lowercase=True, scorable=True),
        # Whole words, accents kept: the vocabulary of "did you mean".
        "spell": TEXT(analyzer=SURFACE, phrase=False),
        "category": ID(stored=True, sortable=True),
        "category_path": ID(stored=True, sortable=True),
        "region": _number("i"),
        "certification": ID(stored=True, sortable=True),
        "cooperative": ID(stored=True, sortable=True),
        "price": _number("q"),
        "in_stock": _number("i"),
        "published": _number("q"),
    }
    for lang in LANGS:
        for kind in KINDS:
            stored = kind in ("name", "description")  # names for autocomplete, texts for snippets
            # No positions: there is no phrase search, and snippets re-analyse the text.
            fields[f"{kind}_{lang}"] = TEXT(analyzer=ANALYZERS[lang], stored=stored, phrase=False)
    return Schema(**fields)


def document_fields(doc: ProductDocument) -> dict[str, Any]:
    """The Whoosh fields of a product document."""
    values: dict[str, Any] = {
        "id": str(doc.id),
        "slug": doc.slug,
        "translit": transliterate(doc.names.get("ar", "")),
        "code": " ".join(c.lower() for c in doc.codes),
        "spell": " ".join([*doc.names.values(), *doc.categories.values()]),
        "category": doc.category,
        "category_path": " ".join(doc.category_path),
        "region": doc.region,
        "certification": " ".join(doc.certification_kinds),
        "cooperative": doc.cooperative,
        "price": doc.price_cents,
        "in_stock": int(doc.in_stock),
        "published": doc.published,
    }
    texts = {
        "name": doc.names,
        "description": doc.descriptions,
        "category": doc.categories,
        "cooperative": doc.cooperatives,
        "region": doc.regions,
        "certification": doc.certifications,
    }
    for lang in LANGS:
        for kind, by_lang in texts.items():
            values[f"{kind}_{lang}"] = by_lang.get(lang, "")
    return values
