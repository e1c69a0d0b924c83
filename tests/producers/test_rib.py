"""Moroccan RIBs: validation, masking, and the workspace's bank details page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from producers.models import Cooperative, Membership, MembershipRole
from producers.money.rib import mask_rib, valid_rib
from shop.audit import AuditEntry
from shop.extensions import db

RIB = "011519000001205000534921"


def _fix_key(first22: str) -> str:
    """A valid RIB from its first 22 digits (the key makes it divisible by 97)."""
    key = (97 - int(first22 + "00") % 97) % 97
    return f"{first22}{key:02d}"


NEW_RIB = _fix_key("2307800001234567890123")


# ------------------------------------------------------------------ validation


def test_the_example_rib_is_valid_and_every_one_digit_change_is_not():
    assert valid_rib(RIB) == RIB
    for position in range(24):
        for digit in "0123456789":
            if digit == RIB[position]:
                continue
            changed = RIB[:position] + digit + RIB[position + 1 :]
            assert valid_rib(changed) is None, changed


@pytest.mark.parametrize(
    "text",
    [
        "011 519 0000012050005349 21",
        " 011519000001205000534921 ",
        "011-519-000001205000534921",
        "011\u00a0519\u00a00000012050005349\u00a021",
        "٠١١٥١٩٠٠٠٠٠١٢٠٥٠٠٠٥٣٤٩٢١",
    ],
)
def test_spaces_dashes_and_arabic_digits_are_read(text):
    assert valid_rib(text) == RIB


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "01151900000120500053492",
        "0115190000012050005349210",
        "0115190000012050005349a1",
        "011519000001205000534922",
        "+11519000001205000534921",
        "１１５１９０００００１２０５０００５３４９２１",
    ],
)
def test_wrong_length_letters_and_bad_keys_are_refused(text):
    assert valid_rib(text) is None


def test_masking_shows_the_bank_and_the_last_four_digits_only():
    assert mask_rib(RIB) == "011 •••• … 4921"
    assert "519000001205000534" not in mask_rib(RIB)
    assert mask_rib(None) == mask_rib("") == ""
    assert valid_rib(NEW_RIB) == NEW_RIB and NEW_RIB != RIB


# ------------------------------------------------------------------ the workspace page


@pytest.fixture
def team(make_user, make_cooperative):
    """A cooperative with a RIB, its owner (who edits) and two other managers."""
    coop = make_cooperative(
        slug="amal", legal_name="Coopérative Amal", rib=RIB, rib_holder="COOP AMAL"
    )
    owner = make_user(email="owner@amal.ma", name="Aicha", locale="fr")
    treasurer = make_user(email="treasurer@amal.ma", name="Khadija", locale="ar")
    seller = make_user(email="seller@amal.ma", name="Fatima", locale="en")
    db.session.add_all(
        [
            Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER),
            Membership(user=treasurer, cooperative=coop),
            Membership(user=seller, cooperative=coop),
        ]
    )
    db.session.commit()
    return coop, owner


URL = "/{lang}/producer/amal/bank"


def test_the_page_shows_the_rib_masked(client, login, team):
    coop, owner = team
    login(client, owner)
    html = client.get(URL.format(lang="fr")).get_data(as_text=True)
    assert "011 •••• … 4921" in html and RIB not in html and "COOP AMAL" in html
    assert 'name="current_password"' in html
    assert "Où vont vos versements" in html and "Titulaire du compte" in html
    english = client.get(URL.format(lang="en")).get_data(as_text=True)
    assert "Where your payouts go" in english and "Bank details" in english


def test_changing_the_rib_needs_the_current_password(client, login, post_form, team, outbox):
    coop, owner = team
    login(client, owner)
    url = URL.format(lang="en")
    data = {"rib": "2307 8000 0123 4567 8901 23" + NEW_RIB[-2:], "rib_holder": "Coop Amal SARL"}
    missing = post_form(client, url, data)
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert "Give your password to change the bank details." in html
    assert 'value="Coop Amal SARL"' in html  # the input is kept
    wrong = post_form(client, url, {**data, "current_password": "not my password"})
    assert wrong.status_code == 400
    assert "Your password is not right. The bank details were not changed." in wrong.get_data(
        as_text=True
    )
    french = post_form(client, URL.format(lang="fr"), {**data, "current_password": "nope"})
    assert french.status_code == 400
    assert (
        "Votre mot de passe n’est pas le bon. Les coordonnées bancaires n’ont pas été "
        "modifiées." in french.get_data(as_text=True)
    )
    db.session.expire_all()
    coop = db.session.get(Cooperative, coop.id)
    assert (coop.rib, coop.rib_holder, coop.rib_updated_at) == (RIB, "COOP AMAL", None)
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cooperative.rib_change"))
        is None
    )
    assert outbox() == []

    done = post_form(client, url, {**data, "current_password": "correct horse battery"})
    assert done.status_code == 302 and done.location.endswith("/en/producer/amal/bank")
    db.session.expire_all()
    coop = db.session.get(Cooperative, coop.id)
    assert (coop.rib, coop.rib_holder) == (NEW_RIB, "Coop Amal SARL")
    assert coop.rib_updated_at is not None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "cooperative.rib_change")
    )
    assert (entry.actor_id, entry.target_id) == (owner.id, coop.id)
    assert entry.data == {
        "previous": "011 •••• … 4921",
        "rib": "230 •••• … " + NEW_RIB[-4:],
        "holder": "Coop Amal SARL",
    }
    assert RIB not in str(entry.data) and NEW_RIB not in str(entry.data)

    mails = {m["To"]: m for m in outbox()}
    # Every manager, the owner who made the change included (a fraud alarm
    # should the session not be theirs).
    assert set(mails) == {"owner@amal.ma", "treasurer@amal.ma", "seller@amal.ma"}
    english = mails["seller@amal.ma"].get_body(("plain",)).get_content()
    assert "changed by Aicha" in english and "230 •••• … " + NEW_RIB[-4:] in english
    assert NEW_RIB not in english and "Coop Amal SARL" in english
    assert "/en/producer/amal/bank" in english
    arabic = mails["treasurer@amal.ma"]
    assert "/ar/producer/amal/bank" in arabic.get_body(("plain",)).get_content()
    assert "تغيّرت المعلومات البنكية" in arabic["Subject"]
    page = client.get(url).get_data(as_text=True)
    assert "The bank details are saved." in page and "230 •••• … " + NEW_RIB[-4:] in page


def test_an_invalid_rib_is_refused_with_the_input_kept(client, login, post_form, team):
    _coop, owner = team
    login(client, owner)
    bad = RIB[:-1] + "2"
    response = post_form(
        client,
        URL.format(lang="en"),
        {"rib": bad, "rib_holder": "X", "current_password": "correct horse battery"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert (
        "This RIB is not valid: it has 24 digits and its last two digits are a check key." in html
    )
    assert f'value="{bad}"' in html
    assert db.session.scalar(select(Cooperative.rib)) == RIB


def test_only_the_cooperatives_managers_see_the_page(
    client, login, post_form, team, make_user, make_cooperative
):
    other = make_cooperative(slug="other")
    stranger = make_user(email="manager@other.ma")
    db.session.add(Membership(user=stranger, cooperative=other, role=MembershipRole.OWNER))
    admin = make_user(email="admin@taawon.ma", is_admin=True)
    db.session.commit()
    anonymous = client.get(URL.format(lang="fr"))
    assert anonymous.status_code == 302 and "/account/login" in anonymous.location
    login(client, stranger)
    assert client.get(URL.format(lang="fr")).status_code == 403
    assert post_form(client, URL.format(lang="fr"), {"rib": RIB}, page="/fr/").status_code == 403
    other_client = client.application.test_client()
    login(other_client, admin)
    assert other_client.get(URL.format(lang="fr")).status_code == 403
    assert client.get("/fr/producer/nobody/bank").status_code == 404
