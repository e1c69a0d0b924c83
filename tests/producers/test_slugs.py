"""Slugs: readable addresses from Arabic names, an admin changes one, old ones redirect (301)."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from catalog.importer import REQUIRED_COLUMNS, import_file
from catalog.models import Product
from catalog.services import save_product
from producers import slugs
from producers.models import Cooperative, CooperativeOldSlug, CooperativeStatus
from shop.audit import AuditEntry
from shop.extensions import db
from shop.slugs import is_slug, slugify
from shop.storage import get_storage


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@taawon.ma", name="Amina Admin", is_admin=True)


@pytest.fixture
def coop(make_cooperative):
    return make_cooperative(slug="cooperative", legal_name="تعاونية أركان تمنار")


# ---------------------------------------------------------------- transliteration


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("تعاونية أركان تمنار", "taawnya-arkan-tmnar"),
        ("زيت الأركان", "zyt-alarkan"),
        ("Huile d'argan", "huile-d-argan"),
        ("Coopérative Tifawin", "cooperative-tifawin"),
        ("ⵜⴰⵡⵏⵓⵜ", "tawnut"),
        ("!!!", ""),
    ],
)
def test_names_in_any_script_give_readable_ascii_slugs(name, slug):
    assert slugify(name) == slug
    assert slug == "" or is_slug(slug)


def test_an_arabic_only_cooperative_name_gets_a_slug_of_its_own(make_cooperative):
    # The old code folded accents only: every Arabic name became "cooperative".
    assert slugs.unique_cooperative_slug("تعاونية أركان تمنار") == "arkan-tmnar"
    assert slugs.unique_cooperative_slug("Coopérative Tifawin") == "tifawin"
    make_cooperative(slug="arkan-tmnar")
    assert slugs.unique_cooperative_slug("تعاونية أركان تمنار") == "arkan-tmnar-2"


def test_a_new_cooperative_never_takes_another_ones_old_slug(make_cooperative):
    other = make_cooperative(slug="tifawin-new")
    db.session.add(CooperativeOldSlug(cooperative_id=other.id, slug="tifawin"))
    db.session.commit()
    assert slugs.unique_cooperative_slug("Tifawin") == "tifawin-2"


def test_an_arabic_only_product_name_gives_a_readable_slug(coop, categories):
    product = save_product(
        coop, {"name_ar": "زيت الأركان", "category_id": categories["argan-oil"].id, "origin": ""}
    )
    assert product.slug == "zyt-alarkan-cooperative"


def test_the_catalog_import_transliterates_arabic_only_names(tmp_path, coop, categories):
    path = tmp_path / "catalog.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(REQUIRED_COLUMNS))
        writer.writeheader()
        writer.writerow(
            {
                **dict.fromkeys(REQUIRED_COLUMNS, ""),
                "cooperative": coop.slug,
                "sku": "TMN-1",
                "category": "honey",
                "name_ar": "عسل الزعتر",
                "description_ar": "عسل",
                "price_mad": "90",
                "stock": "4",
                "weight_g": "300",
                "unit_quantity": "250",
                "unit": "g",
            }
        )
    report = import_file(path, get_storage())
    assert report.ok, report.errors
    slug = db.session.scalar(select(Product.slug))
    assert slug == "asl-alzatr-cooperative"  # was "tmn-1-cooperative", the SKU


# ---------------------------------------------------------------- an admin changes it


def change(client, post_form, coop, data, lang="fr"):
    page = f"/{lang}/admin/cooperatives/{coop.id}"
    return post_form(client, f"{page}/slug", data, page=page)


def test_an_admin_changes_the_slug_and_the_old_address_redirects(
    client, login, post_form, admin, coop
):
    login(client, admin)
    page = client.get(f"/fr/admin/cooperatives/{coop.id}").get_data(as_text=True)
    assert 'name="slug"' in page and 'value="cooperative"' in page
    response = change(client, post_form, coop, {"slug": "arkan-tamanar", "slug_reason": "Lisible"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).slug == "arkan-tamanar"
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "cooperative.slug_change")
    )
    assert entry.actor_id == admin.id and entry.reason == "Lisible"
    assert entry.data == {"old": "cooperative", "new": "arkan-tamanar"}
    # Every language's public page moves permanently.
    for lang in ("fr", "ar", "en"):
        old = client.get(f"/{lang}/cooperatives/cooperative")
        assert old.status_code == 301
        assert old.location.endswith(f"/{lang}/cooperatives/arkan-tamanar")
    assert client.get("/fr/cooperatives/arkan-tamanar").status_code == 200
    assert client.get("/fr/cooperatives/never-was").status_code == 404
    shown = client.get(f"/fr/admin/cooperatives/{coop.id}").get_data(as_text=True)
    assert '<code dir="ltr">cooperative</code>' in shown  # the old address, listed


def test_a_cooperative_can_go_back_to_an_old_slug(client, login, post_form, admin, coop):
    login(client, admin)
    change(client, post_form, coop, {"slug": "arkan-tamanar"})
    assert change(client, post_form, coop, {"slug": "cooperative"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).slug == "cooperative"
    assert list(db.session.scalars(select(CooperativeOldSlug.slug))) == ["arkan-tamanar"]
    assert client.get("/fr/cooperatives/arkan-tamanar").location.endswith(
        "/fr/cooperatives/cooperative"
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Arkan Tamanar", "Use lowercase letters a to z"),
        ("arkan--tamanar", "Use lowercase letters a to z"),
        ("أركان", "Use lowercase letters a to z"),
        ("x" * 81, "Field cannot be longer than 80 characters."),
        ("", "Give the new address."),
        ("taken", "Another cooperative already has this address."),
        ("used-before", "Another cooperative used this address before"),
        ("apply", "This address is reserved by the shop."),
    ],
)
def test_a_wrong_slug_is_refused_with_the_input_kept(
    typed, message, client, login, post_form, admin, coop, make_cooperative
):
    other = make_cooperative(slug="taken")
    db.session.add(CooperativeOldSlug(cooperative_id=other.id, slug="used-before"))
    db.session.commit()
    login(client, admin, lang="en")
    response = change(client, post_form, coop, {"slug": typed}, lang="en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    if typed:
        assert f'value="{typed}"' in html
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).slug == "cooperative"
    assert (
        db.session.scalar(
            select(CooperativeOldSlug).where(CooperativeOldSlug.cooperative_id == coop.id)
        )
        is None
    )


def test_only_admins_change_a_slug(client, login, post_form, make_user, coop):
    login(client, make_user())
    response = post_form(
        client, f"/fr/admin/cooperatives/{coop.id}/slug", {"slug": "mine"}, page="/fr/"
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).slug == "cooperative"


def test_an_unapproved_cooperatives_old_slug_is_still_404(
    client, login, post_form, admin, make_cooperative
):
    pending = make_cooperative(slug="pending-old", status=CooperativeStatus.PENDING)
    login(client, admin)
    change(client, post_form, pending, {"slug": "pending-new"})
    # Not public yet: the old address does not tell the new one.
    assert client.get("/fr/cooperatives/pending-old").status_code == 404
    assert client.get("/fr/cooperatives/pending-new").status_code == 404
