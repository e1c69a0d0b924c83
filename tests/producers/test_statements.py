"""A cooperative's balance, order splits, payouts and monthly statements (issue #7)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from orders import accounting
from orders.models import Order, PaymentMethod, Refund, RefundLine, RefundMethod, RefundStatus
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from producers.money import statements
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from shop.extensions import db
from shop.models import utcnow
from shop.money import ledger
from shop.money.ledger import credit, debit
from tests.factories import place_confirmed

ADDRESS = Address(
    full_name="Amina Alaoui",
    email="amina@example.com",
    phone="+212612345678",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)
# Default policy: 10 % commission, 5 % premium. A 120 MAD unit splits into
# 12.00 commission + 6.00 premium + 102.00 producer revenue; a parcel under
# 300 MAD to Casablanca (national zone, under 1 kg) pays 35.00 shipping.
UNIT, PRODUCER, PREMIUM, SHIPPING = 12_000, 10_200, 600, 3_500


# ------------------------------------------------------------------ helpers


@pytest.fixture
def manager(make_user, make_cooperative):
    """An approved cooperative with an ICE and its owner."""
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal", ice="001234567000062")
    user = make_user(email="owner@amal.ma", name="Aicha")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


@pytest.fixture
def variant(manager, make_product):
    ensure_default_rates()
    db.session.commit()
    return make_product(cooperative=manager[1], price=UNIT, stock=500).variants[0]


def sell(variant, quantity: int = 1) -> Order:
    """A cash-on-delivery order, placed through the real service."""
    order, _token = place_confirmed({variant.sku: quantity}, ADDRESS, PaymentMethod.COD, "fr")
    db.session.commit()
    return order


def deliver(order: Order, delivered_at: datetime | None = None, remit: bool = True) -> None:
    """Ship, deliver (optionally back-dated, to be past the hold) and remit the cash."""
    shipment = order.shipments[0]
    mark_shipped(shipment, "Amana", "AM123")
    mark_delivered(shipment)
    if delivered_at is not None:
        shipment.delivered_at = delivered_at
    if remit:
        mark_cash_remitted(shipment)
    db.session.commit()


def refund_units(order: Order, units: int, shipping: bool = False) -> Refund:
    """A cash refund of ``units`` of the order's first line (and its shipping)."""
    line, shipment = order.lines[0], order.shipments[0]
    parts = accounting.parts_for(line, units)
    item = RefundLine(
        shipment_id=shipment.id,
        cooperative_id=shipment.cooperative_id,
        order_line_id=line.id,
        quantity=units,
        gross_cents=parts.gross,
        commission_cents=parts.commission,
        premium_cents=parts.premium,
        producer_cents=parts.producer,
        shipping_cents=shipment.shipping_cents if shipping else 0,
    )
    refund = Refund(
        order_id=order.id,
        method=RefundMethod.CASH,
        status=RefundStatus.PENDING,
        amount_cents=item.amount_cents,
        reason="Pot cassé",
        lines=[item],
    )
    line.refunded_quantity += units
    db.session.add(refund)
    db.session.flush()
    accounting.post_refund(refund)
    db.session.commit()
    return refund


def make_payout(coop, status: PayoutStatus = PayoutStatus.CREATED) -> Payout:
    """A payout of everything payable, with its ledger entries (the payouts design)."""
    owed = ledger.cooperative_balances(coop.id)
    revenue, shipping = owed[ledger.COOP_REVENUE], owed[ledger.COOP_SHIPPING]
    fund = owed[ledger.COOP_FUND]
    total = revenue + shipping + fund
    batch = PayoutBatch(total_cents=total)
    payout = Payout(
        batch=batch,
        cooperative_id=coop.id,
        method=PayoutMethod.BANK,
        status=PayoutStatus.CREATED,
        revenue_cents=revenue,
        shipping_cents=shipping,
        fund_cents=fund,
        total_cents=total,
        rib=coop.rib,
        rib_holder=coop.rib_holder,
    )
    db.session.add(payout)
    db.session.flush()
    mine = {"cooperative_id": coop.id}
    ledger.post(
        f"payout:{payout.id}:created",
        ledger.PAYOUT_CREATED,
        [
            debit(ledger.COOP_REVENUE, revenue, **mine),
            debit(ledger.COOP_SHIPPING, shipping, **mine),
            debit(ledger.COOP_FUND, fund, **mine),
            credit(ledger.IN_TRANSIT, total, **mine),
        ],
        memo=payout.reference,
    )
    if status != PayoutStatus.CREATED:
        settle_payout(payout, status)
    db.session.commit()
    return payout


