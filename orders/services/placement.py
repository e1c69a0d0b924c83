"""Placing an order: take the stock, write the order, its parcels and lines, tell the shopper.

``place_order`` flushes and raises ``OrderError`` (``SoldOut``,
``PriceChanged``); the view commits once, or rolls back, which puts back
whatever stock the call already took. E-mails are rendered here and sent
only after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from catalog.summary import refresh_summaries
from shop.extensions import db
from shop.models import utcnow
from shop.money.policy import current_policy
from shop.money.split import Policy

from ..cart import CartView
from ..discounts import codes as discount_codes
from ..exceptions import OrderError, PriceChanged, SoldOut
from ..models import Order, OrderLine, OrderStatus, PaymentMethod, Shipment, ShipmentStatus
from .confirmation import ask_confirmation, confirm_due
from .holds import hold_duration
from .inventory import allocate_lots, take_stock
from .pricing import Address, LineQuote, line_name, quote
from .queries import hash_token

#: Crockford's base32: no I, L, O or U, so a number read aloud is not misheard.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_PREFIX = "TW-"


def new_number() -> str:
    """A fresh order number, e.g. TW-7KQ4XM (about a billion possibilities)."""
    while True:
        number = NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
        if db.session.scalar(select(Order.id).where(Order.number == number)) is None:
            return number


def available_payment_methods() -> list[PaymentMethod]:
    """Cash on delivery always; card only when Stripe is configured (never faked).

    Both keys are needed: without the webhook secret no payment could ever be
    confirmed, and card orders would wait until their hold lapsed.
    """
    methods = [PaymentMethod.COD]
    if current_app.config.get("STRIPE_SECRET_KEY") and current_app.config.get(
        "STRIPE_WEBHOOK_SECRET"
    ):
        methods.append(PaymentMethod.CARD)
    return methods


def place_order(
    items: Mapping[str, int],
    address: Address,
    method: PaymentMethod,
    lang: str,
    user_id: int | None = None,
    expected_total: int | None = None,
    policy: Policy | None = None,
    view: CartView | None = None,
    code: str | None = None,
) -> tuple[Order, str]:
    """Create the order, its shipments and lines, take the stock; return it and its link secret.

    Raises SoldOut when any item falls short (the caller rolls back, which
    puts back whatever this call already took) and PriceChanged when the
    total is not the one the shopper reviewed. ``view``: the cart as the
    caller just read it in this transaction (see ``quote``). ``code``: the
    discount code the shopper typed (CodeRefused, BasketTooSmall when it cannot
    be used); its use is taken with a conditional UPDATE, so two checkouts
    racing for its last use cannot both have it.
    """
    if method not in available_payment_methods():
        raise OrderError(_l("This payment method is not available."))
    if method == PaymentMethod.COD and address.country != "MA":
        raise OrderError(_l("Cash on delivery is only possible for addresses in Morocco."))
    policy = policy or current_policy()
    found = None
    if code:
        found = discount_codes.find_usable(code)
        discount_codes.check_shopper(found, user_id, address.email)
    priced = quote(items, address, policy, view, code=found)
    if expected_total is not None and priced.total_cents != expected_total:
        raise PriceChanged(
            _l(
                "Prices or shipping changed since you reviewed your order. "
                "Please check the new total."
            )
        )
    variants = {line.variant.id: line.variant for s in priced.shipments for line in s.lines}
    short = take_stock(
        {line.variant.id: line.quantity for s in priced.shipments for line in s.lines}
    )
    if short:
        raise SoldOut([line_name(variants[i], variants[i].sku) for i in short])

    token = secrets.token_urlsafe(24)
    cod = method == PaymentMethod.COD
    order = Order(
        number=new_number(),
        user_id=user_id,
        token_hash=hash_token(token),
        # Cash on delivery waits for the shopper's confirmation, its stock held;
        # a card order waits for Stripe and skips it.
        status=OrderStatus.AWAITING_CONFIRMATION if cod else OrderStatus.PENDING_PAYMENT,
        payment_method=method,
        lang=lang,
        email=address.email,
        phone=address.phone,
        full_name=address.full_name,
        address_line=address.address_line,
        city=address.city,
        city_canonical=address.city_canonical or address.city,
        postal_code=address.postal_code,
        country=address.country,
        currency=current_app.config.get("CURRENCY", "MAD"),
        items_cents=priced.items_cents,
        shipping_cents=priced.shipping_cents,
        total_cents=priced.total_cents,
        discount_code=found.code if found else "",
        discount_code_id=found.id if found else None,
        discount_cents=priced.discount_cents,
        platform_discount_cents=priced.platform_discount_cents,
        payment_due_at=None if cod else utcnow() + hold_duration(),
        confirm_due_at=confirm_due() if cod else None,
        contact_channel=address.contact,
    )
    db.session.add(order)
    for parcel in priced.shipments:
        shipment = Shipment(
            cooperative_id=parcel.cooperative.id,
            status=ShipmentStatus.TO_PREPARE,
            zone=parcel.zone,
            weight_g=parcel.weight_g,
            items_cents=parcel.items_cents,
            shipping_cents=parcel.shipping_cents,
            shipping_discount_cents=parcel.shipping_discount_cents,
            platform_discount_cents=parcel.platform_discount_cents,
        )
        order.shipments.append(shipment)
        for item in parcel.lines:
            order.lines.append(_snapshot(item, shipment, policy))
    db.session.flush()
    # One INSERT for every line's lots at the next flush, and no query for
    # the allocations of lines that were just created (there are none).
    with db.session.no_autoflush:
        for line in order.lines:
            set_committed_value(line, "lots", [])
            allocate_lots(line, line.variant_id)
    refresh_summaries(db.session, {v.product_id for v in variants.values()})
    db.session.flush()
    if found is not None:
        discount_codes.redeem(found, order.id, user_id, address.email, priced.discount_cents)
    if cod:
        # The shopper confirms by link or reply; a card order is confirmed to
        # the shopper once Stripe says it is paid.
        ask_confirmation(order, token)
    return order, token


def _snapshot(item: LineQuote, shipment: Shipment, policy: Policy) -> OrderLine:
    variant = item.variant
    names = {t.locale: t.name for t in variant.product.translations}
    return OrderLine(
        shipment=shipment,
        cooperative_id=shipment.cooperative_id,
        variant_id=variant.id,
        product_id=variant.product_id,
        sku=variant.sku,
        name_ar=names.get("ar", ""),
        name_fr=names.get("fr", ""),
        name_en=names.get("en", ""),
        variant_label=variant.label,
        unit_price_cents=variant.price_cents,
        quantity=item.quantity,
        weight_g=variant.weight_g,
        gross_cents=item.split.gross,
        discount_cents=item.discount,
        platform_discount_cents=item.platform_discount,
        commission_cents=item.split.commission,
        premium_cents=item.split.premium,
        producer_cents=item.split.producer,
        policy_version=policy.version,
    )
