"""Shipping prices: zone × weight rates and each cooperative's free-shipping threshold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, bindparam, select

from shop.extensions import db, read

from .models import CooperativeShipping, ShippingRate, ShippingZone

#: Used when a cooperative has no CooperativeShipping row: 300 MAD.
DEFAULT_FREE_OVER_CENTS = 30_000

#: Rates loaded by ``flask seed-demo`` and the tests; administrators change them.
DEFAULT_RATES: dict[ShippingZone, list[tuple[int, int]]] = {
    ShippingZone.LOCAL: [(1_000, 2_500), (3_000, 3_500), (10_000, 6_000)],
    ShippingZone.NATIONAL: [(1_000, 3_500), (3_000, 5_000), (10_000, 9_000)],
    ShippingZone.INTERNATIONAL: [(1_000, 15_000), (3_000, 25_000), (10_000, 50_000)],
}


class NoShippingRate(LookupError):
    """No rate is configured for a zone."""


def zone_for(cooperative_region: int, country: str, region_code: int | None) -> ShippingZone:
    """The zone of a parcel from a cooperative to an address."""
    if country != "MA":
        return ShippingZone.INTERNATIONAL
    return ShippingZone.LOCAL if region_code == cooperative_region else ShippingZone.NATIONAL


def rate_table() -> dict[ShippingZone, list[tuple[int, int]]]:
    """Every configured rate by zone, lightest bracket first (one query)."""
    table: dict[ShippingZone, list[tuple[int, int]]] = {}
    rows = db.session.execute(
        select(ShippingRate.zone, ShippingRate.max_weight_g, ShippingRate.price_cents).order_by(
            ShippingRate.zone, ShippingRate.max_weight_g
        )
    )
    for zone, max_weight, price in rows:
        table.setdefault(zone, []).append((max_weight, price))
    return table


def price_for(
    table: dict[ShippingZone, list[tuple[int, int]]], zone: ShippingZone, weight_g: int
) -> int:
    """The rate of the lightest bracket that holds ``weight_g``.

    A parcel heavier than the heaviest bracket is charged as several parcels
    of that bracket, which is what carriers do.
    """
    brackets = table.get(zone)
    if not brackets:
        raise NoShippingRate(zone)
    for max_weight, price in brackets:
        if weight_g <= max_weight:
            return price
    max_weight, price = brackets[-1]
    return -(-weight_g // max_weight) * price


def free_thresholds(cooperative_ids: Iterable[int]) -> dict[int, int | None]:
    """Each cooperative's free-shipping threshold (one query)."""
    ids = sorted(set(cooperative_ids))
    found = dict(
        db.session.execute(
            select(CooperativeShipping.cooperative_id, CooperativeShipping.free_over_cents).where(
                CooperativeShipping.cooperative_id.in_(ids)
            )
        ).all()
    )
    return {i: found.get(i, DEFAULT_FREE_OVER_CENTS) for i in ids}


def ensure_default_rates() -> list[str]:
    """Create the default rates when none are configured (idempotent seeder)."""
    if db.session.scalar(select(ShippingRate.id).limit(1)) is not None:
        return []
    for zone, brackets in DEFAULT_RATES.items():
        db.session.add_all(
            ShippingRate(zone=zone, max_weight_g=w, price_cents=p) for w, p in brackets
        )
    db.session.flush()
    return ["Shipping rates: default local, national and international brackets."]


def national_estimate(weight_g: int) -> int | None:
    """What a parcel of ``weight_g`` costs to ship within Morocco (the national rate).

    Shown on the product page as an estimate; the checkout prices each parcel
    by its real zone (local rates are cheaper). None when no rate is configured.
    """
    brackets = read(_national_rates()).all()
    if not brackets:
        return None
    return price_for(
        {ShippingZone.NATIONAL: [tuple(row) for row in brackets]},
        ShippingZone.NATIONAL,
        max(weight_g, 0),
    )


@cache
def _national_rates() -> Select:
    """The national brackets' statement, built once (every product page asks it)."""
    return (
        select(ShippingRate.max_weight_g, ShippingRate.price_cents)
        .where(ShippingRate.zone == ShippingZone.NATIONAL)
        .order_by(ShippingRate.max_weight_g)
    )


@dataclass(frozen=True)
class ShippingHint:
    """What one cooperative's parcel should cost to ship, before an address is known.

    The cart and the product page show it so that the shopper is not surprised
    at the review step: shipping is charged per cooperative, and each one has
    its own free-shipping threshold. The checkout prices the real zone (a
    local parcel is cheaper than the national estimate shown here).
    """

    items_cents: int
    #: The national rate for the parcel's weight (None: no rate configured).
    national_cents: int | None
    #: Products from this cooperative that make its shipping free (None: never).
    free_over_cents: int | None

    @property
    def free(self) -> bool:
        """The threshold is reached (the same rule as the checkout's quote)."""
        return self.free_over_cents is not None and self.items_cents >= self.free_over_cents

    @property
    def estimate_cents(self) -> int | None:
        """What shipping within Morocco should cost this parcel."""
        return 0 if self.free else self.national_cents

    @property
    def missing_cents(self) -> int | None:
        """How much more from this cooperative makes shipping free (None: never, or free)."""
        if self.free_over_cents is None or self.free:
            return None
        return self.free_over_cents - self.items_cents


def shipping_hints(parcels: Iterable[tuple[int, int, int]]) -> dict[int, ShippingHint]:
    """``{cooperative_id: ShippingHint}`` for ``(cooperative_id, items_cents, weight_g)``.

    Two queries however many cooperatives: the rate table and the thresholds.
    """
    parcels = list(parcels)
    if not parcels:
        return {}
    table = rate_table()
    thresholds = free_thresholds(coop_id for coop_id, _items, _weight in parcels)
    hints = {}
    for coop_id, items_cents, weight_g in parcels:
        try:
            national: int | None = price_for(table, ShippingZone.NATIONAL, max(weight_g, 0))
        except NoShippingRate:
            national = None
        hints[coop_id] = ShippingHint(items_cents, national, thresholds[coop_id])
    return hints


def free_over(cooperative_id: int) -> int | None:
    """One cooperative's free-shipping threshold (the product page's line).

    As ``free_thresholds`` gives it, from a statement built once and read past
    the ORM (``shop.extensions.read``): every product page asks it.
    """
    row = read(_free_over(), {"id": cooperative_id}).first()
    return DEFAULT_FREE_OVER_CENTS if row is None else row[0]


@cache
def _free_over() -> Select:
    return select(CooperativeShipping.free_over_cents).where(
        CooperativeShipping.cooperative_id == bindparam("id")
    )
