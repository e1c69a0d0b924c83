"""The member distribution helper: the largest-remainder split and its page (issue #7)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.trace import Contribution, ContributionKind, LotDetails, create_lot
from orders import accounting
from orders.models import PaymentMethod, Refund, RefundLine, RefundMethod, RefundStatus
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Cooperative, Member, Membership, MembershipRole
from producers.money.distribution import DistributionError, bp_to_percent, distribute, percent_to_bp
from shop.audit import AuditEntry
from shop.extensions import db
from shop.money import ledger
from tests.factories import place_confirmed

# ------------------------------------------------------------------ the pure function

WEIGHTS = st.dictionaries(st.integers(1, 100_000), st.integers(0, 10**9), max_size=25)


@given(total=st.integers(0, 10**11), reserve_bp=st.integers(0, 10_000), weights=WEIGHTS)
def test_distribute_properties(total, reserve_bp, weights):
    reserve, shares = distribute(total, reserve_bp, weights)
    assert set(shares) == set(weights)
    assert reserve + sum(shares.values()) == total  # to the centime
    weight_total = sum(weights.values())
    if weight_total == 0:
        assert reserve == total and set(shares.values()) <= {0}
        return
    assert reserve == math.floor(Fraction(total * reserve_bp, 10_000) + Fraction(1, 2))
    to_share = total - reserve
    exact = {m: Fraction(to_share * w, weight_total) for m, w in weights.items()}
    for member_id, weight in weights.items():
        assert abs(shares[member_id] - exact[member_id]) < 1
        assert shares[member_id] >= 0
        if weight == 0:
            assert shares[member_id] == 0
    # The extra centimes went to the largest remainders, ties to the smaller id.
    extra = {m for m in weights if shares[m] > math.floor(exact[m])}
    for winner in extra:
        for other in set(weights) - extra:
            if weights[other]:
                remainder = exact[winner] - math.floor(exact[winner])
                other_remainder = exact[other] - math.floor(exact[other])
                assert (remainder, -winner) > (other_remainder, -other)
    # Deterministic: the order members are given in changes nothing.
    assert distribute(total, reserve_bp, dict(reversed(list(weights.items())))) == (reserve, shares)


def test_distribute_three_members():
    # 1 234,57 MAD, 15.5 % reserve: 191.35835 → 191.36; 1 043.21 shared 5:3:2.
    reserve, shares = distribute(123_457, 1_550, {7: 500, 3: 300, 5: 200})
    assert reserve == 19_136
    # Exact shares 52 160.5, 31 296.3 and 20 864.2: the centime left goes to member 7.
    assert shares == {7: 52_161, 3: 31_296, 5: 20_864}


def test_distribute_ties_rounding_and_empty_cases():
    assert distribute(10_000, 0, {3: 1, 1: 1, 2: 1}) == (0, {1: 3_334, 2: 3_333, 3: 3_333})
    assert distribute(1_010, 500, {1: 1})[0] == 51  # 50.5 rounds half up
    assert distribute(1_009, 500, {1: 1})[0] == 50  # 50.45
    assert distribute(5_000, 1_000, {}) == (5_000, {})
    assert distribute(5_000, 1_000, {1: 0, 2: 0}) == (5_000, {1: 0, 2: 0})
    assert distribute(5_000, 1_000, {1: 0, 2: 3}) == (500, {1: 0, 2: 4_500})
    assert distribute(5_000, 10_000, {1: 1}) == (5_000, {1: 0})
    for bad in ((-1, 0, {1: 1}), (100, 10_001, {1: 1}), (100, 0, {1: -1}), (1.5, 0, {1: 1})):
        with pytest.raises(ValueError):
            distribute(*bad)


@pytest.mark.parametrize(
    "text, basis_points",
    [("12,5", 1_250), ("12.5", 1_250), ("0", 0), ("100", 10_000), (" 7.25 % ", 725), ("0.01", 1)],
)
def test_percent_to_basis_points(text, basis_points):
    assert percent_to_bp(text) == basis_points
    assert percent_to_bp(bp_to_percent(basis_points)) == basis_points


@pytest.mark.parametrize("text", ["100.01", "-1", "12.345", "abc", "", "NaN", "Infinity"])
def test_percent_refused(text):
    with pytest.raises(DistributionError):
        percent_to_bp(text)


def test_percent_shown():
    assert [bp_to_percent(v) for v in (1_250, 1_000, 5, 0, 10_000, 1_001)] == [
        "12.5",
        "10",
        "0.05",
        "0",
        "100",
        "10.01",
    ]


# ------------------------------------------------------------------ the page

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


@pytest.fixture
def coop(make_user, make_cooperative, make_product, monkeypatch):
    """April and May 2025 of a cooperative whose lots record who brought what.

    Lot L1 (4 units): Aicha 30 kg and 5 h, Fatima 10 kg. Lot L2 (20 units):
    Fatima 20 kg, Khadija 40 kg. In May, L1 sells out and one unit of L2
    sells; one unit is refunded. In April, a product without lots sold once.
    """
    cooperative = make_cooperative(
        slug="amal", legal_name="Coopérative Amal", ice="001234567000062", reserve_bp=1_000
    )
    owner = make_user(email="owner@amal.ma", name="Aicha")
    helper = make_user(email="manager@amal.ma", name="Said")
    db.session.add_all(
        [
            Membership(user=owner, cooperative=cooperative, role=MembershipRole.OWNER),
            Membership(user=helper, cooperative=cooperative, role=MembershipRole.MANAGER),
        ]
    )
    ensure_default_rates()
    members = {
        name: Member(cooperative=cooperative, full_name=name, role=role, active=active)
        for name, role, active in (
            ("Aicha Ait Lahcen", "présidente", True),
            ("Fatima Id Brahim", "", True),
            ("Khadija Oubella", "", True),
            ("Leila Amrani", "=HYPERLINK(1)", True),
            ("Old Member", "", False),
        )
    }
    db.session.add_all(members.values())
    db.session.commit()
    oil = make_product(cooperative=cooperative, price=12_000, stock=100).variants[0]
    honey = make_product(cooperative=cooperative, name_fr="Miel", price=12_000, stock=10).variants[
        0
    ]
    kg, hours = ContributionKind.KG_SUPPLIED, ContributionKind.HOURS_WORKED
    create_lot(
        cooperative,
        oil,
        "L1",
        LotDetails(quantity_produced=4, produced_on=date(2025, 1, 1)),
        contributions=[
            Contribution(members["Aicha Ait Lahcen"], kg, Decimal("30")),
            Contribution(members["Aicha Ait Lahcen"], hours, Decimal("5")),
            Contribution(members["Fatima Id Brahim"], kg, Decimal("10")),
        ],
    )
    create_lot(
        cooperative,
        oil,
        "L2",
        LotDetails(quantity_produced=20, produced_on=date(2025, 2, 1)),
        contributions=[
            Contribution(members["Fatima Id Brahim"], kg, Decimal("20")),
            Contribution(members["Khadija Oubella"], kg, Decimal("40")),
        ],
    )
    db.session.commit()
    clock = {}
    monkeypatch.setattr(ledger, "utcnow", lambda: clock["now"])

    def sold(variant, quantity, when):
        order, _token = place_confirmed({variant.sku: quantity}, ADDRESS, PaymentMethod.COD, "fr")
        shipment = order.shipments[0]
        mark_shipped(shipment, "Amana", "AM1")
        mark_delivered(shipment)
        clock["now"] = when
        mark_cash_remitted(shipment)
        db.session.commit()
        return order

    sold(honey, 1, datetime(2025, 4, 15, 10, 0))
    first = sold(oil, 2, datetime(2025, 5, 3, 10, 0))  # 2 units of L1
    sold(oil, 3, datetime(2025, 5, 6, 10, 0))  # 2 of L1, 1 of L2
    clock["now"] = datetime(2025, 5, 10, 10, 0)
    line = first.lines[0]
    parts = accounting.parts_for(line, 1)
    refund = Refund(
        order_id=first.id,
        method=RefundMethod.CASH,
        status=RefundStatus.PENDING,
        amount_cents=parts.gross,
        lines=[
            RefundLine(
                shipment_id=line.shipment_id,
                cooperative_id=cooperative.id,
                order_line_id=line.id,
                quantity=1,
                gross_cents=parts.gross,
                commission_cents=parts.commission,
                premium_cents=parts.premium,
                producer_cents=parts.producer,
            )
        ],
    )
    line.refunded_quantity = 1
    db.session.add(refund)
    db.session.flush()
    accounting.post_refund(refund)
    db.session.commit()
    return cooperative, owner, helper, members


MAY = "year=2025&month=5&kind=kg_supplied"


def cells(html: str, name: str) -> list[str]:
    row = re.search(rf"<tr[^>]*>\s*<th scope=\"row\">{name}.*?</tr>", html, re.S).group(0)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_distribution_page(client, login, coop):
    cooperative, owner, _helper, members = coop
    login(client, owner)
    response = client.get(f"/fr/producer/amal/distribution?{MAY}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Une proposition pour l’assemblée générale : elle ne verse rien." in html
    # 204 + 306 - 102 (refunded) = 408 MAD of producer revenue; 10 % kept.
    assert '<dt>Revenu producteur</dt><dd dir="ltr">408,00\xa0MAD</dd>' in html
    assert '<dt>Gardé en réserve</dt><dd dir="ltr">40,80\xa0MAD</dd>' in html
    assert '<dt>Partagé entre les membres</dt><dd dir="ltr">367,20\xa0MAD</dd>' in html
    assert "2 lots vendus" in html and "Réserve : 10\xa0%" in html
    # L1 sold out (counts whole), 1 of L2's 20 units sold (counts 1/20): weights 30, 11, 2.
    assert cells(html, "Aicha Ait Lahcen") == ["256,19\xa0MAD", "69,77\xa0%", "30", "30"]
    assert cells(html, "Fatima Id Brahim") == ["93,93\xa0MAD", "25,58\xa0%", "11", "30"]
    assert cells(html, "Khadija Oubella") == ["17,08\xa0MAD", "4,65\xa0%", "2", "40"]
    assert cells(html, "Leila Amrani") == ["0,00\xa0MAD", "—", "0", "0"]
    assert "Old Member" not in html  # inactive and brought nothing
    # Weighed by hours: only Aicha worked on the lots sold.
    hours = client.get("/fr/producer/amal/distribution?year=2025&month=5&kind=hours_worked")
    assert cells(hours.get_data(as_text=True), "Aicha Ait Lahcen")[0] == "367,20\xa0MAD"
    # The whole year adds April's sale of a product without lots.
    year = client.get("/fr/producer/amal/distribution?year=2025&month=").get_data(as_text=True)
    assert '<dt>Revenu producteur</dt><dd dir="ltr">510,00\xa0MAD</dd>' in year
    # A month without sales.
    june = client.get("/fr/producer/amal/distribution?year=2025&month=6").get_data(as_text=True)
    assert '<dt>Revenu producteur</dt><dd dir="ltr">0,00\xa0MAD</dd>' in june
    assert "0 lot vendu" in june


def test_distribution_without_contributions_keeps_everything(client, login, coop):
    cooperative, owner, _helper, _members = coop
    login(client, owner)
    html = client.get("/fr/producer/amal/distribution?year=2025&month=4").get_data(as_text=True)
    assert '<dt>Gardé en réserve</dt><dd dir="ltr">102,00\xa0MAD</dd>' in html
    assert "tout reste en réserve" in html


def test_distribution_csv_exact(client, login, coop):
    _cooperative, owner, _helper, _members = coop
    login(client, owner)
    response = client.get(f"/fr/producer/amal/distribution.csv?{MAY}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="taawon-amal-distribution-2025-05.csv"'
    )
    assert (
        response.get_data(as_text=True)
        == "\ufeff"
        + "\r\n".join(
            [
                "Coopérative,Coopérative Amal",
                "ICE,001234567000062",
                "Période,2025-05-01,2025-05-31",
                "Pondéré par,Kilogrammes fournis",
                "Revenu producteur,408.00",
                "Réserve (%),10",
                "Gardé en réserve,40.80",
                "Partagé entre les membres,367.20",
                "",
                "Membre,Rôle,Apport aux lots vendus,Compté pour la période,Part (%),Montant proposé",
                "Aicha Ait Lahcen,présidente,30.000,30.000,69.77,256.19",
                "Fatima Id Brahim,,30.000,11.000,25.58,93.93",
                "Khadija Oubella,,40.000,2.000,4.65,17.08",
                "Leila Amrani,'=HYPERLINK(1),0.000,0.000,0.00,0.00",
                "",
                "Une proposition pour l’assemblée générale : elle ne verse rien.",
            ]
        )
        + "\r\n"
    )


def test_reserve_form(client, login, post_form, coop):
    cooperative, owner, _helper, _members = coop
    login(client, owner)
    page = f"/fr/producer/amal/distribution?{MAY}"
    url = f"/fr/producer/amal/distribution/reserve?{MAY}"
    refused = post_form(client, url, {"reserve": "12.345"}, page=page)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Utilisez au plus deux décimales." in html and 'value="12.345"' in html
    too_much = post_form(client, url, {"reserve": "101"}, page=page)
    assert too_much.status_code == 400
    assert "Indiquez un pourcentage entre 0 et 100." in too_much.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cooperative, cooperative.id).reserve_bp == 1_000
    saved = post_form(client, url, {"reserve": "12,5"}, page=page)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/fr/producer/amal/distribution?{MAY}")
    db.session.expire_all()
    assert db.session.get(Cooperative, cooperative.id).reserve_bp == 1_250
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="cooperative.reserve"))
    assert (entry.actor_id, entry.target_id, entry.data) == (
        owner.id,
        cooperative.id,
        {"old_bp": 1_000, "new_bp": 1_250},
    )
    html = client.get(page).get_data(as_text=True)
    assert "Réserve enregistrée." in html and 'value="12.5"' in html
    assert '<dt>Gardé en réserve</dt><dd dir="ltr">51,00\xa0MAD</dd>' in html  # 12.5 % of 408


def test_only_owners_change_the_reserve(client, login, post_form, coop):
    cooperative, _owner, helper, _members = coop
    login(client, helper)
    page = f"/fr/producer/amal/distribution?{MAY}"
    html = client.get(page).get_data(as_text=True)
    assert "Seuls les responsables principaux de la coopérative peuvent la modifier." in html
    assert 'name="reserve"' not in html
    assert (
        post_form(
            client, f"/fr/producer/amal/distribution/reserve?{MAY}", {"reserve": "50"}, page=page
        ).status_code
        == 403
    )
    db.session.expire_all()
    assert db.session.get(Cooperative, cooperative.id).reserve_bp == 1_000


@pytest.mark.parametrize(
    "query",
    [
        "year=abc",
        "year=2025&month=13",
        "year=2025&month=0",
        "year=1999&month=5",
        "year=2025&month=5&kind=litres",
        "month=5",
    ],
)
def test_invalid_period_is_404(client, login, coop, query):
    login(client, coop[1])
    assert client.get(f"/fr/producer/amal/distribution?{query}").status_code == 404
    assert client.get(f"/fr/producer/amal/distribution.csv?{query}").status_code == 404
