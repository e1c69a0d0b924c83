"""Discount codes' screens: the back office (platform-funded) and the cooperative's
workspace (its own products), each refusing everyone else; creation and
deactivation are audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orders.discounts.models import DiscountCode, DiscountKind, FundedBy
from producers.models import Membership, MembershipRole
from shop.audit import AuditEntry
from shop.extensions import db
from tests.orders.discount_support import make_code

NEW_CODE = {
    "code": " ramadan-25 ",
    "kind": "percent",
    "percent": "25",
    "starts": "2026-12-01",
    "ends": "2026-12-31",
    "min_basket": "200",
    "max_uses": "100",
    "per_shopper": "1",
}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def coops(make_user, make_cooperative):
    """Two cooperatives, each with its manager."""
    found = []
    for slug in ("amal", "tifaout"):
        coop = make_cooperative(slug=slug, legal_name=f"Coopérative {slug.title()}")
        user = make_user(email=f"owner@{slug}.ma", name=slug.title())
        db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
        found.append((user, coop))
    db.session.commit()
    return found


def test_a_cooperative_creates_lists_and_deactivates_its_own_codes(client, post_form, login, coops):
    (user, coop), _other = coops
    login(client, user)
    assert client.get("/fr/producer/amal/discounts").status_code == 200
    response = post_form(client, "/fr/producer/amal/discounts", NEW_CODE)
    assert response.status_code == 302
    code = db.session.scalar(select(DiscountCode))
    assert (code.code, code.kind, code.value) == ("RAMADAN-25", DiscountKind.PERCENT, 25)
    assert (code.funded_by, code.cooperative_id) == (FundedBy.COOPERATIVE, coop.id)
    assert (code.min_basket_cents, code.max_uses, code.per_shopper) == (20_000, 100, 1)
    assert code.starts_at < code.ends_at
    assert "RAMADAN-25" in text(client.get("/fr/producer/amal/discounts"))
    again = post_form(client, "/fr/producer/amal/discounts", {**NEW_CODE, "code": "Ramadan-25"})
    assert again.status_code == 400  # codes are unique whatever the case
    url = f"/fr/producer/amal/discounts/{code.id}/deactivate"
    assert post_form(client, url, {}, page="/fr/producer/amal/discounts").status_code == 302
    db.session.refresh(code)
    assert not code.active
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["discount.create", "discount.deactivate"]


def test_a_cooperative_cannot_touch_another_ones_codes(client, post_form, login, coops):
    (user, _coop), (_other_user, other) = coops
    theirs = make_code("TIFAOUT10", cooperative=other)
    login(client, user)
    assert client.get("/fr/producer/tifaout/discounts").status_code == 403
    refused = post_form(
        client, "/fr/producer/tifaout/discounts", NEW_CODE, page="/fr/producer/amal/discounts"
    )
    assert refused.status_code == 403
    # Through its own workspace, another cooperative's code (or the platform's) is not found.
    platform = make_code("TAAWON")
    for code in (theirs, platform):
        url = f"/fr/producer/amal/discounts/{code.id}/deactivate"
        assert post_form(client, url, {}, page="/fr/producer/amal/discounts").status_code == 404
        db.session.refresh(code)
        assert code.active
    assert db.session.scalar(select(DiscountCode).where(DiscountCode.code == "RAMADAN-25")) is None
    assert "TIFAOUT10" not in text(client.get("/fr/producer/amal/discounts"))


def test_only_administrators_make_platform_codes(client, post_form, login, coops, make_user):
    (manager, _coop), _other = coops
    login(client, manager)
    assert client.get("/fr/admin/discounts").status_code in (403, 404)
    code = make_code("TAAWON")
    url = f"/fr/admin/discounts/{code.id}/deactivate"
    assert post_form(client, url, {}, page="/fr/producer/amal/discounts").status_code in (403, 404)
    admin = make_user(email="admin@taawon.ma", name="Salma", is_admin=True)
    staff = client.application.test_client()
    login(staff, admin)
    assert "TAAWON" in text(staff.get("/fr/admin/discounts"))
    response = post_form(staff, "/fr/admin/discounts", {**NEW_CODE, "kind": "free_shipping"})
    assert response.status_code == 302
    made = db.session.scalar(select(DiscountCode).where(DiscountCode.code == "RAMADAN-25"))
    assert (made.kind, made.value, made.funded_by) == (DiscountKind.FREE_SHIPPING, 0, "platform")
    assert made.cooperative_id is None
    assert post_form(staff, url, {}, page="/fr/admin/discounts").status_code == 302
    db.session.refresh(code)
    assert not code.active
    bad = post_form(staff, "/fr/admin/discounts", {**NEW_CODE, "code": "ok", "percent": ""})
    assert bad.status_code == 400


def test_the_lists_read_a_constant_number_of_queries(
    client, login, coops, make_user, count_queries
):
    (manager, coop), _other = coops
    admin = make_user(email="admin@taawon.ma", name="Salma", is_admin=True)
    staff = client.application.test_client()
    login(staff, admin)
    login(client, manager)
    counts = []
    for rows in (2, 30):
        for i in range(rows - len(counts) * 2 if counts else rows):
            make_code(f"PLAT{rows}X{i}", max_uses=5, per_shopper=1)
            make_code(f"COOP{rows}X{i}", cooperative=coop, min_basket_cents=1_000)
        with count_queries() as admin_sql:
            assert staff.get("/fr/admin/discounts").status_code == 200
        with count_queries() as coop_sql:
            assert client.get("/fr/producer/amal/discounts").status_code == 200
        counts.append((len(admin_sql), len(coop_sql)))
    assert counts[0] == counts[1]
