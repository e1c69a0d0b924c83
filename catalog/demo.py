"""Demo catalog for ``flask seed-demo``, loaded through the catalog import."""
from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select

from producers.models import Cooperative
from shop.extensions import db
from shop.storage import get_storage

from .categories import ensure_default_categories
from .demo_art import draw_logo, draw_product
from .images import process_image
from .importer import import_file
from .models import Category, Certification, CertificationKind, FloorPrice, Unit

# (cooperative, category, art kind, certifications, fr, ar, en, description fr/ar/en,
#  variants: (quantity, unit, price MAD, stock, weight g))
PRODUCTS = (
    ("tifaout", "argan-oil", "argan_oil", "organic;igp;onssa",
     "Huile d’argan alimentaire torréfiée", "زيت أركان غذائي محمص", "Roasted culinary argan oil",
     "Pressée à froid à partir d’amandons torréfiés : goût de noisette, pour le pain, l’amlou et les tajines.",
     "معصور على البارد من لوز محمص: طعم البندق، للخبز والأملو والطواجن.",
     "Cold-pressed from roasted kernels: a hazelnut taste for bread, amlou and tagines.",
     ((100, "ml", "89.00", 40, 260), (250, "ml", "190.00", 25, 480))),
    ("tifaout", "cosmetics", "argan_oil", "organic;onssa",
     "Huile d’argan cosmétique pure", "زيت أركان تجميلي خالص", "Pure cosmetic argan oil",
     "Amandons non torréfiés, pressés à froid : pour la peau, les cheveux et les ongles.",
     "لوز غير محمص معصور على البارد: للبشرة والشعر والأظافر.",
     "Unroasted kernels, cold-pressed: for skin, hair and nails.",
     ((50, "ml", "75.00", 60, 150), (100, "ml", "130.00", 3, 260))),
    ("tifaout", "argan-oil", "argan_oil", "organic;igp",
     "Huile d’argan de la récolte d’été", "زيت أركان من محصول الصيف", "Summer harvest argan oil",
     "Un lot limité des fruits tombés en juillet, plus doux et très parfumé.",
     "كمية محدودة من ثمار يوليوز، أنعم وأكثر عطرًا.",
     "A small lot from fruit fallen in July, softer and very fragrant.",
     ((250, "ml", "210.00", 0, 480),)),
    ("tifaout", "cosmetics", "cosmetics", "organic",
     "Savon noir à l’argan et à l’eucalyptus", "صابون أسود بالأركان والكاليبتوس", "Argan and eucalyptus black soap",
     "Savon beldi traditionnel pour le hammam, à l’huile d’olive et à l’argan.",
     "صابون بلدي تقليدي للحمام، بزيت الزيتون والأركان.",
     "Traditional beldi soap for the hammam, with olive and argan oil.",
     ((200, "g", "45.00", 80, 230),)),
    ("tamsoult-safran", "saffron", "saffron", "aop;onssa",
     "Safran de Taliouine en filaments", "زعفران تالوين خيوط", "Taliouine saffron threads",
     "Stigmates entiers de catégorie I, séchés à l’ombre, au parfum de miel et de foin.",
     "مياسم كاملة من الصنف الأول مجففة في الظل، بعبير العسل والتبن.",
     "Whole category I stigmas, shade-dried, smelling of honey and hay.",
     ((1, "g", "45.00", 120, 20), (5, "g", "200.00", 30, 40))),
    ("tamsoult-safran", "saffron", "saffron", "aop",
     "Safran coupé pour la cuisine", "زعفران مقطع للطبخ", "Cut saffron for cooking",
     "Filaments courts idéaux pour la harira, le riz et les pâtisseries.",
     "خيوط قصيرة مثالية للحريرة والأرز والحلويات.",
     "Short threads, ideal for harira, rice and pastries.",
     ((2, "g", "80.00", 50, 25),)),
    ("tamsoult-safran", "saffron", "saffron", "aop;onssa",
     "Coffret safran et thé de l’Atlas", "علبة زعفران وشاي الأطلس", "Saffron and Atlas tea gift box",
     "Un gramme de safran avec un mélange de thé vert et de menthe sauvage.",
     "غرام من الزعفران مع خليط من الشاي الأخضر والنعناع البري.",
     "One gram of saffron with a blend of green tea and wild mint.",
     ((1, "piece", "120.00", 15, 300),)),
    ("tamsoult-safran", "honey", "honey", "",
     "Miel au safran", "عسل بالزعفران", "Saffron honey",
     "Miel d’euphorbe infusé de filaments de safran de Taliouine.",
     "عسل الدغموس منقوع بخيوط زعفران تالوين.",
     "Euphorbia honey infused with Taliouine saffron threads.",
     ((250, "g", "140.00", 22, 380),)),
    ("nahla-atlas", "honey", "honey", "onssa",
     "Miel de thym de l’Atlas", "عسل الزعتر الأطلسي", "Atlas thyme honey",
     "Miel ambré et puissant, récolté en juin au-dessus de 2 000 mètres.",
     "عسل كهرماني قوي يُجنى في يونيو فوق ألفي متر.",
     "Amber, powerful honey harvested in June above 2,000 metres.",
     ((250, "g", "95.00", 35, 380), (500, "g", "180.00", 18, 700))),
    ("nahla-atlas", "honey", "honey", "onssa",
     "Miel de jujubier (sidr)", "عسل السدر", "Jujube (sidr) honey",
     "Un miel rare et doux au goût de caramel, prisé comme remède d’hiver.",
     "عسل نادر وحلو بطعم الكراميل، يُقدَّر علاجًا في الشتاء.",
     "A rare, mild honey tasting of caramel, prized as a winter remedy.",
     ((250, "g", "160.00", 12, 380),)),
    ("nahla-atlas", "honey", "honey", "",
     "Miel d’euphorbe", "عسل الدغموس", "Euphorbia honey",
     "Miel de cactus du Souss, poivré en fin de bouche.",
     "عسل الصبار من سوس، بلمسة فلفلية في آخره.",
     "Cactus honey from the Souss, peppery on the finish.",
     ((250, "g", "130.00", 2, 380),)),
    ("nahla-atlas", "honey", "honey", "organic",
     "Miel de fleurs de montagne", "عسل أزهار الجبل", "Mountain wildflower honey",
     "Un miel crémeux de fleurs sauvages, pour le petit-déjeuner des enfants.",
     "عسل كريمي من الأزهار البرية لفطور الأطفال.",
     "A creamy wildflower honey for the children’s breakfast.",
     ((500, "g", "120.00", 40, 700),)),
    ("nahla-atlas", "amlou", "amlou", "",
     "Amlou au miel de thym", "أملو بعسل الزعتر", "Amlou with thyme honey",
     "Amandes, huile d’argan et miel de thym de nos ruches.",
     "لوز وزيت أركان وعسل زعتر من خلايانا.",
     "Almonds, argan oil and thyme honey from our hives.",
     ((250, "g", "85.00", 25, 350),)),
    ("tighanimine", "amlou", "amlou", "onssa",
     "Amlou traditionnel aux amandes", "أملو تقليدي باللوز", "Traditional almond amlou",
     "Amandes beldi torréfiées, huile d’argan alimentaire et miel, broyés à la meule.",
     "لوز بلدي محمص وزيت أركان غذائي وعسل، مطحونة بالرحى.",
     "Roasted beldi almonds, culinary argan oil and honey, ground on a millstone.",
     ((250, "g", "70.00", 50, 350), (500, "g", "130.00", 20, 650))),
    ("tighanimine", "amlou", "amlou", "onssa",
     "Amlou aux cacahuètes", "أملو بالفول السوداني", "Peanut amlou",
     "La version populaire, plus douce, que les enfants adorent.",
     "النسخة الشعبية الألطف التي يحبها الأطفال.",
     "The popular, milder version children love.",
     ((250, "g", "50.00", 60, 350),)),
    ("tighanimine", "argan-oil", "argan_oil", "igp",
     "Huile d’argan d’Essaouira", "زيت أركان الصويرة", "Essaouira argan oil",
     "Des arganiers des dunes côtières, une huile fine et légèrement iodée.",
     "من أشجار أركان الكثبان الساحلية، زيت رقيق بلمسة بحرية.",
     "From the coastal dune argan trees, a delicate, slightly briny oil.",
     ((100, "ml", "85.00", 30, 260), (500, "ml", "360.00", 8, 900))),
    ("tighanimine", "cosmetics", "cosmetics", "organic",
     "Beurre de karité à l’argan", "زبدة الشيا بالأركان", "Shea butter with argan",
     "Un baume nourrissant pour les mains et les lèvres gercées.",
     "بلسم مغذٍّ لليدين والشفاه المتشققة.",
     "A nourishing balm for chapped hands and lips.",
     ((100, "ml", "65.00", 35, 160),)),
    ("tighanimine", "couscous", "couscous", "",
     "Couscous d’orge à l’argan", "كسكس الشعير بالأركان", "Barley couscous with argan",
     "Le couscous des fêtes de la côte, à arroser d’huile d’argan.",
     "كسكس الأعياد في الساحل، يُسقى بزيت الأركان.",
     "The coast’s festive couscous, to dress with argan oil.",
     ((1000, "g", "45.00", 40, 1050),)),
    ("tafilalet-tamour", "dates", "dates", "igp",
     "Dattes Mejhoul du Tafilalet", "تمور المجهول من تافيلالت", "Tafilalet Medjool dates",
     "Les reines des dattes : grosses, moelleuses, au goût de caramel.",
     "ملكة التمور: كبيرة وطرية بطعم الكراميل.",
     "The queen of dates: large, soft, tasting of caramel.",
     ((500, "g", "110.00", 45, 550), (1000, "g", "200.00", 20, 1080))),
    ("tafilalet-tamour", "dates", "dates", "",
     "Dattes Boufeggous", "تمور بوفقوس", "Boufeggous dates",
     "Une variété locale ferme et peu sucrée, à savourer avec du lait.",
     "صنف محلي متماسك قليل الحلاوة، يؤكل مع الحليب.",
     "A firm, less sweet local variety, to enjoy with milk.",
     ((1000, "g", "70.00", 60, 1050),)),
    ("tafilalet-tamour", "dates", "dates", "",
     "Dattes Jihel", "تمور الجيهل", "Jihel dates",
     "Petites dattes sèches du désert, parfaites pour le voyage.",
     "تمور صغيرة جافة من الصحراء، مثالية للسفر.",
     "Small dry desert dates, perfect for travelling.",
     ((500, "g", "40.00", 70, 530),)),
    ("tafilalet-tamour", "dates", "dates", "organic",
     "Pâte de dattes", "معجون التمر", "Date paste",
     "Dattes dénoyautées et broyées, pour les pâtisseries et le petit-déjeuner.",
     "تمر منزوع النوى ومطحون، للحلويات والفطور.",
     "Pitted, ground dates for pastries and breakfast.",
     ((500, "g", "45.00", 30, 530),)),
    ("tafilalet-tamour", "crafts", "crafts", "",
     "Panier en palmier tressé", "سلة من سعف النخيل", "Woven palm-leaf basket",
     "Panier solide tressé à la main avec les palmes des oasis.",
     "سلة متينة منسوجة يدويًا من سعف نخيل الواحات.",
     "A sturdy basket hand-woven from oasis palm leaves.",
     ((1, "piece", "150.00", 10, 600),)),
    ("zitoun-ouazzane", "olive-oil", "olive_oil", "organic;onssa",
     "Huile d’olive vierge extra Picholine", "زيت زيتون بكر ممتاز بيشولين", "Picholine extra virgin olive oil",
     "Fruité vert, notes d’herbe coupée et d’artichaut, acidité inférieure à 0,5 %.",
     "فاكهي أخضر بنفحات العشب والخرشوف، حموضة أقل من 0,5 %.",
     "Green fruity, notes of cut grass and artichoke, acidity under 0.5%.",
     ((500, "ml", "75.00", 60, 900), (1000, "ml", "140.00", 30, 1600))),
    ("zitoun-ouazzane", "olive-oil", "olive_oil", "label_agricole",
     "Huile d’olive de la première récolte", "زيت زيتون الجني الأول", "Early harvest olive oil",
     "Olives vertes d’octobre : une huile intense et piquante, en petite quantité.",
     "زيتون أخضر من أكتوبر: زيت قوي ولاذع بكمية قليلة.",
     "Green October olives: an intense, peppery oil in small quantity.",
     ((500, "ml", "95.00", 4, 900),)),
    ("zitoun-ouazzane", "olive-oil", "olive_oil", "",
     "Olives noires beldi", "زيتون أسود بلدي", "Beldi black olives",
     "Olives séchées au sel, à la façon des grands-mères du Rif.",
     "زيتون مجفف بالملح على طريقة جدات الريف.",
     "Salt-dried olives, the way Rif grandmothers make them.",
     ((500, "g", "35.00", 45, 550),)),
    ("zitoun-ouazzane", "cosmetics", "cosmetics", "",
     "Savon à l’huile d’olive", "صابون بزيت الزيتون", "Olive oil soap",
     "Savon saponifié à froid, sans parfum, pour les peaux sensibles.",
     "صابون مصنوع على البارد بلا عطر للبشرة الحساسة.",
     "Cold-process, unscented soap for sensitive skin.",
     ((100, "g", "30.00", 70, 120),)),
    ("zitoun-ouazzane", "honey", "honey", "",
     "Miel de caroubier", "عسل الخروب", "Carob honey",
     "Miel sombre d’automne des caroubiers du pré-Rif.",
     "عسل خريفي داكن من أشجار الخروب في مقدمة الريف.",
     "Dark autumn honey from the pre-Rif carob trees.",
     ((500, "g", "110.00", 14, 700),)),
    ("sebou-couscous", "couscous", "couscous", "onssa",
     "Couscous de blé dur roulé main", "كسكس القمح الصلب المفتول يدويًا", "Hand-rolled durum wheat couscous",
     "Grain moyen, roulé à la main et séché au soleil : il gonfle sans coller.",
     "حبة متوسطة مفتولة يدويًا ومجففة في الشمس: تنتفخ دون أن تلتصق.",
     "Medium grain, hand-rolled and sun-dried: it swells without sticking.",
     ((1000, "g", "38.00", 80, 1050), (2000, "g", "70.00", 40, 2080))),
    ("sebou-couscous", "couscous", "couscous", "",
     "Couscous d’orge (belboula)", "كسكس الشعير (بلبولة)", "Barley couscous (belboula)",
     "Riche en fibres, le couscous des montagnes du Moyen Atlas.",
     "غني بالألياف، كسكس جبال الأطلس المتوسط.",
     "Rich in fibre, the couscous of the Middle Atlas mountains.",
     ((1000, "g", "35.00", 55, 1050),)),
    ("sebou-couscous", "couscous", "couscous", "",
     "Couscous de maïs", "كسكس الذرة", "Maize couscous",
     "Un couscous doré et sans gluten ajouté, au goût de maïs grillé.",
     "كسكس ذهبي بطعم الذرة المشوية.",
     "A golden couscous tasting of toasted maize.",
     ((1000, "g", "36.00", 0, 1050),)),
    ("sebou-couscous", "couscous", "couscous", "organic",
     "Berkoukes aux herbes", "بركوكش بالأعشاب", "Berkoukes with herbs",
     "Gros grains roulés pour la soupe d’hiver aux légumes.",
     "حبات كبيرة مفتولة لحساء الخضر الشتوي.",
     "Large rolled grains for winter vegetable soup.",
     ((500, "g", "30.00", 25, 530),)),
    ("sebou-couscous", "crafts", "crafts", "",
     "Tbag, plateau tressé pour rouler le couscous", "طبق لفتل الكسكس", "Tbag, woven tray for rolling couscous",
     "Le plateau d’alfa et de laine dans lequel on roule le couscous.",
     "الطبق المصنوع من الحلفاء والصوف الذي يُفتل فيه الكسكس.",
     "The esparto and wool tray couscous is rolled in.",
     ((1, "piece", "180.00", 6, 700),)),
    ("ward-mgouna", "cosmetics", "cosmetics", "organic;onssa",
     "Eau de rose de Damas", "ماء الورد الدمشقي", "Damask rose water",
     "Distillée à la vapeur la semaine de la cueillette, pour le visage et la pâtisserie.",
     "مقطر بالبخار في أسبوع القطاف، للوجه والحلويات.",
     "Steam-distilled the week of the picking, for the face and for pastries.",
     ((250, "ml", "45.00", 90, 330), (500, "ml", "80.00", 40, 600))),
    ("ward-mgouna", "cosmetics", "cosmetics", "organic",
     "Crème à la rose et à l’argan", "كريم بالورد والأركان", "Rose and argan cream",
     "Crème légère pour le visage, à l’eau de rose et à l’huile d’argan.",
     "كريم خفيف للوجه بماء الورد وزيت الأركان.",
     "A light face cream with rose water and argan oil.",
     ((50, "ml", "110.00", 25, 120),)),
    ("ward-mgouna", "cosmetics", "cosmetics", "",
     "Boutons de rose séchés", "براعم الورد المجففة", "Dried rose buds",
     "Pour le thé, les bains et les tajines parfumés.",
     "للشاي والحمام والطواجن المعطرة.",
     "For tea, baths and fragrant tagines.",
     ((100, "g", "40.00", 50, 150),)),
    ("ward-mgouna", "cosmetics", "cosmetics", "organic",
     "Huile essentielle de rose", "زيت الورد العطري", "Rose essential oil",
     "Quatre tonnes de pétales pour un litre : quelques gouttes suffisent.",
     "أربعة أطنان من البتلات للتر واحد: تكفي بضع قطرات.",
     "Four tonnes of petals for one litre: a few drops are enough.",
     ((5, "ml", "250.00", 5, 60),)),
    ("ward-mgouna", "dates", "dates", "",
     "Dattes Bouskri du Dadès", "تمور بوسكري من دادس", "Dadès Bouskri dates",
     "Dattes fines de la vallée voisine du Dadès.",
     "تمور رقيقة من وادي دادس المجاور.",
     "Delicate dates from the neighbouring Dadès valley.",
     ((500, "g", "55.00", 20, 530),)),
    ("anzar-tissage", "crafts", "crafts", "",
     "Tapis berbère azilal", "زربية أمازيغية أزيلال", "Azilal Berber rug",
     "Tapis en laine écrue aux motifs colorés, 120 × 80 cm, tissé en trois semaines.",
     "زربية من الصوف الخام بزخارف ملونة، 120 × 80 سم، نُسجت في ثلاثة أسابيع.",
     "Undyed wool rug with coloured motifs, 120 × 80 cm, woven in three weeks.",
     ((1, "piece", "1450.00", 3, 4200),)),
    ("anzar-tissage", "crafts", "crafts", "",
     "Coussin en kilim", "وسادة من الكليم", "Kilim cushion cover",
     "Housse de coussin tissée à plat, 45 × 45 cm.",
     "غطاء وسادة منسوج، 45 × 45 سم.",
     "Flat-woven cushion cover, 45 × 45 cm.",
     ((1, "piece", "260.00", 12, 500),)),
    ("anzar-tissage", "crafts", "crafts", "",
     "Panier de marché en doum", "قفة السوق من الدوم", "Doum palm market basket",
     "Le panier du souk, tressé en feuilles de palmier nain.",
     "قفة السوق المنسوجة من أوراق الدوم.",
     "The souk basket, woven from dwarf palm leaves.",
     ((1, "piece", "120.00", 15, 450),)),
    ("anzar-tissage", "crafts", "crafts", "",
     "Bol en terre cuite peint", "زلافة فخار مزخرفة", "Painted clay bowl",
     "Bol façonné et peint à la main, cuit au four à bois.",
     "زلافة مشكلة ومزخرفة يدويًا ومطهية في فرن الحطب.",
     "A hand-shaped, hand-painted bowl fired in a wood kiln.",
     ((1, "piece", "90.00", 9, 400),)),
    ("anzar-tissage", "crafts", "crafts", "",
     "Couverture handira", "حنديرة", "Handira blanket",
     "Couverture de mariage en laine blanche ornée de paillettes.",
     "غطاء زفاف من الصوف الأبيض مزين بالترتر.",
     "A white wool wedding blanket decorated with sequins.",
     ((1, "piece", "980.00", 1, 2500),)),
)

