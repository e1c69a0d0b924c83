"""Carriers and tracking links: the carrier table, the links on every page, the parcel notices."""

from __future__ import annotations

import pytest

from orders import carriers
from orders.carriers import ensure_default_carriers, find, tracking_url
from orders.models import Carrier, OrderStatus, PaymentMethod, ShipmentStatus
from orders.services import (
    OrderError,
    mark_delivered,
    mark_out_for_delivery,
    mark_shipped,
)
from orders.services.notices import for_order
from shop.extensions import db
from shop.i18n import format_money
from shop.messaging import Channel
from tests.factories import place_confirmed

from .test_services import CASABLANCA

AMANA_PAGE = "https://bam-tracking.barid.ma/Tracking/Search?trackingCode=RR123456789MA"
#: Two SMS segments of UCS-2 text (Arabic): 2 × 67 characters.
TWO_ARABIC_SEGMENTS = 134


@pytest.fixture
def default_carriers(app):
    ensure_default_carriers()
    db.session.commit()
    return {c.code: c for c in db.session.scalars(db.select(Carrier))}


@pytest.fixture
def cod_order(rates, make_cooperative, make_product, default_carriers):
    """A cash-on-delivery order of two parcels, from two cooperatives."""

    def make(lang: str = "fr"):
        oil = make_product(cooperative=make_cooperative(), stock=5, price=10_000).variants[0]
        honey = make_product(cooperative=make_cooperative(), stock=5, price=5_000).variants[0]
        order, token = place_confirmed(
            {oil.sku: 1, honey.sku: 1}, CASABLANCA, PaymentMethod.COD, lang
        )
        db.session.commit()
        return order, token

    return make


def test_known_carriers_are_matched_however_they_were_typed(default_carriers):
    assert tracking_url("Amana", "RR123456789MA") == AMANA_PAGE
    assert tracking_url("  amana ", " RR123456789MA ") == AMANA_PAGE
    assert tracking_url("بريد المغرب", "RR123456789MA") == AMANA_PAGE
    assert tracking_url("dhl", "12 34/5").endswith("tracking-id=12%2034%2F5")
    assert tracking_url("Transport Ahmed", "42") is None
    assert tracking_url("Amana", "  ") is None
    assert find("ctm").name_fr == "CTM Messagerie" and find("ctm").cod


def test_a_carrier_added_by_an_administrator_links_at_once(default_carriers, make_user):
    admin = make_user(is_admin=True)
    carriers.save_carrier(
        None,
        {
            "code": "sendit",
            "name_fr": "Sendit",
            "tracking_url": "https://sendit.example/t/{number}",
            "aliases": "SDT\n  \n",
            "cod": True,
        },
        admin,
    )
    assert tracking_url("sdt", "A1") == "https://sendit.example/t/A1"
    assert find("Sendit").alias_list == ["SDT"]


@pytest.mark.parametrize(
    "url",
    [
        "http://sendit.example/t/{number}",
        "https://sendit.example/t/",
        "javascript:alert(1)//{number}",
        "https:///{number}",
        "https://send it.example/{number}",
        "https://[::1/{number}",
    ],
)
def test_a_tracking_page_is_https_with_the_number(default_carriers, make_user, url):
    assert carriers.check_tracking_url(url) is not None
    with pytest.raises(OrderError):
        carriers.save_carrier(
            None, {"code": "x", "name_fr": "X", "tracking_url": url}, make_user(is_admin=True)
        )


def test_shipping_with_a_carrier_checks_it_is_active_and_collects_cash(cod_order, default_carriers):
    order, _token = cod_order()
    first, _second = order.shipments
    with pytest.raises(OrderError):
        mark_shipped(first, default_carriers["dhl"], "X1")  # does not collect cash
    carriers.set_active(default_carriers["ctm"], False, None)
    with pytest.raises(OrderError):
        mark_shipped(first, default_carriers["ctm"], "X1")  # deactivated
    assert [name for _id, name in carriers.choices(True, "fr")] == ["Amana"]
    assert [name for _id, name in carriers.choices(False, "fr")] == [
        "Amana",
        "Aramex",
        "DHL Express",
        "FedEx",
        "UPS",
    ]
    db.session.rollback()  # CTM is active again
    carriers.forget()
    mark_shipped(first, default_carriers["amana"], "RR123456789MA")
    assert first.carrier_id == default_carriers["amana"].id and first.carrier == "Amana"
    assert carriers.choices(True, "ar") == [
        (default_carriers["amana"].id, "أمانة (بريد المغرب)"),
        (default_carriers["ctm"].id, "ستيام للإرساليات"),
    ]


def test_a_name_no_carrier_has_is_kept_as_text_without_link(cod_order):
    order, _token = cod_order()
    mark_shipped(order.shipments[0], "Transport Ahmed", "TA-7")
    shipment = order.shipments[0]
    assert shipment.carrier_id is None
    assert carriers.tracking(shipment) == carriers.Tracking("Transport Ahmed", "TA-7", None)


