"""The fair-trade policy editor and the floor prices (administration)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from catalog.models import FloorPrice, ProductStatus, Unit
from orders import accounting
from orders.models import OrderLine, PaymentMethod
from orders.services import mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from producers.money import policy as policy_services
from shop.audit import AuditEntry
from shop.extensions import db
from shop.money.amounts import parse_percent
from shop.money.ledger import JournalEntry, JournalLine
from shop.money.policy import PolicyVersion, current_policy
from shop.money.split import DEFAULT_POLICY, split
from tests.factories import place_confirmed, shipping_address

ADDRESS = shipping_address()
VALID = {
    "base_version": "1",
    "commission": "12.5",
    "premium": "6",
    "hold_days": "10",
    "note": "Frais de paiement en hausse",
}


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)


@pytest.fixture
def admin_client(client, login, admin):
    login(client, admin)
    return client


def text(response) -> str:
    """The page's text with entities decoded and spaces normalised (money has NBSP)."""
    return (
        html.unescape(response.get_data(as_text=True)).replace("\xa0", " ").replace("\u202f", " ")
    )


def words(page: str) -> str:
    """The page's text without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def value_of(page: str, name: str, id: str | None = None) -> str | None:
    """The value of the input named ``name`` (and with that ``id``, when given)."""
    for tag in re.findall(r"<input[^>]*>", page):
        if f'name="{name}"' in tag and (id is None or f'id="{id}"' in tag):
            match = re.search(r'value="([^"]*)"', tag)
            return match.group(1) if match else None
    return None


# ---------------------------------------------------------------- page and publishing


def test_policy_page_shows_the_defaults_before_any_change(admin_client):
    page = text(admin_client.get("/fr/admin/policy"))
    assert "En vigueur : version 1" in page
    assert 'data-rate="commission">10 %' in page and 'data-rate="premium">5 %' in page
    assert "14 jours" in page
    assert "Règles par défaut (jamais modifiées)" in page
    assert "Publier la version 2" in page
    assert value_of(page, "commission") == "10" and value_of(page, "hold_days") == "14"
    # The worked example: 200 MAD under 10 % / 5 %.
    assert (
        "20,00 MAD pour la plateforme, 10,00 MAD pour le fonds communautaire, "
        "170,00 MAD pour la coopérative" in page
    )


def test_publishing_creates_a_version_with_its_audit(admin_client, post_form, admin):
    response = post_form(admin_client, "/fr/admin/policy/publish", VALID, page="/fr/admin/policy")
    assert response.status_code == 302 and response.location.endswith("/fr/admin/policy")
    row = db.session.get(PolicyVersion, 2)
    assert (row.commission_bp, row.premium_bp, row.hold_days, row.created_by_id, row.note) == (
        1250,
        600,
        10,
        admin.id,
        "Frais de paiement en hausse",
    )
    assert current_policy().version == 2 and current_policy().commission_bp == 1250
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "policy.publish"))
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.reason) == (
        admin.id,
        "policyversion",
        2,
        "Frais de paiement en hausse",
    )
    assert entry.data == {
        "old": {"version": 1, "commission_bp": 1000, "premium_bp": 500, "hold_days": 14},
        "new": {"version": 2, "commission_bp": 1250, "premium_bp": 600, "hold_days": 10},
    }
    page = text(admin_client.get("/fr/admin/policy"))
    assert "La version 2 des règles équitables est publiée" in page
    assert "En vigueur : version 2" in page and 'data-rate="commission">12,5 %' in page
    assert "Amina Admin" in page and "Frais de paiement en hausse" in page
    # A second change builds on version 2.
    again = post_form(
        admin_client,
        "/fr/admin/policy/publish",
        {**VALID, "base_version": "2", "commission": "11,75", "note": "Ajustement"},
        page="/fr/admin/policy",
    )
    assert again.status_code == 302
    assert db.session.get(PolicyVersion, 3).commission_bp == 1175


def test_percentages_are_parsed_exactly():
    assert parse_percent("7,25") == 725
    assert parse_percent("0.01") == 1
    assert parse_percent("15") == 1500
    assert parse_percent("-2.5") == -250
    assert parse_percent("١٢,٥") == 1250  # Arabic-Indic digits
    for bad in ("", "abc", "10.123", "1e2", "10 %", "1000"):
        with pytest.raises(ValueError):
            parse_percent(bad)


@pytest.mark.parametrize("commission", ["15.01", "16", "99"])
def test_commission_above_the_cap_is_refused(admin_client, post_form, commission):
    response = post_form(
        admin_client,
        "/fr/admin/policy/publish",
        {**VALID, "commission": commission},
        page="/fr/admin/policy",
    )
    assert response.status_code == 400
    page = text(response)
    assert "La commission ne peut jamais dépasser 15 %." in page
    assert value_of(page, "commission") == commission  # the input is kept
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0


def test_the_cap_holds_without_the_form(app, admin):
    with pytest.raises(policy_services.PolicyError) as refused:
        policy_services.publish_policy(admin, 1501, 500, 14, "en douce")
    assert "commission" in refused.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0
    with pytest.raises(TypeError):
        policy_services.publish_policy(admin, 10.5, 500, 14, "float")


@pytest.mark.parametrize(
    "lang, changes, message",
    [
        ("fr", {"commission": "-1"}, "La commission ne peut pas être négative."),
        ("fr", {"premium": "-0.5"}, "La prime ne peut pas être négative."),
        (
            "fr",
            {"commission": "12", "premium": "90"},
            "Commission et prime ensemble ne peuvent pas dépasser 100 %.",
        ),
        ("fr", {"hold_days": "-3"}, "Le délai de garde ne peut pas être négatif."),
        ("fr", {"hold_days": "400"}, "Le délai de garde est de 365 jours au plus."),
        (
            "fr",
            {"commission": "dix"},
            "Écrivez un pourcentage comme 10 ou 7,5 (deux décimales au plus).",
        ),
        (
            "fr",
            {"premium": "5.125"},
            "Écrivez un pourcentage comme 10 ou 7,5 (deux décimales au plus).",
        ),
        ("fr", {"hold_days": "1.5"}, "Écrivez un nombre entier de jours, par exemple 14."),
        ("fr", {"hold_days": "--5"}, "Écrivez un nombre entier de jours, par exemple 14."),
        ("fr", {"commission": ""}, "Indiquez la commission."),
        ("fr", {"note": "  "}, "Dites pourquoi les règles changent."),
        (
            "fr",
            {"commission": "10", "premium": "5", "hold_days": "14"},
            "Rien n’a changé : ce sont les chiffres de la version en vigueur.",
        ),
        ("ar", {"commission": "20"}, "لا يمكن أبدًا أن تتجاوز العمولة 15%."),
        ("ar", {"premium": "-1"}, "لا يمكن أن تكون العلاوة سالبة."),
        (
            "ar",
            {"commission": "10", "premium": "5", "hold_days": "14"},
            "لم يتغير شيء: هذه أرقام الإصدار الساري.",
        ),
    ],
)
def test_every_refusal_is_translated_and_keeps_the_input(
    client, login, admin, post_form, lang, changes, message
):
    login(client, admin, lang=lang)
    sent = {**VALID, **changes}
    response = post_form(
        client, f"/{lang}/admin/policy/publish", sent, page=f"/{lang}/admin/policy"
    )
    assert response.status_code == 400
    page = text(response)
    assert message in page
    for name in ("commission", "premium", "hold_days"):
        assert value_of(page, name) == sent[name], name
    assert html.escape(sent["note"].strip()) in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_a_stale_form_is_refused_for_review(admin_client, post_form, admin):
    policy_services.publish_policy(admin, 1100, 500, 14, "par un collègue")
    db.session.commit()
    response = post_form(
        admin_client,
        "/fr/admin/policy/publish",
        VALID,  # made from v1
        page="/fr/admin/policy",
    )
    assert response.status_code == 409
    page = text(response)
    assert (
        "Quelqu’un a publié la version 2 entre-temps. Vérifiez ses chiffres avant de "
        "publier les vôtres." in page
    )
    assert value_of(page, "commission") == "12.5"  # the admin's own numbers, kept
    assert value_of(page, "base_version") == "2"  # a second click publishes after review
    assert "En vigueur : version 2" in page
    assert db.session.scalar(select(func.max(PolicyVersion.version))) == 2
    again = post_form(
        admin_client,
        "/fr/admin/policy/publish",
        {**VALID, "base_version": "2"},
        page="/fr/admin/policy",
    )
    assert again.status_code == 302 and db.session.get(PolicyVersion, 3).commission_bp == 1250


def test_two_admins_publishing_at_once(admin_client, post_form, admin, monkeypatch):
    """Both read version 1 as the latest; the primary key refuses the second version 2."""
    policy_services.publish_policy(admin, 1100, 500, 14, "le premier")
    db.session.commit()
    monkeypatch.setattr(policy_services, "latest_version", lambda: None)  # read before it
    response = post_form(admin_client, "/fr/admin/policy/publish", VALID, page="/fr/admin/policy")
    assert response.status_code == 409
    assert "Quelqu’un a publié une nouvelle version entre-temps." in text(response)
    monkeypatch.undo()
    assert db.session.get(PolicyVersion, 2).note == "le premier"
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


# ---------------------------------------------------------------- past orders keep their rules


def _ledger_rows(order_id: int) -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(JournalEntry.key, JournalLine.account, JournalLine.amount_cents)
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(JournalLine.order_id == order_id)
            .order_by(JournalLine.id)
        )
    ]


def test_a_policy_change_does_not_alter_past_orders(app, admin_client, post_form, make_product):
    ensure_default_rates()
    product = make_product(price=20_000, stock=10)
    sku = product.variants[0].sku
    old, _token = place_confirmed({sku: 2}, ADDRESS, PaymentMethod.COD, "fr")
    shipment = old.shipments[0]
    mark_shipped(shipment, "Amana", "AM-1")
    mark_delivered(shipment)
    mark_cash_remitted(shipment)
    db.session.commit()
    lines_before = [
        (l.policy_version, l.gross_cents, l.commission_cents, l.premium_cents, l.producer_cents)
        for l in old.lines
    ]
    assert lines_before == [(1, 40_000, 4_000, 2_000, 34_000)]
    ledger_before = _ledger_rows(old.id)
    assert (f"cash:shipment:{shipment.id}", "platform.commission", -4_000) in ledger_before

    response = post_form(
        admin_client,
        "/fr/admin/policy/publish",
        {**VALID, "commission": "12", "premium": "3"},
        page="/fr/admin/policy",
    )
    assert response.status_code == 302

    db.session.expire_all()
    lines_after = [
        (l.policy_version, l.gross_cents, l.commission_cents, l.premium_cents, l.producer_cents)
        for l in db.session.scalars(select(OrderLine).where(OrderLine.order_id == old.id))
    ]
    assert lines_after == lines_before
    assert _ledger_rows(old.id) == ledger_before
    # Refunding the old line later still uses its own version's split.
    assert accounting.parts_for(db.session.get(OrderLine, old.lines[0].id), 1) == split(
        20_000, DEFAULT_POLICY
    )

    new, _token = place_confirmed({sku: 2}, ADDRESS, PaymentMethod.COD, "fr")
    db.session.commit()
    line = new.lines[0]
    assert (
        line.policy_version,
        line.gross_cents,
        line.commission_cents,
        line.premium_cents,
        line.producer_cents,
    ) == (2, 40_000, 4_800, 1_200, 34_000)


# ---------------------------------------------------------------- floor prices


def test_floor_prices_crud_with_audit(admin_client, post_form, admin, categories, make_product):
    product = make_product(price=3_000, category="argan-oil")  # 250 ml: 102 MAD per litre
    argan = categories["argan-oil"]
    page = text(admin_client.get("/fr/admin/policy/floors"))
    assert "Aucun prix plancher pour l’instant." in page
    assert "Les produits déjà en vente ne sont pas dépubliés" in page

    added = post_form(
        admin_client,
        "/fr/admin/policy/floors/add",
        {"category": str(argan.id), "unit": "ml", "amount": "150,50"},
        page="/fr/admin/policy/floors",
    )
    assert added.status_code == 302
    floor = db.session.scalar(select(FloorPrice))
    assert (floor.category_id, floor.unit, floor.cents_per_reference) == (argan.id, Unit.ML, 15_050)
    # The product under the new floor stays on sale.
    db.session.refresh(product)
    assert product.status == ProductStatus.PUBLISHED
    page = text(admin_client.get("/fr/admin/policy/floors"))
    assert "Le prix plancher est enregistré. Les produits déjà en vente restent publiés" in page
    assert "150,50 MAD par litre" in words(page)

    duplicate = post_form(
        admin_client,
        "/fr/admin/policy/floors/add",
        {"category": str(argan.id), "unit": "ml", "amount": "99"},
        page="/fr/admin/policy/floors",
    )
    assert duplicate.status_code == 400
    assert "Cette catégorie a déjà un plancher pour cette unité : modifiez celui-ci." in text(
        duplicate
    )
    assert value_of(text(duplicate), "amount", id="amount") == "99"

    bad = post_form(
        admin_client,
        f"/fr/admin/policy/floors/{floor.id}",
        {"amount": "cent"},
        page="/fr/admin/policy/floors",
    )
    assert bad.status_code == 400
    assert "Écrivez un montant en dirhams, comme 120.00." in text(bad)
    assert 'value="cent"' in bad.get_data(as_text=True)

    changed = post_form(
        admin_client,
        f"/fr/admin/policy/floors/{floor.id}",
        {"amount": "160"},
        page="/fr/admin/policy/floors",
    )
    assert changed.status_code == 302
    db.session.refresh(floor)
    assert floor.cents_per_reference == 16_000

    removed = post_form(
        admin_client,
        f"/fr/admin/policy/floors/{floor.id}/delete",
        {},
        page="/fr/admin/policy/floors",
    )
    assert removed.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(FloorPrice)) == 0
    again = post_form(
        admin_client,
        f"/fr/admin/policy/floors/{floor.id}/delete",
        {},
        page="/fr/admin/policy/floors",
    )
    assert again.status_code == 302
    assert "Ce prix plancher était déjà supprimé." in text(admin_client.get(again.location))

    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.target_type, e.target_id) for e in entries] == [
        ("floor.create", admin.id, "floorprice", floor.id),
        ("floor.update", admin.id, "floorprice", floor.id),
        ("floor.delete", admin.id, "floorprice", floor.id),
    ]
    assert entries[0].data == {"category": "argan-oil", "unit": "ml", "cents": 15_050}
    assert entries[1].data == {
        "category": "argan-oil",
        "unit": "ml",
        "old_cents": 15_050,
        "new_cents": 16_000,
    }
    assert entries[2].data == {"category": "argan-oil", "unit": "ml", "cents": 16_000}


@pytest.mark.parametrize(
    "form, message",
    [
        ({"category": "", "unit": "ml", "amount": "10"}, "Choisissez une catégorie."),
        ({"unit": "ml", "amount": "0"}, "Indiquez un montant supérieur à zéro."),
        ({"unit": "ml", "amount": "2000000"}, "Un plancher est de 1 000 000,00 MAD au plus."),
        ({"unit": "ml", "amount": ""}, "Indiquez un montant supérieur à zéro."),
    ],
)
def test_floor_refusals_are_translated(admin_client, post_form, categories, form, message):
    form = {"category": str(categories["honey"].id), **form}
    response = post_form(
        admin_client, "/fr/admin/policy/floors/add", form, page="/fr/admin/policy/floors"
    )
    assert response.status_code == 400
    assert message in text(response)
    if form["amount"]:
        assert value_of(text(response), "amount", id="amount") == form["amount"]
    assert db.session.scalar(select(func.count()).select_from(FloorPrice)) == 0


def test_a_new_floor_applies_at_the_next_publish_under_the_current_policy(
    app, admin, categories, make_product
):
    from catalog.exceptions import FloorError
    from catalog.services import check_floor, set_status

    product = make_product(price=4_000, category="argan-oil")  # 250 ml at 40 MAD
    policy_services.save_floor(admin, 13_600, category_id=categories["argan-oil"].id, unit="ml")
    db.session.commit()
    # 40 MAD under v1 pays 34 MAD, i.e. 136 MAD per litre: exactly the floor.
    assert check_floor(product, product.variants[0]) is None
    policy_services.publish_policy(admin, 1200, 500, 14, "commission relevée")
    db.session.commit()
    problem = check_floor(product, product.variants[0])
    assert problem is not None and problem.revenue_per_reference == 13_280
    assert split(problem.min_price_cents, current_policy()).producer * 4 >= 13_600
    assert split(problem.min_price_cents - 1, current_policy()).producer * 4 < 13_600
    with pytest.raises(FloorError):
        set_status(product, ProductStatus.PUBLISHED)


# ---------------------------------------------------------------- access

ROUTES = [
    ("GET", "/fr/admin/policy"),
    ("POST", "/fr/admin/policy/publish"),
    ("GET", "/fr/admin/policy/floors"),
    ("POST", "/fr/admin/policy/floors/add"),
    ("POST", "/fr/admin/policy/floors/{id}"),
    ("POST", "/fr/admin/policy/floors/{id}/delete"),
]


def test_only_administrators_reach_the_policy_pages(
    app, client, login, make_user, make_cooperative, categories, admin
):
    floor = FloorPrice(category=categories["honey"], unit=Unit.G, cents_per_reference=9_000)
    db.session.add(floor)
    coop = make_cooperative()
    manager = make_user(email="gerante@coop.ma")
    db.session.add(Membership(user=manager, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    customer = make_user(email="client@example.com")
    for person in (None, customer, manager):
        visitor = app.test_client()
        if person is not None:
            login(visitor, person)
        token = re.search(
            r'name="csrf-token" content="([^"]+)"', visitor.get("/fr/cart").get_data(as_text=True)
        ).group(1)
        for method, url in ROUTES:
            url = url.format(id=floor.id)
            data = {"csrf_token": token, **VALID, "amount": "1", "category": "1", "unit": "g"}
            response = visitor.get(url) if method == "GET" else visitor.post(url, data=data)
            if person is None:
                assert response.status_code == 302 and "/account/login" in response.location, url
            else:
                assert response.status_code == 403, (person.email, url)
    db.session.expire_all()
    assert db.session.get(FloorPrice, floor.id).cents_per_reference == 9_000
    assert db.session.scalar(select(func.count()).select_from(PolicyVersion)) == 0


def test_the_admin_nav_links_to_the_policy(admin_client):
    page = admin_client.get("/fr/admin/").get_data(as_text=True)
    assert 'href="/fr/admin/policy"' in page