def settle_payout(payout: Payout, status: PayoutStatus) -> None:
    """The bank confirmed the payout, or refused it (the money returns to the balance)."""
    mine = {"cooperative_id": payout.cooperative_id}
    payout.status = status
    if status == PayoutStatus.PAID:
        payout.paid_at = utcnow()
        ledger.post(
            f"payout:{payout.id}:paid",
            ledger.PAYOUT_PAID,
            [
                debit(ledger.IN_TRANSIT, payout.total_cents, **mine),
                credit(ledger.CLEARING, payout.total_cents),
            ],
            memo=payout.reference,
        )
    else:
        payout.failed_at = utcnow()
        ledger.post(
            f"payout:{payout.id}:failed",
            ledger.PAYOUT_FAILED,
            [
                debit(ledger.IN_TRANSIT, payout.total_cents, **mine),
                credit(ledger.COOP_REVENUE, payout.revenue_cents, **mine),
                credit(ledger.COOP_SHIPPING, payout.shipping_cents, **mine),
                credit(ledger.COOP_FUND, payout.fund_cents, **mine),
            ],
            memo=payout.reference,
        )
    db.session.commit()


def release() -> int:
    count = accounting.release_due()
    db.session.commit()
    return count


def box(html: str, label: str) -> str:
    """The amount under a balance box's label."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd dir=\"ltr\">([^<]+)</dd>", html)
    assert match, label
    return match.group(1)


def row_of(html: str, number: str) -> str:
    match = re.search(
        rf"<tr>\s*<th scope=\"row\"><span dir=\"ltr\">{number}</span>(.*?)</tr>", html, re.S
    )
    assert match, number
    return re.sub(r"<[^>]+>", " ", match.group(1))


def mad(text: str) -> str:
    """French money as the pages write it: '239,00 MAD' with a no-break space."""
    return text.replace(" ", "\xa0")


@pytest.fixture
def states(manager, variant):
    """Orders in every state: placed, pending, payable (partly refunded), paid out, in transit."""
    _user, coop = manager
    long_ago = utcnow() - timedelta(days=20)
    paid_out = sell(variant, 2)
    deliver(paid_out, long_ago)
    assert release() == 1
    first = make_payout(coop, PayoutStatus.PAID)
    in_transit = sell(variant, 1)
    deliver(in_transit, long_ago)
    assert release() == 1
    second = make_payout(coop)
    payable = sell(variant, 2)
    deliver(payable, long_ago)
    assert release() == 1
    refund_units(payable, 1, shipping=True)
    pending = sell(variant, 2)
    deliver(pending)  # delivered today: in its hold
    placed = sell(variant, 1)
    return {
        "paid_out": paid_out,
        "in_transit": in_transit,
        "payable": payable,
        "pending": pending,
        "placed": placed,
        "first": first,
        "second": second,
    }


# ------------------------------------------------------------------ balance


def test_balance_in_every_state(client, login, manager, states):
    user, coop = manager
    login(client, user)
    response = client.get("/fr/producer/amal/balance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # Pending: the parcel in its hold (2 units, 204.00 + 35.00 shipping).
    assert box(html, "En attente") == mad("239,00 MAD")
    # Payable: 2 units released, 1 unit and the shipping refunded: 102.00.
    assert box(html, "À verser") == mad("102,00 MAD")
    assert box(html, "En cours de versement") == mad("143,00 MAD")  # 102 + 35 + 6
    assert box(html, "Versé") == mad("251,00 MAD")  # 204 + 35 + 12
    fund = html.split('id="fund-title"', 1)[1].split("</section>", 1)[0]
    assert '<dt>En attente</dt><dd><span dir="ltr">' + mad("12,00 MAD") in fund
    assert '<dt>Disponible</dt><dd><span dir="ltr">' + mad("6,00 MAD") in fund
    assert "Fonds communautaire" in fund and "5\xa0%" in fund
    # When money becomes payable, in plain words, with the current hold.
    assert "puis pendant encore 14 jours" in html
    assert "une fois remis par le transporteur" in html
    # Each order's split and where its money stands.
    payable = row_of(html, states["payable"].number)
    assert mad("240,00 MAD") in payable and mad("24,00 MAD") in payable
    assert mad("204,00 MAD") in payable and mad("155,00 MAD") in payable  # refunded 120 + 35
    assert "dont revenu producteur " + mad("102,00 MAD") in payable
    assert "À verser" in payable
    assert "Versé" in row_of(html, states["paid_out"].number)
    assert "Versement envoyé" in row_of(html, states["in_transit"].number)
    assert "En attente" in row_of(html, states["pending"].number)
    placed = row_of(html, states["placed"].number)
    assert "En attente" in placed and mad("102,00 MAD") in placed
    # Newest order first.
    numbers = re.findall(r'<th scope="row"><span dir="ltr">(TW-[^<]+)</span>', html)
    assert numbers[:5] == [
        states[k].number for k in ("placed", "pending", "payable", "in_transit", "paid_out")
    ]
    # Its payouts.
    assert states["first"].reference in html and states["second"].reference in html
    assert "Envoyé</span>" in html and "Virement bancaire" in html
    # The months with statements.
    now = statements.local_now()
    assert f'/fr/producer/amal/statements/{now.year}/{now.month}"' in html
    assert f'/fr/producer/amal/statements/{now.year}/{now.month}.csv"' in html


def test_balance_agrees_with_the_ledger(manager, states):
    _user, coop = manager
    b = statements.balance(coop.id)
    owed = ledger.cooperative_balances(coop.id)
    assert (b.pending, b.payable, b.fund_pending, b.fund_payable, b.in_transit, b.paid) == (
        23_900,
        10_200,
        1_200,
        600,
        14_300,
        25_100,
    )
    assert b.pending == owed[ledger.COOP_REVENUE_PENDING] + owed[ledger.COOP_SHIPPING_PENDING]
    assert ledger.integrity_problems() == []


def test_balance_releases_what_is_due(client, login, manager, variant):
    user, coop = manager
    order = sell(variant, 1)
    deliver(order, utcnow() - timedelta(days=15))
    assert order.shipments[0].released_at is None
    login(client, user)
    html = client.get("/fr/producer/amal/balance").get_data(as_text=True)
    assert box(html, "À verser") == mad("137,00 MAD")
    assert box(html, "En attente") == mad("0,00 MAD")
    db.session.expire_all()
    assert db.session.get(Order, order.id).shipments[0].released_at is not None


def test_cash_not_remitted_is_not_payable(client, login, manager, variant):
    user, _coop = manager
    order = sell(variant, 1)
    deliver(order, utcnow() - timedelta(days=30), remit=False)
    login(client, user)
    html = client.get("/fr/producer/amal/balance").get_data(as_text=True)
    assert box(html, "À verser") == mad("0,00 MAD")
    assert box(html, "En attente") == mad("0,00 MAD")  # no cash in yet
    assert "En attente" in row_of(html, order.number)


def test_balance_queries_do_not_grow_with_orders(client, login, manager, variant, count_queries):
    user, coop = manager
    login(client, user)

    def measure() -> int:
        client.get("/fr/producer/amal/balance")  # releases and commits what is due
        with count_queries() as seen:
            assert client.get("/fr/producer/amal/balance").status_code == 200
        return len(seen)

    for _ in range(2):
        deliver(sell(variant, 1), utcnow() - timedelta(days=20))
    release()
    make_payout(coop, PayoutStatus.PAID)
    few = measure()
    for i in range(23):
        order = sell(variant, 1)
        if i % 2:
            deliver(order, utcnow() - timedelta(days=20))
    release()
    make_payout(coop)
    many = measure()
    assert few == many
    html = client.get("/fr/producer/amal/balance?page=2").get_data(as_text=True)
    assert len(re.findall(r'<th scope="row"><span dir="ltr">TW-', html)) == 25 - 20
    assert len(re.findall(r'<th scope="row"><span dir="ltr">TAAWON-P', html)) == 2


# ------------------------------------------------------------------ monthly statement

MAY = {
    "sale_x": datetime(2025, 4, 20, 10, 0),
    "sale_y": datetime(2025, 4, 30, 23, 30),
    "release_x": datetime(2025, 5, 5, 8, 0),
    "refund_y": datetime(2025, 5, 10, 12, 0),
    "payout_1": datetime(2025, 5, 20, 9, 0),
    "failed_1": datetime(2025, 5, 25, 9, 0),
    "payout_2": datetime(2025, 5, 28, 9, 0),
    "paid_2": datetime(2025, 5, 29, 9, 0),
    "sale_z": datetime(2025, 5, 31, 23, 30),
}


@pytest.fixture
def may(manager, variant, monkeypatch):
    """May 2025 in Casablanca (UTC+1): 1 May 00:00 there is 30 April 23:00 UTC."""
    _user, coop = manager
    clock = {"now": None}
    monkeypatch.setattr(ledger, "utcnow", lambda: clock["now"])

    def at(name: str) -> None:
        clock["now"] = MAY[name]

    x, y, z = sell(variant, 1), sell(variant, 2), sell(variant, 1)
    at("sale_x")
    deliver(x, MAY["sale_x"])
    at("sale_y")
    deliver(y, MAY["sale_y"])
    assert accounting.release_due(now=MAY["release_x"], cooperative_ids=[coop.id]) == 1
    db.session.commit()
    at("refund_y")
    refund_units(y, 1)
    at("payout_1")
    first = make_payout(coop)
    at("failed_1")
    settle_payout(first, PayoutStatus.FAILED)
    at("payout_2")
    second = make_payout(coop)
    at("paid_2")
    settle_payout(second, PayoutStatus.PAID)
    at("sale_z")
    deliver(z, MAY["sale_z"])
    return {"x": x, "y": y, "z": z, "first": first, "second": second}


def test_statement_opening_movements_closing(manager, may):
    _user, coop = manager
    month = statements.statement(coop.id, 2025, 5)
    assert month.opening == statements.Buckets(pending=13_700, payable=0, fund=600)
    assert [(m.kind, m.reference, m.amounts) for m in month.movements] == [
        ("sale", may["y"].number, statements.Buckets(23_900, 0, 1_200)),
        ("released", may["x"].number, statements.Buckets(-13_700, 13_700, 0)),
        ("refund", may["y"].number, statements.Buckets(-10_200, 0, -600)),
        ("payout", may["first"].reference, statements.Buckets(0, -13_700, -600)),
        ("payout_failed", may["first"].reference, statements.Buckets(0, 13_700, 600)),
        ("payout", may["second"].reference, statements.Buckets(0, -13_700, -600)),
    ]
    assert month.closing == statements.Buckets(pending=13_700, payable=0, fund=600)
    assert month.opening + month.moved == month.closing
    # April ends where May opens; June opens with Z's sale of 31 May 23:30 UTC.
    april = statements.statement(coop.id, 2025, 4)
    assert april.closing == month.opening and april.opening == statements.Buckets()
    june = statements.statement(coop.id, 2025, 6)
    assert june.opening == month.closing
    assert june.movements[0].reference == may["z"].number
    for year, number in ((2025, 4), (2025, 5), (2025, 6)):
        each = statements.statement(coop.id, year, number)
        assert each.opening + each.moved == each.closing


def test_statement_csv_exact(client, login, manager, may):
    user, _coop = manager
    login(client, user)
    response = client.get("/fr/producer/amal/statements/2025/5.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="taawon-amal-2025-05.csv"'
    )
    x, y = may["x"].number, may["y"].number
    p1, p2 = may["first"].reference, may["second"].reference
    assert (
        response.get_data(as_text=True)
        == "\ufeff"
        + "\r\n".join(
            [
                "Coopérative,Coopérative Amal",
                "ICE,001234567000062",
                "Période,2025-05-01,2025-05-31",
                "Devise,MAD",
                "",
                "Date,Référence,Mouvement,En attente,À verser,Fonds communautaire",
                ",,Solde d’ouverture,137.00,0.00,6.00",
                f"2025-05-01 00:30,{y},Vente,239.00,0.00,12.00",
                f"2025-05-05 09:00,{x},Devenu à verser,-137.00,137.00,0.00",
                f"2025-05-10 13:00,{y},Remboursement,-102.00,0.00,-6.00",
                f"2025-05-20 10:00,{p1},Versement,0.00,-137.00,-6.00",
                f"2025-05-25 10:00,{p1},Versement échoué,0.00,137.00,6.00",
                f"2025-05-28 10:00,{p2},Versement,0.00,-137.00,-6.00",
                ",,Solde de clôture,137.00,0.00,6.00",
            ]
        )
        + "\r\n"
    )


def test_statement_csv_neutralises_formulas(client, login, manager, variant):
    user, coop = manager
    coop.legal_name = '=HYPERLINK("http://evil.example","clic")'
    db.session.commit()
    order = sell(variant, 2)
    deliver(order)
    coop.ice = "+212"  # after shipping: a parcel leaves only with a valid ICE on its invoice
    db.session.commit()
    refund_units(order, 1)
    login(client, user)
    now = statements.local_now()
    text = client.get(f"/fr/producer/amal/statements/{now.year}/{now.month}.csv").get_data(
        as_text=True
    )
    assert text.splitlines()[0] == (
        '\ufeffCoopérative,"\'=HYPERLINK(""http://evil.example"",""clic"")"'
    )
    assert text.splitlines()[1] == "ICE,'+212"
    # Amounts are numbers, never neutralised, even negative ones.
    assert ",Vente,239.00,0.00,12.00\r\n" in text
    assert ",Remboursement,-102.00,0.00,-6.00\r\n" in text


def test_printable_statement(client, login, manager, may):
    user, _coop = manager
    login(client, user)
    response = client.get("/ar/producer/amal/statements/2025/5")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="workspace statement-page"' in html
    assert "كشف حساب ماي 2025" in html or "كشف حساب مايو 2025" in html
    assert "الرصيد الافتتاحي" in html and "الرصيد الختامي" in html
    assert "001234567000062" in html and "Coopérative Amal" in html
    assert may["first"].reference in html and "فشلت الدفعة" in html
    assert html.count("<tr>") == 1 + 6  # the head, then one row per movement
    fr = client.get("/fr/producer/amal/statements/2025/5").get_data(as_text=True)
    assert "Relevé de mai 2025" in fr and "du 1 mai 2025 au 31 mai 2025" in fr
    assert "Devenu à verser" in fr and "Solde de clôture" in fr
    assert '/fr/producer/amal/statements/2025/5.csv"' in fr
    empty = client.get("/fr/producer/amal/statements/2024/2").get_data(as_text=True)
    assert "Aucun mouvement ce mois-ci." in empty


@pytest.mark.parametrize(
    "url",
    [
        "/fr/producer/amal/statements/2025/13",
        "/fr/producer/amal/statements/2025/0",
        "/fr/producer/amal/statements/1999/5",
        "/fr/producer/amal/statements/2025/13.csv",
        "/fr/producer/amal/statements/2025/may",
    ],
)
def test_invalid_month_is_404(client, login, manager, url):
    login(client, manager[0])
    assert client.get(url).status_code == 404


def test_with_the_real_payout_run(client, login, manager, variant):
    """The payout run of producers.money.payouts: a leg per parcel, memo naming the batch."""
    payouts = pytest.importorskip("producers.money.payouts")
    user, coop = manager
    coop.rib = "011519000001205000534921"
    db.session.commit()
    first, second = sell(variant, 2), sell(variant, 1)
    deliver(first, utcnow() - timedelta(days=20))
    deliver(second, utcnow() - timedelta(days=20))
    batch = payouts.run_payouts()
    db.session.commit()
    (paid,) = batch.payouts
    payouts.mark_paid(paid, None)
    db.session.commit()
    third = sell(variant, 1)
    deliver(third, utcnow() - timedelta(days=20))
    (sent,) = payouts.run_payouts().payouts
    db.session.commit()
    b = statements.balance(coop.id)
    assert (b.paid, b.in_transit, b.payable, b.fund_payable) == (
        23_900 + 1_200 + 13_700 + 600,
        13_700 + 600,
        0,
        0,
    )
    now = statements.local_now()
    month = statements.statement(coop.id, now.year, now.month)
    assert [(m.kind, m.reference) for m in month.movements if m.kind == "payout"] == [
        ("payout", paid.reference),
        ("payout", sent.reference),
    ]
    assert month.opening + month.moved == month.closing
    assert month.closing == statements.Buckets(0, 0, 0)
    login(client, user)
    html = client.get("/fr/producer/amal/balance").get_data(as_text=True)
    assert "Versé" in row_of(html, first.number) and "Versé" in row_of(html, second.number)
    assert "Versement envoyé" in row_of(html, third.number)


# ------------------------------------------------------------------ who may see it

NEW_ROUTES = [
    "/fr/producer/amal/balance",
    "/fr/producer/amal/statements/2025/5",
    "/fr/producer/amal/statements/2025/5.csv",
    "/fr/producer/amal/distribution",
    "/fr/producer/amal/distribution.csv?year=2025&month=5&kind=kg_supplied",
]


def test_only_the_cooperatives_managers(
    client, login, post_form, manager, make_user, make_cooperative
):
    other = make_cooperative(slug="other-coop")
    stranger = make_user(email="b@other.ma")
    db.session.add(Membership(user=stranger, cooperative=other, role=MembershipRole.OWNER))
    db.session.commit()
    for url in NEW_ROUTES:
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    anonymous = post_form(
        client, "/fr/producer/amal/distribution/reserve", {"reserve": "50"}, page="/fr/"
    )
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    login(client, stranger)
    for url in NEW_ROUTES:
        assert client.get(url).status_code == 403, url
    assert (
        post_form(
            client,
            "/fr/producer/amal/distribution/reserve",
            {"reserve": "50"},
            page="/fr/producer/other-coop/distribution",
        ).status_code
        == 403
    )
    assert client.get("/fr/producer/nowhere/balance").status_code == 404
    assert client.get("/fr/producer/other-coop/balance").status_code == 200
