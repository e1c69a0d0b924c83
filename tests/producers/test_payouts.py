"""Payout runs: exact centimes, idempotence, netting, failures, Stripe Connect, concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from orders import accounting
from orders.models import Order, PaymentMethod, Refund, RefundLine, RefundMethod, RefundStatus
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from producers.money import connect as stripe_connect
from producers.money import payouts
from producers.money.bankfile import bank_csv
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from producers.money.reconciliation import reconcile
from shop.audit import AuditEntry
from shop.extensions import db
from shop.models import utcnow
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


def later(days: int = 15):
    """A time past the 14-day hold of everything delivered in the test."""
    return utcnow() + timedelta(days=days)


@pytest.fixture
def rates(app) -> None:
    """The default shipping rates (national 35 MAD up to 1 kg)."""
    ensure_default_rates()
    db.session.commit()


@pytest.fixture
def sell(rates, make_cooperative, make_product):
    """``sell(coop, price, quantity)``: a delivered, cash-remitted COD order; returns it."""
    products = {}

    def run(coop, price: int = 12_345, quantity: int = 2) -> Order:
        key = (coop.id, price)
        if key not in products:
            products[key] = make_product(cooperative=coop, stock=1_000, price=price).variants[0]
        order, _token = place_confirmed(
            {products[key].sku: quantity}, CASABLANCA, PaymentMethod.COD, "fr"
        )
        for shipment in order.shipments:
            mark_shipped(shipment, "Amana", f"RR{shipment.id}")
            mark_delivered(shipment)
            mark_cash_remitted(shipment)
        db.session.commit()
        return order

    return run


@pytest.fixture
def coop(make_cooperative, make_user):
    """A cooperative with a RIB and two managers (fr and ar)."""
    cooperative = make_cooperative(legal_name="Coopérative Amal", rib=RIB, rib_holder="COOP AMAL")
    for email, locale, role in (
        ("owner@amal.ma", "fr", MembershipRole.OWNER),
        ("treasurer@amal.ma", "ar", MembershipRole.MANAGER),
    ):
        user = make_user(email=email, locale=locale)
        db.session.add(Membership(user=user, cooperative=cooperative, role=role))
    db.session.commit()
    return cooperative


def refund_units(order: Order, quantity: int = 1) -> Refund:
    """A cash refund of ``quantity`` units of the order's first line, posted to the ledger."""
    line = order.lines[0]
    parts = accounting.parts_for(line, quantity)
    refund = Refund(
        order_id=order.id,
        method=RefundMethod.CASH,
        status=RefundStatus.PENDING,
        amount_cents=parts.gross,
        reason="cassé",
    )
    refund.lines.append(
        RefundLine(
            shipment_id=line.shipment_id,
            cooperative_id=line.cooperative_id,
            order_line_id=line.id,
            quantity=quantity,
            gross_cents=parts.gross,
            commission_cents=parts.commission,
            premium_cents=parts.premium,
            producer_cents=parts.producer,
        )
    )
    line.refunded_quantity += quantity
    db.session.add(refund)
    db.session.flush()
    accounting.post_refund(refund)
    db.session.commit()
    return refund


def managers_mail(outbox) -> list:
    """The mails of the test but the shopper's order mails and the managers' "new parcel"."""
    new_parcel = []
    for lang in ("ar", "fr", "en"):  # each manager's own language
        with force_locale(lang):
            new_parcel.append(gettext("New parcel to prepare: order %(number)s", number=""))
    return [
        m
        for m in outbox()
        if m["To"] != CASABLANCA.email and not m["Subject"].startswith(tuple(new_parcel))
    ]


def payable(coop_id: int) -> dict[str, int]:
    owed = ledger.cooperative_balances(coop_id)
    return {account: owed[account] for account in ledger.PAYABLE_ACCOUNTS}


def assert_ledger_sound() -> None:
    assert ledger.integrity_problems() == []
    assert reconcile() == []


# ------------------------------------------------------------------ the run


