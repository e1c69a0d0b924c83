"""Index documents built from the database, in a bounded number of queries."""

from __future__ import annotations

from calendar import timegm
from collections.abc import Iterable, Iterator

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.i18n import LANGUAGES

from ..models import Category, Product
from ..presentation import CERTIFICATION_LABELS
from ..queries import card_options, visible_products
from .backend import ProductDocument

#: Products loaded per round of queries during a full rebuild.
BATCH = 500


def _certification_labels() -> dict[str, dict[str, str]]:
    """Certification labels per kind and language (from the message catalogs)."""
    labels: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            for kind, label in CERTIFICATION_LABELS.items():
                labels.setdefault(kind.value, {})[lang] = str(label)
    return labels


class DocumentBuilder:
    """Turns Product rows into :class:`ProductDocument` values.

    Categories (a small tree) and certification labels are read once; each
    batch of products costs one query plus one per eager-loaded relation.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.categories = {c.id: c for c in session.scalars(select(Category))}
        self.cert_labels = _certification_labels()

    def visible_ids(self, among: Iterable[int] | None = None) -> list[int]:
        """Ids of the products a shopper may see (all, or of ``among``)."""
        query = visible_products().with_only_columns(Product.id).order_by(Product.id)
        if among is not None:
            query = query.where(Product.id.in_(list(among)))
        return list(self.session.scalars(query))

    def documents(self, ids: list[int]) -> Iterator[ProductDocument]:
        """Documents of the visible products among ``ids``, in batches."""
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            products = self.session.scalars(
                visible_products()
                .where(Product.id.in_(chunk))
                .options(*card_options())
                .order_by(Product.id)
            )
            for product in products:
                yield self.document(product)

    def _ancestry(self, category_id: int) -> list[Category]:
        chain, current = [], self.categories.get(category_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.categories.get(current.parent_id) if current.parent_id else None
        return chain

    def document(self, product: Product) -> ProductDocument:
        """One product's document (its relations must be loaded)."""
        coop = product.cooperative
        variants = [v for v in product.variants if v.active and v.price_cents > 0]
        chain = self._ancestry(product.category_id)
        kinds = sorted({c.kind.value for c in product.certifications})
        texts: dict[str, dict[str, str]] = {
            "names": {},
            "descriptions": {},
            "categories": {},
            "cooperatives": {},
            "regions": {},
            "certifications": {},
        }
        for t in product.translations:
            if t.name:
                texts["names"][t.locale] = t.name
            body = " ".join(filter(None, (t.description, t.ingredients)))
            if body:
                texts["descriptions"][t.locale] = body
        for lang in LANGUAGES:
            texts["categories"][lang] = " ".join(
                c.name(lang).text for c in chain if c.name(lang).lang == lang
            )
            texts["cooperatives"][lang] = " ".join(
                filter(
                    None,
                    (
                        coop.legal_name,
                        coop.tagline(lang).text if coop.tagline(lang).lang == lang else "",
                    ),
                )
            )
            texts["regions"][lang] = " ".join(
                filter(None, (coop.region.name(lang), coop.province, coop.commune, product.origin))
            )
            texts["certifications"][lang] = " ".join(self.cert_labels[k][lang] for k in kinds)
        published = product.published_at or product.created_at
        return ProductDocument(
            id=product.id,
            slug=product.slug,
            **texts,
            codes=tuple(
                code
                for v in variants
                for code in (v.sku, v.gtin, v.gtin.lstrip("0") if v.gtin else None)
                if code
            ),
            category=chain[0].slug if chain else "",
            category_path=tuple(c.slug for c in chain),
            region=coop.region_code,
            certification_kinds=tuple(kinds),
            cooperative=coop.slug,
            price_cents=min(v.price_cents for v in variants),
            in_stock=any(v.stock > 0 for v in variants),
            published=timegm(published.timetuple()) if published else 0,
        )
