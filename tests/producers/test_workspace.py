"""The cooperative workspace: applying, listings, floor prices, stock, import, team."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from PIL import Image

from catalog.models import (
    Certification,
    CertificationKind,
    FloorPrice,
    Product,
    ProductStatus,
    Unit,
    Variant,
)
from orders.services import Address
from producers import services
from producers.models import (
    Cooperative,
    CooperativeStatus,
    DocumentKind,
    Member,
    Membership,
    MembershipRole,
)
from shop.audit import AuditEntry
from shop.extensions import db
from tests.s3 import assert_pictures_served, on_both_storages

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
APPLICATION = dict(
    legal_name="Coopérative Amal",
    odco_number="2015/77",
    odco_court="Tribunal de Taroudant",
    ice="001234567000062",
    kind="agriculture",
    region_code="9",
    province="Taroudant",
    commune="Taliouine",
    founded_year="2015",
    members_count="20",
    women_members_count="14",
    contact_name="Aicha Ait Lahcen",
    email="amal@example.ma",
    phone="0612345678",
    address="Douar Tinfat",
    story_ar="قصة التعاونية",
    story_fr="Notre histoire",
    story_en="",
)


def png_bytes(size=(800, 600), colour=(180, 90, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def manager(make_user, make_cooperative):
    """An approved cooperative and its owner (logged in by the tests that need it)."""
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal")
    user = make_user(email="owner@amal.ma", name="Aicha")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


# ------------------------------------------------------------------ application


@on_both_storages
def test_apply_save_resume_documents_and_send(client, post_form, make_user, login, outbox):
    user = make_user(email="aicha@example.ma", locale="ar")
    login(client, user, lang="ar")
    response = post_form(client, "/ar/producer/apply", APPLICATION)
    assert response.status_code == 302
    coop = db.session.scalar(db.select(Cooperative).filter_by(legal_name="Coopérative Amal"))
    assert coop.status == CooperativeStatus.DRAFT and coop.slug == "amal"
    assert coop.story("fr").text == "Notre histoire"
    # Resume: going back to /apply opens the saved application.
    assert client.get("/ar/producer/apply").headers["Location"].endswith("/ar/producer/apply/amal")
    # Sending without the registration certificate is refused, and nothing is lost.
    refused = post_form(client, "/ar/producer/apply/amal", {**APPLICATION, "send": "1"})
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).status == CooperativeStatus.DRAFT
    doc = post_form(
        client,
        "/ar/producer/apply/amal/documents",
        {"doc-kind": "registration", "doc-file": (io.BytesIO(PDF), "odco.pdf")},
        page="/ar/producer/apply/amal",
        content_type="multipart/form-data",
    )
    assert doc.status_code == 302
    sent = post_form(client, "/ar/producer/apply/amal", {**APPLICATION, "send": "1"})
    assert sent.status_code == 302
    db.session.expire_all()
    coop = db.session.get(Cooperative, coop.id)
    assert coop.status == CooperativeStatus.PENDING and coop.submitted_at is not None
    assert [d.kind for d in coop.documents] == [DocumentKind.REGISTRATION]
    (message,) = outbox()
    assert message["To"] == "aicha@example.ma"
    assert message["Subject"] == "استلمنا طلبك"
    entry = db.session.scalar(db.select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "cooperative.submit",
        user.id,
        coop.id,
    )
    # A sent application can no longer be edited.
    post_form(client, "/ar/producer/apply/amal", {**APPLICATION, "legal_name": "Autre"})
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).legal_name == "Coopérative Amal"


def test_application_errors_are_translated_and_keep_the_input(client, post_form, make_user, login):
    login(client, make_user())
    bad = {
        **APPLICATION,
        "ice": "12345",
        "women_members_count": "25",
        "founded_year": "1850",
        "phone": "call me",
        "legal_name": "Coopérative <Tafraout>",
    }
    response = post_form(client, "/fr/producer/apply", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # Checked by its check digits (the msgid's French arrives with translations/pending/input.json).
    assert "Cet ICE n’est pas valide" in html or "This ICE is not valid" in html
    assert "Il ne peut pas y avoir plus de femmes membres que de membres." in html
    assert "Une année entre 1900 et" in html
    assert 'value="Coopérative &lt;Tafraout&gt;"' in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Cooperative)) == 0


@on_both_storages
def test_documents_are_checked(client, post_form, make_user, login):
    login(client, make_user())
    post_form(client, "/fr/producer/apply", APPLICATION)
    for name, data in (
        ("fake.pdf", b"%PDF-1.4 truncated"),
        ("x.png", b"not an image"),
        ("svg.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
    ):
        post_form(
            client,
            "/fr/producer/apply/amal/documents",
            {"doc-kind": "onssa", "doc-file": (io.BytesIO(data), name)},
            page="/fr/producer/apply/amal",
            content_type="multipart/form-data",
        )
    exe = post_form(
        client,
        "/fr/producer/apply/amal/documents",
        {"doc-kind": "onssa", "doc-file": (io.BytesIO(b"MZ"), "virus.exe")},
        page="/fr/producer/apply/amal",
        content_type="multipart/form-data",
    )
    assert exe.status_code == 302
    assert db.session.scalar(db.select(Cooperative)).documents == []
    photo = post_form(
        client,
        "/fr/producer/apply/amal/documents",
        {"doc-kind": "quality", "doc-file": (io.BytesIO(png_bytes()), "bio.png")},
        page="/fr/producer/apply/amal",
        content_type="multipart/form-data",
    )
    assert photo.status_code == 302
    (document,) = db.session.scalar(db.select(Cooperative)).documents
    assert document.content_type == "image/jpeg" and document.storage_name.startswith("docs/")


def test_decisions_flow(app, make_user, manager, outbox):
    user, coop = manager
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    coop.status = CooperativeStatus.PENDING
    db.session.commit()
    with pytest.raises(services.ProducerError):
        services.transition(coop, "reject", admin, "  ")  # a reason is required
    with pytest.raises(services.ProducerError):
        services.transition(coop, "approve", user)  # only administrators decide
    services.transition(coop, "request_changes", admin, "Ajoutez l'autorisation ONSSA.")
    assert coop.status == CooperativeStatus.CHANGES_REQUESTED
    assert coop.review_note == "Ajoutez l'autorisation ONSSA."
    services.add_document(coop, DocumentKind.REGISTRATION, "r.pdf", PDF)
    services.transition(coop, "submit", user)
    services.transition(coop, "approve", admin)
    assert coop.status == CooperativeStatus.APPROVED and coop.approved_at is not None
    with pytest.raises(services.ProducerError):
        services.transition(coop, "approve", admin)  # not from approved
    services.transition(coop, "suspend", admin, "Certificat expiré")
    services.transition(coop, "reinstate", admin)
    db.session.commit()
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [
        "cooperative.request_changes",
        "cooperative.submit",
        "cooperative.approve",
        "cooperative.suspend",
        "cooperative.reinstate",
    ]
    subjects = [m["Subject"] for m in outbox()]
    assert subjects[0] == "Votre candidature demande des modifications"
    assert "Ajoutez l'autorisation ONSSA." in outbox()[0].get_body(("plain",)).get_content()
    assert len(subjects) == 5


# ------------------------------------------------------------------ listings


@on_both_storages
def test_create_edit_publish_with_translations_and_images(
    client, post_form, login, manager, categories
):
    user, coop = manager
    login(client, user)
    base = "/fr/producer/amal/products"
    created = post_form(
        client,
        f"{base}/new",
        {
            "category_id": categories["argan-oil"].id,
            "origin": "Taliouine",
            "name_ar": "زيت أركان",
            "name_fr": "Huile d’argan",
            "name_en": "",
            "description_fr": "Pressée à froid.",
            "description_ar": "معصور على البارد",
        },
    )
    assert created.status_code == 302
    product = db.session.scalar(db.select(Product))
    assert product.status == ProductStatus.DRAFT
    assert {t.locale: t.name for t in product.translations} == {
        "ar": "زيت أركان",
        "fr": "Huile d’argan",
    }
    edit = f"{base}/{product.id}"
    # Publishing without a size is refused.
    post_form(client, f"{edit}/status", {"status": "published"}, page=edit)
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.DRAFT
    size = post_form(
        client,
        f"{edit}/variants/new",
        {
            "sku": "AMAL-250",
            "unit_quantity": "250",
            "unit": "ml",
            "price": "190,00",
            "stock": "12",
            "weight_g": "480",
            "gtin": "",
            "active": "y",
        },
    )
    assert size.status_code == 302
    for colour in ((200, 100, 50), (50, 100, 200)):
        response = post_form(
            client,
            f"{edit}/images",
            {"image": (io.BytesIO(png_bytes(colour=colour)), "p.png")},
            page=edit,
            content_type="multipart/form-data",
        )
        assert response.status_code == 302
    bad = post_form(
        client,
        f"{edit}/images",
        {"image": (io.BytesIO(b"<svg/>"), "x.png")},
        page=edit,
        content_type="multipart/form-data",
    )
    assert bad.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    first, second = product.images
    post_form(client, f"{edit}/images/{second.id}/move", {"to": "earlier"}, page=edit)
    db.session.expire_all()
    assert [i.id for i in db.session.get(Product, product.id).images] == [second.id, first.id]
    post_form(client, f"{edit}/images/{first.id}/delete", page=edit)
    post_form(client, f"{edit}/status", {"status": "published"}, page=edit)
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.status == ProductStatus.PUBLISHED and [i.id for i in product.images] == [
        second.id
    ]
    page = client.get(f"/ar/products/{product.slug}")
    assert page.status_code == 200 and "زيت أركان" in page.get_data(as_text=True)
    assert assert_pictures_served(client, page.get_data(as_text=True)) >= 3  # its renditions
    # Unpublish hides it again.
    post_form(client, f"{edit}/status", {"status": "draft"}, page=edit)
    assert client.get(f"/ar/products/{product.slug}").status_code == 404


def test_variant_form_keeps_input_on_error(client, post_form, login, manager, make_product):
    user, coop = manager
    product = make_product(cooperative=coop)
    login(client, user)
    url = f"/fr/producer/amal/products/{product.id}/variants/new"
    response = post_form(
        client,
        url,
        {
            "sku": "bad sku",
            "unit_quantity": "250",
            "unit": "ml",
            "price": "12O",
            "stock": "-3",
            "weight_g": "300",
            "gtin": "6111234567890",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Écrivez un montant en dirhams, comme 120.00." in html
    assert "Ce GTIN n’est pas valide" in html
    assert 'value="12O"' in html and 'value="bad sku"' in html


@pytest.fixture
def argan_floor(categories):
    """150 MAD of producer revenue per litre of argan oil."""
    db.session.add(
        FloorPrice(category=categories["argan-oil"], unit=Unit.ML, cents_per_reference=15_000)
    )
    db.session.commit()


def test_floor_price_refuses_publishing_and_says_what_meets_it(
    client, post_form, login, manager, make_product, argan_floor
):
    from catalog.services import min_price_for_floor
    from shop.money.split import split

    user, coop = manager
    product = make_product(cooperative=coop, price=3_000, status=ProductStatus.DRAFT)  # 250 ml
    login(client, user)
    edit = f"/fr/producer/amal/products/{product.id}"
    response = post_form(
        client, f"{edit}/status", {"status": "published"}, page=edit, follow_redirects=True
    )
    html = response.get_data(as_text=True)
    minimum = min_price_for_floor(15_000, 250, 1000)
    assert split(minimum).producer * 4 >= 15_000 > split(minimum - 1).producer * 4
    assert "plancher de 150,00\xa0MAD par litre" in html
    assert f"{minimum // 100},{minimum % 100:02d}\xa0MAD" in html
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == ProductStatus.DRAFT
    # Once published, a price cut under the floor is refused too.
    variant = db.session.get(Product, product.id).variants[0]
    variant.price_cents = minimum
    db.session.commit()
    post_form(client, f"{edit}/status", {"status": "published"}, page=edit)
    cut = post_form(
        client,
        f"{edit}/variants/{variant.id}",
        {
            "sku": variant.sku,
            "unit_quantity": "250",
            "unit": "ml",
            "price": "30",
            "stock": "5",
            "weight_g": "300",
            "active": "y",
        },
    )
    assert cut.status_code == 400 and "plancher" in cut.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Variant, variant.id).price_cents == minimum


# ------------------------------------------------------------------ stock and import


def test_inline_and_bulk_stock(client, post_form, login, manager, make_product):
    user, coop = manager
    product = make_product(cooperative=coop, variants=2)
    other = make_product()  # another cooperative's
    login(client, user)
    sku0, sku1 = (v.sku for v in product.variants)
    post_form(client, "/fr/producer/amal/stock", {"sku": sku0, "stock": "3"})
    db.session.expire_all()
    assert db.session.scalar(db.select(Variant).filter_by(sku=sku0)).stock == 3
    assert (
        post_form(
            client, "/fr/producer/amal/stock", {"sku": other.variants[0].sku, "stock": "0"}
        ).status_code
        == 404
    )

    def upload(text):
        return post_form(
            client,
            "/fr/producer/amal/stock/import",
            {"file": (io.BytesIO(text.encode()), "stock.csv")},
            page="/fr/producer/amal/stock",
            content_type="multipart/form-data",
        )

    bad = upload(f"sku,stock\n{sku0},7\n{other.variants[0].sku},1\n{sku1},-2\n")
    html = bad.get_data(as_text=True)
    assert (
        bad.status_code == 400 and "Ligne 3" in html and "Ligne 4" in html and "Ligne 2" not in html
    )
    db.session.expire_all()
    assert db.session.scalar(db.select(Variant).filter_by(sku=sku0)).stock == 3  # nothing changed
    good = upload(f"sku,stock\n{sku0},7\n{sku1},0\n")
    assert good.status_code == 302
    db.session.expire_all()
    assert [db.session.scalar(db.select(Variant).filter_by(sku=s)).stock for s in (sku0, sku1)] == [
        7,
        0,
    ]


def import_row(**values) -> dict[str, str]:
    row = {
        "cooperative": "amal",
        "sku": "AMAL-1",
        "category": "honey",
        "name_ar": "",
        "name_fr": "Miel de thym",
        "name_en": "",
        "description_ar": "",
        "description_fr": "Bon",
        "description_en": "",
        "price_mad": "95.00",
        "stock": "10",
        "weight_g": "400",
        "unit_quantity": "250",
        "unit": "g",
        "certifications": "",
        "image": "",
    }
    row.update(values)
    return row


def csv_text(rows) -> str:
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@on_both_storages
def test_browser_import_csv_and_zip(
    client, post_form, login, manager, categories, make_cooperative
):
    user, coop = manager
    make_cooperative(slug="voisine")
    login(client, user)

    def send(data: bytes, name: str):
        return post_form(
            client,
            "/fr/producer/amal/import",
            {"file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    refused = send(
        csv_text([import_row(), import_row(sku="V-1", cooperative="voisine")]).encode(), "c.csv"
    )
    assert refused.status_code == 400
    assert "Seuls les produits de amal peuvent être importés ici." in refused.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Variant)) == 0
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("catalog.csv", csv_text([import_row(image="pics/miel.png")]))
        z.writestr("pics/miel.png", png_bytes())
    ok = send(archive.getvalue(), "catalog.zip")
    assert ok.status_code == 302
    product = db.session.scalar(db.select(Product))
    assert len(product.images) == 1 and product.cooperative_id == coop.id
    edit = client.get(f"/fr/producer/amal/products/{product.id}").get_data(as_text=True)
    assert assert_pictures_served(client, edit) >= 1
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as z:
        z.writestr("catalog.csv", csv_text([import_row(sku="AMAL-2")]))
        z.writestr("../../escape.png", png_bytes())
    assert "quitte son dossier" in send(evil.getvalue(), "evil.zip").get_data(as_text=True)


# ------------------------------------------------------------------ profile, members, team


@on_both_storages
def test_profile_and_logo(client, post_form, login, manager):
    user, coop = manager
    login(client, user)
    response = post_form(
        client,
        "/fr/producer/amal/profile",
        {
            "tagline_fr": "Le safran des femmes",
            "story_fr": "Histoire",
            "tagline_ar": "زعفران النساء",
            "story_ar": "",
            "tagline_en": "",
            "story_en": "",
            "members_count": "30",
            "women_members_count": "22",
            "contact_name": "Aicha",
            "email": "c@amal.ma",
            "phone": "",
            "logo": (io.BytesIO(png_bytes((400, 400))), "logo.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    coop = db.session.get(Cooperative, coop.id)
    assert coop.logo_key and coop.members_count == 30
    public = client.get("/fr/cooperatives/amal").get_data(as_text=True)
    assert "Le safran des femmes" in public
    assert (
        assert_pictures_served(client, public) == 2
    )  # the logo: WebP in the page, JPEG for og:image


def test_members_are_private(client, post_form, login, manager, make_user, make_product):
    user, coop = manager
    make_product(cooperative=coop)
    login(client, user)
    post_form(
        client,
        "/fr/producer/amal/members",
        {
            "full_name": "Fadma Oubaha",
            "role": "Trésorière",
            "gender": "female",
            "joined_on": "2016-03-01",
            "share_capital": "500",
        },
    )
    member = db.session.scalar(db.select(Member))
    assert (member.full_name, member.share_capital_cents) == ("Fadma Oubaha", 50_000)
    assert "Fadma Oubaha" in client.get("/fr/producer/amal/members").get_data(as_text=True)
    public = client.get("/fr/cooperatives/amal").get_data(as_text=True)
    assert "Fadma" not in public
    stranger = make_user(email="b@other.ma")
    other = client.application.test_client()
    login(other, stranger)
    assert other.get("/fr/producer/amal/members").status_code == 403
    assert other.get(f"/fr/producer/amal/members/{member.id}").status_code == 403


def test_team_invite_and_remove(client, post_form, login, manager, outbox):
    user, coop = manager
    login(client, user)
    response = post_form(
        client,
        "/fr/producer/amal/team",
        {"email": "New@Amal.ma", "name": "Hassan", "role": "manager"},
    )
    assert response.status_code == 302
    (invite,) = outbox()
    assert invite["To"] == "new@amal.ma"
    link = re.search(
        r"http://shop\.test(/fr/account/reset/\S+)", invite.get_body(("plain",)).get_content()
    ).group(1)
    newcomer = client.application.test_client()
    assert (
        post_form(
            newcomer, link, {"password": "my-new-password", "confirm": "my-new-password"}
        ).status_code
        == 302
    )
    member = db.session.scalar(
        db.select(Membership).join(Membership.user).where(Membership.role == MembershipRole.MANAGER)
    )
    login(newcomer, member.user, password="my-new-password")
    assert newcomer.get("/fr/producer/amal/").status_code == 200
    # A manager cannot remove people; the owner can; the last owner stays.
    assert (
        post_form(
            newcomer, f"/fr/producer/amal/team/{member.id}/remove", page="/fr/producer/amal/team"
        ).status_code
        == 403
    )
    post_form(client, f"/fr/producer/amal/team/{member.id}/remove", page="/fr/producer/amal/team")
    # The removal ended the manager's sessions; logged in again, no workspace.
    assert newcomer.get("/fr/producer/amal/").status_code == 302
    login(newcomer, member.user, password="my-new-password")
    assert newcomer.get("/fr/producer/amal/").status_code == 403
    owner = db.session.scalar(db.select(Membership).where(Membership.role == MembershipRole.OWNER))
    with pytest.raises(services.ProducerError):
        services.remove_manager(coop, owner, user)


def test_dashboard_shows_what_needs_attention(client, login, manager, make_product):
    from datetime import date, timedelta

    user, coop = manager
    make_product(cooperative=coop, name_fr="Presque épuisé", stock=2)
    make_product(cooperative=coop, name_fr="Bien fourni", stock=50)
    db.session.add(
        Certification(
            cooperative=coop,
            kind=CertificationKind.ONSSA,
            number="AS-1",
            valid_until=date.today() + timedelta(days=10),
        )
    )
    db.session.commit()
    login(client, user)
    html = client.get("/fr/producer/amal/").get_data(as_text=True)
    assert "Presque épuisé" in html and "Bien fourni" not in html
    assert "AS-1" in html and "Expire le" in html


# ------------------------------------------------------------------ ownership matrix


def _fill(rule, ids: dict[str, int | str]) -> str | None:
    values = {}
    for arg in rule.arguments:
        if arg == "lang":
            values[arg] = "fr"
        elif arg == "id" and "/cooperatives/" in rule.rule:  # ids do not restart at 1
            values[arg] = ids["cooperative_id"]
        elif arg in ids:
            values[arg] = ids[arg]
        else:
            return None
    from flask import url_for

    return url_for(rule.endpoint, **values)


def record_private_evidence_event(lot, coop):
    """Event 1 of ``lot``, backed by a private PDF (the matrix opens its evidence)."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from catalog.trace import Quantity, record_trace_event, store_evidence
    from catalog.trace.vocabulary import Action, EventType, Step

    record_trace_event(
        lot,
        coop,
        event_type=EventType.OBJECT,
        step=Step.HARVESTING,
        occurred_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        description={"fr": "Récolte"},
        action=Action.ADD,
        outputs=[Quantity("argan-fruit", Decimal(10), "KGM")],
        evidence=store_evidence(PDF, private=True),
    )


