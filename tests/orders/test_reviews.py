"""Who may review: the shopper of a delivered line, once; not another shopper, not a
parcel still on its way. The form (CSRF, stars, language, photos) and the order page."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from catalog.reviews.models import Review
from orders.reviews import public_name, refusal, write_review
from orders.services import OrderError
from shop.extensions import db
from shop.storage import get_storage


def jpeg(width: int = 640, height: int = 480) -> bytes:
    """A photo as a phone sends it, with its camera and position in EXIF."""
    img = Image.new("RGB", (width, height), (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {2: (33.0, 35.0, 0.0)}  # GPSInfo: latitude
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def form_url(line) -> str:
    return f"/fr/orders/{line.order.number}/review/{line.id}"


@pytest.mark.parametrize(
    ("full", "shown"),
    [("Amina Alaoui", "Amina A."), ("أمينة العلوي", "أمينة ع."), ("Youssef", "Youssef")],
)
def test_a_review_shows_the_first_name_and_an_initial(full, shown):
    assert public_name(full) == shown


def test_the_buyer_reviews_a_delivered_line_once(app, bought, make_user):
    shopper = make_user(name="Amina Alaoui")
    line = bought(shopper)
    assert refusal(line) is None
    with app.test_request_context("/fr/"):
        review = write_review(line, shopper, rating=4, body=" Très bien ", locale="fr")
    db.session.commit()
    assert (review.rating, review.body, review.author_name) == (4, "Très bien", "Amina A.")
    assert review.product_id == line.product_id and review.cooperative_id == line.cooperative_id
    with app.test_request_context("/fr/"):
        with pytest.raises(OrderError) as refused:
            write_review(line, shopper, rating=5, body="encore", locale="fr")
        assert "déjà donné votre avis" in str(refused.value.message)


def test_another_shopper_and_an_undelivered_line_are_refused(app, bought, make_user):
    owner, other = make_user(), make_user()
    line = bought(owner)
    with app.test_request_context("/fr/"):
        with pytest.raises(OrderError):
            write_review(line, other, rating=5, body="", locale="fr")
        waiting = bought(owner, delivered=False)
        with pytest.raises(OrderError):
            write_review(waiting, owner, rating=5, body="", locale="fr")
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 0


def test_the_form_publishes_a_review_with_a_photo(client, login, post_form, bought, make_user):
    shopper = make_user(name="Amina Alaoui")
    line = bought(shopper)
    login(client, shopper)
    page = client.get(form_url(line))
    assert page.status_code == 200
    response = post_form(
        client,
        form_url(line),
        {
            "rating": "5",
            "body": "زيت رائع",
            "locale": "ar",
            "photos": [(io.BytesIO(jpeg()), "photo.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert response.headers["Location"].endswith("#reviews")
    review = db.session.scalar(db.select(Review).where(Review.order_line_id == line.id))
    assert (review.rating, review.locale, review.body) == (5, "ar", "زيت رائع")
    assert len(review.photos) == 1 and review.photos[0].widths == "320,640"
    stored = Image.open(
        io.BytesIO(
            get_storage().read(f"img/{review.photos[0].key[:2]}/{review.photos[0].key}-640.jpg")
        )
    )
    assert not stored.getexif()  # no camera, no position
    product = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<p class="review-body" lang="ar" dir="rtl">زيت رائع</p>' in product
    assert f"{review.photos[0].key}-320.jpg" in product
    # The order page now says "reviewed" for that line; the form refuses a second one.
    order_page = client.get(f"/fr/orders/{line.order.number}").get_data(as_text=True)
    assert "tag-reviewed" in order_page and form_url(line) not in order_page
    again = client.get(form_url(line))
    assert again.status_code == 302


def test_the_form_needs_its_csrf_token(client, login, bought, make_user):
    shopper = make_user()
    line = bought(shopper)
    login(client, shopper)
    response = client.post(
        form_url(line),
        data={"rating": "5", "body": "x", "locale": "fr"},
        headers={"Origin": client.application.config["PUBLIC_BASE_URL"]},
    )
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 0


def test_the_order_page_links_delivered_lines_only(client, login, bought, make_user):
    shopper = make_user()
    delivered = bought(shopper)
    waiting = bought(shopper, delivered=False)
    login(client, shopper)
    html = client.get(f"/fr/orders/{delivered.order.number}").get_data(as_text=True)
    assert form_url(delivered) in html
    html = client.get(f"/fr/orders/{waiting.order.number}").get_data(as_text=True)
    assert "/review/" not in html
    # Reaching the form of a line not delivered yet sends back to the order.
    assert client.get(form_url(waiting)).status_code == 302


def test_another_shoppers_line_is_404(client, login, bought, make_user):
    line = bought(make_user())
    intruder = make_user()
    login(client, intruder)
    assert client.get(form_url(line)).status_code == 404
    assert client.get(f"/fr/orders/{line.order.number}/review/999999").status_code == 404


def test_a_visitor_signs_in_first(client, bought):
    line = bought()
    response = client.get(form_url(line))
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_the_delivered_message_links_to_the_review(app, make_user, bought):
    from shop.mail import render

    line = bought(make_user(name="Amina Alaoui"))
    with app.test_request_context("/"):
        message = render(
            "a@example.com", "fr", "order_delivered", "x", order=line.order, shipment=line.shipment
        )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"/fr/orders/{line.order.number}#shipment-{line.shipment_id}"
    assert link in text and link in html


def test_a_review_racing_another_for_the_same_line_is_refused(app, bought, make_user, monkeypatch):
    """Two tabs posting at once: the second meets the unique line, refused, not a 500."""
    from orders import reviews

    shopper = make_user()
    line = bought(shopper)
    with app.test_request_context("/fr/"):
        write_review(line, shopper, rating=5, body="", locale="fr")
        monkeypatch.setattr(reviews, "refusal", lambda line: None)  # both passed the check
        with pytest.raises(OrderError):
            write_review(line, shopper, rating=4, body="", locale="fr")
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Review.id))) == 1
