"""default categories

The workspace offers only existing categories, so a fresh database needs the
default tree (catalog/categories.py) without running the demo seed.

Revision ID: b7c1d2e3f4a5
Revises: d392f716f627
Create Date: 2026-11-27 09:20:00

"""
from alembic import op
import sqlalchemy as sa

revision = 'b7c1d2e3f4a5'
down_revision = 'd392f716f627'
branch_labels = None
depends_on = None

# (slug, parent, unit, fr, ar, en) — a copy frozen at this revision: migrations
# must not change when the application's list changes later.
CATEGORIES = (
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

category = sa.table("category", sa.column("id", sa.Integer), sa.column("slug", sa.String),
                    sa.column("parent_id", sa.Integer), sa.column("position", sa.Integer),
                    sa.column("unit", sa.String))
translation = sa.table("category_translation", sa.column("category_id", sa.Integer),
                       sa.column("locale", sa.String), sa.column("name", sa.String))


def upgrade():
    conn = op.get_bind()
    ids = dict(conn.execute(sa.select(category.c.slug, category.c.id)).all())
    for position, (slug, parent, unit, fr, ar, en) in enumerate(CATEGORIES):
        if slug in ids:
            continue
        conn.execute(category.insert().values(slug=slug, parent_id=ids.get(parent),
                                              position=position, unit=unit))
        ids[slug] = conn.execute(sa.select(category.c.id).where(category.c.slug == slug)).scalar_one()
        conn.execute(translation.insert(), [
            {"category_id": ids[slug], "locale": "fr", "name": fr},
            {"category_id": ids[slug], "locale": "ar", "name": ar},
            {"category_id": ids[slug], "locale": "en", "name": en},
        ])


def downgrade():
    # Categories may hold products by now; they stay.
    pass