def test_a_run_pays_exact_centimes_once(coop, sell, outbox):
    order = sell(coop)  # 2 × 123.45 MAD, 600 g from Souss-Massa to Casablanca
    line, shipment = order.lines[0], order.shipments[0]
    assert (
        line.gross_cents,
        line.commission_cents,
        line.premium_cents,
        line.producer_cents,
        shipment.shipping_cents,
    ) == (24_690, 2_469, 1_235, 20_986, 3_500)
    assert payouts.run_payouts(now=later(13)) is None  # still in the hold
    assert db.session.scalar(select(func.count(PayoutBatch.id))) == 0

    batch = payouts.run_payouts(now=later())
    db.session.commit()
    assert batch is not None and len(batch.payouts) == 1
    payout = batch.payouts[0]
    assert (payout.revenue_cents, payout.shipping_cents, payout.fund_cents, payout.total_cents) == (
        20_986,
        3_500,
        1_235,
        25_721,
    )
    assert batch.total_cents == 25_721
    assert (payout.method, payout.status, payout.rib, payout.rib_holder) == (
        PayoutMethod.BANK,
        PayoutStatus.CREATED,
        RIB,
        "COOP AMAL",
    )
    assert payout.reference == f"TAAWON-P{payout.id:06d}"
    assert payable(coop.id) == dict.fromkeys(ledger.PAYABLE_ACCOUNTS, 0)
    assert ledger.balance(ledger.IN_TRANSIT, coop.id) == -25_721

    entry = db.session.scalar(
        select(ledger.JournalEntry).where(ledger.JournalEntry.key == f"payout:{payout.id}:created")
    )
    assert entry.kind == ledger.PAYOUT_CREATED
    legs = {
        (l.account, l.amount_cents, l.cooperative_id, l.order_id, l.shipment_id)
        for l in entry.lines
    }
    assert legs == {
        (ledger.COOP_REVENUE, 20_986, coop.id, order.id, shipment.id),
        (ledger.COOP_SHIPPING, 3_500, coop.id, order.id, shipment.id),
        (ledger.COOP_FUND, 1_235, coop.id, order.id, shipment.id),
        (ledger.IN_TRANSIT, -25_721, coop.id, None, None),
    }
    run = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payout.run"))
    assert (run.target_id, run.data["payouts"], run.data["total_cents"]) == (batch.id, 1, 25_721)
    assert_ledger_sound()

    # Running again pays nothing twice.
    assert payouts.run_payouts(now=later(16)) is None
    assert payouts.run_payouts(now=later(40)) is None
    db.session.commit()
    assert db.session.scalar(select(func.count(Payout.id))) == 1
    # Managers hear of a payout when it is paid or failed, not before.
    assert [m["To"] for m in managers_mail(outbox)] == []
    assert_ledger_sound()


def test_each_cooperative_gets_its_own_payout_and_the_ones_without_a_rib_wait(
    coop, sell, make_cooperative
):
    no_rib = make_cooperative(legal_name="Coopérative Sans RIB")
    bad_rib = make_cooperative(legal_name="Coopérative RIB faux", rib=RIB[:-1] + "2")
    stripe_coop = make_cooperative(
        legal_name="Coopérative Connect", stripe_account_id="acct_1Connect"
    )
    for cooperative in (coop, no_rib, bad_rib, stripe_coop):
        sell(cooperative, price=10_000, quantity=1)
    skipped: list[payouts.Skipped] = []
    batch = payouts.run_payouts(now=later(), skipped=skipped)
    db.session.commit()
    # 100 MAD: commission 10.00, premium 5.00, producer 85.00, shipping 35.00.
    assert {
        (p.cooperative_id, p.method, p.revenue_cents, p.fund_cents, p.shipping_cents, p.total_cents)
        for p in batch.payouts
    } == {
        (coop.id, PayoutMethod.BANK, 8_500, 500, 3_500, 12_500),
        (stripe_coop.id, PayoutMethod.STRIPE, 8_500, 500, 3_500, 12_500),
    }
    assert batch.total_cents == 25_000
    stripe_payout = next(p for p in batch.payouts if p.method == PayoutMethod.STRIPE)
    assert (stripe_payout.stripe_account_id, stripe_payout.rib) == ("acct_1Connect", None)
    assert sorted((s.cooperative_id, s.reason, s.amount_cents) for s in skipped) == [
        (no_rib.id, payouts.NO_BANK_DETAILS, 12_500),
        (bad_rib.id, payouts.NO_BANK_DETAILS, 12_500),
    ]
    assert skipped[0].label == "pas de coordonnées bancaires"  # French outside a request
    assert payable(no_rib.id)[ledger.COOP_REVENUE] == 8_500  # still owed, waiting

    no_rib.rib = RIB
    db.session.commit()
    skipped = []
    second = payouts.run_payouts(now=later(), skipped=skipped)
    db.session.commit()
    assert [(p.cooperative_id, p.total_cents) for p in second.payouts] == [(no_rib.id, 12_500)]
    assert [s.cooperative_id for s in skipped] == [bad_rib.id]
    assert_ledger_sound()


