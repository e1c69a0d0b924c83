"""Cash on delivery confirmed by the shopper: the state, the signed link, replies,
staff's call, the cooperatives' lists and notices, the lapse, refusals and the rates."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from flask import current_app
from flask_babel import force_locale
from itsdangerous import TimestampSigner
from markupsafe import escape as html_escape
from sqlalchemy import select, update

from orders import cod, services
from orders.jobs import lapse_unconfirmed
from orders.models import Order, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from orders.services import ORDER_MOVES, Address, place_order
from producers.models import Membership, MembershipRole
from producers.money.reconciliation import reconcile
from producers.workspace.parcels import to_prepare_count
from shop import jobs
from shop.audit import AuditEntry
from shop.extensions import db
from shop.messaging import dispatch_reply
from shop.models import utcnow

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
#: A text carries the short link (``/c/<token>``), a mail the confirm page's own.
LINK = re.compile(r"http://shop\.test/(?:(ar|fr|en)/confirm|c)/([\w.\-]+)")


@pytest.fixture
def shop(rates, make_cooperative, make_product, make_user):
    """A cooperative with an owner who wants parcel notices, and an oil at 100 MAD, 10 in stock."""
    coop = make_cooperative(slug="tifaout", legal_name="Coopérative Tifaout")
    owner = make_user(email="owner@tifaout.ma", name="Aicha", locale="ar")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    oil = make_product(cooperative=coop, price=10_000, stock=10).variants[0]
    return coop, owner, oil


def place_cod(oil, quantity: int = 2, lang: str = "fr", **address) -> Order:
    order, _token = place_order(
        {oil.sku: quantity}, Address(**{**CASABLANCA.__dict__, **address}), PaymentMethod.COD, lang
    )
    db.session.commit()
    return order


def stock(variant) -> int:
    db.session.refresh(variant)
    return variant.stock


def link_of(text: str) -> tuple[str, str]:
    """The confirm page's path a text or mail links to (through the short link), and its token."""
    match = LINK.search(text)
    assert match, text
    path = match.group(0).removeprefix("http://shop.test")
    if path.startswith("/c/"):
        response = current_app.test_client().get(path)
        assert response.status_code == 302, path
        path = response.location.removeprefix("http://shop.test")
    return path, match.group(2)


# ------------------------------------------------------------------ the state


def test_cash_waits_for_the_shopper_and_holds_its_stock(shop, text_outbox, outbox):
    coop, _owner, oil = shop
    order = place_cod(oil, lang="ar")
    assert order.status == OrderStatus.AWAITING_CONFIRMATION
    assert stock(oil) == 8  # held while it waits
    assert timedelta(hours=47) < order.confirm_due_at - utcnow() <= timedelta(hours=48)
    assert order.contact_channel == "sms"
    # Not the cooperative's to prepare yet, nor in its dashboard count.
    assert services.packing_slips(coop.id) == [] and to_prepare_count(coop.id) == 0
    # The SMS: short Arabic text, the order's number and a link to confirm.
    (sms,) = text_outbox()
    assert sms["to"] == "+212612345678" and sms["channel"] == "sms"
    assert order.number in sms["body"] and "/c/" in sms["body"]
    url, token = link_of(sms["body"])
    assert url == f"/ar/confirm/{token}"
    assert len(sms["body"].replace(f"/c/{token}", "").replace("http://shop.test", "")) <= 120
    # The e-mail too (the lines and the private link), asking to confirm.
    (mail,) = outbox()
    assert order.number in mail["Subject"]
    assert url in mail.get_body(("plain",)).get_content()


def test_a_card_order_skips_the_confirmation(app, shop, text_outbox):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    _coop, _owner, oil = shop
    card, _ = place_order({oil.sku: 1}, CASABLANCA, PaymentMethod.CARD, "fr")
    db.session.commit()
    assert card.status == OrderStatus.PENDING_PAYMENT and card.confirm_due_at is None
    assert text_outbox() == []
    assert not services.confirm_cod(card, "link")  # nothing to confirm
    assert services.confirm_card_payment(card, "cs_1", "pi_1")
    assert card.status == OrderStatus.PAID


