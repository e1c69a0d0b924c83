"""``POST /stripe/webhook``: Stripe's word on card orders, verified and applied once.

Every verified event's id is inserted first, in the same transaction as its
effects: a replay hits the unique index and is answered 200 without acting,
and a failure rolls both back so Stripe's retry finds the event new again.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import stripe
from flask import Blueprint, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shop.extensions import csrf, db, limiter

from . import accounting, payments, services, stripe_refunds
from .models import Order, OrderStatus, PaymentMethod, StripeEvent

log = logging.getLogger(__name__)

bp = Blueprint("stripe_webhooks", __name__)


@bp.route("/stripe/webhook", methods=["POST"])
@csrf.exempt
@limiter.exempt
def stripe_webhook():
    """Verify the signature, record the event once, then apply it."""
    try:
        event = payments.parse_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except (stripe.SignatureVerificationError, ValueError, AttributeError):
        return jsonify(error="invalid signature or payload"), 400
    problem = malformed(event)
    if problem:
        # Signed but not the shape the handlers read: retrying cannot help.
        log.error("Stripe event refused: %s", problem)
        return jsonify(error="unexpected event shape"), 400
    db.session.add(StripeEvent(event_id=str(event["id"])[:255], type=str(event["type"])[:100]))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return jsonify(received=True, duplicate=True), 200
    handler = HANDLERS.get(event["type"])
    try:
        if handler is not None:
            handler(event["data"]["object"])
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("Stripe event %s (%s) failed; Stripe will retry", event["id"], event["type"])
        return jsonify(error="not processed"), 500
    return jsonify(received=True), 200


# ---------------------------------------------------------------- the event's shape

#: The types the handlers expect of the fields they read (None is always
#: allowed: Stripe leaves fields empty); ids are compared with text columns.
FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "object": (str,),
    "client_reference_id": (str,),
    "metadata": (dict,),
    "payment_intent": (str, dict),
    "payment_status": (str,),
    "amount_total": (int,),
    "amount": (int,),
    "amount_refunded": (int,),
    "currency": (str,),
    "success_url": (str,),
    "status": (str,),
    "failure_reason": (str,),
    "last_payment_error": (dict,),
    "balance_transaction": (str, dict),
    "refunds": (dict,),
    "fee": (int,),
    "data": (list,),
    "order": (str,),
    "code": (str,),
    "message": (str,),
}


def malformed(event: Any) -> str | None:
    """Why a verified event cannot be applied (a field of the wrong type), or None.

    Checked before any handler runs, so a signed event of an unexpected shape
    is a 400 that changes nothing, never a KeyError or TypeError (a 500 that
    Stripe would retry forever).
    """
    if not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        return "event without a text id and type"
    return _bad_field(event["data"]["object"], "data.object", depth=0)


def _bad_field(obj: dict[str, Any], path: str, depth: int) -> str | None:
    if depth > 3:
        return None
    for key, value in obj.items():
        types = FIELD_TYPES.get(key)
        if value is None or types is None:
            continue
        if not isinstance(value, types) or isinstance(value, bool):
            return f"{path}.{key} is a {type(value).__name__}"
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, dict) and key == "data":
                return f"{path}.{key} holds a {type(item).__name__}"
            if isinstance(item, dict):
                problem = _bad_field(item, f"{path}.{key}", depth + 1)
                if problem:
                    return problem
    return None


# ---------------------------------------------------------------- finding the order


def _by_number(number: Any) -> Order | None:
    if not number or not isinstance(number, str):
        return None
    return db.session.scalar(select(Order).where(Order.number == number))


def _session_order(session: dict[str, Any]) -> Order | None:
    order = db.session.scalar(select(Order).where(Order.stripe_session_id == session.get("id")))
    if order is None:
        order = _by_number(session.get("client_reference_id")) or _by_number(
            (session.get("metadata") or {}).get("order")
        )
    if order is None:
        log.warning("Stripe session %s matches no order", session.get("id"))
        return None
    if order.stripe_session_id not in (None, session.get("id")):
        log.error(
            "order %s: event for session %s, but its session is %s",
            order.number,
            session.get("id"),
            order.stripe_session_id,
        )
        services.note_payment(order, f"event for unknown session {session.get('id')}")
        return None
    return order


def _intent_order(obj: dict[str, Any], intent: Any) -> Order | None:
    order = None
    if intent:
        order = db.session.scalar(select(Order).where(Order.stripe_payment_intent == intent))
    return order or _by_number((obj.get("metadata") or {}).get("order"))


def _card_order(order: Order | None, what: str) -> Order | None:
    """``order`` if it is paid by card; else None, with a note for staff.

    Only a card order has anything to do with Stripe. An event naming a
    cash-on-delivery order (by its number in the metadata: a session created
    by hand, a copied reference) must not pay, revive, refund or cancel it,
    whatever its state; the money it speaks of is for staff to look at.
    """
    if order is None or order.payment_method == PaymentMethod.CARD:
        return order
    log.error(
        "order %s (%s, %s): Stripe %s ignored",
        order.number,
        order.payment_method.value,
        order.status.value,
        what,
    )
    services.note_payment(
        order,
        f"Stripe {what} for a {order.payment_method.value} order "
        f"({order.status.value}): nothing changed; check it in Stripe and refund by hand",
    )
    return None


def _guest_token(session: dict[str, Any]) -> str | None:
    """The order link's secret, from the success URL we gave Stripe (checked before use)."""
    query = parse_qs(urlsplit(session.get("success_url") or "").query)
    return (query.get("token") or [None])[0]


