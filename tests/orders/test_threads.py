"""The shopper's side of questions and messages (orders/threads).

Asking from a product page (guests log in first), writing about an order,
masking before an order and not after, notices to the managers, photos
behind a checked route, another shopper's 404, CSRF on every POST, rate
limits with the text kept, the thread page's constant queries and the
cooperative profile's response time.
"""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from orders.models import PaymentMethod
from orders.services import Address
from orders.threads import services
from orders.threads.masking import PLACEHOLDER
from orders.threads.models import ResponseTime, Thread, ThreadMessage
from producers.models import Membership, MembershipRole
from shop.extensions import db
from shop.models import utcnow
from tests.factories import place_confirmed
from tests.shop.test_messaging_segments import with_pending_translations

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


def png(size=(320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def shop(app, make_user, make_product, rates):
    """A product, its cooperative's manager and a shopper."""
    product = make_product(name_fr="Huile d'argan", name_ar="زيت الأركان", name_en="Argan oil")
    manager = make_user(email="manager@coop.ma", name="Aicha")
    db.session.add(
        Membership(user=manager, cooperative=product.cooperative, role=MembershipRole.OWNER)
    )
    shopper = make_user(email="shopper@example.com", name="Amina")
    db.session.commit()
    return product, manager, shopper


def ask(post_form, client, product, body: str, lang: str = "fr", **extra):
    url = f"/{lang}/messages/ask/{product.id}"
    return post_form(client, url, {"body": body, **extra})


def test_a_guest_logs_in_before_asking(client, shop):
    product, _, _ = shop
    page = client.get(f"/fr/products/{product.slug}")
    assert f"/fr/messages/ask/{product.id}" in page.get_data(as_text=True)
    response = client.get(f"/fr/messages/ask/{product.id}")
    assert response.status_code == 302
    assert "/account/login" in response.location
    assert f"next=%2Ffr%2Fmessages%2Fask%2F{product.id}" in response.location


def test_a_question_is_masked_before_an_order_and_the_managers_told(
    client, shop, login, post_form, outbox
):
    product, manager, shopper = shop
    login(client, shopper)
    form = client.get(f"/fr/messages/ask/{product.id}")
    assert form.headers["Cache-Control"] == "private, no-store"
    assert "numéros de téléphone" in form.get_data(as_text=True) or "phone" in form.get_data(
        as_text=True
    )
    response = ask(
        post_form, client, product, "Bonjour, appelez-moi au 06 12 34 56 78 ou amina@gmail.com"
    )
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert response.location.endswith(f"/fr/messages/{thread.id}")
    assert thread.cooperative_id == product.cooperative_id and thread.awaiting_reply
    assert thread.subject == "Huile d'argan"
    (message,) = thread.messages
    # Only the masked text is stored: the original is not kept anywhere.
    assert message.body == f"Bonjour, appelez-moi au {PLACEHOLDER} ou {PLACEHOLDER}"
    assert message.masked
    page = client.get(f"/fr/messages/{thread.id}").get_data(as_text=True)
    assert "06 12 34 56 78" not in page and PLACEHOLDER in page
    mails = [m for m in outbox() if m["To"] == manager.email]
    assert len(mails) == 1
    assert (
        f"/fr/producer/{product.cooperative.slug}/inbox/{thread.id}"
        in mails[0].get_body(("plain",)).get_content()
    )


def test_after_a_placed_order_nothing_is_masked(client, shop, login, post_form):
    product, _, shopper = shop
    order, _ = place_confirmed(
        {product.variants[0].sku: 1}, CASABLANCA, PaymentMethod.COD, "fr", user_id=shopper.id
    )
    db.session.commit()
    assert services.placed_between(shopper.id, product.cooperative_id)
    login(client, shopper)
    page = client.get(f"/fr/orders/{order.number}").get_data(as_text=True)
    link = f"/fr/messages/order/{order.number}/{product.cooperative_id}"
    assert link in page
    response = post_form(client, link, {"body": "Mon numéro : 06 12 34 56 78"})
    assert response.status_code == 303
    thread = db.session.scalar(select(Thread))
    assert thread.order_id == order.id and thread.subject == order.number
    assert thread.messages[0].body == "Mon numéro : 06 12 34 56 78"
    assert not thread.messages[0].masked
    # The order's thread is found again, not doubled.
    assert client.get(link).location.endswith(f"/fr/messages/{thread.id}")


def test_an_unpaid_card_order_is_not_placed(shop):
    product, _, shopper = shop
    from flask import current_app

    current_app.config.update(STRIPE_SECRET_KEY="sk_test_fake", STRIPE_WEBHOOK_SECRET="whsec_x")
    place_confirmed(
        {product.variants[0].sku: 1}, CASABLANCA, PaymentMethod.CARD, "fr", user_id=shopper.id
    )
    db.session.commit()
    assert not services.placed_between(shopper.id, product.cooperative_id)


def test_another_shopper_gets_404(app, client, shop, login, post_form, make_user, make_thread):
    product, _, shopper = shop
    thread = make_thread(shopper, product)
    services.add_message(thread, shopper, "Voici une photo", png())
    db.session.commit()
    photo = thread.messages[-1]
    other = make_user(email="other@example.com")
    login(client, other)
    assert client.get(f"/fr/messages/{thread.id}").status_code == 404
    assert client.get(f"/fr/messages/{thread.id}/photos/{photo.id}").status_code == 404
    token_page = "/fr/messages/"
    for url in (f"/fr/messages/{thread.id}", f"/fr/messages/{thread.id}/report"):
        assert post_form(client, url, {"body": "x"}, page=token_page).status_code == 404
    assert client.get(f"/fr/messages/order/TW-NOPE/{product.cooperative_id}").status_code == 404


def test_photos_are_cleaned_and_served_to_the_thread_only(client, shop, login, post_form):
    product, _, shopper = shop
    login(client, shopper)
    response = ask(
        post_form,
        client,
        product,
        "Le flacon est-il comme ça ?",
        photo=(io.BytesIO(png()), "photo.png"),
    )
    assert response.status_code == 303
    message = db.session.scalar(select(ThreadMessage))
    assert message.image_name.startswith("threads/") and message.image_name.endswith(".jpg")
    served = client.get(f"/fr/messages/{message.thread_id}/photos/{message.id}")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "private, no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    served.close()
    # Not a picture: refused, the text kept.
    refused = ask(
        post_form, client, product, "Et ça ?", photo=(io.BytesIO(b"<svg></svg>"), "x.png")
    )
    assert refused.status_code == 200
    assert "Et ça ?" in refused.get_data(as_text=True)


def test_every_post_needs_its_csrf_token(client, shop, login, make_thread):
    product, _, shopper = shop
    thread = make_thread(shopper, product)
    login(client, shopper)
    for url in (
        f"/fr/messages/ask/{product.id}",
        f"/fr/messages/{thread.id}",
        f"/fr/messages/{thread.id}/report",
    ):
        response = client.post(url, data={"body": "Bonjour"})
        assert response.status_code == 400, url
    assert len(db.session.scalar(select(Thread)).messages) == 1


def test_reporting(client, shop, login, post_form, make_thread):
    product, _, shopper = shop
    thread = make_thread(shopper, product)
    login(client, shopper)
    url = f"/fr/messages/{thread.id}/report"
    response = post_form(client, url, {"reason": "Il insiste"}, page=f"/fr/messages/{thread.id}")
    assert response.status_code == 303
    db.session.refresh(thread)
    assert thread.reported_at and thread.reported_by_id == shopper.id
    assert thread.report_reason == "Il insiste"


@pytest.mark.parametrize("lang", ["ar", "fr", "en"])
def test_rate_limits_keep_the_text(app, client, shop, login, post_form, lang, monkeypatch):
    with_pending_translations(monkeypatch)  # until the lead applies translations/pending
    product, _, shopper = shop
    app.config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:12]}",
        THREADS_NEW_PER_USER="2 per hour",
        THREADS_MESSAGES_PER_USER="100 per minute",
    )
    login(client, shopper, lang=lang)
    for n in range(2):
        assert ask(post_form, client, product, f"Question {n}", lang).status_code == 303
    refused = ask(post_form, client, product, "Troisième question, gardée", lang)
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Troisième question, gardée" in html
    assert {
        "ar": "أرسلت رسائل كثيرة في وقت قصير",
        "fr": "Vous avez envoyé beaucoup de messages en peu de temps",
        "en": "You have sent many messages in a short time",
    }[lang] in html
    assert db.session.query(Thread).count() == 2
    # Messages per minute, in a thread of one's own.
    thread = db.session.scalar(select(Thread))
    app.config["THREADS_MESSAGES_PER_USER"] = "3 per minute"
    app.config["RATELIMIT_KEY_PREFIX"] += "-b"
    url = f"/{lang}/messages/{thread.id}"
    codes = [post_form(client, url, {"body": f"Encore {n}"}).status_code for n in range(4)]
    assert codes == [303, 303, 303, 429]


