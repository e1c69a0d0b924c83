"""One clock (issue #13): every conversion reads the tzdata package, whatever the OS ships.

Morocco moved to permanent UTC+00 on 2026-09-20 (IANA tzdata 2026c). Before,
screens went through Flask-Babel's pytz zone and CSVs through the OS's
zoneinfo: the December statement showed 04:04 on screen and 05:04 in its CSV.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import UTC, date, datetime
from importlib import resources

import pytest
from flask_babel import format_datetime, get_timezone

from orders.models import PaymentMethod
from orders.services import Address, mark_cash_remitted, mark_delivered, mark_shipped
from orders.shipping import ensure_default_rates
from producers.models import Membership, MembershipRole
from producers.money import statements
from shop import clock, i18n
from shop.extensions import db
from shop.money import ledger
from tests.factories import place_confirmed

SUMMER = datetime(2026, 6, 1, 12, 0)  # UTC; Casablanca was UTC+01 then
WINTER = datetime(2026, 12, 1, 12, 0)  # UTC; Casablanca is UTC+00 since 2026-09-20


def test_installed_tzdata_has_the_2026_change():
    """The installed package itself, read directly: both sides of 2026-09-20."""
    print("tzdata", clock.tzdata_version())
    path = resources.files("tzdata").joinpath("zoneinfo", "Africa", "Casablanca")
    with path.open("rb") as fh:
        zone = zoneinfo.ZoneInfo.from_file(fh)
    assert SUMMER.replace(tzinfo=UTC).astimezone(zone).hour == 13
    assert WINTER.replace(tzinfo=UTC).astimezone(zone).hour == 12


def test_both_sides_of_the_change():
    assert clock.to_local(SUMMER).strftime("%Y-%m-%d %H:%M %z") == "2026-06-01 13:00 +0100"
    assert clock.to_local(WINTER).strftime("%Y-%m-%d %H:%M %z") == "2026-12-01 12:00 +0000"
    assert clock.to_utc(datetime(2026, 6, 1, 13, 0)) == SUMMER
    assert clock.to_utc(datetime(2026, 12, 1, 12, 0)) == WINTER
    # Month boundaries: June begins at 23:00 UTC the day before, December at midnight.
    assert clock.month_bounds(2026, 6) == (datetime(2026, 5, 31, 23), datetime(2026, 6, 30, 23))
    assert clock.month_bounds(2026, 12) == (datetime(2026, 12, 1), datetime(2027, 1, 1))
    assert statements.period_bounds(2026, 12) == clock.month_bounds(2026, 12)
    # 30 November 23:30 UTC is still November in Casablanca now.
    assert clock.local_date(datetime(2026, 11, 30, 23, 30)) == date(2026, 11, 30)
    assert clock.local_date(datetime(2026, 5, 31, 23, 30)) == date(2026, 6, 1)


def test_an_old_operating_system_database_changes_nothing(monkeypatch, tmp_path):
    """An OS whose zoneinfo still says UTC+01 for Casablanca: the clock does not read it."""
    stale = tmp_path / "Africa" / "Casablanca"
    stale.parent.mkdir()
    with resources.files("tzdata").joinpath("zoneinfo", "Etc", "GMT-1").open("rb") as src:
        stale.write_bytes(src.read())  # UTC+01 all year, as before the change
    zoneinfo.reset_tzpath(to=[str(tmp_path)])
    zoneinfo.ZoneInfo.clear_cache()
    try:
        assert (
            WINTER.replace(tzinfo=UTC).astimezone(zoneinfo.ZoneInfo("Africa/Casablanca")).hour == 13
        )
        fresh = clock.load_zone.__wrapped__("Africa/Casablanca")
        assert WINTER.replace(tzinfo=UTC).astimezone(fresh).hour == 12
        assert clock.to_local(WINTER).hour == 12
    finally:
        zoneinfo.reset_tzpath()
        zoneinfo.ZoneInfo.clear_cache()


def test_flask_babel_uses_the_clocks_zone(app):
    """The selector hands Flask-Babel the very object the rest of the app converts with."""
    assert i18n.LOCAL_TZ is clock.ZONE
    with app.test_request_context("/fr/"):
        assert get_timezone() is clock.ZONE
        assert format_datetime(WINTER, "HH:mm") == "12:00"
        assert format_datetime(SUMMER, "HH:mm") == "13:00"
        assert i18n.format_when(WINTER, "HH:mm") == "12:00"
        assert i18n.format_day(datetime(2026, 11, 30, 23, 30), "yyyy-MM-dd") == "2026-11-30"


def test_statement_screen_and_csv_show_the_same_time(
    client, login, make_user, make_cooperative, make_product, monkeypatch
):
    """A December sale at 04:04 UTC: 04:04 on the printable statement and in its CSV."""
    coop = make_cooperative(slug="amal", legal_name="Coopérative Amal")
    owner = make_user(email="owner@amal.ma")
    db.session.add(Membership(user=owner, cooperative=coop, role=MembershipRole.OWNER))
    ensure_default_rates()
    db.session.commit()
    variant = make_product(cooperative=coop, price=12_000, stock=5).variants[0]
    address = Address(
        full_name="Amina Alaoui",
        email="amina@example.com",
        phone="+212612345678",
        address_line="12 rue Ibn Battouta",
        city="Casablanca",
        postal_code="20250",
        country="MA",
        region_code=6,
    )
    order, _token = place_confirmed({variant.sku: 1}, address, PaymentMethod.COD, "fr")
    db.session.commit()
    monkeypatch.setattr(ledger, "utcnow", lambda: datetime(2026, 12, 10, 4, 4))
    shipment = order.shipments[0]
    mark_shipped(shipment, "Amana", "AM1")
    mark_delivered(shipment)
    mark_cash_remitted(shipment)
    db.session.commit()

    login(client, owner)
    page = client.get("/fr/producer/amal/statements/2026/12")
    csv = client.get("/fr/producer/amal/statements/2026/12.csv")
    assert page.status_code == csv.status_code == 200
    screen_times = set(re.findall(r"\b\d\d:\d\d\b", page.get_data(as_text=True)))
    assert "04:04" in screen_times and "05:04" not in screen_times
    assert "2026-12-10 04:04," in csv.get_data(as_text=True)
    assert "05:04" not in csv.get_data(as_text=True)


@pytest.mark.parametrize("value", [SUMMER, WINTER])
def test_outside_a_request_flask_babel_still_uses_the_clock(app, value):
    """Mails and the CLI format times in an app context only: the same zone there."""
    with app.app_context():
        expected = clock.to_local(value).strftime("%H:%M")
        assert i18n.format_when(value, "HH:mm") == expected
