"""The cart: guests keep ``{sku: quantity}`` in the session, shoppers with an
account in ``CartItem`` rows; both read through the same functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import g, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from catalog.models import Product, ProductStatus, Variant
from producers.models import Cooperative, CooperativeStatus
from shop.extensions import db

from .exceptions import CartError
from .models import CartItem

SESSION_KEY = "cart"
#: The header's count for pages rendered without it (cached pages): a cookie
#: that static/js/taawon.js reads, not HttpOnly, written whenever the cart changes.
COUNT_COOKIE = "cart_count"
#: Most units of one variant per order: more is a wholesale request, not a cart.
MAX_QUANTITY = 99


# ---------------------------------------------------------------- storage


#: The discount code the shopper applied (``orders.discounts.views``), as normalised.
DISCOUNT_KEY = "discount_code"


def _user_id() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def contents() -> dict[str, int]:
    """The cart as ``{sku: quantity}``."""
    user_id = _user_id()
    if user_id is None:
        return dict(session.get(SESSION_KEY, {}))
    rows = db.session.execute(
        select(Variant.sku, CartItem.quantity)
        .join(CartItem.variant)
        .where(CartItem.user_id == user_id)
    )
    return dict(rows.all())


def item_count() -> int:
    """How many units the cart holds (the header badge)."""
    user_id = _user_id()
    if user_id is None:
        return sum(session.get(SESSION_KEY, {}).values())
    return db.session.scalar(
        select(func.coalesce(func.sum(CartItem.quantity), 0)).where(CartItem.user_id == user_id)
    )


def _changed() -> None:
    """The cart changed in this request: the count cookie follows (``orders.init_app``)."""
    g.cart_changed = True


def _store(sku: str, quantity: int, variant: Variant) -> None:
    _changed()
    user_id = _user_id()
    if user_id is None:
        cart = dict(session.get(SESSION_KEY, {}))
        if quantity > 0:
            cart[sku] = quantity
        else:
            cart.pop(sku, None)
        session[SESSION_KEY] = cart
        return
    item = db.session.scalar(select(CartItem).filter_by(user_id=user_id, variant_id=variant.id))
    if quantity <= 0:
        if item is not None:
            db.session.delete(item)
    elif item is None:
        db.session.add(CartItem(user_id=user_id, variant_id=variant.id, quantity=quantity))
    else:
        item.quantity = quantity
    db.session.flush()


def clear() -> None:
    """Empty the cart (after an order is placed), and forget its discount code."""
    _changed()
    user_id = _user_id()
    session.pop(SESSION_KEY, None)
    session.pop(DISCOUNT_KEY, None)
    if user_id is not None:
        db.session.execute(delete(CartItem).where(CartItem.user_id == user_id))


def _sellable(sku: str) -> Variant | None:
    """The variant with ``sku`` when a shopper may buy it now."""
    return db.session.scalar(
        select(Variant)
        .join(Variant.product)
        .join(Product.cooperative)
        .where(
            Variant.sku == sku,
            Variant.active.is_(True),
            Product.status == ProductStatus.PUBLISHED,
            Cooperative.status == CooperativeStatus.APPROVED,
        )
    )


def _capped(variant: Variant, wanted: int) -> tuple[int, str | None]:
    """``wanted`` lowered to what is in stock, with a message when it was lowered."""
    if variant.stock <= 0:
        raise CartError(_("Sorry, this item is sold out."))
    if wanted > variant.stock:
        return variant.stock, ngettext(
            "Only %(num)d left: your cart holds %(num)d.",
            "Only %(num)d left: your cart holds %(num)d.",
            variant.stock,
        )
    if wanted > MAX_QUANTITY:
        return MAX_QUANTITY, _("At most %(num)d per item.", num=MAX_QUANTITY)
    return wanted, None


def add(sku: str, quantity: int) -> tuple[Variant, int, str | None]:
    """Add units of a variant; returns it, the new quantity and a note if capped."""
    variant = _sellable(sku)
    if variant is None:
        raise CartError(_("This item is no longer available."))
    new, note = _capped(variant, contents().get(sku, 0) + quantity)
    _store(sku, new, variant)
    return variant, new, note


def set_quantity(sku: str, quantity: int) -> str | None:
    """Change a line's quantity (0 removes it); returns a note if capped."""
    variant = _sellable(sku)
    if quantity <= 0 or variant is None:
        remove(sku)
        return None
    new, note = _capped(variant, quantity)
    _store(sku, new, variant)
    return note


def remove(sku: str) -> None:
    """Take a line out of the cart, even if its variant is gone."""
    _changed()
    user_id = _user_id()
    if user_id is None:
        cart = dict(session.get(SESSION_KEY, {}))
        cart.pop(sku, None)
        session[SESSION_KEY] = cart
        return
    db.session.execute(
        delete(CartItem).where(
            CartItem.user_id == user_id,
            CartItem.variant_id.in_(select(Variant.id).where(Variant.sku == sku)),
        )
    )