def test_rate_limits_count_per_address_too(app, shop, make_user, login, post_form):
    product, _, _ = shop
    app.config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:12]}",
        THREADS_NEW_PER_ADDRESS="2 per hour",
    )
    codes = []
    for n in range(3):
        client = app.test_client()
        login(client, make_user(email=f"s{n}@example.com"))
        codes.append(ask(post_form, client, product, f"Question {n}").status_code)
    assert codes == [303, 303, 429]


def test_the_thread_page_runs_the_same_queries_however_long(
    client, shop, login, make_thread, count_queries
):
    product, manager, shopper = shop
    thread = make_thread(shopper, product)
    login(client, shopper)

    def queries() -> int:
        with count_queries() as statements:
            assert client.get(f"/fr/messages/{thread.id}").status_code == 200
        return len(statements)

    services.add_message(thread, manager, "Oui", from_cooperative=True)
    db.session.commit()
    few = queries()
    for n in range(26):
        services.add_message(thread, manager if n % 2 else shopper, f"Message {n}", png())
    db.session.commit()
    assert queries() == few


def test_the_shoppers_list(client, shop, login, make_thread):
    product, _, shopper = shop
    make_thread(shopper, product)
    login(client, shopper)
    page = client.get("/fr/messages/")
    assert page.status_code == 200
    assert "Huile d&#39;argan" in page.get_data(as_text=True)