#: Certificates the demo cooperatives hold (kind, number, issuer, valid until).
CERTIFICATES = {
    "tifaout": (("organic", "BIO-MA-2023-118", "Ecocert Maroc", date(2027, 6, 30)),
                ("igp", "IGP-ARGANE-0042", "ONSSA / Association Marocaine de l’IGP Argane", None),
                ("onssa", "AS.11.223.17", "ONSSA", date(2028, 1, 31))),
    "tamsoult-safran": (("aop", "AOP-SAFRAN-TALIOUINE-07", "Ministère de l’Agriculture", None),
                        ("onssa", "AS.09.114.19", "ONSSA", date(2027, 3, 31))),
    "nahla-atlas": (("onssa", "AS.05.301.20", "ONSSA", date(2027, 9, 30)),
                    ("organic", "BIO-MA-2024-031", "Ecocert Maroc", date(2026, 12, 15))),
    "tighanimine": (("onssa", "AS.07.077.18", "ONSSA", date(2027, 5, 31)),
                    ("igp", "IGP-ARGANE-0113", "Association Marocaine de l’IGP Argane", None),
                    ("organic", "BIO-MA-2022-090", "Ecocert Maroc", date(2026, 10, 31))),
    "tafilalet-tamour": (("igp", "IGP-MEJHOUL-TAFILALET-03", "Ministère de l’Agriculture", None),
                         ("organic", "BIO-MA-2023-201", "Control Union", date(2027, 11, 30))),
    "zitoun-ouazzane": (("organic", "BIO-MA-2024-012", "Ecocert Maroc", date(2027, 12, 31)),
                        ("onssa", "AS.01.045.16", "ONSSA", date(2027, 8, 31)),
                        ("label_agricole", "LA-HUILE-OUAZZANE-2", "Ministère de l’Agriculture",
                         date(2028, 6, 30))),
    "sebou-couscous": (("onssa", "AS.03.208.21", "ONSSA", date(2027, 4, 30)),
                       ("organic", "BIO-MA-2025-008", "Ecocert Maroc", date(2027, 7, 31))),
    "ward-mgouna": (("organic", "BIO-MA-2023-150", "Ecocert Maroc", date(2027, 2, 28)),
                    ("onssa", "AS.08.117.22", "ONSSA", date(2027, 10, 31))),
}
#: Demo floor prices: centimes of producer revenue per litre, kilogram or piece.
FLOORS = (
    ("argan-oil", Unit.ML, 15_000),  # 150 MAD per litre
    ("olive-oil", Unit.ML, 4_000),
    ("saffron", Unit.G, 1_500_000),  # 15 MAD per gram
    ("honey", Unit.G, 8_000),
    ("dates", Unit.G, 2_500),
    ("amlou", Unit.G, 6_000),
)
FIELDS = ("cooperative", "sku", "category", "name_ar", "name_fr", "name_en", "description_ar",
          "description_fr", "description_en", "price_mad", "stock", "weight_g", "unit_quantity",
          "unit", "certifications", "image")


