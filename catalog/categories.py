"""The default category tree (slugs are the import's vocabulary)."""

from __future__ import annotations

from sqlalchemy import select

from shop.extensions import db

from .models import Category, CategoryTranslation

#: (slug, parent, unit, fr, ar, en)
DEFAULT_CATEGORIES = (
    ("food", None, "piece", "Épicerie fine", "مواد غذائية", "Fine food"),
    ("argan-oil", "food", "ml", "Huile d’argan", "زيت الأركان", "Argan oil"),
    ("olive-oil", "food", "ml", "Huile d’olive", "زيت الزيتون", "Olive oil"),
    ("saffron", "food", "g", "Safran", "الزعفران", "Saffron"),
    ("honey", "food", "g", "Miel", "العسل", "Honey"),
    ("amlou", "food", "g", "Amlou", "أملو", "Amlou"),
    ("dates", "food", "g", "Dattes", "التمور", "Dates"),
    ("couscous", "food", "g", "Couscous", "الكسكس", "Couscous"),
    ("beauty", None, "piece", "Beauté", "مستحضرات التجميل", "Beauty"),
    ("cosmetics", "beauty", "ml", "Cosmétiques naturels", "مستحضرات طبيعية", "Natural cosmetics"),
    ("crafts", None, "piece", "Artisanat", "الصناعة التقليدية", "Crafts"),
)


def ensure_default_categories() -> int:
    """Create the default categories that do not exist yet; return how many."""
    existing = {c.slug: c for c in db.session.scalars(select(Category))}
    created = 0
    for position, (slug, parent, unit, fr, ar, en) in enumerate(DEFAULT_CATEGORIES):
        if slug in existing:
            continue
        category = Category(
            slug=slug,
            parent=existing.get(parent) if parent else None,
            position=position,
            unit=unit,
            translations=[
                CategoryTranslation(locale="fr", name=fr),
                CategoryTranslation(locale="ar", name=ar),
                CategoryTranslation(locale="en", name=en),
            ],
        )
        db.session.add(category)
        existing[slug] = category
        created += 1
    db.session.flush()
    return created
