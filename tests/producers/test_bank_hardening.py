"""Bank details and suspension (issue #13): who may redirect a cooperative's money, and when.

Before: any manager could change the RIB, a suspended cooperative's owner
could still change it and publish products, payout runs paid suspended
cooperatives, and a payout left for a RIB changed a minute before.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.dates import format_date, format_time
from flask_babel import force_locale
from sqlalchemy import select

from catalog.models import Product, ProductStatus
from orders.models import PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Cooperative, CooperativeStatus, Membership, MembershipRole
from producers.money import payouts
from producers.money.exceptions import BankDetailsError
from producers.money.models import Payout, PayoutBatch
from producers.money.rib import change_bank_details
from shop import clock
from shop.audit import AuditEntry
from shop.extensions import db
from shop.models import utcnow
from tests.factories import place_confirmed

RIB = "011519000001205000534921"
NEW_RIB = "230780000123456789012340"[:22]
NEW_RIB += f"{(97 - int(NEW_RIB + '00') % 97) % 97:02d}"
URL = "/{lang}/producer/amal/bank"
PASSWORD = "correct horse battery"
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
def team(make_user, make_cooperative):
    """Coopérative Amal with a RIB, its owner and a (non-owner) manager."""
    coop = make_cooperative(
        slug="amal", legal_name="Coopérative Amal", rib=RIB, rib_holder="COOP AMAL"
    )
    owner = make_user(email="owner@amal.ma", name="Aicha", locale="fr")
    manager = make_user(email="seller@amal.ma", name="Fatima", locale="en")
    db.session.add_all(
        [
            Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER),
            Membership(user=manager, cooperative=coop, role=MembershipRole.MANAGER),
        ]
    )
    db.session.commit()
    return coop, owner, manager


def rib_changes() -> int:
    return len(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "cooperative.rib_change")
        ).all()
    )


def english(value) -> str:
    """A stored UTC time as the English batch page shows it: Casablanca's date and hour."""
    local = clock.to_local(value)
    return f"{format_date(local, 'medium', locale='en')} {format_time(local, 'short', locale='en')}"


def new_details(**extra):
    return {"rib": NEW_RIB, "rib_holder": "Someone Else", "current_password": PASSWORD, **extra}


# ------------------------------------------------------------------ only owners