def test_awaiting_moves_only_to_confirmed_or_cancelled():
    assert ORDER_MOVES[OrderStatus.AWAITING_CONFIRMATION] == {
        OrderStatus.CONFIRMED,
        OrderStatus.CANCELLED,
    }
    assert not any(
        OrderStatus.AWAITING_CONFIRMATION in moves for moves in ORDER_MOVES.values()
    )  # placed so, never come back to


def test_an_unconfirmed_order_cannot_ship(shop):
    _coop, _owner, oil = shop
    order = place_cod(oil)
    with pytest.raises(services.OrderError):
        services.mark_shipped(order.shipments[0], "Amana", "RR1")


# ------------------------------------------------------------------ the signed link


def test_the_link_shows_one_button_and_confirms_on_post(
    shop, client, text_outbox, outbox, post_form
):
    coop, _owner, oil = shop
    order = place_cod(oil, lang="ar")
    url, _token = link_of(text_outbox()[0]["body"])
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'dir="rtl"' in html
    assert 'name="action" value="confirm"' in html and "no-store" in page.headers["Cache-Control"]
    db.session.refresh(order)
    assert order.status == OrderStatus.AWAITING_CONFIRMATION  # opening the link confirms nothing
    # Without the CSRF token, refused.
    assert client.post(url, data={"action": "confirm"}).status_code == 400
    response = post_form(client, url, {"action": "confirm"})
    assert response.status_code == 303
    db.session.refresh(order)
    assert order.status == OrderStatus.CONFIRMED and order.confirmed_at is not None
    assert [s.id for s in services.packing_slips(coop.id)] == [order.shipments[0].id]
    # The owner opted in (the default): one e-mail, in her language.
    notice = [m for m in outbox() if m["To"] == "owner@tifaout.ma"]
    assert len(notice) == 1 and order.number in notice[0]["Subject"]
    assert "/ar/producer/tifaout/parcels" in notice[0].get_body(("plain",)).get_content()
    # A second tap changes nothing and tells no one twice.
    post_form(client, url, {"action": "confirm"})
    assert len([m for m in outbox() if m["To"] == "owner@tifaout.ma"]) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.confirm"))
    assert entry.target_id == order.id and entry.data["via"] == "link"


def test_the_shopper_can_cancel_from_the_link(shop, client, text_outbox, post_form):
    _coop, _owner, oil = shop
    order = place_cod(oil)
    url, _token = link_of(text_outbox()[0]["body"])
    post_form(client, url, {"action": "cancel"})
    db.session.refresh(order)
    assert order.status == OrderStatus.CANCELLED and stock(oil) == 10


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_tampered_or_expired_link_is_refused_in_the_links_language(
    shop, client, monkeypatch, lang
):
    _coop, _owner, oil = shop
    order = place_cod(oil)
    with force_locale(lang):
        words = str(services.BAD_LINK_MESSAGE)
    token = services.confirm_token(order)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "not-a-token", token.split(".")[0]):
        response = client.get(f"/{lang}/confirm/{bad}")
        html = response.get_data(as_text=True)
        assert response.status_code == 404 and f'lang="{lang}"' in html
        assert html_escape(words) in html
    # Signed 49 hours ago: expired with the 48-hour delay.
    real = time.time()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real) - 49 * 3600)
    old = services.confirm_token(order)
    monkeypatch.undo()
    response = client.get(f"/{lang}/confirm/{old}")
    assert response.status_code == 404 and html_escape(words) in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.status == OrderStatus.AWAITING_CONFIRMATION


