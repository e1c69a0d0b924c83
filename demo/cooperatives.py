"""Demo cooperatives for ``flask seed-demo`` (fictional, in several regions)."""

from __future__ import annotations

import zlib
from decimal import Decimal

from sqlalchemy import select

from catalog.validators import ice_check_digits
from producers.models import (
    Cooperative,
    CooperativeStatus,
    CooperativeTranslation,
    Membership,
    MembershipRole,
)
from shop.extensions import db

from .users import demo_user

#: slug, legal name, region, province, commune, founded, members, women, lat, lon,
#: (tagline fr, ar, en), (story fr, ar, en)
DEMO_COOPERATIVES = (
    (
        "tifaout",
        "Coopérative Tifaout",
        9,
        "Chtouka Aït Baha",
        "Aït Baha",
        2007,
        48,
        48,
        "30.0675",
        "-9.1536",
        (
            "L’huile d’argan des femmes d’Aït Baha",
            "زيت أركان نساء آيت باها",
            "Argan oil from the women of Aït Baha",
        ),
        (
            "Quarante-huit femmes ramassent, cassent et pressent l’argan à la main, comme leurs "
            "mères. La coopérative finance l’alphabétisation de ses membres et une crèche.",
            "ثمان وأربعون امرأة يجمعن الأركان ويكسرنه ويعصرنه يدويًا كما فعلت أمهاتهن. تموّل "
            "التعاونية محو أمية عضواتها وروضًا للأطفال.",
            "Forty-eight women gather, crack and press argan by hand, as their mothers did. The "
            "cooperative pays for its members’ literacy classes and a crèche.",
        ),
    ),
    (
        "tamsoult-safran",
        "Coopérative Tamsoult du Safran",
        9,
        "Taroudant",
        "Taliouine",
        2011,
        32,
        19,
        "30.5320",
        "-7.9240",
        (
            "Le safran de Taliouine, cueilli à l’aube",
            "زعفران تالوين، يُقطف عند الفجر",
            "Taliouine saffron, picked at dawn",
        ),
        (
            "Sur les plateaux du Siroua, les familles cueillent les fleurs de crocus avant le "
            "lever du soleil et séparent les stigmates le jour même.",
            "في هضاب سيروا، تقطف الأسر أزهار الزعفران قبل شروق الشمس وتفصل المياسم في اليوم نفسه.",
            "On the Siroua plateaus, families pick crocus flowers before sunrise and separate the "
            "stigmas the same day.",
        ),
    ),
    (
        "nahla-atlas",
        "Coopérative Nahla Atlas",
        5,
        "Azilal",
        "Tabant",
        2014,
        21,
        6,
        "31.6600",
        "-6.4330",
        (
            "Miels de montagne du Haut Atlas",
            "عسل جبال الأطلس الكبير",
            "Mountain honey from the High Atlas",
        ),
        (
            "Les ruches transhument entre thym, jujubier et euphorbe dans la vallée des Aït "
            "Bouguemez.",
            "تتنقل الخلايا بين الزعتر والسدر والدغموس في وادي آيت بوكماز.",
            "The hives move between thyme, jujube and euphorbia in the Aït Bouguemez valley.",
        ),
    ),
    (
        "tighanimine",
        "Coopérative Tighanimine",
        7,
        "Essaouira",
        "Smimou",
        2009,
        37,
        37,
        "31.2150",
        "-9.7060",
        (
            "Amlou et argan de la côte d’Essaouira",
            "أملو وأركان ساحل الصويرة",
            "Amlou and argan from the Essaouira coast",
        ),
        (
            "Les femmes de Smimou torréfient amandes et amandons d’argan pour un amlou au goût "
            "de fête.",
            "تحمّص نساء سميمو اللوز ولوز الأركان لصنع أملو بطعم الأعياد.",
            "The women of Smimou roast almonds and argan kernels for an amlou that tastes of "
            "celebrations.",
        ),
    ),
    (
        "tafilalet-tamour",
        "Coopérative Tafilalet Tamour",
        8,
        "Errachidia",
        "Erfoud",
        2012,
        54,
        12,
        "31.4330",
        "-4.2330",
        (
            "Dattes Mejhoul et Boufeggous des oasis",
            "تمور المجهول وبوفقوس من الواحات",
            "Medjool and Boufeggous dates from the oases",
        ),
        (
            "Les palmeraies du Tafilalet sont irriguées par les khettaras ; la coopérative trie "
            "et conditionne les dattes sur place.",
            "تُسقى واحات تافيلالت بالخطارات، وتفرز التعاونية التمور وتعبئها في عين المكان.",
            "Tafilalet’s palm groves are watered by khettaras; the cooperative sorts and packs the "
            "dates on site.",
        ),
    ),
    (
        "zitoun-ouazzane",
        "Coopérative Zitoun Ouazzane",
        1,
        "Ouazzane",
        "Ouazzane",
        2010,
        40,
        14,
        "34.7970",
        "-5.5830",
        (
            "Huile d’olive vierge extra du pré-Rif",
            "زيت زيتون بكر ممتاز من مقدمة الريف",
            "Extra virgin olive oil from the pre-Rif",
        ),
        (
            "Les oliveraies de la Picholine marocaine sont récoltées à la main et pressées à "
            "froid dans les six heures.",
            "تُجنى أشجار البيشولين المغربية يدويًا وتُعصر على البارد خلال ست ساعات.",
            "The Moroccan Picholine groves are picked by hand and cold-pressed within six hours.",
        ),
    ),
    (
        "sebou-couscous",
        "Coopérative Sebou",
        3,
        "Sefrou",
        "Sefrou",
        2015,
        26,
        26,
        "33.8310",
        "-4.8350",
        (
            "Couscous roulé à la main à Sefrou",
            "كسكس مفتول يدويًا في صفرو",
            "Hand-rolled couscous from Sefrou",
        ),
        (
            "Blé dur, orge et maïs roulés et séchés au soleil par des femmes de Sefrou.",
            "قمح صلب وشعير وذرة تفتلها نساء صفرو وتجففها في الشمس.",
            "Durum wheat, barley and maize rolled and sun-dried by the women of Sefrou.",
        ),
    ),
    (
        "ward-mgouna",
        "Coopérative Ward M’Gouna",
        8,
        "Tinghir",
        "Kelaat M’Gouna",
        2013,
        30,
        24,
        "31.2410",
        "-6.1280",
        (
            "Eau de rose et cosmétiques de la vallée des roses",
            "ماء الورد ومستحضرات وادي الورود",
            "Rose water and cosmetics from the Valley of Roses",
        ),
        (
            "Chaque mai, la rose de Damas est cueillie à l’aube puis distillée dans l’alambic de "
            "la coopérative.",
            "في كل ماي تُقطف الوردة الدمشقية فجرًا وتُقطَّر في إنبيق التعاونية.",
            "Every May the Damask rose is picked at dawn and distilled in the cooperative’s still.",
        ),
    ),
    (
        "anzar-tissage",
        "Coopérative Anzar Tissage",
        5,
        "Azilal",
        "Aït Bouguemez",
        2016,
        18,
        18,
        "31.6660",
        "-6.3670",
        (
            "Tapis et paniers tissés à la main",
            "زرابي وسلال منسوجة يدويًا",
            "Hand-woven rugs and baskets",
        ),
        (
            "Les tisserandes d’Anzar travaillent la laine de leurs brebis et les teintures "
            "végétales.",
            "تنسج نساء أنزار صوف أغنامهن بأصباغ نباتية.",
            "The weavers of Anzar work their own sheep’s wool with plant dyes.",
        ),
    ),
)


