"""Trace page and printable label in a real browser, in ar and en, phone and desktop."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from catalog.trace import (
    Action,
    EventType,
    LotDetails,
    Quantity,
    Step,
    create_lot,
    record_trace_event,
)
from shop.extensions import db

pytestmark = pytest.mark.browser
MOROCCO = timezone(timedelta(hours=1))


@pytest.fixture
def lot(make_product, make_cooperative):
    """An argan oil lot with a short story and a GTIN."""
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    product = make_product(
        cooperative=coop,
        name_fr="Huile d’argan alimentaire torréfiée",
        name_ar="زيت أركان غذائي محمص",
        name_en="Roasted culinary argan oil",
        certifications=("organic",),
    )
    product.variants[0].gtin = "06111234567895"
    made = create_lot(
        coop,
        product.variants[0],
        "ARG-2501",
        LotDetails(
            quantity_produced=300,
            produced_on=date(2025, 8, 12),
            best_before=date(2027, 2, 3),
            commune="Aït Baha",
            province="Chtouka Aït Baha",
            latitude=Decimal("30.0675"),
            longitude=Decimal("-9.1536"),
        ),
        certifications=product.certifications,
    )
    steps = [
        (
            Step.COLLECTING,
            EventType.OBJECT,
            Action.ADD,
            [],
            [("argan-fruit", 1200, "KGM")],
            ("Ramassage des fruits tombés.", "جمع الثمار المتساقطة.", "Fallen fruit gathered."),
        ),
        (
            Step.PRESSING,
            EventType.TRANSFORMATION,
            None,
            [("argan-kernels", 75, "KGM")],
            [("argan-oil", 30, "LTR")],
            ("Pressage à froid.", "عصر على البارد.", "Cold-pressed."),
        ),
        (
            Step.BOTTLING,
            EventType.TRANSFORMATION,
            None,
            [("argan-oil", 30, "LTR")],
            [("lot", 300, "H87")],
            ("Mise en bouteilles.", "تعبئة في قنينات.", "Bottled."),
        ),
    ]
    for day, (step, kind, action, inputs, outputs, texts) in enumerate(steps, start=1):
        record_trace_event(
            made,
            coop,
            event_type=kind,
            step=step,
            action=action,
            occurred_at=datetime(2025, 8, day, 9, tzinfo=MOROCCO),
            description=dict(zip(("fr", "ar", "en"), texts)),
            inputs=[Quantity(m, Decimal(q), u) for m, q, u in inputs],
            outputs=[Quantity(m, Decimal(q), u) for m, q, u in outputs],
        )
    db.session.commit()
    return made


def test_trace_page_and_label_render(live_server, page_at, shoot, lot):
    # QR scans land here: no language may scroll sideways on a 360 px phone
    # (French's "À consommer de préférence avant" once pushed it to 476 px).
    for lang in ("ar", "fr", "en"):
        for size in ("phone", "desktop"):
            page = page_at(size)
            response = page.goto(f"{live_server}/{lang}/trace/{lot.public_id}")
            assert response.status == 200
            assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
            assert page.locator(".chain-ok").is_visible()
            assert page.locator(".timeline-event").count() == 3
            # The map's outline loaded and the marker is drawn on it.
            assert page.locator(".trace-map-dot").is_visible()
            shoot(page, f"trace-{lang}-{size}")  # also asserts no sideways overflow

    for lang in ("ar", "fr"):
        page = page_at("desktop")
        page.goto(f"{live_server}/{lang}/trace/{lot.public_id}/label")
        qr = page.locator(".label-qr")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible()
        assert page.locator(".trace-label").is_visible()
        # The QR code keeps its printed size (30 mm ≈ 113 CSS px).
        assert 100 < qr.bounding_box()["width"] < 125
        shoot(page, f"trace-label-{lang}-print")