def test_a_token_signed_for_another_purpose_is_refused(app, shop, client):
    from itsdangerous import URLSafeTimedSerializer

    _coop, _owner, oil = shop
    order = place_cod(oil)
    reset = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="password-reset").dumps(order.id)
    assert client.get(f"/fr/confirm/{reset}").status_code == 404


# ------------------------------------------------------------------ replies


@pytest.mark.parametrize("body", ["1", " ١ ", "۱", "Oui !", "نعم", "نعم.", "OK", "yes", "Wakha"])
def test_a_yes_reply_confirms_the_latest_awaiting_order(shop, text_outbox, body):
    _coop, _owner, oil = shop
    older = place_cod(oil, quantity=1)
    latest = place_cod(oil, quantity=1)
    assert dispatch_reply("0612345678", body)  # the phone as the transport may write it
    db.session.refresh(older)
    db.session.refresh(latest)
    assert latest.status == OrderStatus.CONFIRMED
    assert older.status == OrderStatus.AWAITING_CONFIRMATION
    # Acknowledged by SMS (the outbox's files are ordered to the second only).
    texts = [m["body"] for m in text_outbox() if latest.number in m["body"]]
    assert len(texts) == 2 and any("/confirm/" not in body for body in texts)


@pytest.mark.parametrize("body", ["2", "لا", "Non", "no"])
def test_a_no_reply_cancels_and_restocks(shop, body):
    _coop, _owner, oil = shop
    order = place_cod(oil)
    assert dispatch_reply("+212 6 12 34 56 78", body)
    db.session.refresh(order)
    assert order.status == OrderStatus.CANCELLED and stock(oil) == 10
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.cancel"))
    assert entry.data["by_shopper"] is True


def test_other_replies_and_other_phones_are_left_alone(shop):
    _coop, _owner, oil = shop
    order = place_cod(oil)
    assert not dispatch_reply("+212612345678", "peut-être demain")
    assert not dispatch_reply("+212698765432", "1")  # not this shopper's phone
    services.confirm_cod(order, "link")
    db.session.commit()
    assert not dispatch_reply("+212612345678", "2")  # confirmed: a "no" cancels nothing
    db.session.refresh(order)
    assert order.status == OrderStatus.CONFIRMED


def test_normalise_reply():
    assert cod.normalise_reply("  OUI!! ") == "oui"
    assert cod.normalise_reply("٢") == "2"
    assert cod.normalise_reply("نـعـم") == "نعم"


# ------------------------------------------------------------------ staff's call


@pytest.fixture
def admin_client(app, make_user, login):
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    client = app.test_client()
    login(client, admin)
    return client


def test_staff_confirm_by_phone_with_a_note(shop, admin_client, post_form):
    coop, _owner, oil = shop
    order = place_cod(oil)
    page = admin_client.get(f"/fr/admin/orders/{order.number}").get_data(as_text=True)
    assert 'name="action" value="confirm"' in page and 'name="action" value="refuse"' in page
    url = f"/fr/admin/orders/{order.number}/phone"
    empty = post_form(admin_client, url, {"action": "confirm", "phone_note": " "}, page=url[:-6])
    assert empty.status_code == 400
    db.session.refresh(order)
    assert order.status == OrderStatus.AWAITING_CONFIRMATION
    done = post_form(
        admin_client, url, {"action": "confirm", "phone_note": "Appelée à 10 h, OK"}, page=url[:-6]
    )
    assert done.status_code == 302
    db.session.refresh(order)
    assert order.status == OrderStatus.CONFIRMED
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "order.phone_confirmed")
    )
    assert entry.reason == "Appelée à 10 h, OK" and entry.actor.email == "admin@taawon.ma"
    assert to_prepare_count(coop.id) == 1


