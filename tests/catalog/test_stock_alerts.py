"""Stock alerts: the form on a sold-out size, one message when stock returns (then the
alert is gone), 90 days at most, the signed link that stops them, rate and origin checks."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from catalog import services as catalog_services
from catalog.favourites import alerts
from catalog.favourites.models import StockAlert
from catalog.models import Variant
from producers.models import Membership, MembershipRole
from shop import jobs
from shop.extensions import db
from shop.models import utcnow


def origin(client) -> dict[str, str]:
    return {"Origin": client.application.config["PUBLIC_BASE_URL"]}


def ask(client, variant, contact: str, lang: str = "fr"):
    """The product page's "tell me" form, posted as a browser does (no token, our origin).

    Sign-ups are rate limited per address, and the limiter may be on (a module
    before turned it on for the process): each comes from an address of its own
    (tests/catalog/test_stock_alert_limits.py tests the limit).
    """
    client.environ_base["REMOTE_ADDR"] = f"2001:db8::{uuid.uuid4().hex[:4]}"
    return client.post(
        f"/{lang}/stock-alerts",
        data={"variant": variant.sku, "contact": contact},
        headers=origin(client),
    )


def waiting() -> list[tuple[int, str, str, str]]:
    rows = db.session.execute(
        select(StockAlert.variant_id, StockAlert.email, StockAlert.phone, StockAlert.lang).order_by(
            StockAlert.id
        )
    )
    return [tuple(row) for row in rows]


def restock(variant: Variant, stock: int) -> None:
    catalog_services.update_stock(db.session.get(Variant, variant.id), stock)
    db.session.commit()


def test_the_form_shows_on_a_sold_out_size_only(client, make_product):
    out = make_product(stock=0, name_fr="Miel")
    html = client.get(f"/fr/products/{out.slug}").get_data(as_text=True)
    assert 'action="/fr/stock-alerts"' in html and 'name="csrf_token"' not in html
    assert f'value="{out.variants[0].sku}"' in html
    there = make_product(stock=3)
    assert "/stock-alerts" not in client.get(f"/fr/products/{there.slug}").get_data(as_text=True)


def test_signing_up_by_mail_or_phone_once_per_size(client, make_product):
    variant = make_product(stock=0).variants[0]
    assert ask(client, variant, "Amina@Example.com").status_code == 302
    assert ask(client, variant, "amina@example.com").status_code == 302  # the same: one row
    assert ask(client, variant, "06 12 34 56 78", lang="ar").status_code == 302
    assert waiting() == [
        (variant.id, "amina@example.com", "", "fr"),
        (variant.id, "", "+212612345678", "ar"),
    ]
    # A landline, nonsense, an in-stock size: refused, nothing written.
    for contact in ("05 22 12 34 56", "hello", "a@b", "a@example.com,b@example.com"):
        response = ask(client, variant, contact)
        assert response.status_code == 302
    assert len(waiting()) == 2
    assert "adresse e-mail ou un numéro" in client.get(response.location).get_data(as_text=True)
    there = make_product(stock=2).variants[0]
    ask(client, there, "amina@example.com")
    assert len(waiting()) == 2


def test_alerts_refuse_other_sites_and_unknown_sizes(client, make_product):
    variant = make_product(stock=0).variants[0]
    data = {"variant": variant.sku, "contact": "amina@example.com"}
    assert client.post("/fr/stock-alerts", data=data).status_code == 400
    evil = {"Origin": "https://evil.example"}
    assert client.post("/fr/stock-alerts", data=data, headers=evil).status_code == 400
    data["variant"] = "NOPE"
    assert client.post("/fr/stock-alerts", data=data, headers=origin(client)).status_code == 404
    assert waiting() == []


def test_one_message_each_when_the_workspace_restocks_then_the_alerts_are_gone(
    client, post_form, login, make_user, make_cooperative, make_product, outbox, text_outbox
):
    coop = make_cooperative(slug="amal")
    owner = make_user(email="owner@amal.ma")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    product = make_product(cooperative=coop, stock=0, name_fr="Miel", name_ar="عسل", variants=2)
    variant, other = product.variants
    ask(client, variant, "amina@example.com")
    ask(client, variant, "0612345678", lang="ar")
    ask(client, other, "amina@example.com")
    mails, texts = len(outbox()), len(text_outbox())

    staff = client.application.test_client()
    login(staff, owner)
    post_form(staff, "/fr/producer/amal/stock", {"sku": variant.sku, "stock": "4"})

    assert waiting() == [(other.id, "amina@example.com", "", "fr")]  # the other size still waits
    (mail,) = outbox()[mails:]
    assert mail["To"] == "amina@example.com" and "Miel" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert f"/fr/products/{product.slug}?variant={variant.sku}" in body
    token = alerts.alert_token(variant.id, "amina@example.com", "")
    assert f"/fr/stock-alerts/{token}" in body
    (text,) = text_outbox()[texts:]
    assert text["to"] == "+212612345678" and "عسل" in text["body"]
    assert "/a/" in text["body"]
    # More stock, or none and back again: nobody is told twice.
    post_form(staff, "/fr/producer/amal/stock", {"sku": variant.sku, "stock": "9"})
    post_form(staff, "/fr/producer/amal/stock", {"sku": variant.sku, "stock": "0"})
    post_form(staff, "/fr/producer/amal/stock", {"sku": variant.sku, "stock": "2"})
    assert len(outbox()) == mails + 1 and len(text_outbox()) == texts + 1


def test_nothing_goes_out_while_the_size_stays_sold_out(client, make_product, outbox):
    variant = make_product(stock=0).variants[0]
    ask(client, variant, "amina@example.com")
    mails = len(outbox())
    restock(variant, 0)
    assert alerts.sweep() == 0
    assert len(waiting()) == 1 and len(outbox()) == mails


def test_the_sweep_sends_what_a_restock_missed_and_deletes_alerts_after_90_days(
    client, make_product, outbox
):
    variant = make_product(stock=0).variants[0]
    old, recent = make_product(stock=0).variants[0], make_product(stock=0).variants[0]
    for size in (variant, old, recent):
        ask(client, size, "amina@example.com")
    db.session.execute(
        StockAlert.__table__.update()
        .where(StockAlert.variant_id == old.id)
        .values(created_at=utcnow() - timedelta(days=alerts.ALERT_DAYS, minutes=1))
    )
    db.session.execute(
        StockAlert.__table__.update()
        .where(StockAlert.variant_id == recent.id)
        .values(created_at=utcnow() - timedelta(days=alerts.ALERT_DAYS - 1))
    )
    # Stock set by a bulk UPDATE nobody declared (an administrator's SQL, say).
    db.session.execute(Variant.__table__.update().where(Variant.id == variant.id).values(stock=5))
    db.session.commit()
    mails = len(outbox())
    assert "stock-alerts-sweep" in {entry.name for entry in jobs.schedule(client.application)}
    assert jobs.run_here("stock-alerts-sweep")
    assert waiting() == [(recent.id, "amina@example.com", "", "fr")]
    assert len(outbox()) == mails + 1


def test_the_link_stops_every_alert_of_the_address_without_login(client, post_form, make_product):
    first, second = make_product(stock=0).variants[0], make_product(stock=0).variants[0]
    for size in (first, second):
        ask(client, size, "amina@example.com")
    ask(client, first, "other@example.com")
    token = alerts.alert_token(first.id, "amina@example.com", "")
    short = client.get(f"/a/{token}")
    assert short.status_code == 302 and short.location.endswith(f"/stock-alerts/{token}")
    page = client.get(f"/fr/stock-alerts/{token}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert "amina@example.com" in page.get_data(as_text=True)
    assert len(waiting()) == 3  # opening the link changes nothing
    # The POST needs the page's CSRF token.
    url = f"/fr/stock-alerts/{token}"
    assert client.post(url, headers=origin(client)).status_code == 400
    assert post_form(client, url).status_code == 302
    assert waiting() == [(first.id, "other@example.com", "", "fr")]
    # A token altered, or signed for something else, is refused.
    assert client.get(f"/fr/stock-alerts/{token[:-2]}xx").status_code == 404
    from orders.services.confirmation import _serializer

    foreign = _serializer().dumps([first.id, "other@example.com"])
    assert client.get(f"/fr/stock-alerts/{foreign}").status_code == 404


def test_a_contact_waits_for_a_bounded_number_of_sizes(client, make_product):
    sizes = make_product(stock=0, variants=alerts.MAX_PER_CONTACT + 1).variants
    for size in sizes:
        ask(client, size, "amina@example.com")
    assert len(waiting()) == alerts.MAX_PER_CONTACT
