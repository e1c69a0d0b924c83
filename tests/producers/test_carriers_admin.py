"""Carriers in the back office, the ship form's carrier list, status files and COD remittances."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from orders.carriers import ensure_default_carriers
from orders.models import Carrier, Order, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from orders.services import Address, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from producers.money.models import CodRemittance
from producers.money.reconciliation import reconcile
from shop.audit import AuditEntry
from shop.extensions import db
from shop.money import ledger
from shop.money.amounts import mad_str
from tests.factories import place_confirmed

CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina Alaoui",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)
GOOD_CARRIER = {
    "code": "sendit",
    "name_fr": "Sendit",
    "name_ar": "سانديت",
    "name_en": "Sendit",
    "tracking_url": "https://sendit.example/t/{number}",
    "aliases": "SDT",
    "cod": "y",
}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def default_carriers(app) -> dict[str, Carrier]:
    ensure_default_carriers()
    ensure_default_rates()
    db.session.commit()
    return {c.code: c for c in db.session.scalars(select(Carrier))}


@pytest.fixture
def admin_client(app, make_user, login):
    admin = make_user(email="admin@taawon.ma", name="Salma Admin", is_admin=True)
    client = app.test_client()
    login(client, admin)
    client.admin = admin
    return client


@pytest.fixture
def manager(make_user, make_cooperative):
    """An approved cooperative and its owner."""
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal")
    user = make_user(email="owner@amal.ma", name="Aicha")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


@pytest.fixture
def manager_client(app, manager, login):
    client = app.test_client()
    login(client, manager[0])
    return client


@pytest.fixture
def parcels(default_carriers, make_cooperative, make_product):
    """``parcels(n, method=COD, carrier="amana", deliver=False)``: one order per parcel, shipped."""

    def make(n: int, method=PaymentMethod.COD, carrier: str = "amana", deliver: bool = False):
        coop = make_cooperative()
        variant = make_product(cooperative=coop, stock=100, price=12_345).variants[0]
        made = []
        for i in range(n):
            order, _token = place_confirmed({variant.sku: 1 + i % 2}, CASABLANCA, method, "fr")
            order.contact_channel = "email"  # the notices these tests count are mails
            shipment = order.shipments[0]
            mark_shipped(shipment, default_carriers[carrier], f"RR{shipment.id:05d}MA")
            if deliver:
                mark_delivered(shipment)
            made.append(shipment)
        db.session.commit()
        return made

    return make


def csv_file(rows: list[str], name: str = "statement.csv") -> tuple[io.BytesIO, str]:
    return io.BytesIO(("\r\n".join(rows) + "\r\n").encode("utf-8-sig")), name


def statement(shipments: list[Shipment], wrong: int | None = None) -> list[str]:
    rows = ["tracking_number,amount,date"]
    for i, s in enumerate(shipments):
        cents = s.items_cents + s.shipping_cents + (100 if i == wrong else 0)
        rows.append(f"{s.tracking_number},{mad_str(cents)},{s.shipped_at:%Y-%m-%d}")
    return rows


# ------------------------------------------------------------------ the carriers page


def test_a_manager_gets_403_everywhere(manager_client, post_form, default_carriers):
    amana = default_carriers["amana"]
    assert manager_client.get("/fr/admin/carriers").status_code == 403
    assert manager_client.get(f"/fr/admin/carriers/{amana.id}").status_code == 403
    assert manager_client.get("/fr/admin/carriers/files").status_code == 403
    token_page = "/fr/producer/amal/parcels"
    for url, data in [
        ("/fr/admin/carriers", GOOD_CARRIER),
        (f"/fr/admin/carriers/{amana.id}", {**GOOD_CARRIER, "code": "amana"}),
        (f"/fr/admin/carriers/{amana.id}/active", {"active": "0"}),
        ("/fr/admin/carriers/files/statuses", {"carrier": str(amana.id)}),
        ("/fr/admin/carriers/files/remittances", {"carrier": str(amana.id)}),
    ]:
        assert post_form(manager_client, url, data, page=token_page).status_code == 403, url
    assert db.session.get(Carrier, amana.id).active
    assert db.session.scalar(select(Carrier).where(Carrier.code == "sendit")) is None


def test_anonymous_visitors_are_sent_to_log_in(client, default_carriers):
    assert client.get("/fr/admin/carriers").status_code == 302


def test_add_edit_deactivate_a_carrier(admin_client, post_form, default_carriers):
    page = "/fr/admin/carriers"
    listing = text(admin_client.get(page))
    assert "Amana" in listing and "CTM Messagerie" in listing

    bad = post_form(
        admin_client,
        page,
        {
            **GOOD_CARRIER,
            "tracking_url": "http://sendit.example/t/{number}",
            "name_fr": "Sendit <b>",
        },
    )
    assert bad.status_code == 400
    assert "https://" in text(bad) and 'value="Sendit &lt;b&gt;"' in text(bad)  # input kept
    no_number = post_form(
        admin_client, page, {**GOOD_CARRIER, "tracking_url": "https://sendit.example/t/"}
    )
    assert no_number.status_code == 400 and 'aria-invalid="true"' in text(no_number)
    taken = post_form(admin_client, page, {**GOOD_CARRIER, "code": "amana"})
    assert (
        taken.status_code == 400
        and db.session.scalar(
            select(func.count()).select_from(Carrier).where(Carrier.code == "amana")
        )
        == 1
    )

    assert post_form(admin_client, page, GOOD_CARRIER).status_code == 302
    sendit = db.session.scalar(select(Carrier).where(Carrier.code == "sendit"))
    assert (sendit.name_ar, sendit.cod, sendit.active, sendit.alias_list) == (
        "سانديت",
        True,
        True,
        ["SDT"],
    )

    edit = f"/fr/admin/carriers/{sendit.id}"
    assert 'value="https://sendit.example/t/{number}"' in text(admin_client.get(edit))
    changed = post_form(
        admin_client,
        edit,
        {**GOOD_CARRIER, "code": "hacked", "tracking_url": "https://sendit.ma/s?n={number}"},
    )
    assert changed.status_code == 302
    db.session.expire_all()
    sendit = db.session.get(Carrier, sendit.id)
    assert (sendit.code, sendit.tracking_url) == ("sendit", "https://sendit.ma/s?n={number}")

    off = post_form(admin_client, f"{edit}/active", {"active": "0"}, page=page)
    assert off.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Carrier, sendit.id).active
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_type == "carrier").order_by(AuditEntry.id)
    ).all()
    assert actions == ["carrier.create", "carrier.update", "carrier.deactivate"]
    update = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "carrier.update"))
    assert update.data["before"]["tracking_url"] == "https://sendit.example/t/{number}"
    assert admin_client.get("/fr/admin/carriers/999999").status_code == 404


def test_the_carrier_list_runs_the_same_queries_for_more_carriers(
    admin_client, default_carriers, count_queries, make_user
):
    from orders import carriers

    admin_client.get("/fr/admin/carriers")  # warm up
    with count_queries() as few:
        assert admin_client.get("/fr/admin/carriers").status_code == 200
    for n in range(10):
        carriers.save_carrier(
            None,
            {"code": f"c{n}", "name_fr": f"C{n}", "tracking_url": "https://c.example/{number}"},
            None,
        )
    db.session.commit()
    with count_queries() as many:
        assert admin_client.get("/fr/admin/carriers").status_code == 200
    assert len(many) == len(few)


# ------------------------------------------------------------------ the ship form


def test_the_ship_form_offers_active_carriers_and_keeps_bad_input(
    client, post_form, login, manager, default_carriers, make_product, make_cooperative
):
    user, coop = manager
    cod_variant = make_product(cooperative=coop, stock=10).variants[0]
    cod, _ = place_confirmed({cod_variant.sku: 1}, CASABLANCA, PaymentMethod.COD, "fr")
    db.session.commit()
    theirs = make_product(cooperative=make_cooperative(), stock=5).variants[0]
    other, _ = place_confirmed({theirs.sku: 1}, CASABLANCA, PaymentMethod.COD, "fr")
    db.session.commit()
    default_carriers["ctm"].active = False
    db.session.commit()
    login(client, user)
    page = "/fr/producer/amal/parcels"
    html = text(client.get(page))
    parcel = cod.shipments[0]
    select_html = html.split(f'id="carrier-{parcel.id}"', 1)[1].split("</select>", 1)[0]
    assert f'value="{default_carriers["amana"].id}"' in select_html
    assert f'value="{default_carriers["ctm"].id}"' not in select_html  # deactivated
    assert f'value="{default_carriers["dhl"].id}"' not in select_html  # no cash on delivery

    url = f"/fr/producer/amal/parcels/{parcel.id}/shipped"
    missing = post_form(client, url, {"carrier": "0", "tracking": "RR<1>"}, page=page)
    assert missing.status_code == 400
    assert 'value="RR&lt;1&gt;"' in text(missing)  # the number kept, escaped
    dhl = post_form(
        client, url, {"carrier": str(default_carriers["dhl"].id), "tracking": "RR9"}, page=page
    )
    assert dhl.status_code == 400 and 'value="RR9"' in text(dhl)
    foreign = post_form(
        client,
        f"/fr/producer/amal/parcels/{other.shipments[0].id}/shipped",
        {"carrier": str(default_carriers["amana"].id), "tracking": "X"},
        page=page,
    )
    assert foreign.status_code == 404
    no_csrf = client.post(url, data={"carrier": str(default_carriers["amana"].id), "tracking": "X"})
    assert no_csrf.status_code == 400

    done = post_form(
        client,
        url,
        {"carrier": str(default_carriers["amana"].id), "tracking": "RR 12/3"},
        page=page,
    )
    assert done.status_code == 302
    db.session.expire_all()
    parcel = db.session.get(Shipment, parcel.id)
    assert (parcel.status, parcel.carrier_id, parcel.tracking_number) == (
        ShipmentStatus.SHIPPED,
        default_carriers["amana"].id,
        "RR 12/3",
    )
    on_the_way = text(client.get(page))
    assert "trackingCode=RR%2012%2F3" in on_the_way

    out = post_form(client, f"/fr/producer/amal/parcels/{parcel.id}/out-for-delivery", page=page)
    assert out.status_code == 302
    db.session.expire_all()
    assert db.session.get(Shipment, parcel.id).out_for_delivery_at is not None
    foreign_out = post_form(
        client, f"/fr/producer/amal/parcels/{other.shipments[0].id}/out-for-delivery", page=page
    )
    assert foreign_out.status_code == 404


def test_the_admin_marks_a_parcel_out_for_delivery_then_delivered(
    admin_client, post_form, parcels, outbox
):
    (parcel,) = parcels(1)
    number = parcel.order.number
    url = f"/fr/admin/orders/{number}"
    page = text(admin_client.get(url))
    assert "trackingCode=" in page
    status = f"{url}/parcels/{parcel.id}/status"
    assert post_form(admin_client, status, {"status": "lost"}, page=url).status_code == 400
    assert (
        post_form(admin_client, status, {"status": "out_for_delivery"}, page=url).status_code == 302
    )
    assert post_form(admin_client, status, {"status": "delivered"}, page=url).status_code == 302
    db.session.expire_all()
    parcel = db.session.get(Shipment, parcel.id)
    assert parcel.status == ShipmentStatus.DELIVERED and parcel.out_for_delivery_at is not None
    wrong_order = post_form(
        admin_client,
        f"/fr/admin/orders/TW-NOPE00/parcels/{parcel.id}/status",
        {"status": "delivered"},
        page=url,
    )
    assert wrong_order.status_code == 404


# ------------------------------------------------------------------ status files


def test_a_status_file_moves_many_parcels_or_none(admin_client, post_form, parcels, outbox):
    first, second, third = parcels(3)
    files = "/fr/admin/carriers/files"
    amana = first.carrier_id
    day = f"{first.shipped_at:%Y-%m-%d}"
    bad = csv_file(
        [
            "tracking_number,status,date",
            f"{first.tracking_number},out_for_delivery,{day}",
            f"{second.tracking_number},lost,{day}",
            f"NOPE,delivered,{day}",
            f"{third.tracking_number},delivered,2999-01-01",
        ]
    )
    refused = post_form(
        admin_client,
        "/fr/admin/carriers/files/statuses",
        {"carrier": str(amana), "file": bad},
        page=files,
    )
    assert refused.status_code == 400
    page = text(refused)
    for line in (3, 4, 5):
        assert f"Ligne {line}" in page or f"Line {line}" in page
    assert "Ligne 2" not in page and "Line 2<" not in page
    db.session.expire_all()
    assert db.session.get(Shipment, first.id).out_for_delivery_at is None

    sent = len(outbox())
    good = csv_file(
        [
            "Tracking Number,Status,Date",
            f"{first.tracking_number},out_for_delivery,{day}",
            f"{second.tracking_number},Delivered,{day}",
            f"{third.tracking_number},out-for-delivery,{day} 00:01",
        ]
    )
    done = post_form(
        admin_client,
        "/fr/admin/carriers/files/statuses",
        {"carrier": str(amana), "file": good},
        page=files,
    )
    assert done.status_code == 302, text(done)
    db.session.expire_all()
    assert db.session.get(Shipment, first.id).out_for_delivery_at is not None
    assert db.session.get(Shipment, second.id).status == ShipmentStatus.DELIVERED
    assert db.session.get(Shipment, third.id).out_for_delivery_at is not None
    assert len(outbox()) == sent + 3
    again = csv_file(
        ["tracking_number,status,date", f"{second.tracking_number},delivered,{day}"], "again.csv"
    )
    assert (
        post_form(
            admin_client,
            "/fr/admin/carriers/files/statuses",
            {"carrier": str(amana), "file": again},
            page=files,
        ).status_code
        == 302
    )
    assert len(outbox()) == sent + 3  # delivered already: nothing changed, nobody told twice


# ------------------------------------------------------------------ remittance statements


def test_one_wrong_amount_imports_nothing_and_names_its_line(admin_client, post_form, parcels):
    shipped = parcels(3, deliver=True)
    files = "/fr/admin/carriers/files"
    response = post_form(
        admin_client,
        "/fr/admin/carriers/files/remittances",
        {"carrier": str(shipped[0].carrier_id), "file": csv_file(statement(shipped, wrong=1))},
        page=files,
    )
    assert response.status_code == 400
    page = text(response)
    assert ("Ligne 3" in page or "Line 3" in page) and "Ligne 2<" not in page
    db.session.expire_all()
    assert all(db.session.get(Shipment, s.id).cash_remitted_at is None for s in shipped)
    assert db.session.scalar(select(func.count()).select_from(CodRemittance)) == 0
    assert ledger.integrity_problems() == [] and reconcile() == []


def test_every_bad_line_is_listed(app, parcels, make_user):
    from producers.money.remittance import import_remittance

    first, second, paid_by_card = parcels(3, deliver=True)
    ctm = parcels(1, carrier="ctm", deliver=True)
    paid_by_card.order.payment_method = PaymentMethod.CARD  # no cash to remit for it
    db.session.commit()
    amana = db.session.get(Carrier, first.carrier_id)
    day = f"{first.shipped_at:%Y-%m-%d}"
    rows = [
        "tracking_number,amount,date",
        f"{first.tracking_number},{mad_str(first.cash_to_collect_cents)},{day}",
        f"{first.tracking_number},{mad_str(first.cash_to_collect_cents)},{day}",
        f"{ctm[0].tracking_number},1.00,{day}",
        f"{second.tracking_number},douze,{day}",
        f"{second.tracking_number}X,1.00,2026-02-30",
        f",1.00,{day}",
        f"{paid_by_card.tracking_number},{mad_str(paid_by_card.cash_to_collect_cents)},{day}",
        f"{second.tracking_number},{mad_str(second.cash_to_collect_cents)},1999-01-01",
    ]
    report = import_remittance(amana, "\r\n".join(rows).encode(), "s.csv", make_user(is_admin=True))
    assert [e.line for e in report.errors] == [3, 4, 5, 6, 6, 7, 8, 9, 9]
    assert report.remittance is None
    assert db.session.get(Shipment, first.id).cash_remitted_at is None


def test_a_good_statement_remits_every_parcel_once(
    app, admin_client, post_form, parcels, count_queries, outbox
):
    delivered = parcels(2, deliver=True)
    on_the_way = parcels(1)  # the statement says the carrier delivered it
    shipped = delivered + on_the_way
    files = "/fr/admin/carriers/files"
    data = statement(shipped)
    with count_queries() as statements:
        response = post_form(
            admin_client,
            "/fr/admin/carriers/files/remittances",
            {"carrier": str(shipped[0].carrier_id), "file": csv_file(data, "amana-2026-12.csv")},
            page=files,
        )
    assert response.status_code == 302, text(response)
    db.session.expire_all()
    for s in shipped:
        parcel = db.session.get(Shipment, s.id)
        assert parcel.cash_remitted_at is not None and parcel.status == ShipmentStatus.DELIVERED
        assert db.session.get(Order, s.order_id).status == OrderStatus.COMPLETED
    (remittance,) = db.session.scalars(select(CodRemittance)).all()
    assert remittance.parcel_count == 3
    assert remittance.total_cents == sum(s.cash_to_collect_cents for s in shipped)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "order.cash_remitted")
        )
        == 3
    )
    assert ledger.integrity_problems() == [] and reconcile() == []
    page = text(admin_client.get(files))
    assert "amana-2026-12.csv" in page

    again = post_form(
        admin_client,
        "/fr/admin/carriers/files/remittances",
        {"carrier": str(shipped[0].carrier_id), "file": csv_file(data, "again.csv")},
        page=files,
    )
    assert again.status_code == 400
    assert str(remittance.id) in text(again)
    other_file = post_form(
        admin_client,
        "/fr/admin/carriers/files/remittances",
        {"carrier": str(shipped[0].carrier_id), "file": csv_file(data[:2], "part.csv")},
        page=files,
    )
    assert other_file.status_code == 400  # a remitted parcel's line is refused
    assert db.session.scalar(select(func.count()).select_from(CodRemittance)) == 1
    assert reconcile() == []
    check = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert check.exit_code == 0, check.output
    assert len(statements) < 200


def test_checking_a_statement_reads_the_parcels_in_one_query(app, parcels, count_queries):
    from producers.money.remittance import import_remittance

    def refused_queries(n: int) -> int:
        shipped = parcels(n, deliver=True)
        carrier = db.session.get(Carrier, shipped[0].carrier_id)
        data = "\r\n".join(statement(shipped, wrong=0)).encode()
        db.session.expire_all()
        with count_queries() as statements:
            report = import_remittance(carrier, data, "s.csv", None)
        assert [e.line for e in report.errors] == [2]
        return len(statements)

    assert refused_queries(2) == refused_queries(6)


def test_checking_a_status_file_reads_the_parcels_in_one_query(app, parcels, count_queries):
    from orders.carrier_status import import_statuses

    def refused_queries(n: int) -> int:
        shipped = parcels(n)
        carrier = db.session.get(Carrier, shipped[0].carrier_id)
        rows = ["tracking_number,status,date"] + [
            f"{s.tracking_number},{'lost' if i == 0 else 'delivered'},{s.shipped_at:%Y-%m-%d}"
            for i, s in enumerate(shipped)
        ]
        db.session.expire_all()
        with count_queries() as statements:
            report = import_statuses(carrier, io.StringIO("\r\n".join(rows)), None)
        assert [e.line for e in report.errors] == [2]
        return len(statements)

    assert refused_queries(2) == refused_queries(6)