def test_staff_refused_on_the_phone_cancels_and_restocks(shop, admin_client, post_form):
    _coop, _owner, oil = shop
    order = place_cod(oil)
    url = f"/fr/admin/orders/{order.number}/phone"
    response = post_form(
        admin_client, url, {"action": "refuse", "phone_note": "N'a rien commandé"}, page=url[:-6]
    )
    assert response.status_code == 302
    db.session.refresh(order)
    assert order.status == OrderStatus.CANCELLED and stock(oil) == 10
    assert order.cancel_reason == "N'a rien commandé"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.phone_refused"))
    assert entry.target_id == order.id and entry.reason == "N'a rien commandé"


def test_a_cooperative_manager_cannot_use_the_staff_actions(shop, app, login, post_form):
    _coop, owner, oil = shop
    order = place_cod(oil)
    client = app.test_client()
    login(client, owner)
    response = post_form(
        client,
        f"/fr/admin/orders/{order.number}/phone",
        {"action": "confirm", "phone_note": "moi"},
        page="/fr/producer/tifaout/parcels",
    )
    assert response.status_code == 403
    assert client.get("/fr/admin/cash-on-delivery").status_code == 403
    db.session.refresh(order)
    assert order.status == OrderStatus.AWAITING_CONFIRMATION


# ------------------------------------------------------------------ the cooperative's side


def test_parcels_page_lists_only_confirmed_orders(shop, app, login):
    coop, owner, oil = shop
    waiting = place_cod(oil, quantity=1)
    confirmed = place_cod(oil, quantity=1)
    services.confirm_cod(confirmed, "link")
    db.session.commit()
    client = app.test_client()
    login(client, owner)
    html = client.get("/fr/producer/tifaout/parcels").get_data(as_text=True)
    assert confirmed.number in html and waiting.number not in html
    assert to_prepare_count(coop.id) == 1


def test_a_manager_may_turn_parcel_notices_off(shop, app, login, post_form, outbox):
    _coop, owner, oil = shop
    client = app.test_client()
    login(client, owner)
    url = "/fr/producer/tifaout/parcels/notices"
    post_form(client, url, {"on": "0"}, page="/fr/producer/tifaout/parcels")
    assert db.session.scalar(select(Membership.parcel_notices)) is False
    order = place_cod(oil)
    services.confirm_cod(order, "link")
    db.session.commit()
    assert not [m for m in outbox() if m["To"] == "owner@tifaout.ma"]


def test_a_manager_who_chose_sms_hears_of_a_new_parcel_by_text(shop, outbox, text_outbox):
    _coop, owner, oil = shop
    owner.phone, owner.message_channel = "+212661234567", "sms"
    order = place_cod(oil)
    services.confirm_cod(order, "link")
    db.session.commit()
    assert not [m for m in outbox() if m["To"] == owner.email]
    [text] = [m for m in text_outbox() if m["to"] == "+212661234567"]
    assert order.number in text["body"] and "/producer/tifaout/parcels" in text["body"]


def test_a_card_order_paid_tells_the_cooperative(app, shop, outbox):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    _coop, _owner, oil = shop
    card, _ = place_order({oil.sku: 1}, CASABLANCA, PaymentMethod.CARD, "fr")
    db.session.commit()
    assert services.confirm_card_payment(card, "cs_1", "pi_1")
    db.session.commit()
    assert len([m for m in outbox() if m["To"] == "owner@tifaout.ma"]) == 1


# ------------------------------------------------------------------ the lapse


