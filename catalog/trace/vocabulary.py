"""The words of a lot's story: event types, steps, GS1 business steps, units, materials."""

from __future__ import annotations

import enum
import re

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


class EventType(enum.StrEnum):
    """The EPCIS 2.0 event types a cooperative records."""

    OBJECT = "ObjectEvent"
    TRANSFORMATION = "TransformationEvent"


#: The event types in plain words, for the forms.
EVENT_TYPE_LABELS: dict[EventType, LazyString] = {
    EventType.OBJECT: _l("Something done to the lot or checked"),
    EventType.TRANSFORMATION: _l("Materials turned into others"),
}


class Action(enum.StrEnum):
    """EPCIS action of an ObjectEvent."""

    ADD = "ADD"
    OBSERVE = "OBSERVE"
    DELETE = "DELETE"


class Step(enum.StrEnum):
    """What happened to the lot, in the cooperatives' own words."""

    HARVESTING = "harvesting"
    COLLECTING = "collecting"
    DRYING = "drying"
    CRACKING = "cracking"
    ROASTING = "roasting"
    PRESSING = "pressing"
    FILTERING = "filtering"
    SEPARATING = "separating"
    SORTING = "sorting"
    EXTRACTING = "extracting"
    GRINDING = "grinding"
    MIXING = "mixing"
    ROLLING = "rolling"
    DISTILLING = "distilling"
    WEAVING = "weaving"
    SHAPING = "shaping"
    FIRING = "firing"
    BOTTLING = "bottling"
    PACKING = "packing"
    LAB_TEST = "lab_test"
    AUDIT = "audit"
    STORING = "storing"
    SHIPPING = "shipping"


STEP_LABELS: dict[Step, LazyString] = {
    Step.HARVESTING: _l("Harvest"),
    Step.COLLECTING: _l("Collection"),
    Step.DRYING: _l("Drying"),
    Step.CRACKING: _l("Cracking"),
    Step.ROASTING: _l("Roasting"),
    Step.PRESSING: _l("Pressing"),
    Step.FILTERING: _l("Filtering"),
    Step.SEPARATING: _l("Separation"),
    Step.SORTING: _l("Sorting"),
    Step.EXTRACTING: _l("Honey extraction"),
    Step.GRINDING: _l("Grinding"),
    Step.MIXING: _l("Mixing"),
    Step.ROLLING: _l("Rolling"),
    Step.DISTILLING: _l("Distillation"),
    Step.WEAVING: _l("Weaving"),
    Step.SHAPING: _l("Shaping"),
    Step.FIRING: _l("Kiln firing"),
    Step.BOTTLING: _l("Bottling"),
    Step.PACKING: _l("Packing"),
    Step.LAB_TEST: _l("Laboratory test"),
    Step.AUDIT: _l("Certification audit"),
    Step.STORING: _l("Storage"),
    Step.SHIPPING: _l("Shipping"),
}

#: The GS1 CBV 2.0 business step each step is exported as (every step has one:
#: the EPCIS schema refuses anything else). Our finer step travels alongside as
#: ``taawon:step``. The choices follow the CBV's own definitions:
#:
#: - ``commissioning``: a class-level identifier used for the first time;
#:   the CBV names harvesting and picking among its cases.
#: - ``creating_class_instance``: "an instance or increased quantity of a
#:   class-level identifier is produced", and may repeat for the same lot (the
#:   CBV's examples: ingredients combined into a batch, potatoes sorted and
#:   washed). Our quantities are class-level (a lot, a material of a lot), so
#:   every processing step, and bottling, which makes the lot's units, is one.
#: - ``packing``: putting objects into a larger container.
#: - ``sampling``: a laboratory test destroys the portion it examines;
#:   ``inspecting`` is the non-destructive review of an audit.
#: - ``storing`` and ``shipping`` as such.
#:
#: There is no "transforming" in the CBV: the event type says that.
CBV_BIZ_STEPS: dict[Step, str] = {
    Step.HARVESTING: "commissioning",
    Step.COLLECTING: "commissioning",
    Step.DRYING: "creating_class_instance",
    Step.CRACKING: "creating_class_instance",
    Step.ROASTING: "creating_class_instance",
    Step.PRESSING: "creating_class_instance",
    Step.FILTERING: "creating_class_instance",
    Step.SEPARATING: "creating_class_instance",
    Step.SORTING: "creating_class_instance",
    Step.EXTRACTING: "creating_class_instance",
    Step.GRINDING: "creating_class_instance",
    Step.MIXING: "creating_class_instance",
    Step.ROLLING: "creating_class_instance",
    Step.DISTILLING: "creating_class_instance",
    Step.WEAVING: "creating_class_instance",
    Step.SHAPING: "creating_class_instance",
    Step.FIRING: "creating_class_instance",
    Step.BOTTLING: "creating_class_instance",
    Step.PACKING: "packing",
    Step.LAB_TEST: "sampling",
    Step.AUDIT: "inspecting",
    Step.STORING: "storing",
    Step.SHIPPING: "shipping",
}
#: The CBV's word for a step it has no name for.
CBV_OTHER = "other"


def cbv_biz_step(step: str) -> str:
    """The CBV business step of one of our steps (``other`` for an unknown one)."""
    try:
        return CBV_BIZ_STEPS[Step(step)]
    except ValueError:
        return CBV_OTHER


#: UN/ECE Recommendation 20 unit codes accepted for quantities.
UOMS = frozenset({"KGM", "GRM", "LTR", "MLT", "H87"})
#: The units in plain words, for the forms (a cooperative never types "KGM").
UOM_NAMES: dict[str, LazyString] = {
    "KGM": _l("kilograms"),
    "GRM": _l("grams"),
    "LTR": _l("litres"),
    "MLT": _l("millilitres"),
    "H87": _l("pieces"),
}
UOM_LABELS: dict[str, LazyString] = {
    "KGM": _l("%(qty)s kg"),
    "GRM": _l("%(qty)s g"),
    "LTR": _l("%(qty)s L"),
    "MLT": _l("%(qty)s ml"),
}

#: Material names shown on the trace page; ``lot`` is the lot's own product.
MATERIAL_LOT = "lot"
MATERIALS: dict[str, LazyString] = {
    "argan-fruit": _l("Argan fruit"),
    "argan-nuts": _l("Dried argan nuts"),
    "argan-kernels": _l("Argan kernels"),
    "argan-oil": _l("Argan oil"),
    "crocus-flowers": _l("Saffron crocus flowers"),
    "saffron-stigmas": _l("Saffron stigmas"),
    "honeycomb": _l("Honeycomb frames"),
    "honey": _l("Honey"),
    "almonds": _l("Almonds"),
    "amlou": _l("Amlou paste"),
    "dates": _l("Dates"),
    "olives": _l("Olives"),
    "olive-oil": _l("Olive oil"),
    "grain": _l("Grain"),
    "semolina": _l("Semolina"),
    "couscous": _l("Couscous"),
    "rose-petals": _l("Rose petals"),
    "rose-water": _l("Rose water"),
    "raw-ingredients": _l("Raw ingredients"),
    "wool": _l("Wool"),
    "palm-leaves": _l("Palm leaves"),
    "clay": _l("Clay"),
    "finished-goods": _l("Finished pieces"),
}

MATERIAL = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
LANGS = ("ar", "fr", "en")


class ContributionKind(enum.StrEnum):
    """What a member brought to a lot."""

    KG_SUPPLIED = "kg_supplied"
    HOURS_WORKED = "hours_worked"