def test_a_refund_after_payout_is_netted_against_the_next_one(coop, sell):
    first = sell(coop)
    batch = payouts.run_payouts(now=later())
    db.session.commit()
    assert batch.payouts[0].total_cents == 25_721
    refund_units(first, 1)  # 123.45 MAD: producer 104.93, premium 6.17, commission 12.35
    owed = payable(coop.id)
    assert owed == {ledger.COOP_REVENUE: -10_493, ledger.COOP_SHIPPING: 0, ledger.COOP_FUND: -617}
    skipped: list[payouts.Skipped] = []
    assert payouts.run_payouts(now=later(), skipped=skipped) is None  # nothing positive to pay
    assert [(s.reason, s.amount_cents) for s in skipped] == [(payouts.NOT_POSITIVE, -11_110)]
    db.session.commit()

    second = sell(coop, price=10_000, quantity=1)  # 85.00 + 5.00 + 35.00 shipping
    batch = payouts.run_payouts(now=later(30))
    db.session.commit()
    payout = batch.payouts[0]
    assert (payout.revenue_cents, payout.fund_cents, payout.shipping_cents, payout.total_cents) == (
        8_500 - 10_493,
        500 - 617,
        3_500,
        1_390,
    )
    assert payable(coop.id) == dict.fromkeys(ledger.PAYABLE_ACCOUNTS, 0)
    lines = db.session.scalars(
        select(ledger.JournalLine)
        .join(ledger.JournalEntry)
        .where(ledger.JournalEntry.key == f"payout:{payout.id}:created")
    ).all()
    by_order: dict[int | None, int] = {}
    for line in lines:
        by_order[line.order_id] = by_order.get(line.order_id, 0) + line.amount_cents
    assert by_order == {first.id: -11_110, second.id: 12_500, None: -1_390}
    assert_ledger_sound()


def test_a_failed_payout_returns_the_money_parcel_by_parcel(coop, sell, outbox, make_user):
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    orders = [sell(coop), sell(coop, price=10_000, quantity=1)]
    batch = payouts.run_payouts(admin, now=later())
    db.session.commit()
    payout = batch.payouts[0]
    assert payout.total_cents == 25_721 + 12_500
    with pytest.raises(payouts.PayoutError) as error:
        payouts.mark_failed(payout, "   ", admin)
    assert str(error.value.message) == "Indiquez pourquoi le versement a échoué."
    payouts.mark_failed(payout, "RIB clôturé", admin)
    assert managers_mail(outbox) == []  # only once committed
    db.session.commit()
    assert (payout.status, payout.failure_reason) == (PayoutStatus.FAILED, "RIB clôturé")
    assert payout.failed_at is not None
    created = {
        (l.account, l.amount_cents, l.order_id, l.shipment_id)
        for l in db.session.scalars(
            select(ledger.JournalLine)
            .join(ledger.JournalEntry)
            .where(ledger.JournalEntry.key == f"payout:{payout.id}:created")
        )
    }
    failed = {
        (l.account, -l.amount_cents, l.order_id, l.shipment_id)
        for l in db.session.scalars(
            select(ledger.JournalLine)
            .join(ledger.JournalEntry)
            .where(ledger.JournalEntry.key == f"payout:{payout.id}:failed")
        )
    }
    assert created == failed and len(created) == 7
    for order in orders:
        shipment = order.shipments[0]
        assert ledger.shipment_balances(ledger.PAYABLE_ACCOUNTS, [shipment.id])[shipment.id] == {
            ledger.COOP_REVENUE: -order.lines[0].producer_cents,
            ledger.COOP_FUND: -order.lines[0].premium_cents,
            ledger.COOP_SHIPPING: -shipment.shipping_cents,
        }
    assert ledger.balance(ledger.IN_TRANSIT) == 0
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "payout.failed"))
    assert (audit.actor_id, audit.reason, audit.target_id) == (admin.id, "RIB clôturé", payout.id)
    mails = managers_mail(outbox)
    assert sorted(m["To"] for m in mails) == ["owner@amal.ma", "treasurer@amal.ma"]
    assert all(payout.reference in m["Subject"] for m in mails)
    assert "RIB clôturé" in mails[0].get_body(("plain",)).get_content()
    assert_ledger_sound()

    with pytest.raises(payouts.PayoutError):
        payouts.mark_paid(payout, admin)  # failed is final
    again = payouts.run_payouts(admin, now=later())
    db.session.commit()
    assert again.payouts[0].total_cents == 25_721 + 12_500
    assert_ledger_sound()


