"""Pricing an order before it is placed: parcels per cooperative, shipping, the split.

``quote`` is what the review page shows and what ``place_order`` charges;
both use the same policy version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import g
from flask_babel import lazy_gettext as _l

from catalog.models import Variant
from catalog.presentation import variant_label
from producers.models import Cooperative
from shop.money.policy import current_policy
from shop.money.split import Policy, Split, split

from .. import cart
from ..exceptions import OrderError, SoldOut
from ..models import ShippingZone
from ..shipping import NoShippingRate, free_thresholds, price_for, rate_table, zone_for


@dataclass(frozen=True)
class Address:
    """Where and to whom an order goes (validated by the checkout form)."""

    email: str
    phone: str
    full_name: str
    address_line: str
    #: The city as the shopper typed it ("الدار البيضاء"), shown on the order.
    city: str
    postal_code: str
    country: str
    #: The city's official region in Morocco; None abroad. The shipping zone
    #: follows it (it comes from the recognised city, never from the typing).
    region_code: int | None
    #: The city it was recognised as ("Casablanca"); empty: the same as ``city``.
    city_canonical: str = ""
    #: How the shopper wants to be reached about the order ("sms", "whatsapp",
    #: "email": ``shop.messaging.Channel``); SMS unless they chose otherwise.
    contact: str = "sms"


@dataclass(frozen=True)
class LineQuote:
    """A line to be sold, with its split."""

    variant: Variant
    quantity: int
    split: Split


@dataclass(frozen=True)
class ShipmentQuote:
    """One cooperative's parcel and what its shipping costs."""

    cooperative: Cooperative
    lines: list[LineQuote]
    zone: ShippingZone
    weight_g: int
    items_cents: int
    shipping_cents: int
    #: The threshold that made shipping free, or would (None: never free).
    free_over_cents: int | None

    @property
    def free(self) -> bool:
        """True when the free-shipping threshold was reached."""
        return self.shipping_cents == 0 and self.free_over_cents is not None


@dataclass(frozen=True)
class Quote:
    """Every parcel of an order, its total and where the money goes."""

    shipments: list[ShipmentQuote]
    policy: Policy

    @property
    def items_cents(self) -> int:
        """Sum of the products' prices."""
        return sum(s.items_cents for s in self.shipments)

    @property
    def shipping_cents(self) -> int:
        """Sum of every parcel's shipping."""
        return sum(s.shipping_cents for s in self.shipments)

    @property
    def total_cents(self) -> int:
        """What the shopper pays."""
        return self.items_cents + self.shipping_cents

    def _sum(self, part: str) -> int:
        return sum(getattr(line.split, part) for s in self.shipments for line in s.lines)

    @property
    def breakdown(self) -> dict[str, int]:
        """Where every centime of the total goes (sums exactly to it)."""
        return {
            "producer": self._sum("producer"),
            "premium": self._sum("premium"),
            "commission": self._sum("commission"),
            "shipping": self.shipping_cents,
        }


def quote(
    items: Mapping[str, int],
    address: Address,
    policy: Policy | None = None,
    view: cart.CartView | None = None,
) -> Quote:
    """Price ``{sku: quantity}`` for ``address``: parcels, shipping, splits.

    Splits use ``policy``, by default the current published version.
    ``view`` is ``cart.build_view(items)`` when the caller has just built it
    in this transaction (the checkout page): it is not read twice.
    """
    policy = policy or current_policy()
    view = view or cart.build_view(items, pictures=False)
    if view.gone:
        raise SoldOut([line_name(line.variant, line.sku) for line in view.gone])
    if not view.groups:
        raise OrderError(_l("Your cart is empty."))
    rates = rate_table()
    thresholds = free_thresholds(group.cooperative.id for group in view.groups)
    shipments = []
    for group in view.groups:
        zone = zone_for(group.cooperative.region_code, address.country, address.region_code)
        threshold = thresholds[group.cooperative.id] if zone != ShippingZone.INTERNATIONAL else None
        items_cents = group.subtotal_cents
        try:
            shipping = (
                0
                if threshold is not None and items_cents >= threshold
                else price_for(rates, zone, group.weight_g)
            )
        except NoShippingRate:
            raise OrderError(_l("We cannot ship to this address yet.")) from None
        lines = [
            LineQuote(
                line.variant, line.quantity, split(line.variant.price_cents * line.quantity, policy)
            )
            for line in group.lines
        ]
        shipments.append(
            ShipmentQuote(
                group.cooperative, lines, zone, group.weight_g, items_cents, shipping, threshold
            )
        )
    return Quote(shipments, policy)


def line_name(variant: Variant | None, sku: str) -> str:
    """How a sold-out item is named to the shopper: product and size, or its SKU if gone."""
    if variant is None:
        return sku
    return f"{variant.product.name(g.get('lang') or 'fr').text} ({variant_label(variant)})"
