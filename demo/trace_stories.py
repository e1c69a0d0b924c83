"""The demo lots' stories: each product's steps, from harvest to the shelf (data).

Read by ``demo.traces``; one tuple of ``DemoStep`` per kind of product.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, timezone

from catalog.trace import (
    Action,
    Step,
)

#: Morocco keeps UTC+1 outside Ramadan; every demo date is outside it.
MOROCCO = timezone(timedelta(hours=1))

#: Fictional members (names stay private: the public sees counts only).
WOMEN = (
    "Fatima Id Belaid",
    "Aicha Ouchen",
    "Khadija Boutchich",
    "Zahra Ait Lahcen",
    "Rkia Oubella",
    "Naima Akhiyat",
    "Hafsa Idrissi",
    "Malika Amzil",
)
MEN = ("Lahcen Oukhouya", "Brahim Ait Ouaziz", "Hassan Amrani", "Mohamed Tazi")


@dataclass(frozen=True)
class DemoStep:
    """One event of a demo chain; quantities are factors of the lot's bulk amount."""

    step: Step
    day: int
    hour: int
    #: (material, factor of the bulk amount, unit); material "lot" counts the units.
    inputs: tuple[tuple[str, float, str], ...]
    outputs: tuple[tuple[str, float, str], ...]
    texts: tuple[str, str, str]  # fr, ar, en
    action: Action | None = None  # set for an ObjectEvent
    evidence: str | None = None  # "pdf" or "photo"
    place: str = ""


LOT = ("lot", 1, "H87")


def _obs(
    step: Step,
    day: int,
    hour: int,
    texts: tuple[str, str, str],
    *,
    evidence: str | None = None,
    place: str = "",
) -> DemoStep:
    """An observation of the finished lot (lab test, audit, storage)."""
    return DemoStep(step, day, hour, (), (LOT,), texts, Action.OBSERVE, evidence, place)