def _ensure_certificates() -> None:
    coops = {c.slug: c for c in db.session.scalars(select(Cooperative))}
    have = {(c.cooperative_id, c.kind.value) for c in db.session.scalars(select(Certification))}
    for slug, certs in CERTIFICATES.items():
        for kind, number, issuer, valid_until in certs:
            if (coops[slug].id, kind) not in have:
                db.session.add(Certification(cooperative=coops[slug],
                                             kind=CertificationKind(kind), number=number,
                                             issuer=issuer, valid_until=valid_until))
    db.session.flush()


def _ensure_floors() -> None:
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    have = {(f.category_id, f.unit) for f in db.session.scalars(select(FloorPrice))}
    for slug, unit, cents in FLOORS:
        if (categories[slug].id, unit) not in have:
            db.session.add(FloorPrice(category=categories[slug], unit=unit,
                                      cents_per_reference=cents))
    db.session.flush()


def _ensure_logos() -> None:
    for number, coop in enumerate(db.session.scalars(select(Cooperative).order_by(Cooperative.id))):
        if coop.logo_key is None:
            coop.logo_key = process_image(draw_logo(coop.legal_name, number, size=480),
                                          get_storage()).key
    db.session.flush()


def write_demo_csv(folder: Path) -> Path:
    """Write the demo catalog CSV and its pictures into ``folder``."""
    path = folder / "catalog.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        for number, (coop, category, art, certs, fr, ar, en, dfr, dar, den, variants) in \
                enumerate(PRODUCTS, start=1):
            image = f"p{number:02d}.png"
            (folder / image).write_bytes(draw_product(art, number, size=960))
            for index, (quantity, unit, price, stock, weight) in enumerate(variants):
                writer.writerow({
                    "cooperative": coop, "sku": f"{coop[:4].upper()}-{number:02d}-{index + 1}",
                    "category": category, "name_ar": ar, "name_fr": fr, "name_en": en,
                    "description_ar": dar, "description_fr": dfr, "description_en": den,
                    "price_mad": price, "stock": stock, "weight_g": weight,
                    "unit_quantity": quantity, "unit": unit, "certifications": certs,
                    "image": image if index == 0 else "",
                })
    return path


def seed_catalog() -> list[str]:
    """Categories, certificates and products (through the catalog import)."""
    ensure_default_categories()
    _ensure_certificates()
    _ensure_floors()
    _ensure_logos()
    with tempfile.TemporaryDirectory() as tmp:
        report = import_file(write_demo_csv(Path(tmp)), get_storage())
    if not report.ok:
        raise RuntimeError("demo catalog rejected: " + "; ".join(map(str, report.errors)))
    return [f"Demo catalog: {len(PRODUCTS)} products "
            f"({report.products_created} new, {report.unchanged} variants unchanged)"]
