"""Administration of orders: the list and its filters, the detail page and its actions."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from orders import services
from orders.models import Order, OrderStatus, PaymentMethod, Refund, RefundStatus
from orders.services import Address, mark_delivered, mark_shipped
from producers.models import Membership, MembershipRole
from producers.money.reconciliation import reconcile
from shop.audit import AuditEntry
from shop.extensions import db
from shop.money import ledger
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


@pytest.fixture
def app_config():
    return {
        "STRIPE_SECRET_KEY": "sk_test_fake",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@pytest.fixture
def shop(rates, make_cooperative, make_product):
    coop_a = make_cooperative(legal_name="Coopérative Tifaout")
    coop_b = make_cooperative(legal_name="Coopérative Nahla")
    oil = make_product(
        cooperative=coop_a, name_fr="Huile d'argan", price=4_567, stock=200
    ).variants[0]
    honey = make_product(
        cooperative=coop_b, name_fr="Miel", price=6_000, stock=200, category="honey"
    ).variants[0]
    return coop_a, coop_b, oil, honey


@pytest.fixture
def admin_client(app, make_user, login):
    admin = make_user(email="admin@taawon.ma", name="Salma Admin", is_admin=True)
    client = app.test_client()
    login(client, admin)
    client.admin = admin
    return client


def place(
    wanted: dict,
    method=PaymentMethod.COD,
    address: Address = CASABLANCA,
    paid: bool = True,
    created: datetime | None = None,
) -> Order:
    order, _ = place_confirmed({v.sku: q for v, q in wanted.items()}, address, method, "fr")
    db.session.commit()
    if method == PaymentMethod.CARD and paid:
        assert services.confirm_card_payment(order, f"cs_{order.id}", f"pi_{order.id}")
        db.session.commit()
    if created is not None:
        db.session.execute(update(Order).where(Order.id == order.id).values(created_at=created))
        db.session.commit()
    return db.session.get(Order, order.id)


def numbers(html: str) -> set[str]:
    return set(re.findall(r'/admin/orders/(TW-[0-9A-Z]{6})"', html))


def text(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- who may see


def test_every_order_route_is_for_administrators_only(
    app, shop, make_user, login, post_form, admin_client
):
    coop_a, _coop_b, oil, _honey = shop
    order = place({oil: 1})
    manager = make_user(email="manager@tifaout.ma")
    db.session.add(Membership(user=manager, cooperative=coop_a, role=MembershipRole.OWNER))
    customer = make_user(email="shopper@example.com")
    db.session.commit()
    routes = [
        ("GET", "/fr/admin/orders"),
        ("GET", f"/fr/admin/orders/{order.number}"),
        ("POST", f"/fr/admin/orders/{order.number}/refund"),
        ("POST", f"/fr/admin/orders/{order.number}/cancel"),
        ("POST", f"/fr/admin/orders/{order.number}/cash-remitted"),
    ]
    with app.test_request_context():
        from flask import url_for

        assert url_for("admin.orders", lang="fr") == "/fr/admin/orders"
        for endpoint, path in (
            ("admin.order", ""),
            ("admin.order_refund", "/refund"),
            ("admin.order_cancel", "/cancel"),
            ("admin.order_cash_remitted", "/cash-remitted"),
        ):
            assert (
                url_for(endpoint, lang="fr", number=order.number)
                == f"/fr/admin/orders/{order.number}{path}"
            )
    anonymous = app.test_client()
    others = {}
    for name, person in (("customer", customer), ("manager", manager)):
        others[name] = app.test_client()
        login(others[name], person)
    for method, url in routes:
        if method == "GET":
            response = anonymous.get(url)
        else:
            response = post_form(anonymous, url, {"reason": "x"}, page="/fr/")
        assert response.status_code == 302 and "/account/login" in response.location, url
        for name, client in others.items():
            response = (
                client.get(url)
                if method == "GET"
                else post_form(client, url, {"reason": "x"}, page="/fr/")
            )
            assert response.status_code == 403, (name, url)
        response = (
            admin_client.get(url)
            if method == "GET"
            else post_form(admin_client, url, {}, page="/fr/")
        )
        assert response.status_code == (200 if method == "GET" else 400), url
    assert order.status == OrderStatus.CONFIRMED  # nobody changed anything
    assert admin_client.get("/fr/admin/orders/TW-000000").status_code == 404


# ---------------------------------------------------------------- the list


def test_filters_combine(shop, admin_client):
    coop_a, coop_b, oil, honey = shop
    karim = replace(CASABLANCA, email="karim@example.com", full_name="Karim Bennani")
    # Casablanca is UTC+1 in June: 23:30 UTC on the 14th is the 15th there.
    first = place({oil: 1}, created=datetime(2025, 6, 14, 23, 30))
    second = place({honey: 1}, PaymentMethod.CARD, karim, created=datetime(2025, 6, 15, 23, 30))
    third = place({oil: 1, honey: 1}, created=datetime(2025, 6, 14, 22, 30))
    unpaid = place(
        {honey: 2}, PaymentMethod.CARD, karim, paid=False, created=datetime(2025, 6, 16, 9, 0)
    )

    def listed(query: str = "") -> set[str]:
        response = admin_client.get("/fr/admin/orders" + query)
        assert response.status_code == 200
        return numbers(text(response))

    assert listed() == {first.number, second.number, third.number, unpaid.number}
    html = text(admin_client.get("/fr/admin/orders"))
    assert (
        html.index(unpaid.number)
        < html.index(second.number)
        < html.index(first.number)
        < html.index(third.number)
    )  # newest first
    assert listed("?status=paid") == {second.number}
    assert listed("?status=pending_payment") == {unpaid.number}
    assert listed("?method=cod") == {first.number, third.number}
    assert listed(f"?cooperative={coop_b.id}") == {second.number, third.number, unpaid.number}
    assert listed(f"?method=cod&cooperative={coop_b.id}") == {third.number}
    assert listed(f"?q={second.number.lower()}") == {second.number}
    assert listed("?q=KARIM") == {second.number, unpaid.number}
    assert listed("?q=karim&status=paid") == {second.number}
    assert listed("?q=amina%40example") == {first.number, third.number}
    assert listed("?date_from=2025-06-15&date_to=2025-06-15") == {first.number}
    assert listed("?date_from=2025-06-15") == {first.number, second.number, unpaid.number}
    assert listed("?date_to=2025-06-14") == {third.number}
    bad = text(admin_client.get("/fr/admin/orders?date_from=2025-06-16&date_to=2025-06-15"))
    assert "La date de fin précède la date de début." in bad
    assert "Aucune commande ne correspond à ces filtres." in text(
        admin_client.get("/fr/admin/orders?q=nobody")
    )
    assert "4 commandes" in html, re.findall(r"result-count.{0,80}", html)
    # The filters are kept in the form after filtering.
    kept = text(admin_client.get("/fr/admin/orders?q=karim&status=paid"))
    assert 'value="karim"' in kept and '<option selected value="paid">' in kept


def test_the_list_runs_the_same_queries_for_2_or_30_orders(shop, admin_client, count_queries):
    _coop_a, _coop_b, oil, honey = shop

    def measure() -> int:
        with count_queries() as statements:
            assert admin_client.get("/fr/admin/orders").status_code == 200
        return len(statements)

    place({oil: 1, honey: 1})
    place({honey: 1}, PaymentMethod.CARD)
    few = measure()
    for n in range(28):
        place(
            {oil: 1, honey: 1} if n % 2 else {oil: 2},
            PaymentMethod.CARD if n % 3 else PaymentMethod.COD,
        )
    assert db.session.scalar(select(func.count(Order.id))) == 30
    assert measure() == few


# ---------------------------------------------------------------- the detail page


def test_detail_shows_the_order_and_its_refund_form(shop, admin_client):
    _coop_a, _coop_b, oil, honey = shop
    order = place({oil: 3, honey: 1}, PaymentMethod.CARD)
    services.note_payment(order, "card payment failed: card_declined")
    mark_shipped(
        next(s for s in order.shipments if s.lines[0].variant_id == honey.id), "Amana", "RR123MA"
    )
    db.session.commit()
    html = text(admin_client.get(f"/fr/admin/orders/{order.number}"))
    for expected in (
        order.number,
        "Amina Alaoui",
        "amina@example.com",
        "+212612345678",
        f"cs_{order.id}",
        f"pi_{order.id}",
        "card_declined",
        "RR123MA",
        "Coopérative Tifaout",
        "Coopérative Nahla",
        "Huile d&#39;argan",
        "137,01",
        "13,70",
        "6,85",
        "116,46",  # 3 × 45.67 and its split
        "Rembourser",
        "Remboursements",
    ):
        assert expected in html.replace("\u202f", " ").replace("\xa0", " "), expected
    oil_line = next(line for line in order.lines if line.variant_id == oil.id)
    assert f'name="units-{oil_line.id}"' in html and 'max="3"' in html
    assert html.count('name="shipping-') == 2
    assert "Annuler la commande" not in html  # a parcel has shipped


def test_refund_through_the_form_preview_then_refund(shop, fake, admin_client, post_form):
    _coop_a, _coop_b, oil, honey = shop
    order = place({oil: 3, honey: 1}, PaymentMethod.CARD)
    oil_line = next(line for line in order.lines if line.variant_id == oil.id)
    honey_parcel = next(s for s in order.shipments if s.lines[0].variant_id == honey.id)
    url = f"/fr/admin/orders/{order.number}"
    data = {
        f"units-{oil_line.id}": "2",
        f"shipping-{honey_parcel.id}": "1",
        "reason": "Colis abîmé",
    }

    preview = post_form(admin_client, url + "/refund", {**data, "action": "preview"}, page=url)
    assert preview.status_code == 200
    html = text(preview).replace("\xa0", " ").replace("\u202f", " ")
    assert "Ce remboursement" in html and "126,34" in html  # 91.34 + 35.00
    assert 'value="2"' in html and "checked" in html and "Colis abîmé" in html
    assert fake.requests == [] and db.session.scalar(select(func.count(Refund.id))) == 0

    bad = post_form(
        admin_client,
        url + "/refund",
        {**data, f"units-{oil_line.id}": "deux", "action": "refund"},
        page=url,
    )
    assert bad.status_code == 400
    assert "Indiquez des nombres entiers d’unités (0 ou plus)." in text(bad)
    no_reason = post_form(
        admin_client, url + "/refund", {**data, "reason": "", "action": "refund"}, page=url
    )
    assert no_reason.status_code == 400
    assert "Donnez le motif du remboursement." in text(no_reason)
    assert 'value="2"' in text(no_reason)
    too_many = post_form(
        admin_client,
        url + "/refund",
        {**data, f"units-{oil_line.id}": "4", "action": "refund"},
        page=url,
    )
    assert too_many.status_code == 400
    assert "Remboursez de 1 à 3 unités de Huile d&#39;argan (250 ml)." in text(too_many)
    assert fake.requests == []

    done = post_form(admin_client, url + "/refund", {**data, "action": "refund"}, page=url)
    assert done.status_code == 302 and done.location.endswith(url)
    page = text(admin_client.get(url)).replace("\xa0", " ").replace("\u202f", " ")
    assert "Remboursement de 126,34 MAD enregistré pour la commande" in page
    assert "Argent rendu" in page and "Colis abîmé" in page and "admin@taawon.ma" in page
    (made,) = db.session.scalars(select(Refund)).all()
    assert (made.amount_cents, made.status, made.created_by_id) == (
        12_634,
        RefundStatus.SUCCEEDED,
        admin_client.admin.id,
    )
    assert fake.requests[-1]["form"]["amount"] == "12634"
    assert ledger.integrity_problems() == [] and reconcile() == []


def test_cancel_through_the_form(shop, fake, admin_client, post_form, outbox):
    _coop_a, _coop_b, oil, _honey = shop
    order = place({oil: 2}, PaymentMethod.CARD)
    url = f"/fr/admin/orders/{order.number}"
    assert "Annuler la commande" in text(admin_client.get(url))
    empty = post_form(admin_client, url + "/cancel", {"cancel_reason": " "}, page=url)
    assert empty.status_code == 400 and "Donnez le motif de l’annulation." in text(empty)
    response = post_form(admin_client, url + "/cancel", {"cancel_reason": "Doublon"}, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == OrderStatus.CANCELLED and order.cancel_reason == "Doublon"
    assert fake.requests[-1]["form"]["amount"] == str(order.total_cents)
    page = text(admin_client.get(url)).replace("\xa0", " ").replace("\u202f", " ")
    assert "est annulée et 126,34 MAD remboursés sur la carte" in page
    assert "Annuler la commande" not in page
    again = post_form(admin_client, url + "/cancel", {"cancel_reason": "encore"}, page=url)
    assert again.status_code == 400
    assert "Seule une commande dont rien n’est parti peut être annulée." in text(again)
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "order.cancel")
        )
        == 1
    )
    assert ledger.integrity_problems() == [] and reconcile() == []


def test_mark_cash_remitted_from_the_detail_page(shop, admin_client, post_form):
    _coop_a, _coop_b, oil, _honey = shop
    order = place({oil: 2})
    parcel = order.shipments[0]
    url = f"/fr/admin/orders/{order.number}"
    mark_shipped(parcel, "Amana", "RR1")
    db.session.commit()
    assert "Marquer les espèces comme remises" not in text(admin_client.get(url))
    mark_delivered(parcel)
    db.session.commit()
    assert "Marquer les espèces comme remises" in text(admin_client.get(url))
    wrong = post_form(admin_client, url + "/cash-remitted", {"shipment": "999999"}, page=url)
    assert wrong.status_code == 400 and "Choisissez un colis de cette commande." in text(wrong)
    done = post_form(admin_client, url + "/cash-remitted", {"shipment": str(parcel.id)}, page=url)
    assert done.status_code == 302
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.shipments[0].cash_remitted_at is not None
    assert order.status == OrderStatus.COMPLETED
    assert ledger.balance(ledger.CLEARING) == order.total_cents
    twice = post_form(admin_client, url + "/cash-remitted", {"shipment": str(parcel.id)}, page=url)
    assert twice.status_code == 400
    # The shopper's confirmation (the factory's), then the remittance, once.
    assert db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all() == [
        "order.confirm",
        "order.cash_remitted",
    ]
    assert ledger.integrity_problems() == [] and reconcile() == []
