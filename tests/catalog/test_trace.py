"""Traceability services: lots and ownership, the hash chain, tampering, corrections."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import text

from catalog.models import Certification, CertificationKind
from catalog.trace import (
    Action,
    AppendOnlyError,
    Contribution,
    ContributionKind,
    EventType,
    Lot,
    LotDetails,
    Place,
    Quantity,
    Step,
    TraceError,
    TraceEvent,
    canonical_json,
    create_lot,
    record_correction,
    record_trace_event,
    store_evidence,
    update_lot,
    verify_chain,
)
from producers.models import Member, MemberGender
from shop.extensions import db
from shop.storage import get_private_storage, get_storage
from tests.s3 import on_both_storages

MOROCCO = timezone(timedelta(hours=1))


@pytest.fixture
def product(make_product, make_cooperative):
    """A published argan oil of an approved cooperative."""
    return make_product(
        cooperative=make_cooperative(slug="tifaout"),
        name_fr="Huile d'argan",
        certifications=("organic",),
    )


@pytest.fixture
def lot(product):
    """A lot of the product's first variant."""
    made = create_lot(
        product.cooperative,
        product.variants[0],
        "arg-2501",
        LotDetails(
            quantity_produced=300, produced_on=date(2025, 8, 12), best_before=date(2027, 2, 3)
        ),
    )
    db.session.commit()
    return made


def add_event(lot, step=Step.PRESSING, day=1, **fields):
    """Record a transformation (or whatever ``fields`` say) on ``lot``."""
    values = dict(
        event_type=EventType.TRANSFORMATION,
        step=step,
        occurred_at=datetime(2025, 8, day, 9, 30, tzinfo=MOROCCO),
        description={"fr": f"Étape {day}", "ar": f"مرحلة {day}", "en": f"Step {day}"},
        inputs=[Quantity("argan-kernels", Decimal("75"), "KGM")],
        outputs=[Quantity("argan-oil", Decimal("31.5"), "LTR")],
    )
    values.update(fields)
    event = record_trace_event(lot, lot.cooperative, **values)
    db.session.commit()
    return event


def reload(lot: Lot) -> Lot:
    """Forget what the session holds so rows are read again from the database."""
    db.session.expire_all()
    return db.session.get(Lot, lot.id)


# ---------------------------------------------------------------- lots and ownership


def test_create_lot_defaults_and_identifiers(lot, product):
    assert lot.code == "ARG-2501"  # codes are upper-cased
    assert lot.public_id == "tifaout-arg-2501"
    assert lot.cooperative_id == product.cooperative_id
    assert lot.quantity_remaining == lot.quantity_produced == 300
    # Origin defaults to the cooperative's.
    assert (lot.commune, lot.province) == ("Taliouine", "Taroudant")
    assert lot.latitude == Decimal("30.5") and lot.longitude == Decimal("-7.9")


def test_lot_code_is_unique_within_a_cooperative_only(lot, product, make_product, make_cooperative):
    with pytest.raises(TraceError):
        create_lot(
            product.cooperative, product.variants[0], "ARG-2501", LotDetails(quantity_produced=1)
        )
    other = make_product(cooperative=make_cooperative(slug="tifaout-arg"))
    # Same code elsewhere is fine, and "tifaout-arg" + "2501" does not take
    # the first lot's public id.
    twin = create_lot(other.cooperative, other.variants[0], "2501", LotDetails(quantity_produced=1))
    assert twin.public_id == "tifaout-arg-2501-2"
    again = create_lot(
        other.cooperative, other.variants[0], "ARG-2501", LotDetails(quantity_produced=1)
    )
    assert again.public_id != lot.public_id


@pytest.mark.parametrize("code", ["", "A" * 21, "AB/12", "ÉTÉ", "A B", "-AB"])
def test_lot_code_follows_gs1_ai_10(product, code):
    with pytest.raises(TraceError):
        create_lot(product.cooperative, product.variants[0], code, LotDetails(quantity_produced=1))


