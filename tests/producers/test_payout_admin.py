"""The administrators' payout pages: run, batch, paid, failed, bank file, Stripe again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from orders.models import Order, PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from producers.money import payouts
from producers.money.bankfile import bank_csv
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from shop.extensions import db
from shop.money import ledger
from tests.factories import place_confirmed

RIB = "011519000001205000534921"
CASABLANCA = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)


@pytest.fixture
def sell(app, make_product):
    """``sell(coop)``: a 100 MAD COD order delivered 15 days ago, cash remitted."""
    ensure_default_rates()
    db.session.commit()
    products = {}

    def run(coop, price: int = 10_000) -> Order:
        if coop.id not in products:
            products[coop.id] = make_product(cooperative=coop, stock=100, price=price).variants[0]
        order, _token = place_confirmed(
            {products[coop.id].sku: 1}, CASABLANCA, PaymentMethod.COD, "fr"
        )
        for shipment in order.shipments:
            mark_shipped(shipment, "Amana", f"RR{shipment.id}")
            mark_delivered(shipment)
            mark_cash_remitted(shipment)
            shipment.delivered_at -= timedelta(days=15)
        db.session.commit()
        return order

    return run


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)


@pytest.fixture
def coops(make_cooperative, make_user):
    """A cooperative paid by bank (with a manager), one by Stripe, one without a RIB."""
    bank = make_cooperative(
        slug="amal", legal_name="Coopérative Amal", rib=RIB, rib_holder="COOP AMAL"
    )
    manager = make_user(email="owner@amal.ma")
    db.session.add(Membership(user=manager, cooperative=bank, role=MembershipRole.OWNER))
    connect = make_cooperative(
        slug="connect", legal_name="Coopérative Connect", stripe_account_id="acct_1Connect"
    )
    no_rib = make_cooperative(slug="sans-rib", legal_name="Coopérative Sans RIB")
    db.session.commit()
    return bank, connect, no_rib


@pytest.fixture
def fake(app, fake):
    """The offline Stripe (tests/conftest.py), with a secret key for transfers."""
    app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_MAX_NETWORK_RETRIES=0)
    return fake


def test_non_admins_are_refused(client, login, post_form, make_user, coops, sell):
    bank = coops[0]
    sell(bank)
    batch = payouts.run_payouts()
    db.session.commit()
    payout = batch.payouts[0]
    manager = db.session.scalar(select(Membership)).user
    base = f"/fr/admin/payouts/{batch.id}"
    gets = ["/fr/admin/payouts", base, f"{base}/bank.csv"]
    posts = [
        "/fr/admin/payouts/run",
        f"{base}/{payout.id}/paid",
        f"{base}/{payout.id}/failed",
        f"{base}/{payout.id}/send",
    ]
    for url in gets + posts:
        response = client.get(url) if url in gets else client.post(url)
        assert response.status_code in (302, 400) and (
            response.status_code == 400 or "/account/login" in response.location
        ), url
    login(client, manager)
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert post_form(client, url, {"reason": "x"}, page="/fr/").status_code == 403, url
    db.session.expire_all()
    assert db.session.get(Payout, payout.id).status == PayoutStatus.CREATED
    assert db.session.scalar(select(func.count(PayoutBatch.id))) == 1


def test_run_from_the_admin_pays_and_lists_what_was_skipped(
    client, login, post_form, admin, coops, sell, fake
):
    bank, connect, no_rib = coops
    login(client, admin)
    nothing = post_form(client, "/en/admin/payouts/run", page="/en/admin/payouts")
    assert nothing.status_code == 302
    page = client.get(nothing.location).get_data(as_text=True)
    assert "Nothing to pay: no cooperative has money payable." in page
    french = post_form(client, "/fr/admin/payouts/run", page="/fr/admin/payouts")
    assert "Rien à verser : aucune coopérative n’a d’argent à percevoir." in client.get(
        french.location
    ).get_data(as_text=True)
    for coop in coops:
        sell(coop)
    response = post_form(client, "/en/admin/payouts/run", page="/en/admin/payouts")
    batch = db.session.scalar(select(PayoutBatch))
    assert response.status_code == 302
    assert response.location.endswith(f"/en/admin/payouts/{batch.id}")
    html = client.get(response.location).get_data(as_text=True)
    # 100 MAD: 85.00 revenue, 35.00 shipping, 5.00 community fund.
    assert f"Batch {batch.id}: 2 payouts, MAD\xa0250.00 in all." in html
    assert "Not paid: Coopérative Sans RIB (no bank details)." in html
    assert "Not paid in this run" in html and "Coopérative Sans RIB" in html
    for text in (
        "MAD\xa085.00",
        "MAD\xa035.00",
        "MAD\xa05.00",
        "MAD\xa0125.00",
        "011\xa0••••\xa0…\xa04921",
        "COOP AMAL",
        "acct_1Connect",
        "Bank transfer",
        "Stripe Connect",
        "In transit",
        "Paid",
        "Download the bank file (CSV)",
    ):
        assert text in html, text
    assert RIB not in html
    assert (
        len([r["key"] for r in fake.requests]) == 1
    )  # the Stripe payout was sent at once, one order
    db.session.expire_all()
    statuses = {p.cooperative_id: p.status for p in db.session.scalars(select(Payout))}
    assert statuses == {bank.id: PayoutStatus.CREATED, connect.id: PayoutStatus.PAID}

    index = client.get("/en/admin/payouts").get_data(as_text=True)
    assert f"Batch {batch.id}" in index and "MAD\xa0250.00" in index
    assert "In transit · 1" in index and "Paid · 1" in index


def test_mark_paid_and_failed_from_the_batch_page(
    client, login, post_form, admin, coops, sell, outbox
):
    bank = coops[0]
    other = coops[2]
    other.rib = RIB
    db.session.commit()
    sell(bank)
    sell(other)
    batch = payouts.run_payouts(admin)
    db.session.commit()
    first, second = batch.payouts
    login(client, admin)
    page = f"/en/admin/payouts/{batch.id}"
    missing = post_form(client, f"{page}/{first.id}/failed", {"reason": "  "}, page=page)
    assert missing.status_code == 400
    assert "Say why the payout failed." in missing.get_data(as_text=True)
    long = "R" * 2001
    too_long = post_form(client, f"{page}/{first.id}/failed", {"reason": long}, page=page)
    assert too_long.status_code == 400 and long in too_long.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Payout, first.id).status == PayoutStatus.CREATED

    failed = post_form(client, f"{page}/{first.id}/failed", {"reason": "Compte clôturé"}, page=page)
    assert failed.status_code == 302
    paid = post_form(client, f"{page}/{second.id}/paid", page=page)
    assert paid.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Compte clôturé" in html and f"Payout {second.reference} marked as paid." in html
    db.session.expire_all()
    assert db.session.get(Payout, first.id).status == PayoutStatus.FAILED
    assert db.session.get(Payout, second.id).status == PayoutStatus.PAID
    again = post_form(client, f"{page}/{second.id}/paid", page=page)
    assert again.status_code == 400
    assert "This payout is already paid: it can no longer change." in again.get_data(as_text=True)
    assert (
        post_form(
            client, f"/en/admin/payouts/{batch.id + 1}/{second.id}/paid", page=page
        ).status_code
        == 404
    )
    assert ledger.integrity_problems() == []
    assert "owner@amal.ma" in {m["To"] for m in outbox()}


def test_bank_file_download(client, login, admin, coops, sell):
    sell(coops[0])
    batch = payouts.run_payouts(admin)
    db.session.commit()
    login(client, admin)
    response = client.get(f"/fr/admin/payouts/{batch.id}/bank.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="taawon-payouts-{batch.id}.csv"'
    )
    assert response.data.startswith(b"\xef\xbb\xbfreference,beneficiary,rib,amount")
    assert response.data.decode("utf-8") == bank_csv(batch)
    assert f"COOP AMAL,{RIB},125.00,MAD".encode() in response.data


def test_send_again_after_stripe_was_down(client, login, post_form, admin, coops, sell, fake):
    connect = coops[1]
    sell(connect)
    fake.down = True
    login(client, admin)
    post_form(client, "/en/admin/payouts/run", page="/en/admin/payouts")
    payout = db.session.scalar(select(Payout))
    page = f"/en/admin/payouts/{payout.batch_id}"
    html = client.get(page).get_data(as_text=True)
    assert "Stripe did not take the transfers (0 of 1 sent)" in html
    assert "Send the Stripe transfers again" in html
    stripe_paid = post_form(client, f"{page}/{payout.id}/paid", page=page)
    assert stripe_paid.status_code == 400  # paid by its transfers only
    fake.down = False
    sent = post_form(client, f"{page}/{payout.id}/send", page=page)
    assert sent.status_code == 302
    db.session.expire_all()
    payout = db.session.get(Payout, payout.id)
    assert payout.status == PayoutStatus.PAID and payout.method == PayoutMethod.STRIPE
    assert [r["key"] for r in fake.requests] == [
        f"payout-{payout.id}-{db.session.scalar(select(Order.number))}"
    ] * 2
    assert f"Payout {payout.reference} sent and paid." in client.get(page).get_data(as_text=True)


def test_pages_run_a_bounded_number_of_queries(
    client, login, admin, make_cooperative, sell, count_queries
):
    login(client, admin)

    def measure(url: str) -> int:
        client.get(url)  # warm caches (babel, templates)
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    sell(make_cooperative(rib=RIB))
    first = payouts.run_payouts(admin)
    db.session.commit()
    few = (measure("/fr/admin/payouts"), measure(f"/fr/admin/payouts/{first.id}"))
    for _ in range(4):
        for _n in range(3):
            sell(make_cooperative(rib=RIB))
        payouts.run_payouts(admin)
        db.session.commit()
    last = db.session.scalar(select(PayoutBatch).order_by(PayoutBatch.id.desc()))
    assert len(last.payouts) == 3
    many = (measure("/fr/admin/payouts"), measure(f"/fr/admin/payouts/{last.id}"))
    assert few == many
