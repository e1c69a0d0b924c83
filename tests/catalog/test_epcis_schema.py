"""Every EPCIS export passes GS1's own EPCIS 2.0 JSON schema (tests/data/gs1-epcis/).

GS1 publishes the schema; a partner's validator runs it on our
``/trace/<lot>.jsonld``. These tests run the same schema, with its ``uri`` and
``date-time`` formats checked (without them a bare word such as
``"transforming"`` passes as "another URI"), on a fixture chain that uses
every step and event kind and on every lot of the demo.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from catalog.trace import (
    Action,
    EventType,
    Evidence,
    Lot,
    LotDetails,
    Place,
    Quantity,
    Step,
    create_lot,
    record_correction,
    record_trace_event,
)
from catalog.trace.epcis import EPCIS_CONTEXT
from catalog.trace.vocabulary import CBV_BIZ_STEPS
from shop.extensions import db

DATA = Path(__file__).resolve().parents[1] / "data" / "gs1-epcis"
MOROCCO = timezone(timedelta(hours=1))
GTIN = "06111234567895"


@cache
def schema() -> dict:
    return json.loads((DATA / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))


@cache
def validator() -> Draft7Validator:
    checker = Draft7Validator.FORMAT_CHECKER
    # The formats the schema relies on must really be checked, or the test is blind.
    assert {"uri", "date-time"} <= set(checker.checkers), "pip install rfc3986-validator …"
    return Draft7Validator(schema(), format_checker=checker)


def schema_errors(document: dict) -> list[str]:
    """Every schema violation, as "path: message" lines (empty when valid)."""
    # Round-trip through JSON: what a partner receives, not our Python objects.
    document = json.loads(json.dumps(document, ensure_ascii=False))
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator().iter_errors(document)
    ]


def cbv_biz_steps() -> set[str]:
    return set(schema()["definitions"]["bizStep"]["anyOf"][1]["enum"])


# ---------------------------------------------------------------- the validator itself


def test_the_schema_refuses_a_bizstep_outside_the_cbv():
    """The check is not blind: the old export's "transforming" is refused."""
    event = {
        "type": "ObjectEvent",
        "eventTime": "2025-07-08T07:00:00+01:00",
        "eventTimeZoneOffset": "+01:00",
        "action": "OBSERVE",
        "quantityList": [{"epcClass": "urn:taawon:lot:x", "quantity": 1, "uom": "KGM"}],
    }
    document = {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-07-08T07:00:00Z",
        "epcisBody": {"eventList": [event]},
    }
    assert schema_errors(document) == []
    assert schema_errors(document | {"creationDate": "yesterday"})
    event["bizStep"] = "transforming"
    assert any("bizStep" in line for line in schema_errors(document))


def test_every_step_has_a_cbv_business_step():
    assert set(CBV_BIZ_STEPS) == set(Step)
    assert set(CBV_BIZ_STEPS.values()) <= cbv_biz_steps()


def test_the_context_is_the_versioned_one():
    assert EPCIS_CONTEXT == "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    # The shipped copy of that context defines each business step we export.
    context = (DATA / "epcis-context.jsonld").read_text(encoding="utf-8")
    for value in set(CBV_BIZ_STEPS.values()):
        assert f'"{value}": "cbv:BizStep-{value}"' in context


# ---------------------------------------------------------------- a rich fixture chain

#: Per step: event type, action, inputs, outputs (material, quantity, unit).
CHAIN: list[tuple[Step, EventType, Action | None, list, list]] = [
    (Step.HARVESTING, EventType.OBJECT, Action.ADD, [], [("crocus-flowers", "0.17", "KGM")]),
    (Step.COLLECTING, EventType.OBJECT, Action.ADD, [], [("argan-fruit", "1200", "KGM")]),
    *[
        (step, EventType.TRANSFORMATION, None, [("argan-fruit", "40", "KGM")], [out])
        for step, out in [
            (Step.DRYING, ("argan-nuts", "26", "KGM")),
            (Step.CRACKING, ("argan-kernels", "2.6", "KGM")),
            (Step.ROASTING, ("argan-kernels", "2500", "GRM")),
            (Step.PRESSING, ("argan-oil", "1050", "MLT")),
            (Step.FILTERING, ("argan-oil", "1", "LTR")),
            (Step.SEPARATING, ("saffron-stigmas", "2.5", "GRM")),
            (Step.SORTING, ("dates", "300", "KGM")),
            (Step.EXTRACTING, ("honey", "60", "KGM")),
            (Step.GRINDING, ("semolina", "250", "KGM")),
            (Step.MIXING, ("amlou", "40", "KGM")),
            (Step.ROLLING, ("couscous", "250", "KGM")),
            (Step.DISTILLING, ("rose-water", "20", "LTR")),
            (Step.WEAVING, ("finished-goods", "8", "H87")),
            (Step.SHAPING, ("finished-goods", "8", "H87")),
            (Step.FIRING, ("finished-goods", "8", "H87")),
        ]
    ],
    (
        Step.BOTTLING,
        EventType.TRANSFORMATION,
        None,
        [("argan-oil", "30", "LTR")],
        [("lot", "300", "H87")],
    ),
    (
        Step.PACKING,
        EventType.TRANSFORMATION,
        None,
        [("lot", "300", "H87")],
        [("lot", "300", "H87")],
    ),
    (Step.LAB_TEST, EventType.OBJECT, Action.OBSERVE, [], [("lot", "1", "H87")]),
    (Step.AUDIT, EventType.OBJECT, Action.OBSERVE, [], [("lot", "300", "H87")]),
    (Step.STORING, EventType.OBJECT, Action.OBSERVE, [("lot", "300", "H87")], []),
    (Step.SHIPPING, EventType.OBJECT, Action.DELETE, [], [("lot", "12", "H87")]),
]


