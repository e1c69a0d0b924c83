"""Helpers for the discount-code tests (orders and producers): codes, floors, an address."""

from __future__ import annotations

from catalog.models import FloorPrice, Unit
from orders.discounts.models import DiscountCode, DiscountKind, FundedBy
from orders.services import Address
from shop.extensions import db

HOME = Address(
    email="amina@example.com",
    phone="+212612345678",
    full_name="Amina",
    address_line="12 rue Ibn Battouta",
    city="Casablanca",
    postal_code="20250",
    country="MA",
    region_code=6,
)

#: 300 MAD of producer revenue per litre of argan oil: a 250 ml bottle must pay
#: its producers 75 MAD, so sell at 88.24 MAD or more under the default policy.
FLOOR_PER_LITRE = 30_000


def add_floor(categories, cents: int = FLOOR_PER_LITRE) -> FloorPrice:
    floor = FloorPrice(category=categories["argan-oil"], unit=Unit.ML, cents_per_reference=cents)
    db.session.add(floor)
    db.session.commit()
    return floor


def make_code(
    code: str = "SALAM10",
    kind: DiscountKind = DiscountKind.PERCENT,
    value: int = 10,
    cooperative=None,
    **options,
) -> DiscountCode:
    row = DiscountCode(
        code=code,
        kind=kind,
        value=0 if kind == DiscountKind.FREE_SHIPPING else value,
        funded_by=FundedBy.PLATFORM if cooperative is None else FundedBy.COOPERATIVE,
        cooperative_id=cooperative.id if cooperative is not None else None,
        min_basket_cents=options.pop("min_basket_cents", 0),
        uses=0,
        active=True,
        **options,
    )
    db.session.add(row)
    db.session.commit()
    return row
