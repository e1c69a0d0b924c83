"""Public trace pages: trace page, Digital Link, QR codes, EPCIS export, product page, demo."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import segno
from PIL import Image
from sqlalchemy import text

from catalog.trace import (
    Action,
    Contribution,
    ContributionKind,
    EventType,
    Lot,
    LotDetails,
    Quantity,
    Step,
    TraceEvent,
    create_lot,
    record_correction,
    record_trace_event,
    verify_chain,
)
from catalog.validators import gs1_check_digit, normalize_gtin
from producers.models import CooperativeStatus, Member, MemberGender
from shop.extensions import db

MOROCCO = timezone(timedelta(hours=1))
GTIN13 = "6111234567895"  # check digit 5: 105 → 10 - 5


@pytest.fixture
def make_lot(make_product, make_cooperative):
    """``make_lot(events=3, gtin=None, product=None, code=...)``: a lot with a story."""

    def make(
        events: int = 3,
        gtin: str | None = None,
        product=None,
        code: str = "ARG-2501",
        members: int = 0,
        **details,
    ):
        product = product or make_product(
            cooperative=make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout"),
            name_fr="Huile d’argan",
            name_ar="زيت أركان",
            name_en="Argan oil",
            certifications=("organic",),
        )
        variant = product.variants[0]
        variant.gtin = gtin
        coop = product.cooperative
        staff = [
            Member(
                cooperative=coop,
                full_name=f"Secret Name {i}",
                gender=MemberGender.FEMALE if i % 2 == 0 else MemberGender.MALE,
            )
            for i in range(members)
        ]
        db.session.add_all(staff)
        db.session.flush()
        lot = create_lot(
            coop,
            variant,
            code,
            LotDetails(
                quantity_produced=details.pop("quantity_produced", 300),
                best_before=date(2027, 2, 3),
                produced_on=date(2025, 8, 12),
                latitude=Decimal("30.0675"),
                longitude=Decimal("-9.1536"),
                commune="Aït Baha",
                province="Chtouka Aït Baha",
                **details,
            ),
            certifications=product.certifications,
            contributions=[
                Contribution(m, ContributionKind.KG_SUPPLIED, Decimal(10 + i))
                for i, m in enumerate(staff)
            ],
        )
        record_trace_event(
            lot,
            coop,
            event_type=EventType.OBJECT,
            action=Action.ADD,
            step=Step.COLLECTING,
            occurred_at=datetime(2025, 7, 8, 7, tzinfo=MOROCCO),
            description={"fr": "Ramassage des fruits", "ar": "جمع الثمار", "en": "Fruit gathered"},
            outputs=[Quantity("argan-fruit", Decimal(1200), "KGM")],
        )
        for day in range(2, events + 1):
            record_trace_event(
                lot,
                coop,
                event_type=EventType.TRANSFORMATION,
                step=Step.PRESSING,
                occurred_at=datetime(2025, 7, day, 9, tzinfo=MOROCCO),
                description={"fr": f"Pressage {day}", "ar": f"عصر {day}", "en": f"Pressing {day}"},
                inputs=[Quantity("argan-kernels", Decimal(75), "KGM")],
                outputs=[Quantity("lot", Decimal(300), "H87")],
            )
        db.session.commit()
        return lot

    return make


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- trace page


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_trace_page_in_every_language(client, make_lot, lang):
    lot = make_lot(members=3)
    html = html_of(client, f"/{lang}/trace/{lot.public_id}")
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
    assert {"ar": "جمع الثمار", "fr": "Ramassage des fruits", "en": "Fruit gathered"}[lang] in html
    assert "chain-ok" in html and "chain-broken" not in html
    assert "ARG-2501" in html and "Coopérative Tifaout" in html
    assert 'id="event-1"' in html and 'id="event-3"' in html
    # Members as counts only: their names never reach the public page.
    assert "Secret Name" not in html
    assert "cert-valid" in html  # the lot's certification with its validity
    assert 'href="/trace/tifaout-arg-2501.jsonld"' in html


def test_trace_page_texts_in_english(client, make_lot):
    lot = make_lot(members=3)
    html = html_of(client, f"/en/trace/{lot.public_id}")
    assert "Verified" in html and "3 events checked" in html
    assert "3 members contributed to this lot" in html and "2 women" in html
    assert "33 kg supplied" in html
    assert "1,200 kg" in html and "300 × 250 ml" in html
    assert "Jul 8, 2025" in html
    assert "Feb 3, 2027" in html  # best before


def test_map_marker_is_placed_from_the_gps_position(client, make_lot):
    lot = make_lot()
    html = html_of(client, f"/en/trace/{lot.public_id}")
    dot = re.search(r'class="trace-map-dot" cx="([\d.]+)" cy="([\d.]+)"', html)
    x, y = float(dot.group(1)), float(dot.group(2))
    # Aït Baha: inland from Agadir, in the north-west third of the map.
    assert 130 < x < 160 and 110 < y < 130
    assert re.search(r"/static/img/morocco\.[0-9a-f]{12}\.svg", html)
    assert "style=" not in html.split('<svg class="trace-map"')[1].split("</svg>")[0]


def test_tampering_shows_where_the_chain_breaks(client, make_lot):
    lot = make_lot(events=4)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE trace_event SET payload = REPLACE(payload, 'Pressage 3', "
                "'Pressage rapide') WHERE lot_id = :lot AND sequence = 3"
            ),
            {"lot": lot.id},
        )
    html = html_of(client, f"/en/trace/{lot.public_id}")
    assert "Chain broken at event 3" in html and "chain-ok" not in html
    assert html.count("is-unverified") == 2  # events 3 and 4
    assert "chain-broken" in html_of(client, f"/ar/trace/{lot.public_id}")


def test_correction_is_shown_on_both_events(client, make_lot):
    lot = make_lot(events=3)
    wrong = db.session.scalar(db.select(TraceEvent).filter_by(lot_id=lot.id, sequence=2))
    record_correction(
        wrong,
        lot.cooperative,
        event_type=EventType.TRANSFORMATION,
        step=Step.PRESSING,
        occurred_at=datetime(2025, 7, 2, 9, tzinfo=MOROCCO),
        description={"en": "Correction: 70 kg of kernels"},
        inputs=[Quantity("argan-kernels", Decimal(70), "KGM")],
        outputs=[Quantity("lot", Decimal(300), "H87")],
    )
    db.session.commit()
    html = html_of(client, f"/en/trace/{lot.public_id}")
    assert "Corrected by event 4" in html and 'href="#event-4"' in html
    assert "Corrects event 2" in html and "chain-ok" in html


def test_unknown_or_hidden_lots_are_404(client, make_lot):
    lot = make_lot()
    assert client.get("/en/trace/nope").status_code == 404
    lot.cooperative.status = CooperativeStatus.SUSPENDED
    db.session.commit()
    for url in (
        f"/en/trace/{lot.public_id}",
        f"/trace/{lot.public_id}.jsonld",
        f"/trace/{lot.public_id}/qr.png",
        f"/en/trace/{lot.public_id}/label",
    ):
        assert client.get(url).status_code == 404, url


def test_trace_page_runs_a_bounded_number_of_queries(
    count_queries, client, make_lot, make_product, make_cooperative
):
    small = make_lot(events=2, members=1)
    big = make_lot(
        events=25,
        members=8,
        code="ARG-2502",
        product=make_product(
            cooperative=small.cooperative, certifications=("organic", "igp", "onssa")
        ),
    )
    counts = []
    for lot in (small, big):
        client.get(f"/fr/trace/{lot.public_id}")
        with count_queries() as statements:
            assert client.get(f"/fr/trace/{lot.public_id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 10, counts


# ---------------------------------------------------------------- Digital Link


def test_gtin_check_digits():
    assert gs1_check_digit("611123456789") == 5
    assert normalize_gtin(GTIN13) == "0" + GTIN13
    assert normalize_gtin("0" + GTIN13) == "0" + GTIN13
    for bad in ("6111234567892", "611123456789", "61112345678921", "abcdefghijklm"):
        with pytest.raises(ValueError):
            normalize_gtin(bad)


def test_digital_link_redirects_to_the_trace_page_in_the_visitors_language(client, make_lot):
    lot = make_lot(gtin="0" + GTIN13)
    for gtin in ("0" + GTIN13, GTIN13):  # GTIN-14 and its GTIN-13 form
        response = client.get(f"/01/{gtin}/10/ARG-2501", headers={"Accept-Language": "ar"})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/ar/trace/{lot.public_id}")
        assert "Accept-Language" in response.headers["Vary"]
    response = client.get(f"/01/0{GTIN13}/10/ARG-2501", headers={"Accept-Language": "en-GB"})
    assert response.headers["Location"].endswith(f"/en/trace/{lot.public_id}")
    client.set_cookie("lang", "fr", domain="shop.test")
    response = client.get(f"/01/0{GTIN13}/10/arg-2501", headers={"Accept-Language": "en"})
    assert response.headers["Location"].endswith(f"/fr/trace/{lot.public_id}")


def test_digital_link_refuses_bad_check_digits_and_unknown_lots(client, make_lot):
    make_lot(gtin="0" + GTIN13)
    assert client.get("/01/06111234567893/10/ARG-2501").status_code == 404  # check digit
    assert client.get("/01/0611123456789/10/ARG-2501").status_code == 404  # length
    assert client.get(f"/01/0{GTIN13}/10/ARG-9999").status_code == 404
    assert client.get("/01/00000000000000/10/ARG-2501").status_code == 404  # valid, unknown


def test_neutral_trace_url_redirects(client, make_lot):
    lot = make_lot()
    response = client.get(f"/trace/{lot.public_id}", headers={"Accept-Language": "fr"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/fr/trace/{lot.public_id}")


# ---------------------------------------------------------------- QR codes and label


def decode_png(data: bytes) -> list[str]:
    """Read the QR codes in a PNG like a phone would (zxing-cpp)."""
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))]


@pytest.mark.parametrize(
    "gtin, expected",
    [
        ("0" + GTIN13, "http://shop.test/01/0" + GTIN13 + "/10/ARG-2501"),
        (None, "http://shop.test/trace/tifaout-arg-2501"),
    ],
)
def test_qr_code_decodes_to_the_right_url(client, make_lot, gtin, expected):
    lot = make_lot(gtin=gtin)
    png = client.get(f"/trace/{lot.public_id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert decode_png(png.data) == [expected]
    assert "max-age=86400" in png.headers["Cache-Control"] and png.headers["ETag"]
    assert (
        client.get(
            f"/trace/{lot.public_id}/qr.png", headers={"If-None-Match": png.headers["ETag"]}
        ).status_code
        == 304
    )
    svg = client.get(f"/trace/{lot.public_id}/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    # The SVG draws the same symbol segno makes for the expected URL.
    reference = io.BytesIO()
    segno.make(expected, error="m", micro=False).save(
        reference, kind="svg", scale=4, border=4, xmldecl=False, title=lot.code
    )
    assert svg.data == reference.getvalue()
    # And the URL resolves to the lot.
    target = client.get(
        expected.removeprefix("http://shop.test"), headers={"Accept-Language": "en"}
    )
    assert target.headers["Location"].endswith(f"/en/trace/{lot.public_id}")


def test_printable_label(client, make_lot):
    lot = make_lot(gtin="0" + GTIN13)
    html = html_of(client, f"/fr/trace/{lot.public_id}/label")
    assert 'class="trace-label-page"' in html
    assert f'src="/trace/{lot.public_id}/qr.svg"' in html
    assert "Huile d’argan" in html and "ARG-2501" in html and "3 févr. 2027" in html
    assert f"http://shop.test/01/0{GTIN13}/10/ARG-2501" in html


# ---------------------------------------------------------------- EPCIS export

UOM = re.compile(r"[A-Z0-9]{2,3}")


def check_epcis(doc: dict) -> list[dict]:
    """The EPCIS 2.0 JSON-LD requirements; returns the events."""
    context = doc["@context"]
    assert "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld" in (
        context if isinstance(context, list) else [context]
    )
    assert doc["type"] == "EPCISDocument" and doc["schemaVersion"] == "2.0"
    datetime.fromisoformat(doc["creationDate"].replace("Z", "+00:00"))
    events = doc["epcisBody"]["eventList"]
    for item in events:
        assert item["type"] in ("ObjectEvent", "TransformationEvent")
        assert datetime.fromisoformat(item["eventTime"]).utcoffset() is not None
        assert re.fullmatch(r"[+-]\d\d:\d\d", item["eventTimeZoneOffset"])
        if item["type"] == "ObjectEvent":
            assert item["action"] in ("ADD", "OBSERVE", "DELETE")
            assert item.get("epcList") or item.get("quantityList")
        else:
            assert item.get("inputEPCList") or item.get("inputQuantityList")
            assert item.get("outputEPCList") or item.get("outputQuantityList")
        quantities = [
            *item.get("quantityList", []),
            *item.get("inputQuantityList", []),
            *item.get("outputQuantityList", []),
        ]
        for q in quantities:
            assert re.fullmatch(r"[a-z][a-z0-9+.-]*:\S+", q["epcClass"])
            assert isinstance(q["quantity"], (int, float)) and q["quantity"] > 0
            assert UOM.fullmatch(q.get("uom", "")), q
        assert item["readPoint"]["id"] and item["bizLocation"]["id"]
        assert item["bizStep"]
    return events


def test_epcis_export(client, make_lot):
    lot = make_lot(gtin="0" + GTIN13)
    response = client.get(f"/trace/{lot.public_id}.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    events = check_epcis(json.loads(response.data))
    assert [e["type"] for e in events] == [
        "ObjectEvent",
        "TransformationEvent",
        "TransformationEvent",
    ]
    collecting, pressing = events[0], events[1]
    assert collecting["bizStep"] == "commissioning" and collecting["action"] == "ADD"
    assert collecting["eventTime"] == "2025-07-08T07:00:00+01:00"
    assert collecting["quantityList"][0]["uom"] == "KGM"
    assert collecting["readPoint"] == {"id": "geo:30.0675,-9.1536"}
    assert pressing["outputQuantityList"] == [
        {"epcClass": f"https://id.gs1.org/01/0{GTIN13}/10/ARG-2501", "quantity": 300, "uom": "H87"}
    ]
    # Lot master data where the lot comes into being.
    assert pressing["ilmd"]["cbvmda:lotNumber"] == "ARG-2501"
    assert pressing["ilmd"]["cbvmda:bestBeforeDate"] == "2027-02-03"
    assert "ilmd" not in events[0]  # fruit gathering does not create the lot
    # Every event carries what is needed to re-check the chain offline.
    previous = lot.genesis_hash
    for item in events:
        assert item["taawon:previousHash"] == previous
        assert (
            hashlib.sha256((previous + item["taawon:record"]).encode()).hexdigest()
            == item["taawon:hash"]
        )
        previous = item["taawon:hash"]


def test_epcis_export_declares_corrections(client, make_lot):
    lot = make_lot(events=2)
    wrong = lot.events[1]
    fix = record_correction(
        wrong,
        lot.cooperative,
        event_type=EventType.TRANSFORMATION,
        step=Step.PRESSING,
        occurred_at=datetime(2025, 7, 2, tzinfo=MOROCCO),
        description={"en": "Fixed"},
        inputs=[Quantity("argan-kernels", Decimal(70), "KGM")],
        outputs=[Quantity("lot", Decimal(300), "H87")],
    )
    db.session.commit()
    events = check_epcis(json.loads(client.get(f"/trace/{lot.public_id}.jsonld").data))
    declared = events[1]["errorDeclaration"]
    assert declared["reason"] == "incorrect_data"
    assert declared["correctiveEventIDs"] == [events[2]["eventID"]]
    assert fix.sequence == 3


# ---------------------------------------------------------------- product page


def test_product_page_lists_lots_on_sale(client, make_lot, make_product):
    product = make_product(name_fr="Huile d’argan", variants=2)
    fresh = make_lot(product=product, code="ARG-2502")
    sold_out = make_lot(product=product, code="ARG-2401")
    sold_out.quantity_remaining = 0
    db.session.commit()
    html = html_of(client, f"/fr/products/{product.slug}")
    assert f'href="/fr/trace/{fresh.public_id}"' in html
    assert f"/trace/{sold_out.public_id}" not in html
    assert 'aria-labelledby="lots-title"' in html


def test_product_page_lots_take_one_query(count_queries, client, make_product, make_cooperative):
    coop = make_cooperative()
    counts = []
    for n in (1, 6):
        product = make_product(cooperative=coop, variants=2)
        for i in range(n):
            create_lot(coop, product.variants[i % 2], f"L-{n}-{i}", LotDetails(quantity_produced=5))
        db.session.commit()
        client.get(f"/fr/products/{product.slug}")
        with count_queries() as statements:
            html = html_of(client, f"/fr/products/{product.slug}")
        assert html.count('class="lot-link"') == n
        counts.append(len(statements))
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- demo data


@pytest.mark.demo
def test_demo_gives_every_product_a_verified_lot(app, demo_reseed):
    from demo.catalog import PRODUCTS

    # The demo data here has been through seed-demo twice (conftest.py):
    # the lots below are checked after the second run, which added none.
    lots = db.session.scalars(db.select(Lot)).all()
    assert len(lots) == len(PRODUCTS)
    assert all(verify_chain(lot).ok for lot in lots)
    assert all(len(lot.events) >= 3 and lot.contributions for lot in lots)
    steps = {lot.code: [e.data["step"] for e in lot.events] for lot in lots}
    assert steps["ARG-2501"][:7] == [
        "collecting",
        "drying",
        "cracking",
        "roasting",
        "pressing",
        "filtering",
        "bottling",
    ]
    assert "lab_test" in steps["ARG-2501"]
    assert steps["SAF-2505"] == ["harvesting", "separating", "drying", "packing", "lab_test"]
    corrections = db.session.scalars(
        db.select(TraceEvent).where(TraceEvent.corrects_id.is_not(None))
    ).all()
    assert len(corrections) == 1
    with_gtin = [lot for lot in lots if lot.variant.gtin]
    assert with_gtin and all(normalize_gtin(lot.variant.gtin) for lot in with_gtin)
    assert "Demo lots: 0 new, each with a hash-chained story" in demo_reseed.again.output
    for table in (Lot.__tablename__, TraceEvent.__tablename__):
        assert demo_reseed.rows_before[table] == demo_reseed.rows_after[table]