def merge_guest_cart(user_id: int, guest: Mapping[str, int]) -> None:
    """Add a guest cart to an account's cart at login (quantities add up, capped)."""
    if not guest:
        return
    _changed()
    variants = {
        v.sku: v for v in db.session.scalars(select(Variant).where(Variant.sku.in_(list(guest))))
    }
    items = {
        i.variant_id: i
        for i in db.session.scalars(select(CartItem).where(CartItem.user_id == user_id))
    }
    for sku, quantity in guest.items():
        variant = variants.get(sku)
        if variant is None:
            continue
        item = items.get(variant.id)
        total = min(quantity + (item.quantity if item else 0), MAX_QUANTITY)
        if item is None:
            db.session.add(CartItem(user_id=user_id, variant_id=variant.id, quantity=total))
        else:
            item.quantity = total
    db.session.flush()


# ---------------------------------------------------------------- what the pages show


@dataclass
class CartLine:
    """A cart line as shown, with what can really be bought."""

    sku: str
    quantity: int
    variant: Variant | None
    #: "ok", "low" (fewer in stock than wanted), "soldout" or "gone" (withdrawn).
    state: str = "ok"

    @property
    def available(self) -> int:
        """Units that can be bought now."""
        if self.state in ("gone", "soldout") or self.variant is None:
            return 0
        return min(self.quantity, self.variant.stock)

    @property
    def total_cents(self) -> int:
        """Price of the wanted quantity."""
        return self.variant.price_cents * self.quantity if self.variant else 0

    @property
    def message(self) -> str | None:
        """What the shopper must know about this line's stock."""
        if self.state == "gone":
            return _("No longer available: remove it to continue.")
        if self.state == "soldout":
            return _("Sold out: remove it to continue.")
        if self.state == "low":
            return ngettext(
                "Only %(num)d left: lower the quantity to continue.",
                "Only %(num)d left: lower the quantity to continue.",
                self.variant.stock,
            )
        if self.variant is not None and self.variant.stock <= 5:
            return ngettext("Only %(num)d left", "Only %(num)d left", self.variant.stock)
        return None


@dataclass
class CooperativeGroup:
    """Lines one cooperative ships, with their subtotal."""

    cooperative: Cooperative
    lines: list[CartLine] = field(default_factory=list)

    @property
    def subtotal_cents(self) -> int:
        """Sum of the lines' prices."""
        return sum(line.total_cents for line in self.lines)

    @property
    def weight_g(self) -> int:
        """Weight of the parcel's contents."""
        return sum(line.variant.weight_g * line.quantity for line in self.lines if line.variant)


@dataclass
class CartView:
    """The cart grouped by cooperative."""

    groups: list[CooperativeGroup]
    gone: list[CartLine]

    @property
    def lines(self) -> list[CartLine]:
        """Every line, buyable or not."""
        return [line for g in self.groups for line in g.lines] + self.gone

    @property
    def items_cents(self) -> int:
        """Sum of every group's subtotal."""
        return sum(g.subtotal_cents for g in self.groups)

    @property
    def count(self) -> int:
        """Units in the cart."""
        return sum(line.quantity for line in self.lines)

    @property
    def ready(self) -> bool:
        """True when every line can be bought as it is."""
        return (
            bool(self.groups)
            and not self.gone
            and all(line.state == "ok" for g in self.groups for line in g.lines)
        )


def load_variants(skus: list[str], pictures: bool = True) -> dict[str, Variant]:
    """Variants by SKU with what the cart shows, in a fixed number of queries.

    Three: the variants joined to their products and cooperatives, then the
    products' names, then their pictures (only the cart page shows them:
    ``pictures=False`` for checkout). The cooperatives' texts are not shown.
    """
    if not skus:
        return {}
    product = joinedload(Variant.product, innerjoin=True)
    rows = db.session.scalars(
        select(Variant)
        .where(Variant.sku.in_(skus))
        .options(
            product.selectinload(Product.translations),
            product.joinedload(Product.cooperative, innerjoin=True).lazyload(
                Cooperative.translations
            ),
            *([product.selectinload(Product.images)] if pictures else []),
        )
    )
    return {v.sku: v for v in rows}


def _buyable(variant: Variant) -> bool:
    product = variant.product
    return (
        variant.active
        and product.status == ProductStatus.PUBLISHED
        and product.cooperative.status == CooperativeStatus.APPROVED
    )


def build_view(items: Mapping[str, int], pictures: bool = True) -> CartView:
    """Group ``{sku: quantity}`` by cooperative, checking each line's stock."""
    variants = load_variants(sorted(items), pictures)
    groups: dict[int, CooperativeGroup] = {}
    gone: list[CartLine] = []
    for sku, quantity in items.items():
        variant = variants.get(sku)
        if variant is None or not _buyable(variant):
            gone.append(CartLine(sku, quantity, variant, "gone"))
            continue
        if variant.stock <= 0:
            gone.append(CartLine(sku, quantity, variant, "soldout"))
            continue
        coop = variant.product.cooperative
        group = groups.setdefault(coop.id, CooperativeGroup(coop))
        group.lines.append(
            CartLine(sku, quantity, variant, "low" if quantity > variant.stock else "ok")
        )
    ordered = sorted(groups.values(), key=lambda g: g.cooperative.legal_name)
    for group in ordered:
        group.lines.sort(key=lambda line: line.sku)
    return CartView(ordered, gone)