def rich_lot(make_product, make_cooperative, *, gtin: str | None, code: str) -> Lot:
    """A lot whose story uses every step, both event types, every action and unit,
    evidence, places with and without GPS, and a correction."""
    coop = make_cooperative(slug=f"coop-{code.lower()}")
    product = make_product(cooperative=coop, name_fr="Huile d’argan")
    variant = product.variants[0]
    variant.gtin = gtin
    lot = create_lot(coop, variant, code, LotDetails(quantity_produced=300, commune="Aït Baha"))
    start = datetime(2025, 7, 1, 7, tzinfo=MOROCCO)
    events = []
    for n, (step, kind, action, inputs, outputs) in enumerate(CHAIN):
        events.append(
            record_trace_event(
                lot,
                coop,
                event_type=kind,
                step=step,
                action=action,
                occurred_at=start + timedelta(days=n, minutes=n),
                description={"fr": f"Étape {n}", "ar": f"مرحلة {n}"},
                place=Place("Taliouine", Decimal("30.53"), Decimal("-7.92")) if n % 2 else Place(),
                inputs=[Quantity(m, Decimal(q), u) for m, q, u in inputs],
                outputs=[Quantity(m, Decimal(q), u) for m, q, u in outputs],
                evidence=Evidence("pdf", "ab" * 32, "evidence/ab/x.pdf") if n == 3 else None,
            )
        )
    record_correction(
        events[3],
        coop,
        event_type=EventType.TRANSFORMATION,
        step=Step.PRESSING,
        # Recorded in the other half of the year: Casablanca's offset is then +00:00.
        occurred_at=datetime(2025, 3, 10, 9, tzinfo=UTC),
        description={"en": "The volume was wrong."},
        inputs=[Quantity("argan-kernels", Decimal("2.5"), "KGM")],
        outputs=[Quantity("argan-oil", Decimal("1.05"), "LTR")],
    )
    db.session.commit()
    return lot


@pytest.mark.parametrize("gtin", [GTIN, None])
def test_a_rich_chain_exports_a_valid_document(client, make_product, make_cooperative, gtin):
    lot = rich_lot(make_product, make_cooperative, gtin=gtin, code="ARG-2501")
    response = client.get(f"/trace/{lot.public_id}.jsonld")
    assert response.status_code == 200
    document = json.loads(response.data)
    assert schema_errors(document) == []
    assert document["@context"][0] == EPCIS_CONTEXT
    events = document["epcisBody"]["eventList"]
    assert len(events) == len(CHAIN) + 1
    assert {e["bizStep"] for e in events} <= cbv_biz_steps()
    by_step = {e["taawon:step"]: e for e in events}
    assert by_step["harvesting"]["bizStep"] == "commissioning"
    assert by_step["pressing"]["bizStep"] == "creating_class_instance"
    assert by_step["lab_test"]["bizStep"] == "sampling"
    assert by_step["shipping"]["bizStep"] == "shipping"
    assert {e["action"] for e in events if e["type"] == "ObjectEvent"} == {
        "ADD",
        "OBSERVE",
        "DELETE",
    }
    assert events[3]["errorDeclaration"]["correctiveEventIDs"] == [events[-1]["eventID"]]
    lot_classes = {
        q["epcClass"]
        for e in events
        for q in e.get("outputQuantityList", e.get("quantityList", []))
        if q["quantity"] == 300 and q["uom"] == "H87"
    }
    # The lot's own units: a GS1 Digital Link (GTIN + lot) when the size has a GTIN.
    expected = (
        f"https://id.gs1.org/01/{GTIN}/10/ARG-2501" if gtin else f"urn:taawon:lot:{lot.public_id}"
    )
    assert lot_classes == {expected}


def test_an_empty_chain_exports_a_valid_document(client, make_product, make_cooperative):
    coop = make_cooperative()
    product = make_product(cooperative=coop)
    lot = create_lot(coop, product.variants[0], "NEW-1", LotDetails(quantity_produced=5))
    db.session.commit()
    document = json.loads(client.get(f"/trace/{lot.public_id}.jsonld").data)
    assert schema_errors(document) == []
    assert document["epcisBody"]["eventList"] == []
    # Nothing recorded yet is nothing verified.
    assert document["taawon:chainVerified"] is False


# ---------------------------------------------------------------- the demo lots


@pytest.mark.slow
@pytest.mark.demo
def test_every_demo_lot_exports_a_valid_document(client):
    lots = db.session.scalars(db.select(Lot).order_by(Lot.id)).all()
    assert lots
    events = digital_links = 0
    for lot in lots:
        response = client.get(f"/trace/{lot.public_id}.jsonld")
        if response.status_code == 404:  # a cooperative not approved yet
            continue
        document = json.loads(response.data)
        assert schema_errors(document) == [], lot.public_id
        for event in document["epcisBody"]["eventList"]:
            events += 1
            assert event["bizStep"] in cbv_biz_steps()
            quantities = [
                *event.get("quantityList", []),
                *event.get("outputQuantityList", []),
            ]
            digital_links += any(
                q["epcClass"].startswith("https://id.gs1.org/01/") for q in quantities
            )
    # The demo's 206 events, and its GTIN lots' units named by their Digital Link.
    assert events > 200 and digital_links
