"""Private files: kept outside the public media, served only after a permission check.

Registration documents, certificate scans and trace evidence marked private
live in PRIVATE_MEDIA_ROOT. ``/media/`` serves pictures only, so their old
public URLs give 404. Each kind has a workspace route (the cooperative's
current managers) and a back-office route (administrators), both checked on
every request, answering with ``private, no-store``, ``nosniff`` and a
sandbox. A migration moves files saved before.
"""

from __future__ import annotations

import importlib.util
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from catalog.models import Certification, CertificationKind
from catalog.trace import LotDetails, Quantity, create_lot, record_trace_event, store_evidence
from catalog.trace.vocabulary import Action, EventType, Step
from producers import services
from producers.models import DocumentKind, Membership, MembershipRole
from shop.extensions import db
from shop.storage import LocalStorage, get_private_storage, get_storage, move_files
from tests.s3 import on_both_storages

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MIGRATION = next(Path("migrations/versions").glob("*_private_documents.py"))


def photo_bytes(colour=(180, 90, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(buffer, "PNG")
    return buffer.getvalue()


def fetch(client, url: str):
    """GET ``url``; the response, its body read and its file closed."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def event(lot, sequence: int, evidence) -> None:
    record_trace_event(
        lot,
        lot.cooperative,
        event_type=EventType.OBJECT,
        step=Step.HARVESTING,
        occurred_at=datetime(2026, 1, sequence, 9, tzinfo=UTC),
        description={"fr": f"Étape {sequence}"},
        action=Action.OBSERVE,
        outputs=[Quantity("lot", Decimal(10), "H87")],
        evidence=evidence,
    )


@pytest.fixture
def people(make_user):
    return {
        "owner": make_user(email="owner@amal.ma"),
        "manager": make_user(email="manager@amal.ma"),
        "admin": make_user(email="admin@taawon.ma", is_admin=True),
        "customer": make_user(email="shopper@example.com"),
        "other": make_user(email="owner@other.ma"),
    }


@pytest.fixture
def files(people, make_cooperative, make_product):
    """An approved cooperative with each kind of file, and another cooperative."""
    coop = make_cooperative(slug="amal")
    other = make_cooperative(slug="other")
    db.session.add_all(
        [
            Membership(user=people["owner"], cooperative=coop, role=MembershipRole.OWNER),
            Membership(user=people["manager"], cooperative=coop, role=MembershipRole.MANAGER),
            Membership(user=people["other"], cooperative=other, role=MembershipRole.OWNER),
        ]
    )
    document = services.add_document(coop, DocumentKind.REGISTRATION, "odco.pdf", PDF)
    scan_name = services.store_document(photo_bytes())[0]
    certificate = Certification(
        cooperative=coop,
        kind=CertificationKind.ORGANIC,
        number="BIO-1",
        issuer="Ecocert",
        document_name=scan_name,
    )
    db.session.add(certificate)
    product = make_product(cooperative=coop)
    lot = create_lot(coop, product.variants[0], "L-1", LotDetails(quantity_produced=10))
    public_pdf = store_evidence(PDF.replace(b"1.4", b"1.5"))
    private_pdf = store_evidence(PDF.replace(b"1.4", b"1.6"), private=True)
    private_photo = store_evidence(photo_bytes((10, 20, 30)), private=True)
    event(lot, 1, public_pdf)
    event(lot, 2, private_pdf)
    event(lot, 3, private_photo)
    db.session.commit()
    return {
        "coop": coop,
        "lot": lot,
        "names": {
            "document": document.storage_name,
            "scan": scan_name,
            "public evidence PDF": public_pdf.name,
            "private evidence PDF": private_pdf.name,
            "private evidence photo": private_photo.name,
        },
        "routes": {
            "document": (
                f"/fr/producer/amal/documents/{document.id}",
                f"/fr/admin/documents/{document.id}",
            ),
            "scan": (
                f"/fr/producer/amal/certificates/{certificate.id}/document",
                f"/fr/admin/certificates/{certificate.id}/document",
            ),
            "private evidence PDF": (
                f"/fr/producer/amal/lots/{lot.id}/events/2/evidence",
                f"/fr/admin/lots/{lot.id}/events/2/evidence",
            ),
            "private evidence photo": (
                f"/fr/producer/amal/lots/{lot.id}/events/3/evidence",
                f"/fr/admin/lots/{lot.id}/events/3/evidence",
            ),
        },
    }


def signed_in(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def assert_private_file(response, content_type: str) -> None:
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("inline; ")
    assert response.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")


# ---------------------------------------------------------------- where they are


@on_both_storages
def test_private_files_are_outside_the_public_media_and_their_old_urls_give_404(client, files):
    for kind, name in files["names"].items():
        assert get_private_storage().exists(name), kind
        assert not get_storage().exists(name), kind
        assert fetch(client, f"/media/{name}").status_code == 404, kind


@on_both_storages
def test_media_serves_pictures_only_even_if_a_private_file_was_left_there(client):
    storage = get_storage()
    left = {"docs/ab/ab12.pdf": PDF, "evidence/cd/cd34.pdf": PDF, "docs/ef/ef56.jpg": b"\xff\xd8x"}
    for name, data in left.items():
        storage.save(name, data)  # as before the migration
        assert fetch(client, f"/media/{name}").status_code == 404, name
    storage.save("img/ab/abc-320.jpg", b"\xff\xd8fake")
    picture = fetch(client, "/media/img/ab/abc-320.jpg")
    assert picture.status_code == 200 and "immutable" in picture.headers["Cache-Control"]
    assert fetch(client, "/media/img/../docs/ab/ab12.pdf").status_code == 404


def test_private_media_root_must_be_outside_the_public_one(app, tmp_path):
    app.config.update(MEDIA_STORAGE="local", MEDIA_ROOT=str(tmp_path / "media"))
    app.config["PRIVATE_MEDIA_ROOT"] = str(tmp_path / "media" / "private")
    app.extensions.pop("taawon_private_storage", None)
    with pytest.raises(RuntimeError, match="outside MEDIA_ROOT"):
        get_private_storage()


# ---------------------------------------------------------------- who may open them


@on_both_storages
@pytest.mark.parametrize(
    "kind", ["document", "scan", "private evidence PDF", "private evidence photo"]
)
def test_only_current_managers_and_admins_open_a_private_file(
    app, client, login, people, files, kind
):
    workspace_url, admin_url = files["routes"][kind]
    content_type = "application/pdf" if files["names"][kind].endswith(".pdf") else "image/jpeg"
    data = get_private_storage().read(files["names"][kind])

    for url in (workspace_url, admin_url):  # anonymous: the login page, never the file
        anonymous = fetch(client, url)
        assert anonymous.status_code == 302 and "/account/login" in anonymous.location
    for name in ("customer", "other"):
        stranger = signed_in(app, login, people[name])
        for url in (workspace_url, admin_url):
            assert fetch(stranger, url).status_code in (403, 404), (name, url)
    other_workspace = workspace_url.replace("/producer/amal/", "/producer/other/")
    assert fetch(signed_in(app, login, people["other"]), other_workspace).status_code == 404

    for name, url in (("owner", workspace_url), ("manager", workspace_url), ("admin", admin_url)):
        response = fetch(signed_in(app, login, people[name]), url)
        assert_private_file(response, content_type)
        assert response.data == data, name
    for name in ("owner", "manager"):  # the back office stays the administrators'
        assert fetch(signed_in(app, login, people[name]), admin_url).status_code == 403
    admin = signed_in(app, login, people["admin"])
    assert fetch(admin, workspace_url).status_code == 403  # not on the team


@on_both_storages
def test_a_manager_removed_from_the_team_loses_the_files_at_once(app, login, people, files):
    manager = signed_in(app, login, people["manager"])
    urls = [workspace for workspace, _admin in files["routes"].values()]
    for url in urls:
        assert fetch(manager, url).status_code == 200
    coop = files["coop"]
    member = db.session.scalar(
        db.select(Membership).filter_by(user_id=people["manager"].id, cooperative_id=coop.id)
    )
    services.remove_manager(coop, member, people["owner"])
    db.session.commit()
    for url in urls:  # the same session, the same links
        assert fetch(manager, url).status_code in (403, 404), url


# ---------------------------------------------------------------- trace evidence


@on_both_storages
def test_public_evidence_stays_public_and_private_evidence_never_leaves_the_public_route(
    app, client, login, people, files
):
    public_id = files["lot"].public_id
    public = fetch(client, f"/trace/{public_id}/events/1/evidence")
    assert public.status_code == 200 and public.data == PDF.replace(b"1.4", b"1.5")
    assert public.mimetype == "application/pdf"
    assert public.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert public.headers["X-Content-Type-Options"] == "nosniff"
    owner = signed_in(app, login, people["owner"])
    for sequence in (2, 3):  # private: not even its owner through the public route
        assert fetch(client, f"/trace/{public_id}/events/{sequence}/evidence").status_code == 404
        assert fetch(owner, f"/trace/{public_id}/events/{sequence}/evidence").status_code == 404
    assert fetch(client, f"/trace/{public_id}/events/9/evidence").status_code == 404


@on_both_storages
def test_trace_pages_link_each_visitor_to_the_evidence_they_may_open(
    app, client, login, people, files
):
    lot = files["lot"]
    page = f"/en/trace/{lot.public_id}"
    public_link = f'href="/trace/{lot.public_id}/events/1/evidence"'
    private_links = [f"/lots/{lot.id}/events/{n}/evidence" for n in (2, 3)]

    html = client.get(page).get_data(as_text=True)
    assert public_link in html and "/media/evidence/" not in html
    assert not any(link in html for link in private_links)
    assert html.count("A private file backs this event") == 2

    html = signed_in(app, login, people["admin"]).get(page).get_data(as_text=True)
    assert f'href="/en/admin/lots/{lot.id}/events/2/evidence"' in html

    owner = signed_in(app, login, people["owner"])
    html = owner.get(f"/fr/producer/amal/lots/{lot.id}").get_data(as_text=True)
    for n in (1, 2, 3):
        assert f'href="/fr/producer/amal/lots/{lot.id}/events/{n}/evidence"' in html
    assert "/media/" not in html.split('class="timeline"', 1)[1].split("</ol>", 1)[0]


@on_both_storages
def test_the_event_form_keeps_an_evidence_file_private(
    app, client, post_form, login, people, files
):
    lot = files["lot"]
    login(client, people["owner"])
    url = f"/fr/producer/amal/lots/{lot.id}"
    response = post_form(
        client,
        url,
        {
            "event_type": "ObjectEvent",
            "step": "harvesting",
            "action": "OBSERVE",
            "occurred_at": "2026-01-10T10:00",
            "offset": "+01:00",
            "description_fr": "Analyse",
            "outputs-0-material": "lot",
            "outputs-0-quantity": "1",
            "outputs-0-uom": "H87",
            "evidence": (io.BytesIO(PDF.replace(b"1.4", b"1.7")), "analyse.pdf"),
            "evidence_private": "y",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    recorded = db.session.scalars(
        db.select(type(lot.events[0])).filter_by(lot_id=lot.id).order_by(db.text("sequence"))
    ).all()[-1]
    evidence = recorded.data["evidence"]
    assert evidence["private"] is True and evidence["kind"] == "pdf"
    assert get_private_storage().exists(evidence["name"])
    page = f"/trace/{lot.public_id}/events/{recorded.sequence}/evidence"
    assert fetch(app.test_client(), page).status_code == 404


# ---------------------------------------------------------------- user PDFs in a sandbox


@on_both_storages
def test_no_route_shows_a_user_pdf_inline_without_a_sandbox(app, client, login, people, files):
    """Every route that serves an uploaded file, as a person it serves: PDF inline => sandbox."""
    admin = signed_in(app, login, people["admin"])
    owner = signed_in(app, login, people["owner"])
    lot = files["lot"]
    requests = [(client, f"/media/{name}") for name in files["names"].values()]
    requests.append((client, f"/trace/{lot.public_id}/events/1/evidence"))
    for workspace_url, admin_url in files["routes"].values():
        requests += [(owner, workspace_url), (admin, admin_url)]
    served = 0
    for who, url in requests:
        response = fetch(who, url)
        if response.status_code != 200:
            continue
        served += 1
        disposition = response.headers.get("Content-Disposition", "inline")
        if response.mimetype == "application/pdf" and not disposition.startswith("attachment"):
            assert "sandbox" in response.headers["Content-Security-Policy"].split(";")[0], url
    assert served == 1 + 2 * len(files["routes"])  # nothing from /media/


# ---------------------------------------------------------------- moving the old files


def test_move_files_is_idempotent_and_tolerates_missing_and_odd_names(tmp_path):
    public, private = LocalStorage(tmp_path / "media"), LocalStorage(tmp_path / "private")
    public.save("docs/ab/ab.pdf", PDF)
    private.save("docs/cd/cd.pdf", PDF)  # moved already, a copy left behind
    public.save("docs/cd/cd.pdf", PDF)
    names = [
        "docs/ab/ab.pdf",
        "docs/cd/cd.pdf",
        "docs/ef/missing.pdf",
        "../escape",
        "docs/ab/ab.pdf",
    ]
    assert move_files(names, public, private) == 2
    assert private.read("docs/ab/ab.pdf") == PDF and private.exists("docs/cd/cd.pdf")
    assert not public.exists("docs/ab/ab.pdf") and not public.exists("docs/cd/cd.pdf")
    assert move_files(names, public, private) == 0
    assert private.read("docs/ab/ab.pdf") == PDF


def test_the_migration_moves_the_files_its_rows_name(app, files, tmp_path):
    spec = importlib.util.spec_from_file_location("private_documents", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    media, private = tmp_path / "old-media", tmp_path / "new-private"
    old = LocalStorage(media)
    names = files["names"]
    for name in names.values():  # where the old code saved them
        old.save(name, get_private_storage().read(name))
    old.save("img/ab/abc-320.webp", b"RIFFpicture")  # a public picture stays
    missing = names.pop("scan")
    (media / missing).unlink()  # a file already gone

    assert migration.privatise(db.session.connection(), media, private) == len(names)
    new = LocalStorage(private)
    for kind, name in names.items():
        assert new.exists(name) and not old.exists(name), kind
    assert old.exists("img/ab/abc-320.webp") and not new.exists("img/ab/abc-320.webp")
    assert migration.privatise(db.session.connection(), media, private) == 0  # again: no-op
    assert all(new.exists(name) for name in names.values())
    assert migration.down_revision == "7884413abb4e"