# ---------------------------------------------------------------- response time


def answered(thread, manager, after: timedelta) -> None:
    thread.created_at = utcnow() - timedelta(days=2)
    db.session.flush()
    services.add_message(thread, manager, "Réponse", from_cooperative=True)
    thread.first_response_at = thread.created_at + after
    db.session.flush()


def test_the_profile_shows_the_median_response_time_once_there_are_enough(
    client, shop, make_user, make_thread
):
    product, manager, _ = shop
    coop = product.cooperative
    delays = [30, 90, 150, 200, 600]  # minutes: the median is 150 (3 hours, rounded up)
    for minutes in delays[:4]:
        answered(make_thread(make_user(), product), manager, timedelta(minutes=minutes))
    services.refresh_response_time(coop.id)
    db.session.commit()
    assert db.session.get(ResponseTime, coop.id).median_minutes is None
    assert "Répond" not in client.get(f"/fr/cooperatives/{coop.slug}").get_data(as_text=True)
    answered(make_thread(make_user(), product), manager, timedelta(minutes=delays[4]))
    # A thread older than 90 days no longer counts.
    old = make_thread(make_user(), product)
    answered(old, manager, timedelta(days=30))
    old.created_at = utcnow() - timedelta(days=91)
    services.refresh_all_response_times()
    db.session.commit()
    figure = db.session.get(ResponseTime, coop.id)
    assert (figure.median_minutes, figure.threads_count) == (150, 5)
    page = client.get(f"/en/cooperatives/{coop.slug}").get_data(as_text=True)
    assert "Usually answers within 3 hours" in page


def test_the_response_time_is_watched_by_the_page_cache():
    from shop.pagecache import _WATCHED

    assert "median_minutes" in _WATCHED[ResponseTime]
    assert "computed_at" not in _WATCHED[ResponseTime]


def test_no_question_to_a_suspended_cooperative(client, shop, login):
    from producers.models import CooperativeStatus

    product, _, shopper = shop
    product.cooperative.status = CooperativeStatus.SUSPENDED
    db.session.commit()
    login(client, shopper)
    assert client.get(f"/fr/messages/ask/{product.id}").status_code == 404
