"""Carriers that cooperatives ship with, and their public tracking pages.

Carriers are rows of the ``carrier`` table (``orders.models.Carrier``), which
administrators add, edit and deactivate in the back office; the migration
seeds Amana, CTM Messagerie and the carriers that used to be hard-coded
(``ensure_default_carriers`` does the same for a database made with
``create_all``). The former ``CARRIERS`` setting is gone: a setting cannot
say which carrier collects cash on delivery, nor be changed without a
restart, and shipped parcels now point at their carrier by id.

A cooperative picks an active carrier when it marks a parcel shipped (a
cash-on-delivery parcel only one that collects cash); the shopper's order
page, the notices and the back office link the tracking number to that
carrier's page. Parcels shipped before the table (``carrier_id`` NULL) are
linked by the name they typed, when a carrier goes by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from shop.audit import audit
from shop.extensions import db
from shop.i18n import current_language

from .exceptions import OrderError
from .models import Carrier, Shipment

#: (code, ar, fr, en, tracking page, collects cash on delivery, aliases).
DEFAULT_CARRIERS: tuple[tuple[str, str, str, str, str, bool, tuple[str, ...]], ...] = (
    (
        "amana",
        "أمانة (بريد المغرب)",
        "Amana",
        "Amana",
        "https://bam-tracking.barid.ma/Tracking/Search?trackingCode={number}",
        True,
        ("Amana (Barid Al-Maghrib)", "Barid Al-Maghrib", "Poste Maroc", "أمانة", "بريد المغرب"),
    ),
    (
        "ctm",
        "ستيام للإرساليات",
        "CTM Messagerie",
        "CTM Messagerie",
        "https://www.ctm.ma/messagerie/suivi?numero={number}",
        True,
        ("CTM", "CTM Messagerie", "ستيام"),
    ),
    (
        "aramex",
        "أرامكس",
        "Aramex",
        "Aramex",
        "https://www.aramex.com/ma/en/track/results?ShipmentNumber={number}",
        False,
        ("أرامكس",),
    ),
    (
        "dhl",
        "دي إتش إل إكسبريس",
        "DHL Express",
        "DHL Express",
        "https://www.dhl.com/ma-fr/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
        False,
        ("DHL",),
    ),
    ("ups", "يو بي إس", "UPS", "UPS", "https://www.ups.com/track?tracknum={number}", False, ()),
    (
        "fedex",
        "فيديكس",
        "FedEx",
        "FedEx",
        "https://www.fedex.com/fedextrack/?trknbr={number}",
        False,
        (),
    ),
)

NAME_MAX = 80
URL_MAX = 300
CODE_MAX = 40
ALIASES_MAX = 2000
#: Where a tracking URL puts the number.
PLACEHOLDER = "{number}"
#: The per-request snapshot of the carrier table (a handful of rows).
_CACHE = "_carrier_links"


def _key(name: str) -> str:
    return " ".join((name or "").casefold().split())


def quote_number(number: str) -> str:
    """A tracking number as it goes into a URL: every reserved character quoted."""
    return quote(number.strip(), safe="")


def build_url(template: str, number: str) -> str:
    """``template`` with ``{number}`` replaced by the quoted ``number``."""
    return template.replace(PLACEHOLDER, quote_number(number))


@dataclass(frozen=True)
class CarrierLink:
    """What a page needs of a carrier: its names, its tracking page (no ORM object)."""

    id: int
    names: Mapping[str, str]
    tracking_url: str
    keys: frozenset[str]
    cod: bool
    active: bool

    def name(self, lang: str) -> str:
        """The name in ``lang``, else French, else English."""
        return self.names.get(lang) or self.names["fr"] or self.names.get("en", "")

    def url_for(self, number: str) -> str:
        """The carrier's tracking page for ``number``."""
        return build_url(self.tracking_url, number)


@dataclass(frozen=True)
class Tracking:
    """A parcel's tracking: the carrier's name in the page's language, the number, the link."""

    carrier: str
    number: str
    url: str | None


def _links() -> tuple[dict[int, CarrierLink], dict[str, CarrierLink]]:
    """Every carrier by id and by name or alias, read once per request (or app context)."""
    cached = g.get(_CACHE)
    if cached is None:
        by_id: dict[int, CarrierLink] = {}
        by_key: dict[str, CarrierLink] = {}
        for row in db.session.scalars(select(Carrier).order_by(Carrier.id)):
            keys = frozenset(
                k
                for k in map(
                    _key, (row.code, row.name_ar, row.name_fr, row.name_en, *row.alias_list)
                )
                if k
            )
            link = CarrierLink(
                row.id,
                {"ar": row.name_ar, "fr": row.name_fr, "en": row.name_en},
                row.tracking_url,
                keys,
                row.cod,
                row.active,
            )
            by_id[row.id] = link
        # Active carriers win a name two of them share.
        for link in sorted(by_id.values(), key=lambda c: (not c.active, c.id)):
            for key in link.keys:
                by_key.setdefault(key, link)
        cached = (by_id, by_key)
        g.setdefault(_CACHE, cached)
    return cached


def forget() -> None:
    """Drop this request's snapshot of the carriers (after one was saved)."""
    g.pop(_CACHE, None)


def find(name: str) -> Carrier | None:
    """The carrier a typed name means (its code, a name or an alias), if any."""
    link = _links()[1].get(_key(name))
    return db.session.get(Carrier, link.id) if link is not None else None


