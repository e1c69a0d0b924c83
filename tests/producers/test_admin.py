"""Administration: access rules, the approval queue, decisions, documents, audit, certificates."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from catalog.models import Certification, CertificationKind
from producers import services
from producers.admin.documents import safe_filename
from producers.admin.listing import local_midnight
from producers.models import (
    CooperativeStatus,
    CooperativeTranslation,
    DocumentKind,
    Membership,
    MembershipRole,
)
from shop.audit import AuditEntry, audit
from shop.extensions import db
from shop.models import utcnow
from tests.s3 import on_both_storages

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
ADMIN_PAGES = ("/fr/admin/", "/fr/admin/cooperatives", "/fr/admin/audit", "/fr/admin/certificates")
ARABIC = re.compile("[\u0600-\u06ff]")


@pytest.fixture(autouse=True)
def workspace_endpoint(app):
    """Decision mails link to the workspace; stand in for it until producers/workspace/views.py has it."""
    if "producers.dashboard" not in app.view_functions:
        app.add_url_rule(
            "/<lang:lang>/producer/<slug>/",
            endpoint="producers.dashboard",
            view_func=lambda slug: "workspace",
        )


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)


@pytest.fixture
def owner(make_user):
    return make_user(email="owner@coop.ma", name="Khadija Owner", locale="ar")


@pytest.fixture
def application(make_cooperative, owner):
    """A pending application with an Arabic-speaking owner, stories and a PDF document."""
    coop = make_cooperative(
        slug="tifaout",
        legal_name="Coopérative Tifaout <b>",
        status=CooperativeStatus.PENDING,
        submitted_at=utcnow(),
        applicant_id=owner.id,
        ice="001234567000062",
        odco_number="2007/123",
        email="contact@tifaout.ma",
        founded_year=2007,
    )
    coop.translations.append(CooperativeTranslation(locale="ar", story="قصة التعاونية"))
    coop.translations.append(CooperativeTranslation(locale="en", story="Our story"))
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    services.add_document(coop, DocumentKind.REGISTRATION, "statuts odco.pdf", PDF)
    db.session.commit()
    return coop


def count_queries(client, url: str) -> tuple[int, object]:
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):  # the tests' own
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements), response


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("url", ADMIN_PAGES + ("/fr/admin/cooperatives/{id}",))
def test_admin_pages_are_for_administrators_only(
    url, client, login, make_user, admin, application, owner
):
    url = url.format(id=application.id)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.location.startswith("/fr/account/login")
    login(client, make_user(email="shopper@example.com"))
    assert client.get(url).status_code == 403
    manager = client.application.test_client()
    login(manager, owner)
    assert manager.get(url).status_code == 403
    admin_client = client.application.test_client()
    login(admin_client, admin)
    assert admin_client.get(url).status_code == 200


def test_unknown_cooperative_is_404(client, login, admin):
    login(client, admin)
    assert client.get("/fr/admin/cooperatives/999").status_code == 404
    assert client.get("/fr/admin/documents/999").status_code == 404


@on_both_storages
def test_document_is_private_to_admins_and_its_managers(
    client, app, login, make_user, admin, application, owner, make_cooperative
):
    doc = application.documents[0]
    admin_url = f"/fr/admin/documents/{doc.id}"
    workspace_url = f"/fr/producer/{application.slug}/documents/{doc.id}"
    for url in (admin_url, workspace_url):
        anonymous = client.get(url)
        assert anonymous.status_code == 302
        assert anonymous.location.startswith("/fr/account/login")

    login(client, make_user(email="shopper@example.com"))
    assert client.get(admin_url).status_code == 403
    assert client.get(workspace_url).status_code == 403

    other = make_cooperative(slug="other")
    stranger = make_user(email="manager@other.ma")
    db.session.add(Membership(user=stranger, cooperative=other, role=MembershipRole.OWNER))
    db.session.commit()
    stranger_client = app.test_client()
    login(stranger_client, stranger)
    assert stranger_client.get(admin_url).status_code == 403  # manages another cooperative
    assert stranger_client.get(workspace_url).status_code == 403
    # Its own workspace does not open another cooperative's document either.
    assert stranger_client.get(f"/fr/producer/other/documents/{doc.id}").status_code == 404

    owner_client = app.test_client()
    login(owner_client, owner)
    assert owner_client.get(admin_url).status_code == 403  # the back office is admins' only
    for user, url in ((owner, workspace_url), (admin, admin_url)):
        user_client = app.test_client()
        login(user_client, user)
        response = user_client.get(url)
        assert response.status_code == 200
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == 'inline; filename="statuts odco.pdf"'
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
        response.close()


@on_both_storages
def test_image_documents_are_shown_in_a_sandbox_too(client, login, admin, application):
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (800, 600), (180, 90, 40)).save(buffer, "PNG")
    doc = services.add_document(
        application, DocumentKind.ONSSA, "C:\\scans\\ONSSA\r\n.png", buffer.getvalue()
    )
    db.session.commit()
    login(client, admin)
    response = client.get(f"/en/admin/documents/{doc.id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline; filename=ONSSA.jpg"
    assert response.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    response.close()


@pytest.mark.parametrize(
    "name, content_type, expected",
    [
        ("statuts.pdf", "application/pdf", "statuts.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ('a"b;c\x00\n.exe.pdf', "application/pdf", "abc.exe.pdf"),
        ("photo.png", "image/jpeg", "photo.jpg"),
        ("", "image/jpeg", "document.jpg"),
        ("شهادة التسجيل.pdf", "application/pdf", "شهادة التسجيل.pdf"),
        ("...", "application/pdf", "document.pdf"),
    ],
)
def test_safe_filename(name, content_type, expected):
    assert safe_filename(name, content_type) == expected


def test_arabic_file_names_are_offered_in_utf8(client, login, admin, application):
    doc = services.add_document(
        application, DocumentKind.QUALITY, "شهادة.pdf", PDF.replace(b"1.4", b"1.5")
    )
    db.session.commit()
    login(client, admin)
    response = client.get(f"/ar/admin/documents/{doc.id}")
    disposition = response.headers["Content-Disposition"]
    response.close()
    assert disposition.startswith("inline; ")
    assert "filename*=UTF-8''%D8%B4%D9%87%D8%A7%D8%AF%D8%A9.pdf" in disposition


# ---------------------------------------------------------------- queue and detail


def test_queue_lists_pending_applications_by_default(
    client, login, admin, application, make_cooperative
):
    make_cooperative(slug="approved-one", legal_name="Already Approved")
    make_cooperative(
        slug="oasis",
        legal_name="Coopérative Oasis",
        region_code=8,
        status=CooperativeStatus.PENDING,
        submitted_at=utcnow() - timedelta(days=3),
    )
    login(client, admin)
    html = client.get("/en/admin/cooperatives").get_data(as_text=True)
    assert "Already Approved" not in html
    assert "Coopérative Tifaout &lt;b&gt;" in html and "<b>" not in html.split("<main")[1]
    # oldest application first, with its region and documents count
    assert html.index("Coopérative Oasis") < html.index("Coopérative Tifaout")
    assert "Souss-Massa" in html and "Draa-Tafilalet" in html
    row = re.search(r"Tifaout &lt;b&gt;</a></td>.*?</tr>", html, re.S).group(0)
    assert "<td>1</td>" in row

    every = client.get("/en/admin/cooperatives?status=all").get_data(as_text=True)
    assert "Already Approved" in every and "Coopérative Oasis" in every
    approved = client.get("/en/admin/cooperatives?status=approved").get_data(as_text=True)
    assert "Already Approved" in approved and "Coopérative Oasis" not in approved
    found = client.get("/en/admin/cooperatives?status=all&q=oasis").get_data(as_text=True)
    assert "Coopérative Oasis" in found and "Tifaout" not in found
    nothing = client.get("/en/admin/cooperatives?q=100%25").get_data(as_text=True)
    assert "Oasis" not in nothing and "Tifaout" not in nothing  # % is not a wildcard


def test_queue_is_paginated_in_bounded_queries(client, login, admin, make_cooperative):
    for n in range(55):
        make_cooperative(
            slug=f"c-{n:02d}", legal_name=f"Coop {n:02d}", status=CooperativeStatus.PENDING
        )
    login(client, admin)
    queries, response = count_queries(client, "/en/admin/cooperatives")
    html = response.get_data(as_text=True)
    assert html.count("/en/admin/cooperatives/") == 50
    assert (
        'href="/en/admin/cooperatives?page=2&amp;status=pending"' in html
        or 'href="/en/admin/cooperatives?status=pending&amp;page=2"' in html
        or 'href="/en/admin/cooperatives?page=2"' in html
    )
    assert queries <= 8
    second = client.get("/en/admin/cooperatives?page=2").get_data(as_text=True)
    assert second.count("/en/admin/cooperatives/") == 5


def test_detail_shows_the_whole_application(client, login, admin, application, owner):
    login(client, admin)
    html = client.get(f"/en/admin/cooperatives/{application.id}").get_data(as_text=True)
    for value in (
        "001234567000062",
        "2007/123",
        "contact@tifaout.ma",
        "2007",
        "Souss-Massa",
        "Taroudant",
        "Taliouine",
        "Khadija Owner",
        "owner@coop.ma",
    ):
        assert value in html
    assert '<div class="admin-story" lang="ar" dir="rtl">' in html and "قصة التعاونية" in html
    assert '<div class="admin-story" lang="fr" dir="ltr">' in html and "Histoire" in html
    assert "Our story" in html
    doc = application.documents[0]
    assert f'href="/en/admin/documents/{doc.id}"' in html and "statuts odco.pdf" in html
    # one form per possible decision, each with its own reason box
    assert sorted(re.findall(r'name="action" type="hidden" value="(\w+)"', html)) == [
        "approve",
        "reject",
        "request_changes",
    ]
    assert len(set(re.findall(r'id="(reason-\w+)"', html))) == 3
    assert 'id="reason-reject" maxlength="2000" name="reason" required>' in html


# ---------------------------------------------------------------- decisions


def test_approve(client, login, post_form, admin, application, outbox):
    login(client, admin)
    url = f"/en/admin/cooperatives/{application.id}"
    response = post_form(client, url + "/decide", {"action": "approve", "reason": ""}, page=url)
    assert response.status_code == 302 and response.location == url
    db.session.refresh(application)
    assert application.status == CooperativeStatus.APPROVED
    assert application.approved_at is not None
    entry = db.session.scalar(db.select(AuditEntry).filter_by(action="cooperative.approve"))
    assert entry.actor_id == admin.id and entry.target_id == application.id
    assert entry.data == {"previous": "pending", "status": "approved"}
    page = client.get(url).get_data(as_text=True)
    assert "Approved" in page and 'class="flash flash-success"' in page
    assert "Approved" in page.split('id="history-title"')[1]  # the history shows it
    assert "Amina Admin" in page.split('id="history-title"')[1]
    assert 'name="action"' in page and 'value="suspend"' in page  # next possible action
    assert len(outbox()) == 1


def test_a_reason_is_required_and_kept(client, login, post_form, admin, application, outbox):
    login(client, admin)
    url = f"/en/admin/cooperatives/{application.id}"
    response = post_form(client, url + "/decide", {"action": "reject", "reason": "  "}, page=url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please give a reason: the cooperative will read it." in html
    assert 'id="reason-reject-error"' in html
    long_reason = "Le registre <manque> " + "x" * 2000
    response = post_form(
        client, url + "/decide", {"action": "request_changes", "reason": long_reason}, page=url
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Le registre &lt;manque&gt; xxx" in html  # the typed text is kept, escaped
    assert 'id="reason-request_changes-error"' in html
    db.session.refresh(application)
    assert application.status == CooperativeStatus.PENDING
    assert outbox() == []
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0


def test_impossible_action_is_refused(client, login, post_form, admin, application):
    login(client, admin)
    url = f"/en/admin/cooperatives/{application.id}"
    for action in ("suspend", "submit", "explode", ""):
        response = post_form(
            client, url + "/decide", {"action": action, "reason": "Because"}, page=url
        )
        assert response.status_code == 400
        assert "This action is not possible for a cooperative in this state." in response.get_data(
            as_text=True
        )
    db.session.refresh(application)
    assert application.status == CooperativeStatus.PENDING


def test_decision_without_csrf_token_is_refused(client, login, admin, application):
    login(client, admin)
    response = client.post(
        f"/en/admin/cooperatives/{application.id}/decide", data={"action": "approve"}
    )
    assert response.status_code == 400
    db.session.refresh(application)
    assert application.status == CooperativeStatus.PENDING


def test_only_admins_can_decide(client, login, post_form, owner, application):
    login(client, owner)
    response = post_form(
        client,
        f"/en/admin/cooperatives/{application.id}/decide",
        {"action": "approve"},
        page="/en/account/",
    )
    assert response.status_code == 403
    db.session.refresh(application)
    assert application.status == CooperativeStatus.PENDING


def test_asking_for_changes_mails_the_owner_in_arabic(
    client, login, post_form, admin, application, outbox
):
    login(client, admin)
    url = f"/fr/admin/cooperatives/{application.id}"
    response = post_form(
        client,
        url + "/decide",
        {"action": "request_changes", "reason": "Ajoutez l’attestation ONSSA, s’il vous plaît."},
        page=url,
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == CooperativeStatus.CHANGES_REQUESTED
    assert application.review_note == "Ajoutez l’attestation ONSSA, s’il vous plaît."
    [message] = outbox()
    assert message["To"] == "owner@coop.ma"
    body = message.get_body(("plain",)).get_content()
    assert "Ajoutez l’attestation ONSSA, s’il vous plaît." in body
    assert "مرحبًا Khadija Owner" in body  # the owner's language, not the admin's
    assert "http://shop.test/ar/producer/tifaout/" in body
    assert ARABIC.search(message["Subject"]), message["Subject"]
    assert message["Subject"] != "Your application needs changes"


def test_rejection_mails_a_french_owner_in_french(
    client, login, post_form, admin, application, owner, outbox
):
    owner.locale = "fr"
    db.session.commit()
    login(client, admin)
    url = f"/en/admin/cooperatives/{application.id}"
    post_form(
        client, url + "/decide", {"action": "reject", "reason": "Pas une coopérative."}, page=url
    )
    [message] = outbox()
    body = message.get_body(("plain",)).get_content()
    assert "Bonjour Khadija Owner" in body and "Pas une coopérative." in body
    assert not ARABIC.search(message["Subject"])


def test_suspension_hides_the_products_until_reinstated(
    client, app, login, post_form, admin, make_cooperative, make_product
):
    coop = make_cooperative(slug="zitoun", legal_name="Coopérative Zitoun")
    product = make_product(name_fr="Huile d'olive Zitoun", cooperative=coop)
    shopper = app.test_client()
    assert "Huile d&#39;olive Zitoun" in shopper.get("/fr/products/").get_data(as_text=True)
    assert shopper.get(f"/fr/products/{product.slug}").status_code == 200

    login(client, admin)
    url = f"/fr/admin/cooperatives/{coop.id}"
    response = post_form(
        client,
        url + "/decide",
        {"action": "suspend", "reason": "Contrôle ONSSA en cours."},
        page=url,
    )
    assert response.status_code == 302
    assert "Huile d&#39;olive Zitoun" not in shopper.get("/fr/products/").get_data(as_text=True)
    assert shopper.get(f"/fr/products/{product.slug}").status_code == 404
    assert shopper.get("/fr/cooperatives/zitoun").status_code == 404

    response = post_form(client, url + "/decide", {"action": "reinstate", "reason": ""}, page=url)
    assert response.status_code == 302
    assert shopper.get(f"/fr/products/{product.slug}").status_code == 200
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["cooperative.suspend", "cooperative.reinstate"]


# ---------------------------------------------------------------- audit log


def test_audit_log_filters(client, login, admin, make_user, make_cooperative):
    other_admin = make_user(email="second@taawon.ma", is_admin=True)
    coop = make_cooperative(slug="a", legal_name="Coop A")
    base = datetime(2025, 3, 10, 12, 0)
    rows = [
        (admin, "cooperative.approve", coop, base),
        (other_admin, "cooperative.suspend", coop, base + timedelta(days=1)),
        (None, "cooperative.import", coop, base + timedelta(days=2)),
        (admin, "policy.update", admin, base + timedelta(days=3)),
    ]
    for actor, action, target, when in rows:
        audit(actor, action, target, reason=f"why {action}", label="L").created_at = when
    # 23:30 UTC on 15 June is 00:30 on 16 June in Casablanca (UTC+1 outside Ramadan)
    audit(admin, "late.night", coop, label="L").created_at = datetime(2025, 6, 15, 23, 30)
    db.session.commit()
    login(client, admin)

    def listed(query: str = "") -> list[str]:
        html = client.get(f"/en/admin/audit{query}").get_data(as_text=True)
        return re.findall(r"<code>([a-z_]+\.[a-z_]+)</code>", html)

    assert listed() == [
        "late.night",
        "policy.update",
        "cooperative.import",
        "cooperative.suspend",
        "cooperative.approve",
    ]
    assert listed("?action=cooperative.suspend") == ["cooperative.suspend"]
    assert listed("?actor=SECOND@") == ["cooperative.suspend"]
    assert listed("?target_type=user") == ["policy.update"]
    assert listed("?date_from=2025-03-11&date_to=2025-03-12") == [
        "cooperative.import",
        "cooperative.suspend",
    ]
    assert listed("?date_from=2025-06-16") == ["late.night"]
    assert listed("?date_from=2025-03-13&date_to=2025-06-15") == ["policy.update"]
    assert listed("?date_to=2025-03-15") == [
        "policy.update",
        "cooperative.import",
        "cooperative.suspend",
        "cooperative.approve",
    ]
    html = client.get("/en/admin/audit").get_data(as_text=True)
    assert '<option value="cooperative.import">' in html and "System" in html
    assert f'href="/en/admin/cooperatives/{coop.id}"' in html
    bad = client.get("/en/admin/audit?date_from=2025-03-12&date_to=2025-03-11")
    assert "The end date is before the start date." in bad.get_data(as_text=True)
    assert client.get("/en/admin/audit?date_from=nonsense").status_code == 200
    assert listed("?action=not.an.action") == listed()  # an unknown choice filters nothing


def test_local_midnight_is_casablanca_time():
    assert local_midnight(datetime(2025, 6, 16).date()) == datetime(2025, 6, 15, 23, 0)
    # Morocco goes back to UTC during Ramadan (March 2025)
    assert local_midnight(datetime(2025, 3, 16).date()) == datetime(2025, 3, 16, 0, 0)


def test_audit_log_pages_in_bounded_queries(client, login, admin, make_user, make_cooperative):
    coop = make_cooperative()
    actors = [make_user(email=f"admin{n}@taawon.ma", is_admin=True) for n in range(5)]
    for n in range(55):
        audit(actors[n % 5], "cooperative.approve", coop, label=f"entry-{n:02d}")
    db.session.commit()
    login(client, admin)
    queries, response = count_queries(client, "/en/admin/audit")
    html = response.get_data(as_text=True)
    assert html.count("admin4@taawon.ma") == 10 and "55 entries" in html
    assert 'rel="next" href="/en/admin/audit?page=2"' in html
    assert queries <= 10
    second = client.get("/en/admin/audit?page=2").get_data(as_text=True)
    assert second.count("<code>cooperative.approve</code>") == 5


# ---------------------------------------------------------------- certificates and home


def test_certificates_expiring_or_expired(client, login, admin, make_cooperative):
    coop = make_cooperative(slug="tamsoult", legal_name="Coopérative Tamsoult")
    today = utcnow().date()
    for kind, days in (
        (CertificationKind.ORGANIC, 10),
        (CertificationKind.IGP, -5),
        (CertificationKind.ONSSA, 0),
        (CertificationKind.AOP, 31),
        (CertificationKind.FAIRTRADE, 30),
        (CertificationKind.LABEL_AGRICOLE, -400),
    ):
        db.session.add(
            Certification(
                cooperative=coop,
                kind=kind,
                number=f"N-{kind.value}",
                valid_until=today + timedelta(days=days),
            )
        )
    db.session.add(Certification(cooperative=coop, kind=CertificationKind.ORGANIC, number="OPEN"))
    db.session.commit()
    login(client, admin)
    html = client.get("/en/admin/certificates").get_data(as_text=True)
    soon, expired = html.split('id="expired"')
    # the numbers' own cells: the page's CSRF token may contain "N-..." too
    assert re.findall(r"<td[^>]*>(N-[a-z_]+)</td>", soon) == ["N-onssa", "N-organic", "N-fairtrade"]
    assert re.findall(r"<td[^>]*>(N-[a-z_]+)</td>", expired) == ["N-label_agricole", "N-igp"]
    assert "N-aop" not in html and "OPEN" not in html
    assert "10 days left" in soon and "expired 5 days ago" in expired
    assert "Coopérative Tamsoult" in soon

    home = client.get("/en/admin/").get_data(as_text=True)
    assert '<a href="/en/admin/certificates" data-count="expiring">3</a>' in home
    assert 'data-count="expired">2</a>' in home


def test_home_counts_pending_applications(client, login, admin, application, make_cooperative):
    make_cooperative(status=CooperativeStatus.PENDING)
    make_cooperative(status=CooperativeStatus.DRAFT)
    login(client, admin)
    html = client.get("/ar/admin/").get_data(as_text=True)
    assert (
        'href="/ar/admin/cooperatives?status=pending" data-count="pending">٢</a>' in html
        or 'data-count="pending">2</a>' in html
    )
    for endpoint in ("/ar/admin/cooperatives", "/ar/admin/audit", "/ar/admin/certificates"):
        assert f'href="{endpoint}"' in html  # the admin nav
    assert 'aria-current="page"' in html


def test_admin_pages_render_in_every_language(client, login, admin, application):
    login(client, admin)
    for lang in ("ar", "fr", "en"):
        for url in ("", "cooperatives", f"cooperatives/{application.id}", "audit", "certificates"):
            response = client.get(f"/{lang}/admin/{url}")
            assert response.status_code == 200, (lang, url)
            html = response.get_data(as_text=True)
            assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
            assert "style=" not in html.split("<main")[1]  # the CSP forbids inline styles
            assert re.search(r'href="/static/css/backoffice\.[0-9a-f]{12}\.css"', html)
