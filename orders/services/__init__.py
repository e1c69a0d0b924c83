"""Order operations: quote, place, ship, deliver, remit cash, cancel, card holds.

One module per job, lowest first (each imports only those before it):

- ``states``: the order and shipment state machines and the moves through them;
- ``mails``: mails to the shopper, sent after the commit;
- ``notices``: notices by the shopper's chosen channel (``shop.messaging``),
  and "new parcel to prepare" to the cooperatives' managers;
- ``inventory``: stock taken and put back, lot allocation;
- ``pricing``: the quote (parcels, shipping, split) and the ``Address``;
- ``queries``: read-only lookups (an order by number and link, history, packing slips);
- ``fulfilment``: parcels shipped, out for delivery, delivered, refused, cash remitted; orders cancelled, refunded;
- ``confirmation``: cash on delivery confirmed by the shopper (signed link, delay);
- ``holds``: card orders' stock holds, their lapse, and Stripe's word on the payment;
- ``placement``: ``place_order``;
- ``guests``: guest orders joining the account of their address.

Services flush and raise ``orders.exceptions.OrderError``; the view commits
once. Callers use this package's names (``services.place_order``,
``services.OrderError``), re-exported below.
"""

from __future__ import annotations

from ..exceptions import (
    CartError,
    IllegalTransition,
    OrderError,
    PriceChanged,
    RefundError,
    SoldOut,
)
from .confirmation import (
    BAD_LINK_MESSAGE,
    confirm_cod,
    confirm_delay,
    confirm_token,
    order_from_token,
)
from .fulfilment import (
    admin_cash_remitted,
    cancel_order,
    mark_cash_remitted,
    mark_delivered,
    mark_out_for_delivery,
    mark_refunded,
    mark_refused,
    mark_shipped,
)
from .guests import attach_guest_orders
from .holds import (
    EXPIRED_MESSAGE,
    HOLD_GRACE,
    cancel_unpaid,
    checkout_expires_at,
    confirm_card_payment,
    hold_duration,
    hold_lapsed,
    note_payment,
    payable_now,
    record_full_refund,
    record_late_payment_refund,
    release_expired_holds,
    renew_hold,
    session_minutes,
    take_back_late_payment,
)
from .inventory import restock_units
from .notices import CONTACT_CHANNELS, for_order, tell_cooperatives, tell_shopper
from .placement import available_payment_methods, new_number, place_order
from .pricing import Address, LineQuote, Quote, ShipmentQuote, quote
from .queries import (
    PREPARABLE,
    hash_token,
    history,
    normalize_number,
    order_for,
    order_options,
    packing_slips,
    token_matches,
)
from .states import (
    ENDED,
    ORDER_MOVES,
    PAYMENT_MOVES,
    SHIPMENT_MOVES,
    claim_transition,
    transition_order,
    transition_shipment,
)

__all__ = [
    "BAD_LINK_MESSAGE",
    "CONTACT_CHANNELS",
    "ENDED",
    "EXPIRED_MESSAGE",
    "HOLD_GRACE",
    "ORDER_MOVES",
    "PAYMENT_MOVES",
    "PREPARABLE",
    "SHIPMENT_MOVES",
    "Address",
    "CartError",
    "IllegalTransition",
    "LineQuote",
    "OrderError",
    "PriceChanged",
    "Quote",
    "RefundError",
    "ShipmentQuote",
    "SoldOut",
    "admin_cash_remitted",
    "attach_guest_orders",
    "available_payment_methods",
    "cancel_order",
    "cancel_unpaid",
    "checkout_expires_at",
    "claim_transition",
    "confirm_card_payment",
    "confirm_cod",
    "confirm_delay",
    "confirm_token",
    "for_order",
    "hash_token",
    "history",
    "hold_duration",
    "hold_lapsed",
    "mark_cash_remitted",
    "mark_delivered",
    "mark_out_for_delivery",
    "mark_refunded",
    "mark_refused",
    "mark_shipped",
    "new_number",
    "normalize_number",
    "note_payment",
    "order_for",
    "order_from_token",
    "order_options",
    "packing_slips",
    "payable_now",
    "place_order",
    "quote",
    "record_full_refund",
    "record_late_payment_refund",
    "release_expired_holds",
    "renew_hold",
    "restock_units",
    "session_minutes",
    "take_back_late_payment",
    "tell_cooperatives",
    "tell_shopper",
    "token_matches",
    "transition_order",
    "transition_shipment",
]