def seed_cooperatives() -> list[str]:
    """Approved demo cooperatives; the demo manager manages the first one."""
    existing = {c.slug: c for c in db.session.scalars(select(Cooperative))}
    for (
        slug,
        name,
        region,
        province,
        commune,
        founded,
        members,
        women,
        lat,
        lon,
        taglines,
        stories,
    ) in DEMO_COOPERATIVES:
        if slug in existing:
            continue
        coop = Cooperative(
            slug=slug,
            legal_name=name,
            odco_number=f"{founded}/{zlib.crc32(slug.encode()) % 900 + 100}",
            ice=_demo_ice(slug),
            # Made-up legal details, so that demo parcels ship with their invoices.
            tax_id=f"{zlib.crc32(slug.encode()) % 90_000_000 + 10_000_000}",
            tp_number=f"{zlib.crc32(slug[::-1].encode()) % 90_000_000 + 10_000_000}",
            address=f"Douar {commune}",
            founded_year=founded,
            region_code=region,
            province=province,
            commune=commune,
            members_count=members,
            women_members_count=women,
            latitude=Decimal(lat),
            longitude=Decimal(lon),
            email=f"contact@{slug}.coop.ma",
            status=CooperativeStatus.APPROVED,
            translations=[
                CooperativeTranslation(locale=lang, tagline=tag, story=story)
                for lang, tag, story in zip(("fr", "ar", "en"), taglines, stories)
            ],
        )
        db.session.add(coop)
        existing[slug] = coop
    manager = demo_user("manager@demo.taawon.ma")
    db.session.flush()
    first = existing["tifaout"]
    if not any(m.cooperative_id == first.id for m in manager.memberships):
        db.session.add(Membership(user=manager, cooperative=first, role=MembershipRole.OWNER))
    return [
        f"Demo cooperatives: {len(DEMO_COOPERATIVES)} (the demo manager manages {first.legal_name})"
    ]


def _demo_ice(slug: str) -> str:
    """A made-up ICE with valid check digits (the forms refuse any other)."""
    body = f"{zlib.crc32(slug.encode()) * 99991 % 10**13:013d}"
    return body + ice_check_digits(body)
