"""The workspace's trace-event form and the state of a lot with no event yet (issue #14).

The form speaks plain words (no UN/ECE unit codes, no EPCIS type names, no
UTC offset), takes the time as Casablanca's clock shows it, and marks the
field a missing value belongs to. A lot with no event is never "verified".
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from catalog.trace import Lot, LotDetails, TraceEvent, create_lot
from producers.models import Membership, MembershipRole
from shop.extensions import db


@pytest.fixture
def manager(make_user, make_cooperative):
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal")
    user = make_user(email="owner@amal.ma", name="Aicha")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


@pytest.fixture
def empty_lot(manager, make_product) -> Lot:
    """A lot just created: no event recorded yet."""
    _user, coop = manager
    product = make_product(cooperative=coop)
    lot = create_lot(
        coop,
        product.variants[0],
        "ARG-2611",
        LotDetails(quantity_produced=120, produced_on=date(2026, 11, 2)),
    )
    db.session.commit()
    return lot


def options_of(html: str, name: str) -> dict[str, str]:
    """A select's options: value → shown text."""
    select = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))


def field_html(html: str, field_id: str) -> str:
    """The ``<div class="field">`` holding the control ``field_id``."""
    for block in re.findall(r'<div class="field[^"]*"[^>]*>.*?</div>', html, re.S):
        if f'id="{field_id}"' in block:
            return block
    raise AssertionError(f"no field {field_id}")


EVENT = {
    "event_type": "ObjectEvent",
    "step": "collecting",
    "action": "ADD",
    "occurred_at": "2025-07-10T09:00",
    "description_fr": "Ramassage des fruits",
    "outputs-0-material": "argan-fruit",
    "outputs-0-quantity": "300",
    "outputs-0-uom": "KGM",
}


def test_the_event_form_speaks_plain_words(client, login, manager, empty_lot):
    login(client, manager[0], lang="en")
    html = client.get(f"/en/producer/amal/lots/{empty_lot.id}").get_data(as_text=True)
    assert options_of(html, "outputs-0-uom") == {
        "KGM": "kilograms",
        "GRM": "grams",
        "LTR": "litres",
        "MLT": "millilitres",
        "H87": "pieces",
    }
    kinds = options_of(html, "event_type")
    assert set(kinds) == {"ObjectEvent", "TransformationEvent"}
    assert not any("Event" in label for label in kinds.values()), kinds
    # No UTC-offset picker: the time is Casablanca's.
    assert 'name="offset"' not in html and "UTC+" not in html
    assert "Casablanca" in field_html(html, "occurred_at")
    # Prefilled with now, to the minute, as the cooperative's clock shows it.
    assert re.search(r'id="occurred_at"[^>]*value="\d{4}-\d\d-\d\dT\d\d:\d\d"', html)


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [
        # Summer: Morocco is at UTC+1.
        ("2025-07-10T09:00", "2025-07-10T09:00:00+01:00"),
        # Ramadan 2025 (23 February to 6 April): Morocco goes back to UTC+0.
        ("2025-03-10T09:00", "2025-03-10T09:00:00+00:00"),
    ],
)
def test_the_event_time_is_casablanca_time(
    client, post_form, login, manager, empty_lot, typed, recorded
):
    login(client, manager[0])
    page = f"/fr/producer/amal/lots/{empty_lot.id}"
    response = post_form(client, page, {**EVENT, "occurred_at": typed})
    assert response.status_code == 302
    event = db.session.scalar(db.select(TraceEvent))
    assert event.data["eventTime"] == recorded
    assert event.data["eventTimeZoneOffset"] == recorded[-6:]


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        ({"outputs-0-quantity": ""}, "outputs-0-quantity", "Give the quantity of this material."),
        ({"outputs-0-material": ""}, "outputs-0-material", "Choose the material of this quantity."),
        (
            {"outputs-0-material": "", "outputs-0-quantity": ""},
            "outputs-0-quantity",
            "Give the quantity this event concerns.",
        ),
        (
            {"description_fr": ""},
            "description_en",
            "Describe the event in Arabic, French or English.",
        ),
        ({"occurred_at": ""}, "occurred_at", None),
        (
            {"event_type": "TransformationEvent"},
            "inputs-0-material",
            "A transformation needs inputs and outputs.",
        ),
        (
            {"outputs-0-uom": "H87", "outputs-0-quantity": "2.5"},
            "outputs-0-quantity",
            "Pieces are counted in whole numbers.",
        ),
    ],
)
def test_a_missing_value_marks_its_field(
    client, post_form, login, manager, empty_lot, change, field_id, message
):
    login(client, manager[0], lang="en")
    page = f"/en/producer/amal/lots/{empty_lot.id}"
    response = post_form(client, page, {**EVENT, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(TraceEvent)) == 0
    field = field_html(html, field_id)
    assert 'aria-invalid="true"' in field
    assert re.search(rf'aria-describedby="[^"]*\b{field_id}-error"', field)
    assert f'id="{field_id}-error"' in field
    if message:
        assert message in field
    # Only that field is marked, and what was typed stays.
    assert html.count('aria-invalid="true"') == 1
    if change.get("outputs-0-material", "x"):
        assert re.search(
            r'<option selected value="argan-fruit">|<option value="argan-fruit" selected', html
        )
    if "description_fr" not in change:
        assert "Ramassage des fruits" in html


# ---------------------------------------------------------------- no event yet


def test_a_lot_without_events_is_not_verified(client, login, manager, empty_lot):
    public = client.get(f"/en/trace/{empty_lot.public_id}").get_data(as_text=True)
    assert "chain-empty" in public and "chain-ok" not in public
    assert "No step recorded yet" in public
    assert "events checked" not in public and "event checked" not in public
    label = client.get(f"/en/trace/{empty_lot.public_id}/label").get_data(as_text=True)
    assert "No step recorded yet" in label

    login(client, manager[0], lang="en")
    workspace = client.get(f"/en/producer/amal/lots/{empty_lot.id}").get_data(as_text=True)
    assert "chain-empty" in workspace
    assert ">Verified<" not in workspace
    lots = client.get("/en/producer/amal/lots").get_data(as_text=True)
    assert "No step recorded yet" in lots


def test_a_lot_with_events_is_still_verified(client, post_form, login, manager, empty_lot):
    login(client, manager[0], lang="en")
    assert post_form(client, f"/en/producer/amal/lots/{empty_lot.id}", EVENT).status_code == 302
    public = client.get(f"/en/trace/{empty_lot.public_id}").get_data(as_text=True)
    assert "chain-ok" in public and "chain-empty" not in public
    label = client.get(f"/en/trace/{empty_lot.public_id}/label").get_data(as_text=True)
    assert "No step recorded yet" not in label


# ---------------------------------------------------------------- codes in right-to-left


def test_codes_are_isolated_and_kept_whole(client, empty_lot):
    html = client.get(f"/ar/trace/{empty_lot.public_id}").get_data(as_text=True)
    # The format names are codes inside the Arabic sentence, not words of it.
    assert '<bdi dir="ltr" class="code-id">GS1 EPCIS 2.0</bdi>' in html
    assert '<bdi dir="ltr" class="code-id">JSON-LD</bdi>' in html
    assert 'class="lot-code code-id">ARG-2611</bdi>' in html