def test_no_cooperative_can_touch_another_cooperatives_lots(
    lot, product, make_product, make_cooperative
):
    intruder = make_cooperative(slug="intruder")
    intruder_product = make_product(cooperative=intruder)
    # A variant of another cooperative.
    with pytest.raises(TraceError):
        create_lot(intruder, product.variants[0], "X-1", LotDetails(quantity_produced=1))
    with pytest.raises(TraceError):
        update_lot(lot, intruder, LotDetails(quantity_produced=1))
    with pytest.raises(TraceError):
        record_trace_event(
            lot,
            intruder,
            event_type=EventType.OBJECT,
            step=Step.LAB_TEST,
            action=Action.OBSERVE,
            occurred_at=datetime(2025, 8, 1, tzinfo=MOROCCO),
            description={"en": "x"},
            outputs=[Quantity("lot", Decimal(1), "H87")],
        )
    event = add_event(lot)
    with pytest.raises(TraceError):
        record_correction(
            event,
            intruder,
            event_type=EventType.TRANSFORMATION,
            step=Step.PRESSING,
            occurred_at=datetime(2025, 8, 1, tzinfo=MOROCCO),
            description={"en": "x"},
            inputs=event_quantities(),
            outputs=event_quantities(),
        )
    # Certificates and members of another cooperative cannot be attached.
    foreign_cert = Certification(cooperative=intruder, kind=CertificationKind.ORGANIC)
    foreign_member = Member(cooperative=intruder, full_name="Someone")
    db.session.add_all([foreign_cert, foreign_member])
    db.session.flush()
    with pytest.raises(TraceError):
        create_lot(
            product.cooperative,
            product.variants[0],
            "X-2",
            LotDetails(quantity_produced=1),
            certifications=[foreign_cert],
        )
    with pytest.raises(TraceError):
        update_lot(
            lot,
            product.cooperative,
            LotDetails(quantity_produced=1),
            contributions=[Contribution(foreign_member, ContributionKind.KG_SUPPLIED, Decimal(3))],
        )
    assert intruder_product.cooperative_id == intruder.id
    assert db.session.scalar(db.select(db.func.count(Lot.id))) == 1


def event_quantities() -> list[Quantity]:
    return [Quantity("argan-oil", Decimal(1), "LTR")]


def test_update_lot_keeps_identity_and_sold_units(lot, product):
    cert = product.certifications[0]
    member = Member(cooperative=product.cooperative, full_name="Fatima", gender=MemberGender.FEMALE)
    db.session.add(member)
    lot.quantity_remaining = 250  # 50 sold
    update_lot(
        lot,
        product.cooperative,
        LotDetails(
            quantity_produced=320,
            commune="Aït Baha",
            latitude=Decimal("30.0675"),
            longitude=Decimal("-9.1536"),
        ),
        certifications=[cert],
        contributions=[Contribution(member, ContributionKind.KG_SUPPLIED, Decimal("12.5"))],
    )
    db.session.commit()
    assert (lot.code, lot.public_id) == ("ARG-2501", "tifaout-arg-2501")
    assert (lot.quantity_produced, lot.quantity_remaining) == (320, 270)
    assert lot.commune == "Aït Baha" and lot.certifications == [cert]
    assert lot.contributions[0].amount == Decimal("12.5")
    with pytest.raises(TraceError):  # 50 were sold already
        update_lot(lot, product.cooperative, LotDetails(quantity_produced=40))
    with pytest.raises(TraceError):
        update_lot(
            lot,
            product.cooperative,
            LotDetails(
                quantity_produced=400, harvest_start=date(2025, 8, 2), harvest_end=date(2025, 8, 1)
            ),
        )
    with pytest.raises(TraceError):
        update_lot(
            lot, product.cooperative, LotDetails(quantity_produced=400, latitude=Decimal("30"))
        )


def test_database_checks_hold_quantities(lot):
    lot.quantity_remaining = -1
    with pytest.raises(Exception, match=r"(?i)check"):
        db.session.commit()
    db.session.rollback()
    lot = reload(lot)
    lot.quantity_remaining = lot.quantity_produced + 1
    with pytest.raises(Exception, match=r"(?i)check"):
        db.session.commit()
    db.session.rollback()


# ---------------------------------------------------------------- the chain


