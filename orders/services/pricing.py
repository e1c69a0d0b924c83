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
from ..discounts import codes as discount_codes
from ..discounts.models import DiscountCode
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
    #: A cooperative's code: taken off the gross before the split.
    discount: int = 0
    #: The platform's code: the split is the undiscounted one, the platform pays this.
    platform_discount: int = 0


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
    #: Shipping a free-shipping code waived (the platform's: still in
    #: ``shipping_cents``, the platform pays it).
    shipping_discount_cents: int = 0

    @property
    def platform_discount_cents(self) -> int:
        """What the platform pays for this parcel: its lines' discounts and shipping waived."""
        lines = sum(line.platform_discount for line in self.lines)
        return lines + (self.shipping_discount_cents if self.shipping_cents else 0)

    @property
    def free(self) -> bool:
        """True when the free-shipping threshold was reached."""
        return self.shipping_cents == 0 and self.free_over_cents is not None


@dataclass(frozen=True)
class Quote:
    """Every parcel of an order, its total and where the money goes."""

    shipments: list[ShipmentQuote]
    policy: Policy
    #: The discount code applied, if any (``orders.discounts``).
    discount: discount_codes.Discount | None = None

    @property
    def items_cents(self) -> int:
        """Sum of the lines' gross (after a cooperative's discount)."""
        return sum(s.items_cents for s in self.shipments)

    @property
    def platform_discount_cents(self) -> int:
        """What the platform pays of the order (its discount code)."""
        return sum(s.platform_discount_cents for s in self.shipments)

    @property
    def discount_cents(self) -> int:
        """Everything the code took off, whoever pays it."""
        lines = sum(
            line.discount + line.platform_discount for s in self.shipments for line in s.lines
        )
        return lines + sum(s.shipping_discount_cents for s in self.shipments)

    @property
    def shipping_cents(self) -> int:
        """Sum of every parcel's shipping."""
        return sum(s.shipping_cents for s in self.shipments)

    @property
    def total_cents(self) -> int:
        """What the shopper pays."""
        return self.items_cents + self.shipping_cents - self.platform_discount_cents

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
            "platform_discount": -self.platform_discount_cents,
        }


def quote(
    items: Mapping[str, int],
    address: Address,
    policy: Policy | None = None,
    view: cart.CartView | None = None,
    code: DiscountCode | None = None,
) -> Quote:
    """Price ``{sku: quantity}`` for ``address``: parcels, shipping, splits.

    Splits use ``policy``, by default the current published version.
    ``view`` is ``cart.build_view(items)`` when the caller has just built it
    in this transaction (the checkout page): it is not read twice. ``code``: a
    discount code found usable (``discounts.codes.find_usable``); CodeRefused or
    BasketTooSmall when it does not apply to these items.
    """
    policy = policy or current_policy()
    view = view or cart.build_view(items, pictures=False)
    if view.gone:
        raise SoldOut([line_name(line.variant, line.sku) for line in view.gone])
    if not view.groups:
        raise OrderError(_l("Your cart is empty."))
    rates = rate_table()
    thresholds = free_thresholds(group.cooperative.id for group in view.groups)
    discount = None
    if code is not None:
        discount = discount_codes.apply(
            code,
            [
                discount_codes.Line(line.variant, line.quantity, group.cooperative.id)
                for group in view.groups
                for line in group.lines
            ],
            policy,
        )
    shipments = []
    for group in view.groups:
        zone = zone_for(group.cooperative.region_code, address.country, address.region_code)
        threshold = thresholds[group.cooperative.id] if zone != ShippingZone.INTERNATIONAL else None
        try:
            shipping = (
                0
                if threshold is not None and group.subtotal_cents >= threshold
                else price_for(rates, zone, group.weight_g)
            )
        except NoShippingRate:
            raise OrderError(_l("We cannot ship to this address yet.")) from None
        lines = [_line_quote(line.variant, line.quantity, policy, discount) for line in group.lines]
        waived = 0
        if discount is not None and group.cooperative.id in discount.free_shipping:
            waived = shipping
            if not discount.platform:  # the cooperative ships it at its own cost
                shipping = 0
        shipments.append(
            ShipmentQuote(
                group.cooperative,
                lines,
                zone,
                group.weight_g,
                sum(line.split.gross for line in lines),
                shipping,
                threshold,
                waived,
            )
        )
    return Quote(shipments, policy, discount)


def _line_quote(
    variant: Variant, quantity: int, policy: Policy, discount: discount_codes.Discount | None
) -> LineQuote:
    gross = variant.price_cents * quantity
    if discount is None:
        return LineQuote(variant, quantity, split(gross, policy))
    off = discount.cooperative_part(variant.id)
    return LineQuote(
        variant, quantity, split(gross - off, policy), off, discount.platform_part(variant.id)
    )


def line_name(variant: Variant | None, sku: str) -> str:
    """How a sold-out item is named to the shopper: product and size, or its SKU if gone."""
    if variant is None:
        return sku
    return f"{variant.product.name(g.get('lang') or 'fr').text} ({variant_label(variant)})"