def test_mark_paid_moves_the_money_out_and_tells_the_managers(coop, sell, outbox, make_user, app):
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    sell(coop)
    payout = payouts.run_payouts(admin, now=later()).payouts[0]
    db.session.commit()
    clearing = ledger.balance(ledger.CLEARING)
    payouts.mark_paid(payout, admin)
    db.session.commit()
    assert payout.status == PayoutStatus.PAID and payout.paid_at is not None
    assert ledger.balance(ledger.IN_TRANSIT, coop.id) == 0
    assert ledger.balance(ledger.CLEARING) == clearing - 25_721
    entry = db.session.scalar(
        select(ledger.JournalEntry).where(ledger.JournalEntry.key == f"payout:{payout.id}:paid")
    )
    assert {(l.account, l.amount_cents, l.cooperative_id) for l in entry.lines} == {
        (ledger.IN_TRANSIT, 25_721, coop.id),
        (ledger.CLEARING, -25_721, coop.id),
    }
    mails = {m["To"]: m for m in managers_mail(outbox)}
    assert set(mails) == {"owner@amal.ma", "treasurer@amal.ma"}
    french = mails["owner@amal.ma"].get_body(("plain",)).get_content()
    assert "Taawon a versé 257,21\xa0MAD à Coopérative Amal" in french
    assert "Par virement bancaire sur le compte 011 •••• … 4921." in french
    assert RIB not in french
    arabic = mails["treasurer@amal.ma"].get_body(("plain",)).get_content()
    assert payout.reference in arabic and "257" in arabic
    assert_ledger_sound()

    for move in (
        lambda: payouts.mark_paid(payout, admin),
        lambda: payouts.mark_failed(payout, "trop tard", admin),
    ):
        with pytest.raises(payouts.PayoutError) as error:
            move()
        assert str(error.value.message) == "Ce versement est déjà payé : il ne peut plus changer."
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "payout.paid")
        )
        == 1
    )


# ------------------------------------------------------------------ the bank file


def test_bank_csv_is_exact_and_safe_in_a_spreadsheet(coop, sell, make_cooperative):
    sly = make_cooperative(legal_name='=HYPERLINK("http://evil")', rib=RIB, rib_holder="")
    plus = make_cooperative(legal_name="Coopérative Plus", rib=RIB, rib_holder="+212 Tifaout")
    connect = make_cooperative(legal_name="Connect", stripe_account_id="acct_x")
    sell(coop)
    sell(sly, price=10_000, quantity=1)
    sell(plus, price=1_001, quantity=1)
    sell(connect, price=10_000, quantity=1)
    batch = payouts.run_payouts(now=later())
    db.session.commit()
    ref = {p.cooperative_id: p.reference for p in batch.payouts}
    # 10.01 MAD: commission 1.00, premium 0.50 (half-up of 0.5005), producer 8.51, shipping 35.
    expected = (
        "\ufeffreference,beneficiary,rib,amount,currency,label\r\n"
        f"{ref[coop.id]},COOP AMAL,{RIB},257.21,MAD,Taawon {ref[coop.id]}\r\n"
        f'{ref[sly.id]},"\'=HYPERLINK(""http://evil"")",{RIB},125.00,MAD,'
        f"Taawon {ref[sly.id]}\r\n"
        f"{ref[plus.id]},'+212 Tifaout,{RIB},44.01,MAD,Taawon {ref[plus.id]}\r\n"
    )
    assert bank_csv(batch) == expected
    paid = next(p for p in batch.payouts if p.cooperative_id == coop.id)
    payouts.mark_paid(paid, None)
    db.session.commit()
    assert ref[coop.id] not in bank_csv(batch)  # only what is still to transfer


