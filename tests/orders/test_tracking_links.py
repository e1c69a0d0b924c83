"""Tracking numbers link to the carrier's tracking page when the carrier is known."""

from __future__ import annotations

import pytest

from orders.carriers import tracking_url
from orders.models import PaymentMethod
from orders.services import mark_shipped
from shop.extensions import db
from tests.factories import place_confirmed

from .test_services import CASABLANCA

AMANA_PAGE = "https://bam-tracking.barid.ma/Tracking/Search?trackingCode=RR123456789MA"


def test_known_carriers_are_matched_however_they_were_typed(app):
    assert tracking_url("Amana", "RR123456789MA") == AMANA_PAGE
    assert tracking_url("  amana ", " RR123456789MA ") == AMANA_PAGE
    assert tracking_url("بريد المغرب", "RR123456789MA") == AMANA_PAGE
    assert tracking_url("dhl", "12 34/5").endswith("tracking-id=12%2034%2F5")
    assert tracking_url("Transport Ahmed", "42") is None
    assert tracking_url("Amana", "  ") is None


def test_a_federation_configures_its_own_carriers(app):
    app.config["CARRIERS"] = [
        {"name": "Sendit", "tracking_url": "https://sendit.example/t/{number}", "aliases": ["SDT"]}
    ]
    try:
        assert tracking_url("sdt", "A1") == "https://sendit.example/t/A1"
        assert tracking_url("Amana", "RR1") is None
    finally:
        del app.config["CARRIERS"]


@pytest.mark.usefixtures("rates")
def test_order_page_and_shipped_mail_link_the_tracking_number(
    client, make_cooperative, make_product, outbox
):
    oil = make_product(cooperative=make_cooperative(), stock=5).variants[0]
    honey = make_product(cooperative=make_cooperative(), stock=5).variants[0]
    order, token = place_confirmed({oil.sku: 1, honey.sku: 1}, CASABLANCA, PaymentMethod.COD, "fr")
    db.session.commit()
    known, unknown = order.shipments
    mark_shipped(known, "Amana", "RR123456789MA")
    mark_shipped(unknown, "Transport Ahmed", "TA-7")
    db.session.commit()

    html = client.get(f"/fr/orders/{order.number}?token={token}").get_data(as_text=True)
    assert f'<a href="{AMANA_PAGE}"' in html
    assert "TA-7" in html and 'href="https://' not in html.split("TA-7")[0].rsplit("<span", 1)[1]

    shipped = [m for m in outbox() if AMANA_PAGE in m.get_body(("html",)).get_content()]
    assert len(shipped) == 1
    assert AMANA_PAGE in shipped[0].get_body(("plain",)).get_content()
