"""Stripe Checkout for card orders: a thin gateway around ``stripe.StripeClient``.

The client is built from ``STRIPE_SECRET_KEY``; tests inject a fake
``stripe.HTTPClient`` as ``app.extensions["stripe_http_client"]``, so the
suite never reaches the network. Nothing here touches the order's status:
that is ``orders.services``' job.
"""

from __future__ import annotations

import calendar
import json
import logging
from dataclasses import dataclass
from typing import Any

import stripe
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from . import services
from .models import Order, Refund
from .services.mails import in_language

log = logging.getLogger(__name__)

#: Checkout's display languages for ours. Stripe Checkout has no Arabic, so
#: Arabic shoppers get "auto": Stripe follows the browser and falls back to English.
CHECKOUT_LOCALES = {"fr": "fr", "en": "en", "ar": "auto"}
#: How often the library itself retries a failed request (same idempotency key).
DEFAULT_NETWORK_RETRIES = 1


class PaymentUnavailable(Exception):
    """Stripe could not be reached or refused the request; ``message`` is for the shopper."""

    def __init__(self, message=None) -> None:
        """Keep a translatable message."""
        self.message = message or _l(
            "Card payment is not available right now. Your order is kept, unpaid, and will "
            "be cancelled automatically if it is not paid in time. Please try again later."
        )
        super().__init__(str(self.message))


def is_configured() -> bool:
    """True when a secret key is set (card payment is offered only then)."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    """A Stripe client for the configured key (with the injected HTTP client, if any)."""
    key = current_app.config.get("STRIPE_SECRET_KEY")
    if not key:
        raise PaymentUnavailable()
    return stripe.StripeClient(
        key,
        http_client=current_app.extensions.get("stripe_http_client"),
        max_network_retries=int(
            current_app.config.get("STRIPE_MAX_NETWORK_RETRIES", DEFAULT_NETWORK_RETRIES)
        ),
    )


def _epoch(value) -> int:
    return calendar.timegm(value.timetuple())


def checkout_params(order: Order, token: str | None) -> dict[str, Any]:
    """The Checkout Session for ``order``: MAD, centimes, one line per item and parcel."""
    lang = order.lang
    currency = order.currency.lower()
    line_items = []
    for line in order.lines:
        name = f"{line.name(lang).text} ({line.variant_label})"
        quantity, unit = line.quantity, line.unit_price_cents
        if line.paid_cents != line.list_cents:  # a discount code: the line at what it costs
            quantity, unit = 1, line.paid_cents
            name = f"{line.quantity} × {name}"
        line_items.append(
            {
                "quantity": quantity,
                "price_data": {
                    "currency": currency,
                    "unit_amount": unit,
                    "product_data": {"name": name[:250]},
                },
            }
        )
    for shipment in order.shipments:
        if shipment.shipping_cents <= shipment.shipping_discount_cents:
            continue  # free shipping: nothing to charge, the order page says so
        name = in_language(order, _l("Shipping: %(coop)s", coop=shipment.cooperative.legal_name))
        line_items.append(
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency,
                    "unit_amount": shipment.shipping_cents,
                    "product_data": {"name": name[:250]},
                },
            }
        )
    back = {"lang": lang, "number": order.number, "token": token, "_external": True}
    return {
        "mode": "payment",
        "allowed_payment_method_types": ["card"],
        "currency": currency,
        "line_items": line_items,
        "locale": CHECKOUT_LOCALES.get(lang, "auto"),
        "customer_email": order.email,
        "client_reference_id": order.number,
        "metadata": {"order": order.number},
        # Separate charges and transfers: payouts to Stripe Connect accounts
        # name the order's transfer group.
        "payment_intent_data": {
            "metadata": {"order": order.number},
            "description": f"Taawon {order.number}",
            "transfer_group": order.number,
        },
        "success_url": url_for("orders.order", checkout="done", **back),
        "cancel_url": url_for("orders.order", checkout="cancelled", **back),
        "expires_at": _epoch(services.checkout_expires_at(order)),
    }


def idempotency_key(order: Order, retry: bool = False) -> str:
    """One Checkout Session per order, however often the request is repeated.

    A new attempt ("Pay now" after Stripe failed or the page expired) renews
    the hold first, so its key names the new deadline: Stripe remembers a
    key's first answer, even an error, for a day.
    """
    if retry:
        return f"checkout-{order.number}-{_epoch(services.checkout_expires_at(order))}"
    return f"checkout-{order.number}"


def start_checkout(order: Order, token: str | None, retry: bool = False) -> str:
    """Create the order's Checkout Session, remember its id; return the page's URL.

    Raises PaymentUnavailable when Stripe is unreachable (network, 5xx, rate
    limit) or refuses (bad key, invalid request); the order is left as it is.
    The caller commits.
    """
    params = checkout_params(order, token)
    expected = sum(
        item["quantity"] * item["price_data"]["unit_amount"] for item in params["line_items"]
    )
    if expected != order.total_cents:  # a bug, not a shopper's problem: refuse loudly
        log.error(
            "order %s: line items sum to %s, total is %s", order.number, expected, order.total_cents
        )
        raise PaymentUnavailable()
    try:
        session = client().v1.checkout.sessions.create(
            params, options={"idempotency_key": idempotency_key(order, retry)}
        )
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
        log.warning("order %s: Stripe unreachable: %s", order.number, exc)
        raise PaymentUnavailable() from exc
    except stripe.StripeError as exc:
        log.error("order %s: Stripe refused the Checkout Session: %s", order.number, exc)
        raise PaymentUnavailable() from exc
    order.stripe_session_id = session["id"]
    return session["url"]


class PaymentPending(Exception):
    """The shopper already paid on Stripe's page; the confirmation is on its way."""


