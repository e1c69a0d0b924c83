"""Demo cooperatives for ``flask seed-demo``."""
from __future__ import annotations

from shop.demo import demo_user
from shop.extensions import db

from .models import Cooperative, CooperativeStatus, CooperativeTranslation, Membership, MembershipRole


def seed_cooperatives() -> list[str]:
    """The demo manager's cooperative (more come with the catalog)."""
    coop = db.session.scalar(db.select(Cooperative).filter_by(slug="tifaout"))
    if coop is None:
        coop = Cooperative(
            slug="tifaout", legal_name="Coopérative Tifaout", odco_number="2007/123",
            ice="001234567000089", founded_year=2007, region_code=9, province="Chtouka Aït Baha",
            commune="Aït Baha", members_count=48, women_members_count=48,
            status=CooperativeStatus.APPROVED,
            translations=[
                CooperativeTranslation(locale="fr", tagline="Huile d'argan des femmes d'Aït Baha",
                                       story="Quarante-huit femmes cassent et pressent l'argan."),
                CooperativeTranslation(locale="ar", tagline="زيت أركان نساء آيت باها",
                                       story="ثمان وأربعون امرأة يكسرن ويعصرن الأركان."),
                CooperativeTranslation(locale="en", tagline="Argan oil from the women of Aït Baha",
                                       story="Forty-eight women crack and press argan."),
            ],
        )
        db.session.add(coop)
    manager = demo_user("manager@taawon.test")
    db.session.flush()
    if not any(m.cooperative_id == coop.id for m in manager.memberships):
        db.session.add(Membership(user=manager, cooperative=coop, role=MembershipRole.OWNER))
    return [f"Demo cooperative: {coop.legal_name} (managed by {manager.email})"]
