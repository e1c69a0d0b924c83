"""One clock: the shop's time zone, read from the ``tzdata`` package, for every conversion.

Times are stored as naive UTC and shown, and days and months are counted, in
Morocco. Morocco's rules change by decree (it moved to permanent UTC+00 on
2026-09-20, IANA tzdata 2026c), so which copy of the IANA database the app
reads decides what the clock says. ``zoneinfo.ZoneInfo("Africa/Casablanca")``
reads the operating system's files first, which may be years old, while
Babel and Flask-Babel read pytz's copy: the same statement once showed 04:04
on screen and 05:04 in its CSV. Here the zone is loaded explicitly from the
``tzdata`` package's files (a pinned dependency, updated like any other), and
this one object is handed to Flask-Babel (``shop.i18n``'s timezone selector),
statements, listings and forms alike.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

#: The shop's zone: Morocco's.
ZONE_NAME = "Africa/Casablanca"


class ShopZone(ZoneInfo):
    """A ``ZoneInfo`` that also answers pytz's ``localize``/``normalize``.

    Flask-Babel 4 calls ``tz.normalize(...)`` and ``tz.localize(...)`` on the
    selector's zone as if it were pytz's; with zoneinfo the conversion done by
    ``astimezone`` is already right, so ``normalize`` has nothing to do.
    """

    def localize(self, value: datetime, is_dst: bool | None = False) -> datetime:
        """A naive local wall time, made aware in this zone (pytz's spelling)."""
        return value.replace(tzinfo=self)

    def normalize(self, value: datetime, is_dst: bool | None = False) -> datetime:
        """``value`` as it is (zoneinfo's arithmetic needs no correction)."""
        return value

    def __reduce__(self):  # type: ignore[override]
        # ZoneInfo pickles by key and unpickles through its cache, which reads
        # the operating system's files: come back through load_zone instead.
        return (load_zone, (self.key,))


@lru_cache(maxsize=8)
def load_zone(key: str = ZONE_NAME) -> ShopZone:
    """The zone ``key`` built from the ``tzdata`` package's file, never the OS's.

    An unknown key raises ``FileNotFoundError``.
    """
    path = resources.files("tzdata").joinpath("zoneinfo", *key.split("/"))
    with path.open("rb") as fh:
        return ShopZone.from_file(fh, key=key)


def tzdata_version() -> str:
    """The IANA release the ``tzdata`` package ships (e.g. "2026f"), for diagnostics."""
    header = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text().split("\n", 1)
    return header[0].removeprefix("# version ").strip()


#: The one zone object the whole application converts with.
ZONE: ShopZone = load_zone(ZONE_NAME)


def utcnow() -> datetime:
    """Now, as stored: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def now() -> datetime:
    """Now, aware, in the shop's zone."""
    return datetime.now(UTC).astimezone(ZONE)


def to_local(value: datetime) -> datetime:
    """A timestamp in the shop's zone; a naive one is read as UTC (as stored)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZONE)


def to_utc(value: datetime, zone: tzinfo | None = None) -> datetime:
    """A timestamp as stored (naive UTC); a naive one is read as local wall time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or ZONE)
    return value.astimezone(UTC).replace(tzinfo=None)


def local_date(value: datetime | None = None) -> date:
    """The shop's calendar day of a stored timestamp (default: today)."""
    return (to_local(value) if value is not None else now()).date()


def day_start(day: date) -> datetime:
    """The naive UTC instant the shop's calendar day ``day`` begins."""
    return to_utc(datetime.combine(day, time.min))


def month_bounds(year: int, month: int | None = None) -> tuple[datetime, datetime]:
    """The naive UTC ``[start, end)`` of a local calendar month, or of the whole year."""
    if month is None:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
    else:
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
    return day_start(start), day_start(end)


def local_stamp(value: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` in the shop's zone: for CSVs, which carry no locale."""
    return to_local(value).strftime("%Y-%m-%d %H:%M")
