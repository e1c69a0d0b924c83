"""Carriers that cooperatives ship with, and their public tracking pages.

A cooperative types (or picks) its carrier when it marks a parcel shipped; the
shopper's order page, the "shipped" mail and the back office then link the
tracking number to that carrier's tracking page. A carrier that is not known
keeps its number as plain text. A federation adds its local carriers with the
``CARRIERS`` setting: a list of ``{"name": …, "tracking_url": "https://…{number}",
"aliases": […]}``, which replaces the defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app


@dataclass(frozen=True)
class Carrier:
    """A carrier, the names it goes by, and its tracking page."""

    name: str
    #: The tracking page, ``{number}`` standing for the URL-quoted number.
    tracking_url: str
    aliases: tuple[str, ...] = ()

    def matches(self, typed: str) -> bool:
        """Whether a carrier name as a cooperative typed it means this carrier."""
        key = _key(typed)
        return bool(key) and key in {_key(self.name), *map(_key, self.aliases)}

    def url_for(self, number: str) -> str:
        """The carrier's tracking page for ``number``."""
        return self.tracking_url.replace("{number}", quote(number.strip(), safe=""))


#: The carriers most Moroccan cooperatives use, with their public tracking pages.
DEFAULT_CARRIERS: tuple[Carrier, ...] = (
    Carrier(
        "Amana",
        "https://bam-tracking.barid.ma/Tracking/Search?trackingCode={number}",
        ("Amana (Barid Al-Maghrib)", "Barid Al-Maghrib", "Poste Maroc", "أمانة", "بريد المغرب"),
    ),
    Carrier(
        "Aramex",
        "https://www.aramex.com/ma/en/track/results?ShipmentNumber={number}",
        ("أرامكس",),
    ),
    Carrier(
        "DHL Express",
        "https://www.dhl.com/ma-fr/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
        ("DHL",),
    ),
    Carrier("UPS", "https://www.ups.com/track?tracknum={number}"),
    Carrier("FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}"),
)


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def known_carriers() -> tuple[Carrier, ...]:
    """The configured carriers (``CARRIERS``), or the defaults."""
    configured = current_app.config.get("CARRIERS")
    if not configured:
        return DEFAULT_CARRIERS
    return tuple(
        Carrier(item["name"], item["tracking_url"], tuple(item.get("aliases", ())))
        for item in configured
    )


def tracking_url(carrier: str, number: str) -> str | None:
    """The tracking page of ``number`` with ``carrier``, if the carrier is known."""
    if not number.strip():
        return None
    for known in known_carriers():
        if known.matches(carrier):
            return known.url_for(number)
    return None