# ------------------------------------------------------------------ Stripe Connect


@pytest.fixture
def fake(app, fake):
    """The offline Stripe (tests/fakes.py), with a secret key for transfers."""
    app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_MAX_NETWORK_RETRIES=0)
    return fake


@pytest.fixture
def connect(make_cooperative, make_user):
    cooperative = make_cooperative(
        legal_name="Coopérative Connect", stripe_account_id="acct_1Connect"
    )
    user = make_user(email="owner@connect.ma", locale="en")
    db.session.add(Membership(user=user, cooperative=cooperative, role=MembershipRole.OWNER))
    db.session.commit()
    return cooperative


def test_connect_payouts_send_one_transfer_per_order(connect, sell, fake, outbox):
    first, second = sell(connect), sell(connect, price=10_000, quantity=1)
    batch = payouts.run_payouts(now=later())
    db.session.commit()
    payout = batch.payouts[0]
    assert payout.method == PayoutMethod.STRIPE and payout.total_cents == 25_721 + 12_500
    assert stripe_connect.send_transfers(payout) is True
    db.session.commit()
    sent = [r for r in fake.requests if r["path"] == "/v1/transfers"]
    assert [
        (
            r["form"]["amount"],
            r["form"]["currency"],
            r["form"]["destination"],
            r["form"]["transfer_group"],
            r["form"]["metadata[payout]"],
            r["key"],
        )
        for r in sent
    ] == [
        (
            "25721",
            "mad",
            "acct_1Connect",
            first.number,
            payout.reference,
            f"payout-{payout.id}-{first.number}",
        ),
        (
            "12500",
            "mad",
            "acct_1Connect",
            second.number,
            payout.reference,
            f"payout-{payout.id}-{second.number}",
        ),
    ]
    assert payout.status == PayoutStatus.PAID
    assert payout.stripe_transfer_ids.split() == [fake.answers[r["key"]]["id"] for r in sent]
    assert [m["To"] for m in managers_mail(outbox)] == ["owner@connect.ma"]
    assert_ledger_sound()
    with pytest.raises(payouts.PayoutError):
        stripe_connect.send_transfers(payout)  # paid: nothing more to send
    assert len(fake.requests) == 2


def test_a_retry_after_stripe_failed_pays_nothing_twice(connect, sell, fake, outbox):
    orders = [sell(connect, price=10_000, quantity=1) for _ in range(3)]
    payout = payouts.run_payouts(now=later()).payouts[0]
    db.session.commit()

    fake.fail_after = 0  # Stripe down
    assert stripe_connect.send_transfers(payout) is False
    db.session.commit()
    assert (payout.status, payout.stripe_transfer_ids) == (PayoutStatus.CREATED, "")
    assert "(0 sur 3 envoyés) : Network error: connection refused" in payout.failure_reason
    assert ledger.balance(ledger.IN_TRANSIT, connect.id) == -37_500

    fake.fail_after = 1  # one transfer goes through, then the network dies
    assert stripe_connect.send_transfers(payout) is False
    db.session.commit()
    assert len(payout.stripe_transfer_ids.split()) == 1
    assert "(1 sur 3 envoyés)" in payout.failure_reason
    with pytest.raises(payouts.PayoutError):
        payouts.mark_failed(payout, "Stripe down", None)  # money already partly sent
    db.session.rollback()

    fake.fail_after = None
    assert stripe_connect.send_transfers(payout) is True
    db.session.commit()
    keys = [r["key"] for r in fake.requests]
    assert keys == [f"payout-{payout.id}-{orders[0].number}"] * 2 + [
        f"payout-{payout.id}-{orders[1].number}",
        f"payout-{payout.id}-{orders[1].number}",
        f"payout-{payout.id}-{orders[2].number}",
    ]
    # Three transfers made, each once: the retry resumed after the one already sent.
    assert len(fake.answers) == 3
    assert payout.stripe_transfer_ids.split() == [
        fake.answers[f"payout-{payout.id}-{o.number}"]["id"] for o in orders
    ]
    assert (payout.status, payout.failure_reason) == (PayoutStatus.PAID, "")
    assert_ledger_sound()


