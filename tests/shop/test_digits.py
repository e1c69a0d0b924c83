"""Digits and identifiers as Moroccans type them: one normaliser, stored as ASCII."""

from __future__ import annotations

import pytest

from catalog.models import Variant
from catalog.trace.identifiers import qr_url
from catalog.trace.services import LotDetails, create_lot
from catalog.validators import ice_check_digits, is_ice, normalize_gtin
from producers.models import Membership, MembershipRole
from shop.digits import ascii_digits, moroccan_phone
from shop.extensions import db

ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_ascii_digits_maps_both_arabic_scripts_and_leaves_superscripts():
    assert ascii_digits("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹") == "0123456789 0123456789"
    assert ascii_digits("x²") == "x²"  # not a decimal digit: fields refuse it


@pytest.mark.parametrize(
    "typed",
    ["+212 (0)6 12 34 56 78", "06 12 34 56 78", "00212612345678", "+212612345678", "٠٦١٢٣٤٥٦٧٨"],
)
def test_moroccan_phones_in_every_usual_form(typed):
    assert moroccan_phone(typed, mobile=True) == "+212612345678"


def test_ice_check_digits_with_python_stdnum():
    assert not is_ice("001561191000065")
    body = "0015611910000"
    assert is_ice(body + ice_check_digits(body))
    assert is_ice("001234567000062".translate(ARABIC))


def test_gtin_in_arabic_digits_is_ascii():
    assert normalize_gtin("6111234567895".translate(PERSIAN)) == "06111234567895"


@pytest.fixture
def owner(make_user, make_cooperative):
    coop = make_cooperative(slug="amal")
    user = make_user(email="owner@amal.ma")
    db.session.add(Membership(user=user, cooperative=coop, role=MembershipRole.OWNER))
    db.session.commit()
    return user, coop


def test_a_gtin_typed_in_arabic_digits_is_stored_as_ascii_and_its_qr_works(
    client, post_form, login, owner, make_product
):
    user, coop = owner
    product = make_product(cooperative=coop)
    login(client, user)
    response = post_form(
        client,
        f"/fr/producer/amal/products/{product.id}/variants/new",
        {
            "sku": "AMAL-٥٠٠".translate(ARABIC),
            "unit_quantity": "٥٠٠",
            "unit": "ml",
            "price": "١٩٠,٠٠",
            "stock": "١٢",
            "weight_g": "۴۸۰",
            "gtin": "6111234567895".translate(ARABIC),
            "active": "y",
        },
    )
    assert response.status_code == 302
    variant = db.session.scalar(db.select(Variant).where(Variant.gtin.is_not(None)))
    assert (variant.sku, variant.gtin, variant.unit_quantity, variant.stock) == (
        "AMAL-500",
        "06111234567895",
        500,
        12,
    )
    assert variant.weight_g == 480 and variant.price_cents == 19_000
    lot = create_lot(coop, variant, "L-1", LotDetails(quantity_produced=5))
    db.session.commit()
    assert qr_url(lot).endswith("/01/06111234567895/10/L-1")
    assert client.get("/01/06111234567895/10/L-1").status_code in (301, 302, 303, 307, 308)


def test_phone_with_the_national_zero_in_brackets_and_arabic_ice(
    client, post_form, login, make_user
):
    from producers.models import Cooperative
    from tests.producers.test_workspace import APPLICATION

    login(client, make_user())
    response = post_form(
        client,
        "/fr/producer/apply",
        {
            **APPLICATION,
            "phone": "+212 (0)6 12 34 56 78",
            "ice": "001234567000062".translate(ARABIC),
            "founded_year": "٢٠١٥",
        },
    )
    assert response.status_code == 302
    coop = db.session.scalar(db.select(Cooperative))
    assert (coop.phone, coop.ice, coop.founded_year) == ("+212612345678", "001234567000062", 2015)


def test_an_ice_with_wrong_check_digits_is_refused(client, post_form, login, make_user):
    from tests.producers.test_workspace import APPLICATION

    login(client, make_user())
    response = post_form(client, "/fr/producer/apply", {**APPLICATION, "ice": "001561191000065"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Cet ICE n’est pas valide" in html or "This ICE is not valid" in html
