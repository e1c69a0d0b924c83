"""The cooperative's inbox (producers/workspace/inbox.py): unanswered first, answers,
another cooperative's 403/404, CSRF, constant queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from orders.threads import queries, services
from orders.threads.models import Thread
from producers.models import Membership, MembershipRole
from shop.extensions import db
from shop.models import utcnow


@pytest.fixture
def coop_and_manager(make_user, make_cooperative, make_product):
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal")
    manager = make_user(email="owner@amal.ma", name="Aicha")
    db.session.add(Membership(user=manager, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return coop, manager, make_product(cooperative=coop)


def test_unanswered_threads_come_first(client, coop_and_manager, make_user, make_thread, login):
    coop, manager, product = coop_and_manager
    now = utcnow()
    old_unanswered = make_thread(make_user(name="Old"), product)
    answered = make_thread(make_user(name="Answered"), product)
    new_unanswered = make_thread(make_user(name="New"), product)
    services.add_message(answered, manager, "Oui, bien sûr", from_cooperative=True)
    old_unanswered.last_message_at = now - timedelta(days=3)
    new_unanswered.last_message_at = now - timedelta(days=1)
    answered.last_message_at = now  # the latest, but answered
    db.session.commit()
    rows = db.session.scalars(queries.inbox(coop.id)).all()
    assert [t.id for t in rows] == [new_unanswered.id, old_unanswered.id, answered.id]
    login(client, manager)
    html = client.get("/fr/producer/amal/inbox").get_data(as_text=True)
    positions = [html.index(f"/fr/producer/amal/inbox/{t.id}") for t in rows]
    assert positions == sorted(positions)


def test_the_cooperative_answers_and_the_shopper_is_told(
    client, coop_and_manager, make_user, make_thread, login, post_form, outbox
):
    coop, manager, product = coop_and_manager
    shopper = make_user(email="amina@example.com", name="Amina")
    thread = make_thread(shopper, product)
    login(client, manager)
    url = f"/fr/producer/amal/inbox/{thread.id}"
    response = post_form(client, url, {"body": "Oui ! Écrivez-nous à contact@amal.ma"})
    assert response.status_code == 303
    db.session.refresh(thread)
    assert not thread.awaiting_reply and thread.first_response_at is not None
    answer = thread.messages[-1]
    assert answer.from_cooperative and answer.body == "Oui ! Écrivez-nous à •••"
    mails = [m for m in outbox() if m["To"] == shopper.email]
    assert len(mails) == 1
    assert f"/fr/messages/{thread.id}" in mails[0].get_body(("plain",)).get_content()


def test_another_cooperatives_manager_gets_403_or_404(
    client, coop_and_manager, make_user, make_cooperative, make_thread, login, post_form
):
    coop, manager, product = coop_and_manager
    thread = make_thread(make_user(), product)
    services.add_message(thread, thread.shopper, "Photo", _png())
    db.session.commit()
    photo = thread.messages[-1]
    other_coop = make_cooperative(slug="nour")
    other = make_user(email="owner@nour.ma")
    db.session.add(Membership(user=other, cooperative=other_coop, role=MembershipRole.OWNER))
    db.session.commit()
    login(client, other)
    # Amal's inbox: not theirs.
    assert client.get("/fr/producer/amal/inbox").status_code == 403
    assert client.get(f"/fr/producer/amal/inbox/{thread.id}").status_code == 403
    # Through their own cooperative's address: no such thread.
    assert client.get(f"/fr/producer/nour/inbox/{thread.id}").status_code == 404
    assert client.get(f"/fr/producer/nour/inbox/{thread.id}/photos/{photo.id}").status_code == 404
    for url in (
        f"/fr/producer/nour/inbox/{thread.id}",
        f"/fr/producer/nour/inbox/{thread.id}/report",
    ):
        response = post_form(client, url, {"body": "x"}, page="/fr/producer/nour/inbox")
        assert response.status_code == 404
    # The shopper's page is not a manager's either.
    assert client.get(f"/fr/messages/{thread.id}").status_code == 404
    assert len(db.session.get(Thread, thread.id).messages) == 2


def test_every_post_needs_its_csrf_token(client, coop_and_manager, make_user, make_thread, login):
    coop, manager, product = coop_and_manager
    thread = make_thread(make_user(), product)
    login(client, manager)
    for url in (
        f"/fr/producer/amal/inbox/{thread.id}",
        f"/fr/producer/amal/inbox/{thread.id}/report",
    ):
        assert client.post(url, data={"body": "Oui"}).status_code == 400, url
    db.session.refresh(thread)
    assert thread.awaiting_reply and thread.reported_at is None


def test_a_manager_reports_a_thread(
    client, coop_and_manager, make_user, make_thread, login, post_form
):
    coop, manager, product = coop_and_manager
    thread = make_thread(make_user(), product)
    login(client, manager)
    url = f"/fr/producer/amal/inbox/{thread.id}/report"
    response = post_form(
        client, url, {"reason": "Spam"}, page=f"/fr/producer/amal/inbox/{thread.id}"
    )
    assert response.status_code == 303
    db.session.refresh(thread)
    assert thread.reported_by_id == manager.id and thread.report_reason == "Spam"


def test_the_inbox_runs_the_same_queries_for_2_or_many_threads(
    client, coop_and_manager, make_user, make_thread, login, count_queries
):
    coop, manager, product = coop_and_manager
    shopper = make_user()
    login(client, manager)

    def queries_for(total: int) -> int:
        while db.session.scalar(select(db.func.count(Thread.id))) < total:
            make_thread(make_user() if total > 2 else shopper, product)
        with count_queries() as statements:
            assert client.get("/fr/producer/amal/inbox").status_code == 200
        return len(statements)

    assert queries_for(2) == queries_for(queries.PAGE_SIZE + 6)


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 40)).save(out, "PNG")
    return out.getvalue()