LAB = "Laboratoire régional ONSSA, Agadir"
ARGAN_FILTERING = DemoStep(
    Step.FILTERING,
    33,
    9,
    (("argan-oil", 1.05, "LTR"),),
    (("argan-oil", 1, "LTR"),),
    (
        "Décantation pendant deux jours puis filtration sur papier.",
        "ترسيب لمدة يومين ثم ترشيح بالورق.",
        "Left to settle for two days, then paper-filtered.",
    ),
)
ARGAN = (
    DemoStep(
        Step.COLLECTING,
        0,
        7,
        (),
        (("argan-fruit", 40, "KGM"),),
        (
            "Ramassage des fruits tombés sous les arganiers de la commune, par 12 femmes.",
            "جمع ثمار الأركان المتساقطة تحت أشجار الجماعة من طرف 12 امرأة.",
            "Fallen fruit gathered under the commune's argan trees by 12 women.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.DRYING,
        1,
        9,
        (("argan-fruit", 40, "KGM"),),
        (("argan-nuts", 26, "KGM"),),
        (
            "Séchage au soleil sur les terrasses pendant trois semaines, puis dépulpage.",
            "تجفيف تحت الشمس فوق السطوح لمدة ثلاثة أسابيع ثم نزع اللب.",
            "Sun-dried on the terraces for three weeks, then the pulp removed.",
        ),
    ),
    DemoStep(
        Step.CRACKING,
        24,
        8,
        (("argan-nuts", 26, "KGM"),),
        (("argan-kernels", 2.6, "KGM"),),
        (
            "Concassage à la main entre deux pierres : chaque noix est ouverte une à une.",
            "تكسير يدوي بين حجرين: تُفتح كل جوزة على حدة.",
            "Cracked by hand between two stones, one nut at a time.",
        ),
        evidence="photo",
    ),
    DemoStep(
        Step.ROASTING,
        30,
        10,
        (("argan-kernels", 2.6, "KGM"),),
        (("argan-kernels", 2.5, "KGM"),),
        (
            "Torréfaction douce des amandons au feu de bois, pour le goût de noisette.",
            "تحميص خفيف للوز على نار الحطب لطعم البندق.",
            "Kernels gently roasted over a wood fire for the hazelnut taste.",
        ),
    ),
    DemoStep(
        Step.PRESSING,
        31,
        9,
        (("argan-kernels", 2.5, "KGM"),),
        (("argan-oil", 1.05, "LTR"),),
        (
            "Pressage à froid dans la presse de la coopérative.",
            "عصر على البارد في معصرة التعاونية.",
            "Cold-pressed in the cooperative's press.",
        ),
    ),
    ARGAN_FILTERING,
    DemoStep(
        Step.BOTTLING,
        35,
        10,
        (("argan-oil", 1, "LTR"),),
        (LOT,),
        (
            "Mise en bouteilles de verre teinté, étiquetage du lot.",
            "تعبئة في قنينات زجاجية داكنة ووضع ملصق الحصة.",
            "Filled into tinted glass bottles and labelled with the lot code.",
        ),
    ),
    _obs(
        Step.LAB_TEST,
        42,
        11,
        (
            "Analyse : acidité 0,3 %, indice de peroxyde conforme à la norme NM 08.5.090.",
            "تحليل: حموضة 0,3 % ومؤشر البيروكسيد مطابق للمعيار NM 08.5.090.",
            "Analysis: acidity 0.3%, peroxide value within standard NM 08.5.090.",
        ),
        evidence="pdf",
        place=LAB,
    ),
)
#: The demo's correction: on the first lot, the filtered volume was typed 1.5 times
#: too large, and a correction event fixes it.
ARGAN_TYPO = DemoStep(
    Step.FILTERING,
    33,
    9,
    ARGAN_FILTERING.inputs,
    (("argan-oil", 1.5, "LTR"),),
    ARGAN_FILTERING.texts,
)
ARGAN_CORRECTION = DemoStep(
    Step.FILTERING,
    33,
    9,
    ARGAN_FILTERING.inputs,
    ARGAN_FILTERING.outputs,
    (
        "Correction : le volume filtré est celui mis en bouteilles, pas 1,5 fois plus.",
        "تصحيح: الحجم المرشح هو الحجم المعبأ وليس أكثر بمرة ونصف.",
        "Correction: the filtered volume is the bottled volume, not 1.5 times more.",
    ),
)
COSMETIC_ARGAN = tuple(step for step in ARGAN if step.step != Step.ROASTING)

SAFFRON = (
    DemoStep(
        Step.HARVESTING,
        0,
        6,
        (),
        (("crocus-flowers", 0.17, "KGM"),),
        (
            "Cueillette des fleurs de crocus à l’aube, avant qu’elles ne s’ouvrent.",
            "قطف أزهار الزعفران عند الفجر قبل أن تتفتح.",
            "Crocus flowers picked at dawn, before they open.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.SEPARATING,
        0,
        10,
        (("crocus-flowers", 0.17, "KGM"),),
        (("saffron-stigmas", 5, "GRM"),),
        (
            "Émondage : les trois stigmates rouges sont séparés à la main, fleur par fleur.",
            "التنقية: تُفصل المياسم الحمراء الثلاثة يدويًا زهرة بزهرة.",
            "The three red stigmas are separated by hand, flower by flower.",
        ),
        evidence="photo",
    ),
    DemoStep(
        Step.DRYING,
        1,
        9,
        (("saffron-stigmas", 5, "GRM"),),
        (("saffron-stigmas", 1, "GRM"),),
        (
            "Séchage à l’ombre dans une pièce aérée : les stigmates perdent 80 % de leur poids.",
            "تجفيف في الظل داخل غرفة مهواة: تفقد المياسم 80 % من وزنها.",
            "Shade-dried in an airy room: the stigmas lose 80% of their weight.",
        ),
    ),
    DemoStep(
        Step.PACKING,
        12,
        10,
        (("saffron-stigmas", 1, "GRM"),),
        (LOT,),
        (
            "Pesée et mise en boîtes hermétiques à l’abri de la lumière.",
            "وزن وتعبئة في علب محكمة بعيدًا عن الضوء.",
            "Weighed and packed in airtight, light-proof boxes.",
        ),
    ),
    _obs(
        Step.LAB_TEST,
        20,
        11,
        (
            "Norme ISO 3632 : catégorie I, crocine 245, safranal 32.",
            "معيار ISO 3632: الصنف الأول، الكروسين 245، السافرانال 32.",
            "ISO 3632: category I, crocin 245, safranal 32.",
        ),
        evidence="pdf",
        place=LAB,
    ),
)

HONEY = (
    DemoStep(
        Step.HARVESTING,
        0,
        8,
        (),
        (("honeycomb", 1.6, "KGM"),),
        (
            "Récolte des cadres operculés dans les ruchers de montagne.",
            "جني الإطارات المختومة من مناحل الجبل.",
            "Capped frames taken from the mountain apiaries.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.EXTRACTING,
        1,
        9,
        (("honeycomb", 1.6, "KGM"),),
        (("honey", 1.05, "KGM"),),
        (
            "Désoperculation et extraction à froid par centrifugeuse manuelle.",
            "نزع الأغطية واستخلاص على البارد بفرازة يدوية.",
            "Uncapped and cold-extracted in a hand-turned centrifuge.",
        ),
    ),
    DemoStep(
        Step.FILTERING,
        2,
        9,
        (("honey", 1.05, "KGM"),),
        (("honey", 1, "KGM"),),
        (
            "Filtration grossière et maturation trois semaines en maturateur inox.",
            "ترشيح خفيف ثم إنضاج لمدة ثلاثة أسابيع في خزان من الفولاذ.",
            "Coarse-filtered, then matured for three weeks in a steel tank.",
        ),
    ),
    DemoStep(
        Step.PACKING,
        24,
        10,
        (("honey", 1, "KGM"),),
        (LOT,),
        (
            "Mise en pots de verre, sans chauffage.",
            "تعبئة في برطمانات زجاجية دون تسخين.",
            "Filled into glass jars without heating.",
        ),
    ),
    _obs(
        Step.LAB_TEST,
        30,
        11,
        (
            "Humidité 17,2 %, HMF 8 mg/kg : miel non chauffé.",
            "الرطوبة 17,2 % وHMF ‏8 ملغ/كغ: عسل غير مسخن.",
            "Moisture 17.2%, HMF 8 mg/kg: unheated honey.",
        ),
        evidence="pdf",
        place=LAB,
    ),
)

AMLOU = (
    DemoStep(
        Step.COLLECTING,
        0,
        9,
        (),
        (("almonds", 0.5, "KGM"), ("argan-oil", 0.3, "LTR"), ("honey", 0.2, "KGM")),
        (
            "Réception des amandes beldi, de l’huile d’argan et du miel des membres.",
            "استلام اللوز البلدي وزيت الأركان والعسل من الأعضاء.",
            "Beldi almonds, argan oil and honey received from members.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.ROASTING,
        1,
        9,
        (("almonds", 0.5, "KGM"),),
        (("almonds", 0.48, "KGM"),),
        (
            "Torréfaction des amandes dans un plat en terre.",
            "تحميص اللوز في طاجين من الطين.",
            "Almonds roasted in an earthenware dish.",
        ),
    ),
    DemoStep(
        Step.GRINDING,
        1,
        14,
        (("almonds", 0.48, "KGM"), ("argan-oil", 0.3, "LTR"), ("honey", 0.2, "KGM")),
        (("amlou", 1, "KGM"),),
        (
            "Broyage à la meule de pierre avec l’huile d’argan, puis ajout du miel.",
            "طحن بالرحى الحجرية مع زيت الأركان ثم إضافة العسل.",
            "Ground on the stone mill with argan oil, then honey stirred in.",
        ),
    ),
    DemoStep(
        Step.PACKING,
        2,
        10,
        (("amlou", 1, "KGM"),),
        (LOT,),
        (
            "Mise en pots le lendemain.",
            "تعبئة في برطمانات في اليوم الموالي.",
            "Jarred the next day.",
        ),
    ),
    _obs(
        Step.LAB_TEST,
        9,
        11,
        (
            "Contrôle microbiologique conforme.",
            "مراقبة ميكروبيولوجية مطابقة.",
            "Microbiological check passed.",
        ),
        evidence="pdf",
        place=LAB,
    ),
)

DATES = (
    DemoStep(
        Step.HARVESTING,
        0,
        7,
        (),
        (("dates", 1.3, "KGM"),),
        (
            "Cueillette des régimes dans la palmeraie, irriguée par la khettara.",
            "جني العراجين في الواحة المسقية بالخطارة.",
            "Bunches cut in the palm grove watered by the khettara.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.SORTING,
        1,
        8,
        (("dates", 1.3, "KGM"),),
        (("dates", 1, "KGM"),),
        (
            "Tri et calibrage à la main ; les dattes abîmées vont au bétail.",
            "فرز ومعايرة يدويًا؛ التمور المتضررة تذهب للماشية.",
            "Sorted and graded by hand; damaged dates feed the livestock.",
        ),
    ),
    DemoStep(
        Step.PACKING,
        2,
        9,
        (("dates", 1, "KGM"),),
        (LOT,),
        (
            "Conditionnement en barquettes dans l’unité de la coopérative.",
            "تعبئة في علب داخل وحدة التعاونية.",
            "Packed into trays in the cooperative's unit.",
        ),
    ),
    _obs(
        Step.STORING,
        2,
        16,
        (
            "Stockage en chambre froide à 4 °C.",
            "تخزين في غرفة تبريد في 4 درجات.",
            "Kept in a cold room at 4 °C.",
        ),
    ),
    _obs(
        Step.AUDIT,
        40,
        10,
        (
            "Audit de l’IGP Mejhoul du Tafilalet : lot conforme.",
            "تدقيق البيان الجغرافي المحمي: الحصة مطابقة.",
            "PGI audit: the lot conforms.",
        ),
        evidence="pdf",
    ),
)

OLIVE = (
    DemoStep(
        Step.HARVESTING,
        0,
        7,
        (),
        (("olives", 6, "KGM"),),
        (
            "Gaulage et cueillette à la main des Picholine sur des filets.",
            "جني زيتون البيشولين يدويًا فوق الشباك.",
            "Picholine olives hand-picked onto nets.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.PRESSING,
        0,
        13,
        (("olives", 6, "KGM"),),
        (("olive-oil", 1.02, "LTR"),),
        (
            "Extraction à froid moins de six heures après la cueillette.",
            "استخلاص على البارد في أقل من ست ساعات بعد الجني.",
            "Cold-extracted less than six hours after picking.",
        ),
    ),
    DemoStep(
        Step.FILTERING,
        3,
        9,
        (("olive-oil", 1.02, "LTR"),),
        (("olive-oil", 1, "LTR"),),
        ("Filtration sur coton.", "ترشيح بالقطن.", "Cotton-filtered."),
    ),
    DemoStep(
        Step.BOTTLING,
        6,
        10,
        (("olive-oil", 1, "LTR"),),
        (LOT,),
        (
            "Mise en bouteilles sous azote.",
            "تعبئة في قنينات تحت الآزوت.",
            "Bottled under nitrogen.",
        ),
    ),
    _obs(
        Step.LAB_TEST,
        12,
        11,
        ("Acidité 0,4 %, vierge extra.", "حموضة 0,4 %، بكر ممتاز.", "Acidity 0.4%, extra virgin."),
        evidence="pdf",
        place=LAB,
    ),
)

COUSCOUS = (
    DemoStep(
        Step.COLLECTING,
        0,
        9,
        (),
        (("grain", 1.3, "KGM"),),
        (
            "Réception du grain des champs des membres.",
            "استلام الحبوب من حقول الأعضاء.",
            "Grain received from members' fields.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.GRINDING,
        1,
        8,
        (("grain", 1.3, "KGM"),),
        (("semolina", 1.1, "KGM"),),
        (
            "Mouture en semoule au moulin du village.",
            "طحن إلى سميد في مطحنة القرية.",
            "Milled into semolina at the village mill.",
        ),
    ),
    DemoStep(
        Step.ROLLING,
        2,
        8,
        (("semolina", 1.1, "KGM"),),
        (("couscous", 1.05, "KGM"),),
        (
            "Roulage à la main dans le tbag, puis cuisson à la vapeur.",
            "فتل يدوي في الطبق ثم طهي بالبخار.",
            "Hand-rolled in the tbag, then steamed.",
        ),
    ),
    DemoStep(
        Step.DRYING,
        3,
        9,
        (("couscous", 1.05, "KGM"),),
        (("couscous", 1, "KGM"),),
        (
            "Séchage au soleil sur des draps pendant deux jours.",
            "تجفيف في الشمس على أغطية لمدة يومين.",
            "Sun-dried on sheets for two days.",
        ),
    ),
    DemoStep(
        Step.PACKING,
        5,
        10,
        (("couscous", 1, "KGM"),),
        (LOT,),
        ("Tamisage et ensachage.", "غربلة وتعبئة في أكياس.", "Sieved and bagged."),
    ),
)

ROSE = (
    DemoStep(
        Step.HARVESTING,
        0,
        5,
        (),
        (("rose-petals", 1, "KGM"),),
        (
            "Cueillette des roses de Damas à l’aube, quand le parfum est le plus fort.",
            "قطف الورد الدمشقي عند الفجر حين يكون العطر في أوجه.",
            "Damask roses picked at dawn, when the scent is strongest.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.DISTILLING,
        0,
        10,
        (("rose-petals", 1, "KGM"),),
        (("rose-water", 1, "LTR"),),
        (
            "Distillation à la vapeur dans l’alambic en cuivre de la coopérative.",
            "تقطير بالبخار في إنبيق التعاونية النحاسي.",
            "Steam-distilled in the cooperative's copper still.",
        ),
    ),
    DemoStep(
        Step.BOTTLING,
        3,
        10,
        (("rose-water", 1, "LTR"),),
        (LOT,),
        ("Mise en flacons.", "تعبئة في قنينات.", "Bottled."),
    ),
    _obs(
        Step.LAB_TEST,
        10,
        11,
        (
            "Contrôle microbiologique conforme.",
            "مراقبة ميكروبيولوجية مطابقة.",
            "Microbiological check passed.",
        ),
        evidence="pdf",
        place=LAB,
    ),
)

COSMETICS = (
    DemoStep(
        Step.COLLECTING,
        0,
        9,
        (),
        (("raw-ingredients", 1.1, "KGM"),),
        (
            "Réception des huiles et des plantes des membres.",
            "استلام الزيوت والنباتات من الأعضاء.",
            "Oils and plants received from members.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.MIXING,
        1,
        9,
        (("raw-ingredients", 1.1, "KGM"),),
        (("raw-ingredients", 1, "KGM"),),
        (
            "Préparation à froid selon la recette de la coopérative.",
            "تحضير على البارد حسب وصفة التعاونية.",
            "Cold-made to the cooperative's recipe.",
        ),
    ),
    DemoStep(
        Step.PACKING,
        30,
        10,
        (("raw-ingredients", 1, "KGM"),),
        (LOT,),
        (
            "Conditionnement après quatre semaines de cure.",
            "تعبئة بعد أربعة أسابيع من التجفيف.",
            "Packed after four weeks of curing.",
        ),
    ),
    _obs(
        Step.LAB_TEST,
        35,
        11,
        (
            "Contrôle microbiologique conforme.",
            "مراقبة ميكروبيولوجية مطابقة.",
            "Microbiological check passed.",
        ),
        evidence="pdf",
        place=LAB,
    ),
)

CRAFTS = (
    DemoStep(
        Step.COLLECTING,
        0,
        9,
        (),
        (("wool", 1, "KGM"),),
        (
            "Laine et fibres préparées par les membres : lavage, cardage, filage.",
            "صوف وألياف تحضرها العضوات: غسل وتمشيط وغزل.",
            "Wool and fibres prepared by members: washed, carded, spun.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.WEAVING,
        5,
        9,
        (("wool", 1, "KGM"),),
        (("finished-goods", 1, "H87"),),
        (
            "Tissage ou tressage à la main, pièce par pièce.",
            "نسج أو ضفر يدوي قطعة بقطعة.",
            "Woven or plaited by hand, piece by piece.",
        ),
    ),
    DemoStep(
        Step.PACKING,
        25,
        10,
        (("finished-goods", 1, "H87"),),
        (LOT,),
        (
            "Contrôle de chaque pièce et emballage.",
            "فحص كل قطعة وتغليفها.",
            "Each piece checked and wrapped.",
        ),
    ),
)
POTTERY = (
    DemoStep(
        Step.COLLECTING,
        0,
        9,
        (),
        (("clay", 1, "KGM"),),
        (
            "Argile extraite et tamisée près du village.",
            "طين مستخرج ومغربل قرب القرية.",
            "Clay dug and sieved near the village.",
        ),
        Action.ADD,
    ),
    DemoStep(
        Step.SHAPING,
        3,
        9,
        (("clay", 1, "KGM"),),
        (("finished-goods", 1, "H87"),),
        ("Façonnage et peinture à la main.", "تشكيل وزخرفة يدويًا.", "Shaped and painted by hand."),
    ),
    DemoStep(
        Step.FIRING,
        10,
        7,
        (("finished-goods", 1, "H87"),),
        (LOT,),
        ("Cuisson au four à bois.", "طهي في فرن الحطب.", "Fired in the wood kiln."),
    ),
)

#: Per demo art kind: (first day of the harvest, days it lasts or None when nothing
#: is harvested, shelf life in days or None, lot size in litres, kilograms (grams
#: for saffron) or pieces, lot code prefix, chain).
CHAINS = {
    "argan_oil": (date(2025, 7, 8), 21, 540, 30, "ARG", ARGAN),
    "saffron": (date(2025, 10, 28), 10, 1095, 400, "SAF", SAFFRON),
    "honey": (date(2025, 6, 16), 3, 730, 60, "MIE", HONEY),
    "amlou": (date(2025, 9, 15), None, 270, 40, "AML", AMLOU),
    "dates": (date(2025, 10, 6), 10, 365, 300, "DAT", DATES),
    "olive_oil": (date(2025, 11, 3), 7, 540, 200, "OLI", OLIVE),
    "couscous": (date(2025, 9, 1), None, 365, 250, "COU", COUSCOUS),
    "cosmetics": (date(2025, 8, 18), None, 730, 20, "COS", COSMETICS),
    "crafts": (date(2025, 9, 8), None, None, 8, "ART", CRAFTS),
}
#: Demo products whose story differs from their kind's (by French name).
SPECIAL_CHAINS = {
    "Huile d’argan cosmétique pure": COSMETIC_ARGAN,
    "Eau de rose de Damas": ROSE,
    "Boutons de rose séchés": ROSE,
    "Bol en terre cuite peint": POTTERY,
}
#: Demo variants given a GTIN (Moroccan prefix 611), to show the Digital Link.
GTIN_PRODUCTS = (1, 5, 9, 24)
