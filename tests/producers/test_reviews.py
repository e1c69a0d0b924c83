"""The cooperative answers its products' reviews once; another cooperative's manager
cannot. Administrators hide and restore reviews with a reason, audited."""

from __future__ import annotations

import pytest

from catalog.reviews.models import Review
from producers.models import Membership, MembershipRole
from shop.audit import AuditEntry
from shop.extensions import db


@pytest.fixture
def reviewed(make_cooperative, make_product, make_user, bought, make_review):
    """A cooperative with its manager, and a review of one of its products."""
    coop = make_cooperative(slug="tifaout")
    manager = make_user(email="manager@tifaout.ma")
    db.session.add(Membership(user=manager, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    review = make_review(bought(product=make_product(cooperative=coop)), body="Très bonne huile.")
    return coop, manager, review


def reply_url(coop, review) -> str:
    return f"/fr/producer/{coop.slug}/reviews/{review.id}/reply"


def test_the_cooperative_answers_once_and_it_shows_on_the_product_page(
    client, login, post_form, reviewed
):
    coop, manager, review = reviewed
    login(client, manager)
    listing = client.get(f"/fr/producer/{coop.slug}/reviews")
    assert listing.status_code == 200 and "Très bonne huile." in listing.get_data(as_text=True)
    page = f"/fr/producer/{coop.slug}/reviews"
    data = {"text": "شكرا جزيلا", "locale": "ar"}
    assert post_form(client, reply_url(coop, review), data, page=page).status_code == 302
    db.session.expire_all()
    answered = db.session.get(Review, review.id)
    assert (answered.reply, answered.reply_locale) == ("شكرا جزيلا", "ar")
    assert answered.replied_by_id == manager.id
    # Once: a second answer changes nothing.
    post_form(client, reply_url(coop, review), {"text": "encore", "locale": "fr"}, page=page)
    db.session.expire_all()
    assert db.session.get(Review, review.id).reply == "شكرا جزيلا"
    slug = db.session.scalar(db.select(Review).where(Review.id == review.id)).product_id
    product = client.get(f"/fr/products/{_slug(slug)}").get_data(as_text=True)
    assert '<p lang="ar" dir="rtl">شكرا جزيلا</p>' in product


def _slug(product_id: int) -> str:
    from catalog.models import Product

    return db.session.get(Product, product_id).slug


def test_another_cooperatives_manager_cannot_answer(
    client, login, post_form, reviewed, make_cooperative, make_user
):
    coop, _manager, review = reviewed
    other = make_cooperative(slug="other")
    stranger = make_user(email="manager@other.ma")
    db.session.add(Membership(user=stranger, cooperative=other, role=MembershipRole.OWNER))
    db.session.commit()
    login(client, stranger)
    # Through the other cooperative's address: 403; through their own: 404.
    assert client.get(f"/fr/producer/{coop.slug}/reviews").status_code == 403
    page = f"/fr/producer/{other.slug}/reviews"
    data = {"text": "Faux", "locale": "fr"}
    response = post_form(client, reply_url(coop, review), data, page=page)
    assert response.status_code == 403
    response = post_form(client, reply_url(other, review), data, page=page)
    assert response.status_code == 404
    assert "Très bonne huile." not in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Review, review.id).reply is None


def test_the_answer_needs_its_csrf_token(client, login, reviewed):
    coop, manager, review = reviewed
    login(client, manager)
    response = client.post(
        reply_url(coop, review),
        data={"text": "Merci", "locale": "fr"},
        headers={"Origin": client.application.config["PUBLIC_BASE_URL"]},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Review, review.id).reply is None


def test_an_admin_hides_and_restores_a_reported_review_with_audit_rows(
    client, login, post_form, reviewed, make_user
):
    _coop, _manager, review = reviewed
    review.report_count = 2
    db.session.commit()
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    login(client, admin)
    queue = client.get("/fr/admin/reviews").get_data(as_text=True)
    assert "Très bonne huile." in queue
    hide = f"/fr/admin/reviews/{review.id}/hide"
    # No reason: refused, nothing changes.
    post_form(client, hide, {"reason": " "}, page="/fr/admin/reviews")
    db.session.expire_all()
    assert db.session.get(Review, review.id).hidden is False
    post_form(client, hide, {"reason": "Insultes"}, page="/fr/admin/reviews")
    db.session.expire_all()
    assert db.session.get(Review, review.id).hidden is True
    product_id = db.session.get(Review, review.id).product_id
    assert "Très bonne huile." not in client.get(f"/fr/products/{_slug(product_id)}").get_data(
        as_text=True
    )
    assert "Très bonne huile." in client.get("/fr/admin/reviews?show=hidden").get_data(as_text=True)
    restore = f"/fr/admin/reviews/{review.id}/restore"
    post_form(client, restore, {"reason": "Relu : rien de grave"}, page="/fr/admin/reviews")
    db.session.expire_all()
    assert db.session.get(Review, review.id).hidden is False
    rows = db.session.scalars(
        db.select(AuditEntry).where(AuditEntry.target_type == "review").order_by(AuditEntry.id)
    ).all()
    assert [(r.action, r.reason, r.actor_id) for r in rows] == [
        ("review.hide", "Insultes", admin.id),
        ("review.restore", "Relu : rien de grave", admin.id),
    ]


def test_moderation_is_for_administrators_only(client, login, post_form, reviewed):
    coop, manager, review = reviewed
    login(client, manager)
    assert client.get("/fr/admin/reviews").status_code in (403, 404)
    response = client.post(
        f"/fr/admin/reviews/{review.id}/hide",
        data={"reason": "x"},
        headers={"Origin": client.application.config["PUBLIC_BASE_URL"]},
    )
    assert response.status_code in (400, 403, 404)
    db.session.expire_all()
    assert db.session.get(Review, review.id).hidden is False


def test_hiding_needs_the_csrf_token(client, login, reviewed, make_user):
    _coop, _manager, review = reviewed
    login(client, make_user(email="admin@taawon.ma", is_admin=True))
    response = client.post(
        f"/fr/admin/reviews/{review.id}/hide",
        data={"reason": "Insultes"},
        headers={"Origin": client.application.config["PUBLIC_BASE_URL"]},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Review, review.id).hidden is False