def test_a_manager_who_is_not_an_owner_cannot_change_the_rib(client, login, post_form, team):
    coop, _owner, manager = team
    login(client, manager)
    page = client.get(URL.format(lang="en"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "011 •••• … 4921" in html
    assert 'name="current_password"' not in html and 'name="rib"' not in html
    assert "Only an owner of the cooperative can change its bank details." in html
    refused = post_form(client, URL.format(lang="en"), new_details())
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).rib == RIB
    assert rib_changes() == 0


def test_the_service_refuses_a_non_owner_too(team):
    coop, _owner, manager = team
    with pytest.raises(BankDetailsError) as refused:
        change_bank_details(coop, NEW_RIB, "X", manager, PASSWORD)
    with force_locale("en"):
        assert "Only an owner" in str(refused.value.message)
    assert coop.rib == RIB


def test_the_owners_are_mailed_when_the_rib_changes(client, login, post_form, team, outbox):
    _coop, owner, _manager = team
    login(client, owner)
    done = post_form(client, URL.format(lang="fr"), new_details())
    assert done.status_code == 302
    mails = {m["To"]: m for m in outbox()}
    # The owner who made the change is told too: a stolen session is how it happens.
    assert set(mails) == {"owner@amal.ma", "seller@amal.ma"}
    text = mails["owner@amal.ma"].get_body(("plain",)).get_content()
    assert "230 •••• … " + NEW_RIB[-4:] in text and NEW_RIB not in text


# ------------------------------------------------------------------ suspended


@pytest.fixture
def suspended(team):
    coop, owner, manager = team
    coop.status = CooperativeStatus.SUSPENDED
    coop.review_note = "Documents falsifiés"
    db.session.commit()
    return coop, owner, manager


def test_a_suspended_cooperatives_owner_cannot_change_the_rib(client, login, post_form, suspended):
    coop, owner, _manager = suspended
    login(client, owner)
    page = client.get(URL.format(lang="fr"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "011 •••• … 4921" in html  # read-only
    assert 'name="current_password"' not in html and "data-suspended" in html
    refused = post_form(client, URL.format(lang="fr"), new_details())
    assert refused.status_code == 403
    assert "Coopérative Amal" in refused.get_data(as_text=True)
    english = post_form(client, URL.format(lang="en"), new_details())
    assert english.status_code == 403
    assert "Coopérative Amal is suspended: nothing can be changed" in english.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).rib == RIB
    assert rib_changes() == 0
    with pytest.raises(BankDetailsError):
        change_bank_details(coop, NEW_RIB, "X", owner, PASSWORD)


def test_a_suspended_cooperative_can_change_nothing_anywhere(
    app, client, login, post_form, suspended, make_product
):
    """Every state-changing workspace route is refused, before its view runs."""
    coop, owner, _manager = suspended
    product = make_product(cooperative=coop, price=10_000, stock=5, status=ProductStatus.DRAFT)
    login(client, owner)
    token_page = URL.format(lang="en")
    posts = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("producers.")
        and "slug" in rule.arguments
        and "POST" in (rule.methods or ())
    ]
    assert len(posts) > 15  # every screen's forms, not a hand-picked few
    urls = app.url_map.bind("shop.test")
    for rule in posts:
        # The refusal comes before the view looks anything up: any id will do.
        values = {name: product.id for name in rule.arguments if name not in ("lang", "slug")}
        url = urls.build(rule.endpoint, {"lang": "en", "slug": "amal", **values})
        response = post_form(client, url, {"status": "published"}, page=token_page)
        assert response.status_code == 403, (rule.rule, response.status_code)
        assert "is suspended" in response.get_data(as_text=True), rule.rule
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.DRAFT
    # Reading stays open, with the reason on every page.
    for page in ("/en/producer/amal/", "/en/producer/amal/products", "/en/producer/amal/balance"):
        assert client.get(page).status_code == 200, page


# ------------------------------------------------------------------ payouts wait


@pytest.fixture
def sell(app, make_product):
    """``sell(coop)``: a 100 MAD COD order delivered 15 days ago, cash remitted."""
    ensure_default_rates()
    db.session.commit()

    def run(coop):
        variant = make_product(cooperative=coop, stock=100, price=10_000).variants[0]
        order, _token = place_confirmed({variant.sku: 1}, CASABLANCA, PaymentMethod.COD, "fr")
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


def test_a_payout_run_skips_a_suspended_cooperative(
    client, login, post_form, admin, make_cooperative, sell
):
    paid = make_cooperative(slug="paid", legal_name="Coopérative Payée", rib=RIB)
    held = make_cooperative(slug="held", legal_name="Coopérative Suspendue", rib=RIB)
    sell(paid)
    sell(held)  # sold and delivered before the suspension
    held.status = CooperativeStatus.SUSPENDED
    db.session.commit()
    login(client, admin)
    response = post_form(client, "/en/admin/payouts/run", page="/en/admin/payouts")
    assert response.status_code == 302
    batch = db.session.scalar(select(PayoutBatch))
    assert [p.cooperative_id for p in batch.payouts] == [paid.id]
    html = client.get(response.location).get_data(as_text=True)
    assert "Coopérative Suspendue (cooperative suspended: its money waits" in html
    assert "Not paid in this run" in html
    # Lifted: the next run pays what waited.
    held.status = CooperativeStatus.APPROVED
    db.session.commit()
    skipped: list[payouts.Skipped] = []
    second = payouts.run_payouts(admin, skipped=skipped)
    assert second is not None and [p.cooperative_id for p in second.payouts] == [held.id]


def test_a_payout_to_a_recently_changed_rib_waits_and_the_batch_says_why(
    client, login, post_form, admin, make_cooperative, sell
):
    changed_at = utcnow() - timedelta(days=2)
    paid = make_cooperative(slug="paid", legal_name="Coopérative Payée", rib=RIB)
    recent = make_cooperative(
        slug="recent", legal_name="Coopérative Récente", rib=NEW_RIB, rib_updated_at=changed_at
    )
    stripe = make_cooperative(
        slug="stripe",
        legal_name="Coopérative Stripe",
        stripe_account_id="acct_1Stripe",
        rib=NEW_RIB,
        rib_updated_at=changed_at,
    )
    for coop in (paid, recent, stripe):
        sell(coop)
    skipped: list[payouts.Skipped] = []
    batch = payouts.run_payouts(admin, skipped=skipped)
    db.session.commit()
    # A Stripe Connect payout does not go to the RIB: it does not wait.
    assert sorted(p.cooperative_id for p in batch.payouts) == sorted([paid.id, stripe.id])
    [hold] = skipped
    assert (hold.cooperative_id, hold.reason) == (recent.id, payouts.RIB_HOLD)
    assert hold.rib_changed_at == changed_at
    assert hold.payable_from == changed_at + timedelta(days=7)

    login(client, admin)
    html = client.get(f"/en/admin/payouts/{batch.id}").get_data(as_text=True)
    found = re.search(
        r"Coopérative Récente</bdi></a> · RIB changed on (.+?), payable from ([^<]+)<",
        html,
    )
    assert found, html[html.find("Not paid in this run") :][:600]
    assert found.groups() == (english(changed_at), english(changed_at + timedelta(days=7)))

    # Still held on the sixth day; paid once seven days have passed.
    assert payouts.run_payouts(admin, now=changed_at + timedelta(days=6)) is None
    later = payouts.run_payouts(admin, now=changed_at + timedelta(days=7, minutes=1))
    assert [p.cooperative_id for p in later.payouts] == [recent.id]
    assert db.session.scalar(select(Payout.rib).where(Payout.cooperative_id == recent.id)) == (
        NEW_RIB
    )


def test_the_hold_is_a_setting(app, admin, make_cooperative, sell):
    recent = make_cooperative(
        slug="recent", rib=NEW_RIB, rib_updated_at=utcnow() - timedelta(days=2)
    )
    sell(recent)
    try:
        app.config["RIB_CHANGE_HOLD_DAYS"] = 3
        assert payouts.run_payouts(admin) is None  # changed two days ago: waits
        app.config["RIB_CHANGE_HOLD_DAYS"] = 1
        batch = payouts.run_payouts(admin)
    finally:
        app.config.pop("RIB_CHANGE_HOLD_DAYS")
    assert batch is not None and [p.cooperative_id for p in batch.payouts] == [recent.id]