def test_ownership_matrix(
    app, client, post_form, login, make_user, manager, make_product, make_cooperative
):
    """Every workspace and admin route, as each kind of visitor."""
    from flask import current_app

    user_a, coop_a = manager
    product = make_product(cooperative=coop_a)
    from catalog.models import ProductImage

    image = ProductImage(product=product, key="a" * 64, width=320, height=320, widths="320")
    member = Member(cooperative=coop_a, full_name="Privée")
    db.session.add_all([image, member])
    document = services.add_document(coop_a, DocumentKind.REGISTRATION, "r.pdf", PDF)
    certificate = Certification(
        cooperative=coop_a,
        kind=CertificationKind.ORGANIC,
        number="B",
        document_name=document.storage_name,
    )
    db.session.add(certificate)
    from catalog.trace import LotDetails, create_lot

    lot = create_lot(coop_a, product.variants[0], "L-1", LotDetails(quantity_produced=10))
    record_private_evidence_event(lot, coop_a)
    from orders.models import PaymentMethod
    from orders.shipping import ensure_default_rates
    from tests.factories import place_confirmed

    ensure_default_rates()
    from orders.carriers import ensure_default_carriers, find

    ensure_default_carriers()
    order, _secret = place_confirmed(
        {product.variants[0].sku: 1},
        Address(
            full_name="S",
            email="s@example.ma",
            phone="+212612345678",
            address_line="1 rue",
            city="Casablanca",
            postal_code="20250",
            country="MA",
            region_code=6,
        ),
        PaymentMethod.COD,
        "fr",
    )
    from catalog.models import FloorPrice, Unit
    from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus

    floor = FloorPrice(category=product.category, unit=Unit.ML, cents_per_reference=100)
    batch = PayoutBatch(total_cents=1_000)
    payout = Payout(
        batch=batch,
        cooperative_id=coop_a.id,
        method=PayoutMethod.BANK,
        status=PayoutStatus.CREATED,
        revenue_cents=1_000,
        shipping_cents=0,
        fund_cents=0,
        total_cents=1_000,
        rib="011519000001205000534921",
    )
    db.session.add_all([floor, batch, payout])
    from orders.invoicing import issue_commission

    invoice = issue_commission(coop_a, "2026-05", 1_000)  # a document of coop A's
    from tests.orders.discount_support import make_code

    discount = make_code("AMAL10", cooperative=coop_a)  # coop A's discount code
    from catalog.reviews.services import add_review

    review = add_review(  # a review of coop A's product (reviews, #18)
        product_id=product.id,
        cooperative_id=coop_a.id,
        order_line_id=order.lines[0].id,
        user_id=None,
        author_name="S.",
        rating=5,
        body="Bien",
        locale="fr",
    )
    coop_b = make_cooperative(slug="other-coop")
    user_b = make_user(email="b@other.ma")
    db.session.add(Membership(user=user_b, cooperative=coop_b, role=MembershipRole.OWNER))
    customer = make_user(email="shopper@example.com")
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    from orders.threads import services as threads  # a reported thread of coop A's, with a photo

    thread = threads.start_about_product(customer, product, "Bonjour", None)
    message = threads.add_message(thread, customer, "Photo", png_bytes())
    threads.report(thread, customer, "")
    db.session.commit()
    membership_a = db.session.scalar(db.select(Membership).filter_by(cooperative_id=coop_a.id))
    ids = {
        "slug": coop_a.slug,
        "product_id": product.id,
        "variant_id": product.variants[0].id,
        "image_id": image.id,
        "member_id": member.id,
        "membership_id": membership_a.id,
        "id": document.id,
        "document_id": document.id,
        "sequence": 1,
        "cooperative_id": coop_a.id,
        "certificate_id": certificate.id,
        "lot_id": lot.id,
        "shipment_id": order.shipments[0].id,
        "number": order.number,
        "floor_id": floor.id,
        "year": 2026,
        "month": 5,
        "batch_id": batch.id,
        "payout_id": payout.id,
        "carrier_id": find("amana").id,
        "figure": "series",
        "invoice_id": invoice.id,
        "thread_id": thread.id,
        "message_id": message.id,
        "code_id": discount.id,
        "review_id": review.id,
    }

    visitors = {
        "anonymous": None,
        "customer": customer,
        "manager_b": user_b,
        "admin": admin,
        "manager_a": user_a,
    }
    clients = {}
    for name, person in visitors.items():
        c = current_app.test_client()
        if person is not None:
            login(c, person)
        clients[name] = c

    checked = 0
    with app.test_request_context():
        rules = [
            r
            for r in current_app.url_map.iter_rules()
            if r.endpoint.startswith(("producers.", "admin."))
            and r.endpoint not in ("producers.home", "producers.apply")
        ]
        urls = [(r, _fill(r, ids)) for r in rules]
    for rule, url in urls:
        assert url is not None, f"no value for {rule.rule}"
        method = "GET" if "GET" in rule.methods else "POST"
        is_admin_route = rule.endpoint.startswith("admin.")
        for name, c in clients.items():
            token = re.search(
                r'name="csrf-token" content="([^"]+)"', c.get("/fr/cart").get_data(as_text=True)
            ).group(1)
            response = c.get(url) if method == "GET" else c.post(url, data={"csrf_token": token})
            code = response.status_code
            response.close()  # file responses hold their file open until closed
            where = f"{name} {method} {url}"
            if name == "anonymous":
                assert code == 302 and "/account/login" in response.headers["Location"], where
            elif name in ("customer", "manager_b"):
                assert code in (403, 404), f"{where} → {code}"
            elif name == "admin":
                if is_admin_route:
                    assert code not in (401, 403, 404), f"{where} → {code}"
                else:
                    assert code in (403, 404), f"{where} → {code}"
            else:  # manager_a
                if not is_admin_route:
                    assert code not in (401, 403, 404), f"{where} → {code}"
                else:
                    assert code == 403, f"{where} → {code}"
            checked += 1
    assert checked >= 5 * 20