def test_events_are_hash_chained(lot):
    first = add_event(
        lot,
        Step.COLLECTING,
        1,
        event_type=EventType.OBJECT,
        action=Action.ADD,
        inputs=[],
        outputs=[Quantity("argan-fruit", Decimal("1200"), "KGM")],
    )
    second = add_event(lot, Step.PRESSING, 2)
    assert (first.sequence, second.sequence) == (1, 2)
    assert first.prev_hash == hashlib.sha256(b"taawon-lot\ntifaout-arg-2501").hexdigest()
    assert second.prev_hash == first.hash
    for event in (first, second):
        assert event.hash == hashlib.sha256((event.prev_hash + event.payload).encode()).hexdigest()
        # The stored payload is the canonical JSON of what was recorded.
        assert event.payload == canonical_json(json.loads(event.payload))
    data = second.data
    assert data["eventTime"] == "2025-08-02T09:30:00+01:00"
    assert data["eventTimeZoneOffset"] == "+01:00"
    assert data["bizStep"] == "creating_class_instance" and data["step"] == "pressing"
    assert data["outputs"] == [{"material": "argan-oil", "quantity": "31.5", "uom": "LTR"}]
    assert data["description"]["ar"] == "مرحلة 2"
    assert data["place"] == {"name": "Taliouine", "latitude": "30.5", "longitude": "-7.9"}
    assert first.data["action"] == "ADD" and first.data["bizStep"] == "commissioning"
    status = verify_chain(reload(lot))
    assert status.ok and status.broken_at is None and status.head == second.hash


def test_event_validation(lot):
    moment = datetime(2025, 8, 1, 9, tzinfo=MOROCCO)
    base = dict(
        event_type=EventType.TRANSFORMATION,
        step=Step.PRESSING,
        occurred_at=moment,
        description={"fr": "x"},
        inputs=event_quantities(),
        outputs=event_quantities(),
    )
    bad = [
        {"occurred_at": datetime(2025, 8, 1, 9)},  # no offset
        {"occurred_at": datetime.now(MOROCCO) + timedelta(days=2)},
        {"inputs": []},  # a transformation needs both
        {"action": Action.ADD},
        {"event_type": EventType.OBJECT},  # no action
        {"outputs": [Quantity("argan-oil", Decimal(1), "LITRE")]},
        {"outputs": [Quantity("argan-oil", Decimal(0), "LTR")]},
        {"outputs": [Quantity("lot", Decimal("1.5"), "H87")]},
        {"outputs": [Quantity("Argan Oil!", Decimal(1), "LTR")]},
        {"description": {}},
        {"description": {"de": "Pressen"}},
        {"place": Place("Lab", latitude=Decimal("30"))},
    ]
    for change in bad:
        with pytest.raises(TraceError):
            record_trace_event(lot, lot.cooperative, **{**base, **change})
    assert db.session.scalar(db.select(db.func.count(TraceEvent.id))) == 0


def test_events_are_append_only_in_the_orm(lot):
    event = add_event(lot)
    event.payload = event.payload.replace("31.5", "40")
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    event = db.session.get(TraceEvent, event.id)
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert verify_chain(reload(lot)).ok


# ---------------------------------------------------------------- tampering


@pytest.fixture
def chained(lot):
    """A lot with three events."""
    for day, step in enumerate((Step.CRACKING, Step.PRESSING, Step.FILTERING), start=1):
        add_event(lot, step, day)
    return lot


def tamper(sql: str, **params) -> None:
    """Write to the database behind the application's back."""
    with db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_changing_a_stored_event_breaks_the_chain_there(chained):
    tamper(
        "UPDATE trace_event SET payload = REPLACE(payload, '31.5', '45') "
        "WHERE lot_id = :lot AND sequence = 2",
        lot=chained.id,
    )
    status = verify_chain(reload(chained))
    assert not status.ok and status.broken_at == 2


def test_rehashing_a_changed_event_breaks_the_next_link(chained):
    row = db.session.scalar(db.select(TraceEvent).filter_by(lot_id=chained.id, sequence=2))
    forged = row.payload.replace("31.5", "45")
    tamper(
        "UPDATE trace_event SET payload = :p, hash = :h WHERE id = :id",
        p=forged,
        h=hashlib.sha256((row.prev_hash + forged).encode()).hexdigest(),
        id=row.id,
    )
    status = verify_chain(reload(chained))
    assert not status.ok and status.broken_at == 3


def test_changing_a_hash_is_detected(chained):
    tamper(
        "UPDATE trace_event SET hash = :h WHERE lot_id = :lot AND sequence = 1",
        h="0" * 64,
        lot=chained.id,
    )
    assert verify_chain(reload(chained)).broken_at == 1


