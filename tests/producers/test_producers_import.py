"""Producers import: a good file, every error kind, all-or-nothing, region matching."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from producers.importer import REQUIRED_COLUMNS, import_producers
from producers.models import Cooperative, CooperativeStatus, Membership, MembershipRole
from shop.accounts.models import User
from shop.accounts.services import find_user
from shop.audit import AuditEntry
from shop.extensions import db
from shop.models import utcnow


@pytest.fixture(autouse=True)
def workspace_endpoint(app):
    """Invitations of existing users link to the workspace; stand in until it exists."""
    if "producers.dashboard" not in app.view_functions:
        app.add_url_rule(
            "/<lang:lang>/producer/<slug>/",
            endpoint="producers.dashboard",
            view_func=lambda slug: "workspace",
        )


def row(**values) -> dict[str, str]:
    base = {
        "slug": "tifaout",
        "legal_name": "Coopérative Tifaout",
        "odco_number": "2007/123",
        "ice": "001234567000062",
        "region": "Souss-Massa",
        "province": "Chtouka Aït Baha",
        "commune": "Aït Baha",
        "founded": "2007",
        "members": "48",
        "women_members": "48",
        "email": "contact@tifaout.ma",
        "story_ar": "قصة",
        "story_fr": "Histoire",
        "story_en": "",
    }
    base.update(values)
    return base


def write(
    tmp_path: Path, rows: list[dict[str, str]], columns=REQUIRED_COLUMNS, bom: bool = False
) -> Path:
    path = tmp_path / "producers.csv"
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def cooperatives() -> list[Cooperative]:
    return db.session.scalars(db.select(Cooperative).order_by(Cooperative.slug)).all()


def test_good_file_onboards_approved_cooperatives_and_invites_owners(
    tmp_path, runner, outbox, client, post_form, login
):
    path = write(
        tmp_path,
        [
            row(),
            row(
                slug="nahla-atlas",
                legal_name="Coopérative Nahla Atlas",
                region="béni mellal-khénifra",
                ice="",
                founded="",
                members="21",
                women_members="6",
                email="Nahla@Example.com",
                story_ar="",
                story_fr="",
                story_en="Honey from the High Atlas",
            ),
        ],
        bom=True,
    )
    result = runner.invoke(args=["producers", "import", str(path), "--invite-lang", "ar"])
    assert result.exit_code == 0, result.output
    assert "Imported 2 approved cooperative(s): tifaout, nahla-atlas." in result.output

    nahla, tifaout = cooperatives()
    assert tifaout.status == nahla.status == CooperativeStatus.APPROVED
    assert tifaout.approved_at is not None and tifaout.submitted_at is None
    assert (
        tifaout.legal_name,
        tifaout.odco_number,
        tifaout.ice,
        tifaout.region_code,
        tifaout.province,
        tifaout.commune,
        tifaout.founded_year,
        tifaout.members_count,
        tifaout.women_members_count,
        tifaout.email,
    ) == (
        "Coopérative Tifaout",
        "2007/123",
        "001234567000062",
        9,
        "Chtouka Aït Baha",
        "Aït Baha",
        2007,
        48,
        48,
        "contact@tifaout.ma",
    )
    assert tifaout.story("ar").text == "قصة" and tifaout.story("fr").text == "Histoire"
    assert nahla.region_code == 5 and nahla.ice is None and nahla.founded_year is None
    assert nahla.email == "nahla@example.com"
    assert [t.locale for t in nahla.translations] == ["en"]

    owner = find_user("nahla@example.com")
    assert owner.locale == "ar" and not owner.is_admin
    [membership] = owner.memberships
    assert membership.cooperative_id == nahla.id and membership.role == MembershipRole.OWNER

    entries = db.session.scalars(
        db.select(AuditEntry).filter_by(action="cooperative.import").order_by(AuditEntry.id)
    ).all()
    assert [(e.target_id, e.actor_id) for e in entries] == [(tifaout.id, None), (nahla.id, None)]

    messages = outbox()
    assert [m["To"] for m in messages] == ["contact@tifaout.ma", "nahla@example.com"]
    body = messages[1].get_body(("plain",)).get_content()
    assert "Coopérative Nahla Atlas" in body
    link = re.search(r"http://shop\.test(/ar/account/reset/\S+)", body).group(1)

    # The invitation lets the new owner choose a password, then log in to the workspace.
    response = post_form(
        client, link, {"password": "zahra-honey-2026", "confirm": "zahra-honey-2026"}
    )
    assert response.status_code == 302 and response.location.endswith("/account/login")
    db.session.refresh(owner)
    assert owner.check_password("zahra-honey-2026")
    login(client, owner, password="zahra-honey-2026")
    assert client.get(link).status_code == 302  # the link works once


def test_reimporting_the_same_file_is_refused(tmp_path, runner, outbox):
    path = write(tmp_path, [row(), row(slug="sebou", email="sebou@example.ma")])
    assert runner.invoke(args=["producers", "import", str(path)]).exit_code == 0
    again = runner.invoke(args=["producers", "import", str(path)])
    assert again.exit_code != 0
    assert "line 2: The slug “tifaout” is already used by a cooperative" in again.output
    assert "line 3: The slug “sebou” is already used" in again.output
    assert "2 error(s); nothing was imported." in again.output
    assert len(cooperatives()) == 2 and len(outbox()) == 2


def test_an_existing_user_becomes_owner_without_a_new_account(tmp_path, runner, outbox, make_user):
    user = make_user(email="khadija@example.ma", locale="fr")
    path = write(
        tmp_path,
        [
            row(email="KHADIJA@example.ma"),
            row(slug="second", legal_name="Second", email="khadija@example.ma"),
        ],
    )
    result = runner.invoke(args=["producers", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1
    assert sorted(
        m.cooperative.slug
        for m in db.session.scalars(db.select(Membership).filter_by(user_id=user.id))
    ) == ["second", "tifaout"]
    bodies = [m.get_body(("plain",)).get_content() for m in outbox()]
    assert len(bodies) == 2 and all("/account/reset/" not in b for b in bodies)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"region": "Atlantis"}, "Unknown region “Atlantis”"),
        ({"region": ""}, "Unknown region “”"),
        ({"ice": "12345"}, "Bad ICE “12345”: 15 digits whose last two are a check key."),
        ({"ice": "001561191000065"}, "Bad ICE “001561191000065”"),
        ({"ice": "00123456700008A"}, "Bad ICE"),
        ({"slug": "Tifaout"}, "Bad slug “Tifaout”"),
        ({"slug": "tif aout"}, "Bad slug"),
        ({"slug": "-tifaout"}, "Bad slug"),
        ({"slug": ""}, "Bad slug “”"),
        ({"slug": "a" * 81}, "Bad slug"),
        ({"legal_name": ""}, "The legal name is missing."),
        ({"legal_name": "x" * 201}, "Column legal_name is longer than 200 characters."),
        ({"founded": "1899"}, "Bad founding year “1899”"),
        ({"founded": str(utcnow().year + 1)}, "Bad founding year"),
        ({"founded": "deux mille"}, "Bad founding year"),
        ({"members": "12.5"}, "Bad number of members “12.5”: a whole number."),
        ({"members": "-3"}, "Bad number of members"),
        ({"members": ""}, "Bad number of members"),
        ({"women_members": "beaucoup"}, "Bad number of women members “beaucoup”"),
        ({"women_members": "49"}, "There are more women members (49) than members (48)."),
        ({"email": "contact@"}, "Bad e-mail address “contact@”."),
        ({"email": ""}, "Bad e-mail address"),
    ],
)
def test_each_error_is_reported_with_its_line(values, message, tmp_path, runner, outbox):
    path = write(tmp_path, [row(slug="good-one", email="good@example.ma"), row(**values)])
    result = runner.invoke(args=["producers", "import", str(path)])
    assert result.exit_code == 1
    assert f"line 3: {message}" in result.output, result.output
    assert "nothing was imported" in result.output
    assert cooperatives() == [] and outbox() == []  # all or nothing
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id))) == 0
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_existing_slug_and_duplicates_in_the_file(tmp_path, runner, make_cooperative):
    make_cooperative(slug="taken")
    path = write(
        tmp_path, [row(slug="taken"), row(slug="twice"), row(slug="twice"), row(slug="fine")]
    )
    result = runner.invoke(args=["producers", "import", str(path)])
    assert result.exit_code == 1
    assert "line 2: The slug “taken” is already used by a cooperative" in result.output
    assert "line 4: Slug twice is already on line 3." in result.output
    assert "line 3" not in result.output.replace("already on line 3", "")
    assert "line 5" not in result.output
    assert [c.slug for c in cooperatives()] == ["taken"]


def test_missing_columns(tmp_path, runner):
    columns = [c for c in REQUIRED_COLUMNS if c not in ("ice", "story_en")]
    path = write(tmp_path, [row()], columns=columns)
    result = runner.invoke(args=["producers", "import", str(path)])
    assert result.exit_code == 1
    assert "line 1: Missing columns: ice, story_en." in result.output


def test_errors_in_french(tmp_path, runner):
    path = write(tmp_path, [row(women_members="60")])
    result = runner.invoke(args=["producers", "import", str(path), "--lang", "fr"])
    assert result.exit_code == 1
    assert "line 2: " in result.output


def test_line_numbers_count_multiline_stories(tmp_path, runner):
    path = write(
        tmp_path,
        [row(slug="first", story_fr="Une histoire\nsur deux lignes"), row(slug="second", ice="1")],
    )
    result = runner.invoke(args=["producers", "import", str(path)])
    assert "line 4: Bad ICE" in result.output, result.output


@pytest.mark.parametrize(
    "written, code",
    [
        ("souss massa", 9),
        ("SOUSS-MASSA", 9),
        ("Tanger-Tetouan-Al Hoceima", 1),
        ("tanger tétouan al hoceïma", 1),
        ("Draa-Tafilalet", 8),
        ("l'oriental", 2),
        ("L’Oriental", 2),
        ("  Laayoune-Sakia El Hamra ", 11),
    ],
)
def test_regions_match_without_case_or_accents(written, code, app):
    report = import_producers(io.StringIO(_csv([row(region=written)])))
    assert report.ok, [str(e) for e in report.errors]
    assert cooperatives()[0].region_code == code


def test_without_server_name_nothing_is_imported(tmp_path, runner, app):
    app.config["SERVER_NAME"] = None
    result = runner.invoke(args=["producers", "import", str(write(tmp_path, [row()]))])
    assert result.exit_code == 1 and "SERVER_NAME" in result.output
    assert cooperatives() == []


def _csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(REQUIRED_COLUMNS))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