def test_certificates_with_scan(client, post_form, login, manager, make_user):
    user, coop = manager
    login(client, user)
    response = post_form(
        client,
        "/fr/producer/amal/certificates",
        {
            "kind": "organic",
            "number": "BIO-22",
            "issuer": "Ecocert",
            "valid_until": "2027-05-31",
            "document": (io.BytesIO(PDF), "bio.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    cert = db.session.scalar(db.select(Certification))
    assert (cert.kind, cert.number, cert.document_name.startswith("docs/")) == (
        CertificationKind.ORGANIC,
        "BIO-22",
        True,
    )
    scan = client.get(f"/fr/producer/amal/certificates/{cert.id}/document")
    assert scan.status_code == 200 and scan.data == PDF
    assert scan.headers["Cache-Control"] == "private, no-store"
    scan.close()
    bad = post_form(
        client,
        "/fr/producer/amal/certificates",
        {
            "kind": "onssa",
            "number": "AS-1",
            "issuer": "ONSSA",
            "document": (io.BytesIO(b"%PDF-1.4 cut"), "as.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "Le fichier PDF est endommagé" in bad.get_data(as_text=True)
    assert 'value="AS-1"' in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Certification)) == 1


# ------------------------------------------------------------------ lots


def test_lots_events_and_corrections_from_the_workspace(
    client, post_form, login, manager, make_product
):
    from catalog.trace import Lot, TraceEvent, verify_chain

    user, coop = manager
    product = make_product(cooperative=coop)
    member = Member(cooperative=coop, full_name="Itto Ouhammou")
    db.session.add(member)
    db.session.commit()
    login(client, user)
    created = post_form(
        client,
        "/fr/producer/amal/lots/new",
        {
            "variant_id": str(product.variants[0].id),
            "code": "arg-2611",
            "quantity_produced": "120",
            "produced_on": "2026-11-02",
            "best_before": "2028-11-01",
            "contributions-0-member_id": str(member.id),
            "contributions-0-kind": "kg_supplied",
            "contributions-0-amount": "35.5",
        },
    )
    assert created.status_code == 302, re.findall(
        r'(?:class="error"[^>]*|flash-error">)([^<]+)', created.get_data(as_text=True)
    )
    lot = db.session.scalar(db.select(Lot))
    assert (lot.code, lot.quantity_remaining) == ("ARG-2611", 120)
    assert [(c.member_id, c.amount) for c in lot.contributions] == [(member.id, 35.5)]
    page = f"/fr/producer/amal/lots/{lot.id}"
    event = {
        "event_type": "ObjectEvent",
        "step": "collecting",
        "action": "ADD",
        "occurred_at": "2026-10-01T08:30",
        "offset": "+01:00",
        "description_fr": "Ramassage des fruits",
        "description_ar": "",
        "description_en": "",
        "place": "Aït Baha",
        "inputs-0-material": "",
        "outputs-0-material": "argan-fruit",
        "outputs-0-quantity": "300",
        "outputs-0-uom": "KGM",
    }
    assert post_form(client, page, event).status_code == 302
    first = db.session.scalar(db.select(TraceEvent))
    fixed = post_form(
        client,
        f"{page}?corrects={first.id}",
        {**event, "outputs-0-quantity": "320", "corrects": str(first.id)},
    )
    assert fixed.status_code == 302
    db.session.expire_all()
    lot = db.session.get(Lot, lot.id)
    events = db.session.scalars(db.select(TraceEvent).order_by(TraceEvent.sequence)).all()
    assert [e.sequence for e in events] == [1, 2]
    assert events[1].data["corrects"]["sequence"] == 1
    assert verify_chain(lot).ok
    html = client.get(page).get_data(as_text=True)
    assert "Événement 1" in html or "Event 1" in html
    assert "Ramassage des fruits" in html


def test_lot_of_another_cooperative_is_refused(client, post_form, login, manager, make_product):
    user, coop = manager
    foreign = make_product()  # another cooperative's product
    login(client, user)
    response = post_form(
        client,
        "/fr/producer/amal/lots/new",
        {"variant_id": str(foreign.variants[0].id), "code": "X-1", "quantity_produced": "5"},
    )
    assert response.status_code == 400
    from catalog.trace import Lot

    assert db.session.scalar(db.select(db.func.count()).select_from(Lot)) == 0


# ------------------------------------------------------------------ parcels


def test_parcels_prepare_ship_deliver(
    client, post_form, login, manager, make_product, make_cooperative, make_user
):
    from orders.carriers import ensure_default_carriers, find
    from orders.models import Order, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
    from orders.shipping import ensure_default_rates
    from tests.factories import place_confirmed

    ensure_default_rates()
    ensure_default_carriers()
    amana = find("Amana").id
    user, coop = manager
    product = make_product(cooperative=coop, stock=10)
    other = make_product(cooperative=make_cooperative(slug="autre"), stock=10)
    address = Address(
        full_name="Salma B.",
        email="salma@example.ma",
        phone="+212612345678",
        address_line="12 rue des Orangers",
        city="Casablanca",
        postal_code="20250",
        country="MA",
        region_code=6,
    )
    order, _token = place_confirmed(
        {product.variants[0].sku: 2, other.variants[0].sku: 1},
        address,
        PaymentMethod.COD,
        "fr",
        None,
    )
    db.session.commit()
    login(client, user)
    html = client.get("/fr/producer/amal/").get_data(as_text=True)
    assert "1 colis à préparer" in html
    page = client.get("/fr/producer/amal/parcels").get_data(as_text=True)
    assert order.number in page and "Salma B." in page
    mine = db.session.scalar(db.select(Shipment).filter_by(cooperative_id=coop.id))
    theirs = db.session.scalar(db.select(Shipment).where(Shipment.cooperative_id != coop.id))
    slip = client.get(f"/fr/producer/amal/parcels/{mine.id}/slip").get_data(as_text=True)
    assert "12 rue des Orangers" in slip and product.variants[0].sku in slip
    assert client.get(f"/fr/producer/amal/parcels/{theirs.id}/slip").status_code == 404
    assert (
        post_form(
            client,
            f"/fr/producer/amal/parcels/{theirs.id}/shipped",
            {"carrier": str(amana), "tracking": "X"},
            page="/fr/producer/amal/parcels",
        ).status_code
        == 404
    )
    refused = post_form(
        client,
        f"/fr/producer/amal/parcels/{mine.id}/shipped",
        {"carrier": "", "tracking": ""},
        page="/fr/producer/amal/parcels",
    )
    assert refused.status_code == 400
    assert "Transporteur" in refused.get_data(as_text=True)
    post_form(
        client,
        f"/fr/producer/amal/parcels/{mine.id}/shipped",
        {"carrier": str(amana), "tracking": "CX123MA"},
        page="/fr/producer/amal/parcels",
    )
    db.session.expire_all()
    mine = db.session.get(Shipment, mine.id)
    assert (mine.status, mine.tracking_number) == (ShipmentStatus.SHIPPED, "CX123MA")
    assert db.session.get(Order, order.id).status == OrderStatus.PARTIALLY_SHIPPED
    post_form(
        client, f"/fr/producer/amal/parcels/{mine.id}/delivered", page="/fr/producer/amal/parcels"
    )
    db.session.expire_all()
    assert db.session.get(Shipment, mine.id).status == ShipmentStatus.DELIVERED


def test_certification_checkboxes_name_the_kind_in_words(client, login, manager, make_product):
    """They showed a raw code ("ORGANIC BIO-MA-…"); now the kind in the page's language."""
    user, coop = manager
    product = make_product(cooperative=coop, certifications=("organic",))
    login(client, user)
    number = product.certifications[0].number
    ar = client.get(f"/ar/producer/amal/products/{product.id}").get_data(as_text=True)
    fr = client.get(f"/fr/producer/amal/products/{product.id}").get_data(as_text=True)
    assert "ORGANIC" not in ar and "ORGANIC" not in fr
    assert f"Bio · \u2068{number}\u2069" in fr
    assert f"عضوي · \u2068{number}\u2069" in ar
