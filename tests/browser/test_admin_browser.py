"""Administration pages in a real browser: ar and fr, phone and desktop, a decision."""

from __future__ import annotations

import pytest

from catalog.models import Certification, CertificationKind
from producers import services
from producers.models import CooperativeStatus, DocumentKind, Membership, MembershipRole
from shop.extensions import db
from shop.models import utcnow

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def workspace_endpoint(app):
    """Decision mails link to the workspace; stand in for it until producers/workspace/views.py has it."""
    if "producers.dashboard" not in app.view_functions:
        app.add_url_rule(
            "/<lang:lang>/producer/<slug>/",
            endpoint="producers.dashboard",
            view_func=lambda slug: "workspace",
        )


def log_in(page, base: str, lang: str) -> None:
    page.goto(f"{base}/{lang}/account/login")
    page.fill("#email", "admin@taawon.ma")
    page.fill("#password", "correct horse battery")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_admin_pages_render_and_decide(live_server, page_at, shoot, make_user, make_cooperative):
    make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)
    owner = make_user(email="owner@coop.ma", locale="ar")
    coop = make_cooperative(
        slug="tamsoult",
        legal_name="Coopérative Tamsoult du Safran",
        status=CooperativeStatus.PENDING,
        submitted_at=utcnow(),
        ice="001234567000062",
        email="contact@tamsoult.ma",
    )
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    db.session.add(
        Certification(
            cooperative=coop,
            kind=CertificationKind.ONSSA,
            number="ON-1",
            valid_until=utcnow().date(),
        )
    )
    services.add_document(coop, DocumentKind.REGISTRATION, "ترخيص.pdf", PDF)
    db.session.commit()
    pages = {
        "home": "/{lang}/admin/",
        "queue": "/{lang}/admin/cooperatives",
        "detail": f"/{{lang}}/admin/cooperatives/{coop.id}",
        "audit": "/{lang}/admin/audit",
        "certificates": "/{lang}/admin/certificates",
    }
    for lang in ("ar", "fr"):
        for size in ("phone", "desktop"):
            page = page_at(size)
            errors: list[str] = []
            page.on(
                "console",
                lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None,
            )
            log_in(page, live_server, lang)
            for name, url in pages.items():
                response = page.goto(live_server + url.format(lang=lang))
                assert response.status == 200, (lang, size, name)
                assert page.locator("html").get_attribute("dir") == (
                    "rtl" if lang == "ar" else "ltr"
                )
                shoot(page, f"admin-{name}-{lang}-{size}")
            assert errors == []  # e.g. no style or script refused by the CSP

    page = page_at("desktop")
    log_in(page, live_server, "fr")
    page.goto(f"{live_server}/fr/admin/cooperatives/{coop.id}")
    page.locator("#reason-request_changes").fill("Ajoutez l’attestation ONSSA.")
    page.locator("#reason-request_changes").locator("xpath=ancestor::form").locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()
    assert page.locator(".flash-success").count() == 1
    assert page.locator("[data-status]").get_attribute("data-status") == "changes_requested"
    assert "Ajoutez l’attestation ONSSA." in page.locator(".admin-history").inner_text()