def test_order_page_links_quote_and_escape_the_number(client, cod_order, default_carriers, outbox):
    order, token = cod_order()
    order.contact_channel = "email"
    known, unknown = order.shipments
    mark_shipped(known, default_carriers["amana"], 'RR1<b>&"2/3')
    mark_shipped(unknown, "Transport Ahmed", "TA-7")
    db.session.commit()

    html = client.get(f"/fr/orders/{order.number}?token={token}").get_data(as_text=True)
    quoted = "https://bam-tracking.barid.ma/Tracking/Search?trackingCode=RR1%3Cb%3E%26%222%2F3"
    assert f'<a href="{quoted}"' in html
    assert "RR1&lt;b&gt;&amp;&#34;2/3" in html and "RR1<b>" not in html
    assert "TA-7" in html and 'href="https://' not in html.split("TA-7")[0].rsplit("<span", 1)[1]
    arabic = client.get(f"/ar/orders/{order.number}?token={token}").get_data(as_text=True)
    assert "أمانة (بريد المغرب)" in arabic  # the carrier's name in the page's language

    [shipped] = [m for m in outbox() if "RR1" in m.get_body(("plain",)).get_content()]
    assert quoted in shipped.get_body(("plain",)).get_content()
    assert f'href="{quoted}"' in shipped.get_body(("html",)).get_content()


def test_a_parcel_shipped_before_the_carrier_table_links_by_its_name(
    client, cod_order, default_carriers
):
    order, token = cod_order()
    shipment = order.shipments[0]
    mark_shipped(shipment, "Amana", "RR123456789MA")
    shipment.carrier_id = None  # as the migration leaves a name it did not recognise
    db.session.commit()
    html = client.get(f"/fr/orders/{order.number}?token={token}").get_data(as_text=True)
    assert f'<a href="{AMANA_PAGE}"' in html


def test_parcel_notices_go_to_the_shopper_by_the_channel_chosen_at_checkout(cod_order):
    order, _token = cod_order("ar")
    recipient = for_order(order)
    assert (recipient.lang, recipient.email, recipient.phone, recipient.channel) == (
        "ar",
        "amina@example.com",
        order.phone,
        Channel.SMS,
    )
    order.contact_channel = "whatsapp"
    assert for_order(order).channel == Channel.WHATSAPP
    order.contact_channel = "pigeon"
    assert for_order(order).channel == Channel.EMAIL


def test_parcel_notices_by_email(cod_order, default_carriers, outbox):
    order, _token = cod_order("en")
    order.contact_channel = "email"
    shipment = order.shipments[0]
    mark_shipped(shipment, default_carriers["amana"], "RR123456789MA")
    mark_out_for_delivery(shipment)
    with pytest.raises(OrderError):
        mark_out_for_delivery(shipment)  # once
    mark_delivered(shipment)
    with pytest.raises(OrderError):
        mark_out_for_delivery(shipment)  # delivered already
    db.session.commit()
    mails = outbox()[-3:]  # after the request to confirm and the confirmation
    assert [m["Subject"] for m in mails] == [
        f"Your order {order.number} is on its way",
        f"Your order {order.number} arrives today",
        f"Your order {order.number} was delivered",
    ]
    shipped, out, _delivered = (m.get_body(("plain",)).get_content() for m in mails)
    due = format_money(shipment.cash_to_collect_cents, lang="en")
    assert AMANA_PAGE in shipped and due in shipped  # the cash to have ready
    assert due in out


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_parcel_notices_by_text_fit_two_segments(cod_order, default_carriers, text_outbox, lang):
    order, _token = cod_order(lang)
    order.contact_channel = "sms"
    before = len(text_outbox())  # the request to confirm the order
    shipment = order.shipments[0]
    mark_shipped(shipment, default_carriers["amana"], "RR123456789MA")
    mark_out_for_delivery(shipment)
    mark_delivered(shipment)
    db.session.commit()
    texts = sorted(text_outbox(), key=lambda m: m["at"])[before:]  # files named to the second
    shipped, out, delivered = (m["body"] for m in texts)
    assert all(m["to"] == CASABLANCA.phone and m["channel"] == "sms" for m in texts)
    assert AMANA_PAGE in shipped and order.number in shipped
    assert order.number in out and order.number in delivered
    for body in (shipped, out, delivered):
        assert len(body) <= TWO_ARABIC_SEGMENTS, body


def test_the_order_page_says_out_for_delivery(client, cod_order, default_carriers):
    order, token = cod_order("en")
    shipment = order.shipments[0]
    mark_shipped(shipment, default_carriers["amana"], "RR123456789MA")
    mark_out_for_delivery(shipment)
    db.session.commit()
    assert shipment.status == ShipmentStatus.SHIPPED
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    html = client.get(f"/en/orders/{order.number}?token={token}").get_data(as_text=True)
    assert "Out for delivery" in html