def resume_checkout(order: Order, token: str | None) -> str:
    """ "Pay now" on a card order still waiting: the open Stripe page, or a new one.

    A session still open is reused (the shopper left it before paying). Without
    one (Stripe was down when the order was placed) or when it expired, the
    hold is renewed so that Stripe accepts the new page's expiry (at least 30
    minutes ahead) and a new session is created. Raises PaymentPending when
    the session was paid, PaymentUnavailable when Stripe fails, and
    services.OrderError when the hold has lapsed. The caller commits.
    """
    if order.stripe_session_id:
        try:
            session = client().v1.checkout.sessions.retrieve(order.stripe_session_id)
        except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
            log.warning("order %s: Stripe unreachable: %s", order.number, exc)
            raise PaymentUnavailable() from exc
        except stripe.StripeError as exc:
            log.error(
                "order %s: Stripe refused to read session %s: %s",
                order.number,
                order.stripe_session_id,
                exc,
            )
            raise PaymentUnavailable() from exc
        data = session.to_dict()
        status = data.get("status")
        if status == "open" and data.get("url"):
            return data["url"]
        if status == "complete":
            raise PaymentPending()
    services.renew_hold(order)
    return start_checkout(order, token, retry=True)


def refund_idempotency_key(refund: Refund) -> str:
    """One Stripe refund per Taawon refund, however often the request is repeated."""
    return f"refund-{refund.order.number}-{refund.id}"


@dataclass(frozen=True)
class StripeRefund:
    """What Stripe answered to a refund request."""

    id: str
    #: pending, requires_action, succeeded, failed or canceled.
    status: str
    failure_reason: str = ""


def create_refund(refund: Refund) -> StripeRefund:
    """Refund ``refund.amount_cents`` of its order's card payment at Stripe.

    Raises PaymentUnavailable (with a message for the administrator) when
    Stripe is unreachable or refuses; the caller then rolls back.
    """
    order = refund.order
    if not order.stripe_payment_intent:
        raise PaymentUnavailable(
            _l("This card payment has no Stripe reference: refund it from the Stripe dashboard.")
        )
    params = {
        "payment_intent": order.stripe_payment_intent,
        "amount": refund.amount_cents,
        "reason": "requested_by_customer",
        "metadata": {"order": order.number, "refund": str(refund.id)},
    }
    try:
        result = client().v1.refunds.create(
            params, options={"idempotency_key": refund_idempotency_key(refund)}
        )
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
        log.warning("order %s: Stripe unreachable for refund %s: %s", order.number, refund.id, exc)
        raise PaymentUnavailable(
            _l(
                "Stripe cannot be reached right now: nothing was "
                "refunded or changed. Please try again later."
            )
        ) from exc
    except stripe.StripeError as exc:
        log.error("order %s: Stripe refused refund %s: %s", order.number, refund.id, exc)
        raise PaymentUnavailable(
            _l(
                "Stripe refused this refund (%(reason)s): nothing was refunded or changed.",
                reason=getattr(exc, "user_message", None) or getattr(exc, "code", None) or "error",
            )
        ) from exc
    data = result.to_dict()
    return StripeRefund(
        str(data["id"]), str(data.get("status") or "pending"), str(data.get("failure_reason") or "")
    )


def refund(order: Order, payment_intent: str) -> str:
    """Refund ``payment_intent`` in full; return the refund's id.

    Idempotent per order: a retried webhook cannot refund twice. Stripe errors
    propagate, so the webhook answers 500 and Stripe delivers it again later.
    """
    result = client().v1.refunds.create(
        {"payment_intent": payment_intent, "metadata": {"order": order.number}},
        options={"idempotency_key": f"refund-{order.number}-{payment_intent}"},
    )
    return result["id"]


def parse_event(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify a webhook's ``Stripe-Signature`` with ``STRIPE_WEBHOOK_SECRET``; return the event.

    Raises ``stripe.SignatureVerificationError`` (also for a missing header or
    secret, or a timestamp older than five minutes) or ValueError (not an event).
    """
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or None
    stripe.WebhookSignature.verify_header(
        payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE
    )
    event = json.loads(payload)
    if (
        not isinstance(event, dict)
        or event.get("object") != "event"
        or not isinstance(event.get("data", {}).get("object"), dict)
    ):
        raise ValueError("not a Stripe event")
    return event
