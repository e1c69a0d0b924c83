"""Administrators read reported threads only, and each reading is audited."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from orders.threads import services
from shop.audit import AuditEntry
from shop.extensions import db


@pytest.fixture
def admin_client(app, make_user, login):
    client = app.test_client()
    login(client, make_user(email="admin@taawon.ma", is_admin=True), lang="en")
    return client


def audits() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action.like("thread.%"))))


def test_a_thread_nobody_reported_is_404_to_administrators(admin_client, make_user, make_thread):
    thread = make_thread(make_user())
    assert admin_client.get(f"/en/admin/threads/{thread.id}").status_code == 404
    # Nor through the shopper's page.
    assert admin_client.get(f"/en/messages/{thread.id}").status_code == 404
    assert f"/en/admin/threads/{thread.id}" not in admin_client.get("/en/admin/threads").get_data(
        as_text=True
    )
    assert audits() == []


def test_a_reported_thread_is_read_and_each_reading_audited(admin_client, make_user, make_thread):
    shopper = make_user(name="Amina")
    thread = make_thread(shopper, body="Bonjour, c'est urgent")
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 40)).save(out, "PNG")
    services.add_message(thread, shopper, "Voyez", out.getvalue())
    services.report(thread, shopper, "Insultes")
    db.session.commit()
    listing = admin_client.get("/en/admin/threads").get_data(as_text=True)
    assert f"/en/admin/threads/{thread.id}" in listing and "Insultes" in listing
    for _ in range(2):
        page = admin_client.get(f"/en/admin/threads/{thread.id}")
        assert page.status_code == 200
        assert "Bonjour, c&#39;est urgent" in page.get_data(as_text=True)
    photo = thread.messages[-1]
    served = admin_client.get(f"/en/admin/threads/{thread.id}/photos/{photo.id}")
    assert served.status_code == 200
    served.close()
    entries = audits()
    assert [e.action for e in entries] == ["thread.read", "thread.read", "thread.photo"]
    assert all(e.target_type == "thread" and e.target_id == thread.id for e in entries)


def test_others_get_403(client, make_user, make_thread, login):
    shopper = make_user()
    thread = make_thread(shopper)
    services.report(thread, shopper, "")
    db.session.commit()
    login(client, shopper)
    assert client.get("/fr/admin/threads").status_code == 403
    assert client.get(f"/fr/admin/threads/{thread.id}").status_code == 403


def test_the_list_runs_the_same_queries_for_2_or_many(
    admin_client, make_user, make_cooperative, make_product, make_thread, count_queries
):
    shopper = make_user()

    def queries_for(total: int) -> int:
        while len(audits_free_threads()) < total:
            thread = make_thread(shopper, make_product(cooperative=make_cooperative()))
            services.report(thread, shopper, "")
            db.session.commit()
        with count_queries() as statements:
            assert admin_client.get("/en/admin/threads").status_code == 200
        return len(statements)

    assert queries_for(2) == queries_for(26)


def audits_free_threads() -> list:
    from orders.threads.models import Thread

    return list(db.session.scalars(select(Thread.id)))