def _intent_id(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("id")
    return value or None


# ---------------------------------------------------------------- handlers


def session_completed(session: dict[str, Any]) -> None:
    """The shopper paid on Stripe's page: the order is paid, even if its hold had lapsed.

    Only a card order waiting for its payment, or one whose hold lapsed, is
    moved. A completion for an order paid, refunded or on its way changes
    nothing (a second payment is noted for staff); for a cash-on-delivery
    order, in any state, it changes nothing and is noted (``_card_order``).
    """
    order = _card_order(_session_order(session), f"completion of session {session.get('id')}")
    if order is None:
        return
    intent = _intent_id(session.get("payment_intent"))
    if session.get("payment_status") != "paid":
        services.note_payment(order, f"session {session.get('id')} completed unpaid")
        return
    amount, currency = session.get("amount_total"), str(session.get("currency", "")).lower()
    if amount != order.total_cents or currency != order.currency.lower():
        log.error(
            "order %s: paid %s %s, expected %s %s",
            order.number,
            amount,
            currency,
            order.total_cents,
            order.currency,
        )
        services.note_payment(
            order,
            f"paid {amount} {currency}, expected {order.total_cents} "
            f"{order.currency}: check by hand",
        )
        return
    token = _guest_token(session)
    if order.status == OrderStatus.PENDING_PAYMENT and services.confirm_card_payment(
        order, session["id"], intent, token
    ):
        return
    # The hold lapsed (or lapsed just now, under us): take the stock again, or refund.
    db.session.refresh(order)
    if order.status != OrderStatus.CANCELLED:
        if intent and order.stripe_payment_intent not in (None, intent):
            # Paid twice (another payment of the same session): not ours to guess.
            services.note_payment(
                order,
                f"second payment {intent} (session {session['id']}) for an order already "
                f"{order.status.value}: refund it by hand",
            )
        return  # already paid (or later): nothing to do
    if services.take_back_late_payment(order, session["id"], intent, token):
        return
    if not intent:
        services.note_payment(
            order, f"late payment of session {session['id']} without payment intent: refund by hand"
        )
        return
    payments.refund(order, intent)
    services.record_late_payment_refund(order, session["id"], intent)


def session_expired(session: dict[str, Any]) -> None:
    """Stripe's page expired unpaid: cancel and restock now, and any other lapsed hold."""
    order = _session_order(session)
    if order is not None and order.status == OrderStatus.PENDING_PAYMENT:
        services.cancel_unpaid([order.id])
    services.release_expired_holds()


def payment_failed(intent: dict[str, Any]) -> None:
    """A card was declined: the order stays pending until its hold lapses."""
    order = _card_order(_intent_order(intent, intent.get("id")), "payment failure")
    if order is None:
        return
    error = intent.get("last_payment_error") or {}
    services.note_payment(
        order, f"card payment failed: {error.get('code') or error.get('message') or 'unknown'}"
    )


def charge_refunded(charge: dict[str, Any]) -> None:
    """A refund at Stripe: ours change nothing more; one made in the dashboard is followed.

    Refunded in full outside Taawon: a Refund of everything not yet refunded is
    recorded with its ledger entries and the order follows; partly: a note for
    staff (see ``stripe_refunds.stripe_charge_refunded``).
    """
    intent = _intent_id(charge.get("payment_intent"))
    order = _card_order(_intent_order(charge, intent), f"refund of charge {charge.get('id')}")
    if order is None:
        return
    stripe_refunds.stripe_charge_refunded(order, charge)


def refund_updated(stripe_refund: dict[str, Any]) -> None:
    """One of our pending card refunds succeeded or failed at Stripe."""
    stripe_refunds.stripe_refund_updated(stripe_refund)


def charge_fee(charge: dict[str, Any]) -> None:
    """``charge.succeeded`` / ``charge.updated``: Stripe's fee for a charge goes to the ledger.

    The fee is on the charge's balance transaction (expanded in the event, or
    fetched by its id). It is posted once per charge, as a platform expense
    (the platform bears card fees), and only in the order's currency: a fee
    settled in another currency is noted on the order for staff instead.
    """
    intent = _intent_id(charge.get("payment_intent"))
    order = _card_order(_intent_order(charge, intent), f"charge {charge.get('id')}")
    transaction = charge.get("balance_transaction")
    if order is None or not transaction or charge.get("status") != "succeeded":
        return
    if isinstance(transaction, str):
        transaction = payments.client().v1.balance_transactions.retrieve(transaction).to_dict()
    fee, currency = transaction.get("fee"), str(transaction.get("currency") or "").upper()
    if not isinstance(fee, int) or fee <= 0:
        return
    if currency != order.currency.upper():
        services.note_payment(
            order,
            f"card fee {fee} {currency} for {charge.get('id')}: "
            "not in the order's currency, book by hand",
        )
        return
    accounting.post_card_fee(order, str(charge.get("id")), fee)


HANDLERS = {
    "charge.succeeded": charge_fee,
    "charge.updated": charge_fee,
    "checkout.session.completed": session_completed,
    "checkout.session.expired": session_expired,
    "payment_intent.payment_failed": payment_failed,
    "charge.refunded": charge_refunded,
    "refund.updated": refund_updated,
    "refund.failed": refund_updated,
    "charge.refund.updated": refund_updated,
}