def tracking_url(carrier: str, number: str) -> str | None:
    """The tracking page of ``number`` with the carrier named ``carrier``, if one is."""
    if not number.strip():
        return None
    link = _links()[1].get(_key(carrier))
    return link.url_for(number) if link is not None else None


def tracking(shipment: Shipment, lang: str | None = None) -> Tracking | None:
    """A shipped parcel's carrier, number and tracking link; None before it ships.

    Its carrier by id, else (parcels shipped before the carrier table) by the
    name it was shipped under; an unknown carrier keeps its name, without link.
    """
    number = (shipment.tracking_number or "").strip()
    if not number:
        return None
    by_id, by_key = _links()
    link = (
        by_id.get(shipment.carrier_id)
        if shipment.carrier_id
        else by_key.get(_key(shipment.carrier))
    )
    if link is None:
        return Tracking(shipment.carrier, number, None)
    return Tracking(link.name(lang or current_language()), number, link.url_for(number))


def choice_id(value: Any) -> int:
    """A carrier list's value as an id: the empty prompt is 0; anything else not a number fails.

    The prompt's value must be empty: a required list whose first option has
    a value is invalid HTML.
    """
    if value in ("", None):
        return 0
    return int(value)


def choices(cod: bool, lang: str) -> list[tuple[int, str]]:
    """The active carriers a parcel may leave with: (id, name), by name.

    A cash-on-delivery parcel only with a carrier that collects cash.
    """
    links = [c for c in _links()[0].values() if c.active and (c.cod or not cod)]
    return sorted(((c.id, c.name(lang)) for c in links), key=lambda pair: pair[1].casefold())


# ---------------------------------------------------------------- administration


def all_carriers() -> list[Carrier]:
    """Every carrier, active ones first, by French name (the back office's list)."""
    return list(
        db.session.scalars(select(Carrier).order_by(Carrier.active.desc(), Carrier.name_fr))
    )


def check_tracking_url(value: str) -> str | None:
    """Why ``value`` is not a usable tracking URL template, or None."""
    value = value.strip()
    if PLACEHOLDER not in value:
        return str(_l("The tracking page must contain {number}, where the number goes."))
    try:
        parts = urlsplit(value.replace(PLACEHOLDER, "0"))
        host, scheme = parts.hostname, parts.scheme
    except ValueError:  # a broken IPv6 literal, a bad port
        host, scheme = None, ""
    if not host or scheme != "https" or any(c.isspace() for c in value):
        return str(_l("The tracking page must be an https:// address."))
    return None


def save_carrier(carrier: Carrier | None, data: Mapping[str, Any], actor: Any) -> Carrier:
    """Create (``carrier`` None) or change a carrier; audited. Raises OrderError."""
    url = str(data["tracking_url"]).strip()
    problem = check_tracking_url(url)
    if problem:
        raise OrderError(problem)
    names = {lang: str(data.get(f"name_{lang}") or "").strip() for lang in ("ar", "fr", "en")}
    if not names["fr"]:
        raise OrderError(_l("Give the carrier's name in French."))
    aliases = "\n".join(a.strip() for a in str(data.get("aliases") or "").splitlines() if a.strip())
    creating = carrier is None
    if carrier is None:
        code = str(data.get("code") or "").strip().lower()
        if not code:
            raise OrderError(_l("Give the carrier a code."))
        if db.session.scalar(select(Carrier.id).where(Carrier.code == code)) is not None:
            raise OrderError(_l("Another carrier has the code %(code)s.", code=code))
        carrier = Carrier(code=code, active=True)
        db.session.add(carrier)
    before = _state(carrier) if not creating else {}
    carrier.name_ar, carrier.name_fr, carrier.name_en = names["ar"], names["fr"], names["en"]
    carrier.tracking_url = url
    carrier.aliases = aliases
    carrier.cod = bool(data.get("cod"))
    db.session.flush()
    audit(
        actor,
        "carrier.create" if creating else "carrier.update",
        carrier,
        label=carrier.name_fr,
        before=before,
        after=_state(carrier),
    )
    forget()
    return carrier


def set_active(carrier: Carrier, active: bool, actor: Any) -> None:
    """Offer the carrier again, or no longer (its shipped parcels keep their link); audited."""
    if carrier.active == active:
        return
    carrier.active = active
    db.session.flush()
    audit(
        actor,
        "carrier.activate" if active else "carrier.deactivate",
        carrier,
        label=carrier.name_fr,
    )
    forget()


def _state(carrier: Carrier) -> dict[str, Any]:
    return {
        "name_ar": carrier.name_ar,
        "name_fr": carrier.name_fr,
        "name_en": carrier.name_en,
        "tracking_url": carrier.tracking_url,
        "aliases": carrier.aliases,
        "cod": carrier.cod,
    }


def ensure_default_carriers() -> int:
    """Create the default carriers whose code does not exist yet; return how many."""
    existing = set(db.session.scalars(select(Carrier.code)))
    created = 0
    for code, ar, fr, en, url, cod, aliases in DEFAULT_CARRIERS:
        if code in existing:
            continue
        db.session.add(
            Carrier(
                code=code,
                name_ar=ar,
                name_fr=fr,
                name_en=en,
                tracking_url=url,
                cod=cod,
                aliases="\n".join(aliases),
                active=True,
            )
        )
        created += 1
    db.session.flush()
    forget()
    return created