def test_removing_an_event_is_detected(chained):
    # Renumbering the last event to close the gap still breaks its link.
    tamper("DELETE FROM trace_event WHERE lot_id = :lot AND sequence = 2", lot=chained.id)
    assert verify_chain(reload(chained)).broken_at == 2
    tamper(
        "UPDATE trace_event SET sequence = 2 WHERE lot_id = :lot AND sequence = 3", lot=chained.id
    )
    assert verify_chain(reload(chained)).broken_at == 2


def test_moving_an_event_to_another_lot_is_detected(chained, product):
    other = create_lot(
        product.cooperative, product.variants[0], "ARG-2502", LotDetails(quantity_produced=10)
    )
    db.session.commit()
    tamper(
        "UPDATE trace_event SET lot_id = :other WHERE lot_id = :lot AND sequence = 1",
        other=other.id,
        lot=chained.id,
    )
    assert verify_chain(reload(other)).broken_at == 1
    assert verify_chain(reload(chained)).broken_at == 1


def test_unreadable_payload_is_a_break_not_a_crash(chained):
    tamper(
        "UPDATE trace_event SET payload = 'not json' WHERE lot_id = :lot AND sequence = 3",
        lot=chained.id,
    )
    assert verify_chain(reload(chained)).broken_at == 3


# ---------------------------------------------------------------- corrections


def test_a_correction_is_a_new_event_pointing_to_the_old_one(chained):
    wrong = db.session.scalar(db.select(TraceEvent).filter_by(lot_id=chained.id, sequence=2))
    before = (wrong.payload, wrong.hash)
    fix = record_correction(
        wrong,
        chained.cooperative,
        event_type=EventType.TRANSFORMATION,
        step=Step.PRESSING,
        occurred_at=datetime(2025, 8, 2, 9, 30, tzinfo=MOROCCO),
        description={"fr": "Correction : 30 L, pas 31,5 L."},
        inputs=[Quantity("argan-kernels", Decimal("75"), "KGM")],
        outputs=[Quantity("argan-oil", Decimal("30"), "LTR")],
    )
    db.session.commit()
    assert fix.sequence == 4 and fix.corrects_id == wrong.id
    assert fix.data["corrects"] == {"sequence": 2, "hash": wrong.hash}
    lot = reload(chained)
    assert (lot.events[1].payload, lot.events[1].hash) == before  # never edited
    assert verify_chain(lot).ok
    with pytest.raises(TraceError):  # correct the correction instead
        record_correction(
            lot.events[1],
            lot.cooperative,
            event_type=EventType.TRANSFORMATION,
            step=Step.PRESSING,
            occurred_at=datetime(2025, 8, 2, tzinfo=MOROCCO),
            description={"fr": "encore"},
            inputs=event_quantities(),
            outputs=event_quantities(),
        )


# ---------------------------------------------------------------- evidence


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


@on_both_storages
def test_pdf_evidence_is_stored_by_content_and_hashed_into_the_event(lot):
    evidence = store_evidence(pdf_bytes())
    digest = hashlib.sha256(pdf_bytes()).hexdigest()
    # A user PDF, even public evidence, is kept out of the public media (served sandboxed).
    assert evidence.sha256 == digest and get_private_storage().read(evidence.name) == pdf_bytes()
    assert not get_storage().exists(evidence.name)
    event = add_event(
        lot,
        Step.LAB_TEST,
        3,
        event_type=EventType.OBJECT,
        action=Action.OBSERVE,
        inputs=[],
        outputs=[Quantity("lot", Decimal(300), "H87")],
        evidence=evidence,
    )
    assert event.data["evidence"] == {"kind": "pdf", "sha256": digest, "name": evidence.name}


@on_both_storages
def test_evidence_is_validated(app, lot):
    with pytest.raises(TraceError):
        store_evidence(b"%PDF-1.4 truncated")  # no end of file marker
    with pytest.raises(ValueError):  # neither a PDF nor an image
        store_evidence(b"<html><script>alert(1)</script></html>")
    app.config["EVIDENCE_MAX_BYTES"] = 100
    with pytest.raises(TraceError):
        store_evidence(pdf_bytes() + b" " * 100)


@on_both_storages
def test_photo_evidence_goes_through_the_image_pipeline(lot):
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 120, 40)).save(buffer, "JPEG")
    evidence = store_evidence(buffer.getvalue())
    assert evidence.kind == "photo" and evidence.name.endswith("-320.webp")
    assert get_storage().exists(evidence.name)
