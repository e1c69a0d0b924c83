"""The conversations' pages are valid HTML (the Nu Html Checker, as tests/shop/test_html_validity.py)."""

from __future__ import annotations

import pytest

from producers.models import Membership, MembershipRole
from shop.extensions import db
from tests.shop.test_html_validity import check, vnu_command

pytestmark = pytest.mark.slow


def test_the_conversations_pages_are_valid(
    app, client, make_user, make_product, make_thread, login, tmp_path
):
    command = vnu_command()
    product = make_product()
    manager = make_user(email="owner@coop.ma")
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    db.session.add(
        Membership(user=manager, cooperative=product.cooperative, role=MembershipRole.OWNER)
    )
    shopper = make_user(email="amina@example.com")
    thread = make_thread(shopper, product, body="Bonjour, au 06 12 34 56 78 ?")
    from orders.threads import services

    services.add_message(thread, manager, "Oui", from_cooperative=True)
    services.report(thread, shopper, "Test")
    db.session.commit()
    slug = product.cooperative.slug
    pages = {
        "shopper": (
            shopper,
            ["/messages/", f"/messages/ask/{product.id}", f"/messages/{thread.id}"],
        ),
        "manager": (manager, [f"/producer/{slug}/inbox", f"/producer/{slug}/inbox/{thread.id}"]),
        "admin": (admin, ["/admin/threads", f"/admin/threads/{thread.id}"]),
    }
    files = []
    for role, (user, paths) in pages.items():
        visitor = app.test_client()
        login(visitor, user)
        for lang in ("ar", "fr"):
            for n, path in enumerate(paths):
                response = visitor.get(f"/{lang}{path}")
                assert response.status_code == 200, path
                target = tmp_path / f"{role}-{lang}-{n}.html"
                target.write_bytes(response.get_data())
                files.append(target)
    assert check(command, files) == {}