def test_an_unconfirmed_order_lapses_after_48_hours(shop, outbox, text_outbox):
    _coop, _owner, oil = shop
    waiting = place_cod(oil, quantity=2)
    confirmed = place_cod(oil, quantity=1)
    services.confirm_cod(confirmed, "link")
    db.session.commit()
    assert stock(oil) == 7
    assert cod.lapse_due(utcnow() + timedelta(hours=47)) == []  # not yet
    lapsed = cod.lapse_due(utcnow() + timedelta(hours=48, minutes=1))
    db.session.commit()
    assert [o.id for o in lapsed] == [waiting.id]
    db.session.refresh(waiting)
    db.session.refresh(confirmed)
    assert waiting.status == OrderStatus.CANCELLED and "2\xa0jours" in waiting.cancel_reason
    assert confirmed.status == OrderStatus.CONFIRMED
    assert stock(oil) == 9  # the two units are back
    assert "annulée" in outbox()[-1]["Subject"]  # the shopper is told by e-mail
    assert [m for m in text_outbox() if waiting.number in m["body"] and "/c/" not in m["body"]]
    assert cod.lapse_due(utcnow() + timedelta(days=5)) == []  # once
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.lapsed"))
    assert entry.target_id == waiting.id and entry.actor_id is None


def test_the_lapse_job_runs_on_the_schedule(app, shop):
    _coop, _owner, oil = shop
    assert "cod-lapse" in {entry.name for entry in jobs.schedule(app)}
    order = place_cod(oil)
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(confirm_due_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    assert lapse_unconfirmed() == 1
    db.session.refresh(order)
    assert order.status == OrderStatus.CANCELLED and stock(oil) == 10


def test_the_delay_is_a_setting(app, shop):
    app.config["COD_CONFIRM_HOURS"] = 24
    _coop, _owner, oil = shop
    order = place_cod(oil)
    assert order.confirm_due_at - utcnow() <= timedelta(hours=24)


# ------------------------------------------------------------------ refusals


def shipped_cod(oil, quantity: int = 2) -> tuple[Order, Shipment]:
    order = place_cod(oil, quantity=quantity)
    services.confirm_cod(order, "link")
    (parcel,) = order.shipments
    services.mark_shipped(parcel, "Amana", "RR1")
    db.session.commit()
    return order, parcel


def test_a_refused_parcel_is_restocked_and_moves_no_money(shop, app, login, post_form):
    coop, owner, oil = shop
    order, parcel = shipped_cod(oil)
    assert stock(oil) == 8
    client = app.test_client()
    login(client, owner)
    response = post_form(
        client,
        f"/fr/producer/tifaout/parcels/{parcel.id}/refused",
        page="/fr/producer/tifaout/parcels",
    )
    assert response.status_code == 302
    db.session.refresh(order)
    db.session.refresh(parcel)
    assert parcel.status == ShipmentStatus.REFUSED and parcel.refused_at is not None
    assert order.status == OrderStatus.REFUSED and order.paid_at is None
    assert stock(oil) == 10
    assert reconcile() == []  # the ledger saw nothing and still balances
    with pytest.raises(services.OrderError):
        services.mark_cash_remitted(parcel)
    with pytest.raises(services.OrderError):
        services.mark_refused(parcel, None)  # once
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "order.parcel_refused"))
    assert entry.actor_id == owner.id and entry.data["shipment_id"] == parcel.id


def test_another_cooperatives_manager_cannot_mark_it_refused(
    shop, app, login, post_form, make_user, make_cooperative
):
    _coop, _owner, oil = shop
    _order, parcel = shipped_cod(oil)
    other = make_cooperative(slug="nahla")
    stranger = make_user(email="owner@nahla.ma")
    db.session.add(Membership(user=stranger, cooperative=other, role=MembershipRole.OWNER))
    db.session.commit()
    client = app.test_client()
    login(client, stranger)
    mine = post_form(
        client, f"/fr/producer/nahla/parcels/{parcel.id}/refused", page="/fr/producer/nahla/parcels"
    )
    theirs = post_form(
        client,
        f"/fr/producer/tifaout/parcels/{parcel.id}/refused",
        page="/fr/producer/nahla/parcels",
    )
    assert (mine.status_code, theirs.status_code) == (404, 403)
    db.session.refresh(parcel)
    assert parcel.status == ShipmentStatus.SHIPPED