def test_transfers_net_a_refunded_order_against_the_others(connect, sell, fake):
    first = sell(connect)
    stripe_connect.send_transfers(payouts.run_payouts(now=later()).payouts[0])
    db.session.commit()
    refund_units(first, 1)  # −111.10 MAD on the first order, already paid out
    second = sell(connect, price=10_000, quantity=2)  # 170 + 10 + 35 = 215 MAD
    third = sell(connect, price=1_001, quantity=1)  # 8.51 + 0.50 + 35 = 44.01 MAD
    fake.requests.clear()
    payout = payouts.run_payouts(now=later(30)).payouts[0]
    db.session.commit()
    assert payout.total_cents == 21_500 + 4_401 - 11_110
    plan = stripe_connect.transfer_plan(payout)
    assert [(t.order_number, t.amount_cents) for t in plan] == [
        (second.number, 21_500 - 11_110),
        (third.number, 4_401),
    ]
    assert stripe_connect.send_transfers(payout)
    db.session.commit()
    assert [int(r["form"]["amount"]) for r in fake.requests] == [10_390, 4_401]
    assert first.number not in {r["form"]["transfer_group"] for r in fake.requests}
    assert_ledger_sound()


def test_without_stripe_keys_a_connect_payout_waits(connect, sell, app):
    sell(connect)
    payout = payouts.run_payouts(now=later()).payouts[0]
    assert stripe_connect.send_transfers(payout) is False
    db.session.commit()
    assert payout.status == PayoutStatus.CREATED
    assert payout.failure_reason == "Stripe n’est pas configuré : aucun virement n’a été envoyé."


# ------------------------------------------------------------------ command line


def test_cli_runs_a_batch_and_says_when_nothing_is_due(coop, sell, runner, make_cooperative, fake):
    result = runner.invoke(args=["payouts", "run"])
    assert result.exit_code == 0 and "nothing to pay" in result.output
    no_rib = make_cooperative(legal_name="Coopérative Sans RIB")
    connect = make_cooperative(legal_name="Coopérative Connect", stripe_account_id="acct_c")
    for cooperative in (coop, no_rib, connect):
        order = sell(cooperative)
        for shipment in order.shipments:  # delivered 15 days ago: past the hold
            shipment.delivered_at -= timedelta(days=15)
    db.session.commit()
    result = runner.invoke(args=["payouts", "run"])
    assert result.exit_code == 0, result.output
    batch = db.session.scalar(select(PayoutBatch))
    assert f"batch {batch.id}: 2 payouts, 514.42 MAD" in result.output
    assert "Coopérative Amal  bank  257.21 MAD" in result.output
    assert "Coopérative Connect  stripe  257.21 MAD" in result.output
    assert "Stripe transfers sent, paid" in result.output
    assert "skipped: Coopérative Sans RIB (no bank details, 257.21 MAD)" in result.output
    db.session.expire_all()
    assert {p.status for p in batch.payouts} == {PayoutStatus.CREATED, PayoutStatus.PAID}
    csv_out = runner.invoke(args=["payouts", "bank-csv", str(batch.id)])
    assert csv_out.exit_code == 0 and "257.21,MAD" in csv_out.output
    again = runner.invoke(args=["payouts", "run"])
    assert again.exit_code == 0 and "nothing to pay" in again.output
    assert "Coopérative Sans RIB" in again.output


# ------------------------------------------------------------------ concurrency


@pytest.mark.slow
@pytest.mark.commits
def test_two_runs_at_once_pay_once(app, coop, sell, make_cooperative):
    others = [make_cooperative(rib=RIB) for _ in range(5)]
    for cooperative in [coop, *others]:
        sell(cooperative, price=10_000, quantity=1)
    db.session.remove()
    when = later()
    start = threading.Barrier(2)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                batch = payouts.run_payouts(now=when)
                results.append(batch.id if batch else None)
                db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(results) == 2 and results.count(None) == 1
    assert db.session.scalar(select(func.count(PayoutBatch.id))) == 1
    assert db.session.scalar(select(func.count(Payout.id))) == 6
    assert db.session.scalar(select(func.sum(Payout.total_cents))) == 6 * 12_500
    assert_ledger_sound()