def test_admin_marks_a_parcel_refused(shop, admin_client, post_form):
    _coop, _owner, oil = shop
    order, parcel = shipped_cod(oil)
    url = f"/fr/admin/orders/{order.number}"
    assert f"{url}/refused" in admin_client.get(url).get_data(as_text=True)
    response = post_form(
        admin_client,
        f"{url}/refused",
        {"shipment": str(parcel.id), "refused_note": "Client absent"},
        page=url,
    )
    assert response.status_code == 302
    db.session.refresh(parcel)
    assert parcel.status == ShipmentStatus.REFUSED and stock(oil) == 10


def test_a_card_parcel_cannot_be_refused(app, shop):
    app.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_WEBHOOK_SECRET="whsec_x")
    _coop, _owner, oil = shop
    card, _ = place_order({oil.sku: 1}, CASABLANCA, PaymentMethod.CARD, "fr")
    services.confirm_card_payment(card, "cs_1", "pi_1")
    services.mark_shipped(card.shipments[0], "Amana", "RR1")
    with pytest.raises(services.OrderError):
        services.mark_refused(card.shipments[0], None)


# ------------------------------------------------------------------ rates


def test_rates_by_week(shop, admin_client):
    _coop, _owner, oil = shop
    confirmed = [place_cod(oil, quantity=1) for _ in range(3)]
    place_cod(oil, quantity=1)  # still waiting
    for order in confirmed:
        services.confirm_cod(order, "link")
        services.mark_shipped(order.shipments[0], "Amana", "RR1")
    services.mark_refused(confirmed[0].shipments[0], None)
    db.session.commit()
    this_week = cod.cod_rates_by_week(4)[-1]
    assert this_week["placed"] == 4 and this_week["confirmed"] == 3
    assert this_week["awaiting"] == 1 and this_week["confirmation_rate"] == 0.75
    assert this_week["shipped"] == 3 and this_week["refused"] == 1
    assert abs(this_week["refusal_rate"] - 1 / 3) < 1e-9
    assert [w["placed"] for w in cod.cod_rates_by_week(4)[:-1]] == [0, 0, 0]
    page = admin_client.get("/fr/admin/cash-on-delivery")
    assert page.status_code == 200 and "75" in page.get_data(as_text=True)


def test_rates_take_two_queries_whatever_the_orders(shop, count_queries):
    _coop, _owner, oil = shop
    for _ in range(3):
        place_cod(oil, quantity=1)
    with count_queries() as statements:
        cod.cod_rates_by_week(12)
    assert len(statements) == 2


# ------------------------------------------------------------------ checkout


def test_checkout_stores_the_chosen_channel(
    client, shop, add_to_cart, checkout, address, text_outbox
):
    _coop, _owner, oil = shop
    add_to_cart(client, oil.sku)
    response = checkout(client, {**address, "contact": "whatsapp"})
    assert response.status_code == 302
    order = db.session.scalar(select(Order).order_by(Order.id.desc()).limit(1))
    assert order.contact_channel == "whatsapp"
    assert order.status == OrderStatus.AWAITING_CONFIRMATION
    assert text_outbox()[-1]["channel"] == "whatsapp"


def test_the_short_link_of_a_text_opens_the_confirm_page_in_the_orders_language(shop, app):
    _coop, _owner, oil = shop
    order = place_cod(oil)
    order.lang = "ar"
    db.session.commit()
    client = app.test_client()
    token = services.confirm_token(order)
    response = client.get(f"/c/{token}")
    assert response.status_code == 302 and response.location.endswith(f"/ar/confirm/{token}")
    assert client.get(response.location).status_code == 200
    # A forged token goes to the visitor's language, where the page says it is not valid.
    forged_token = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    stranger = app.test_client()  # no language cookie from the page above
    forged = stranger.get(f"/c/{forged_token}", headers={"Accept-Language": "fr"})
    assert forged.status_code == 302 and "/fr/confirm/" in forged.location
    assert stranger.get(forged.location).status_code == 404
