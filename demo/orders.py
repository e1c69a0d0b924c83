"""Demo orders in every state, with their money in the ledger (``flask seed-demo``).

Runs after the demo catalog. Everything goes through the real services
(place, confirm, pay, ship, deliver, refuse, remit, refund, release, payout), so the demo
ledger is what production would write and ``flask ledger check`` passes on it.
Three things are simulated, said here plainly: card payments are confirmed as
the Stripe webhook would confirm them (ids "cs_demo_…"), cash orders as the
shopper's tap on the confirmation link would confirm them, and delivery dates
are moved back in time so that some parcels are past their hold.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from catalog.models import Product, ProductStatus, Variant
from orders import cancellation, refunds, services, stripe_refunds
from orders.carriers import ensure_default_carriers
from orders.models import Order, PaymentMethod
from orders.services import Address
from producers.models import Cooperative
from producers.money.models import Payout
from producers.money.payouts import mark_failed, mark_paid, run_payouts
from shop import jobs, mail
from shop.extensions import db
from shop.messaging import deliver_text
from shop.models import utcnow

from .users import demo_user

SHOPPERS = (
    Address(
        email="shopper@demo.taawon.ma",
        phone="+212612345678",
        full_name="Youssef Benali",
        address_line="14 rue Abou Bakr Seddik, appt 3",
        city="Casablanca",
        postal_code="20250",
        country="MA",
        region_code=6,
    ),
    Address(
        email="khadija@demo.taawon.ma",
        phone="+212661234567",
        full_name="Khadija Amrani",
        address_line="7 derb Sidi Bouloukat",
        city="Marrakech",
        postal_code="40000",
        country="MA",
        region_code=7,
    ),
    Address(
        email="claire@demo.taawon.ma",
        phone="+33612345678",
        full_name="Claire Martin",
        address_line="12 rue des Lilas",
        city="Lyon",
        postal_code="69003",
        country="FR",
        region_code=None,
    ),
)


def demo_rib(seed: int) -> str:
    """A valid fictional RIB (24 digits, int(rib) % 97 == 0)."""
    base = f"0117800000{seed:012d}"
    return base + f"{97 - int(base) * 100 % 97:02d}"


def _variants() -> list[Variant]:
    """One sellable variant per demo cooperative (up to five cooperatives)."""
    seen: dict[int, Variant] = {}
    for variant in db.session.scalars(
        select(Variant)
        .join(Variant.product)
        .where(Product.status == ProductStatus.PUBLISHED, Variant.stock >= 20)
        .order_by(Product.id, Variant.id)
    ):
        seen.setdefault(variant.product.cooperative_id, variant)
    return list(seen.values())[:5]


def _place(
    address: Address,
    method: PaymentMethod,
    wanted: dict[Variant, int],
    lang: str,
    confirm: bool = True,
) -> Order:
    """Place an order; a cash one is confirmed as the shopper's tap on the link would
    (``confirm=False`` leaves it awaiting confirmation)."""
    user = demo_user("shopper@demo.taawon.ma") if address is SHOPPERS[0] else None
    order, _token = services.place_order(
        {v.sku: q for v, q in wanted.items()},
        address,
        method,
        lang,
        user_id=user.id if user else None,
    )
    db.session.flush()
    if confirm and method == PaymentMethod.COD:
        services.confirm_cod(order, "link")
        db.session.flush()
    return order


def _pay(order: Order) -> None:
    services.confirm_card_payment(order, f"cs_demo_{order.id}", f"pi_demo_{order.id}")


def _deliver(order: Order, days_ago: int = 0, remit: bool = True) -> None:
    for number, shipment in enumerate(order.shipments):
        services.mark_shipped(shipment, "Amana", f"RR{order.id:05d}{number}MA")
        services.mark_delivered(shipment)
        shipment.delivered_at = utcnow() - timedelta(days=days_ago)
        if remit and order.payment_method == PaymentMethod.COD:
            services.mark_cash_remitted(shipment)
    db.session.flush()


def seed_orders() -> list[str]:
    """Orders in every state, refunds, payouts paid, in transit and failed."""
    if db.session.scalar(select(func.count()).select_from(Order)):
        return ["Demo orders: already there."]
    ensure_default_carriers()  # a database made with create_all has none
    # Order mails are rendered with links; outside a request they need a host.
    # They are dropped: the demo shoppers are fictional.
    base = current_app.config.get("SERVER_NAME") or "127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=f"http://{base}"):
        lines = _seed_orders()
        mail.drop_queued()
        jobs.drop(deliver_text)  # and the text messages (confirmation links)
    return lines


def _seed_orders() -> list[str]:
    variants = _variants()
    if len(variants) < 3:
        return ["Demo orders: not enough demo products."]
    a, b, c = variants[:3]
    for number, coop in enumerate(
        db.session.scalars(
            select(Cooperative).where(
                Cooperative.id.in_([v.product.cooperative_id for v in variants[:2]])
            )
        )
    ):
        coop.rib, coop.rib_holder = demo_rib(number + 1), coop.legal_name
    config = current_app.config
    keys = config.get("STRIPE_SECRET_KEY"), config.get("STRIPE_WEBHOOK_SECRET")
    # Card orders need the card method; the payments themselves are simulated.
    config["STRIPE_SECRET_KEY"], config["STRIPE_WEBHOOK_SECRET"] = "sk_demo", "whsec_demo"
    try:
        home, marrakech, abroad = SHOPPERS
        cod, card = PaymentMethod.COD, PaymentMethod.CARD
        # Paid out long ago: delivered 40 days ago, released, paid out (a batch, paid).
        old = [_place(home, cod, {a: 2, b: 1}, "fr"), _place(abroad, card, {a: 1, c: 1}, "en")]
        _pay(old[1])
        for order in old:
            _deliver(order, days_ago=40)
        # A delivered cash order partly refunded (one unit handed back in cash).
        partly = _place(marrakech, cod, {b: 3}, "ar")
        _deliver(partly, days_ago=30)
        refunds.create_refund(partly, {partly.lines[0].id: 1}, [], "Pot arrivé fêlé", None)
        db.session.flush()
        first = run_payouts()
        db.session.flush()
        by_coop = {p.cooperative_id: p for p in (first.payouts if first else [])}
        if a.product.cooperative_id in by_coop:
            mark_paid(by_coop[a.product.cooperative_id], None)
        if b.product.cooperative_id in by_coop:
            mark_failed(
                by_coop[b.product.cooperative_id], "RIB refusé par la banque (compte clôturé)", None
            )
        # Released after the first run: the next batch is in transit.
        later = _place(home, cod, {a: 1}, "fr")
        _deliver(later, days_ago=20)
        run_payouts()
        # Pending: delivered within the hold, or delivered and cash not remitted yet.
        _deliver(_paid(abroad, {c: 2}, "fr"), days_ago=3)
        _deliver(_place(marrakech, cod, {b: 1}, "ar"), remit=False)
        # On their way: shipped, partly shipped.
        shipped = _place(home, cod, {c: 1}, "fr")
        services.mark_shipped(shipped.shipments[0], "Amana", "RR00001MA")
        partial = _place(marrakech, cod, {a: 1, c: 1}, "ar")
        services.mark_shipped(partial.shipments[0], "CTM Messagerie", "CTM-88213")
        # Refused at the door: shipped, the shopper would not take it (back in stock).
        refused = _place(marrakech, cod, {c: 1}, "ar")
        services.mark_shipped(refused.shipments[0], "Amana", "RR00002MA")
        services.mark_refused(refused.shipments[0], None, "Client absent, colis refusé")
        # To prepare: cash on delivery confirmed, and a card order paid.
        _place(home, cod, {a: 1, b: 1, c: 1}, "ar")
        _paid(abroad, {a: 1}, "en")
        # Awaiting the shopper's confirmation (by link, reply or phone): not
        # in the cooperatives' lists yet; the second lapses in an hour.
        _place(marrakech, cod, {a: 1}, "ar", confirm=False)
        lapsing = _place(home, cod, {b: 1}, "fr", confirm=False)
        lapsing.confirm_due_at = utcnow() + timedelta(hours=1)
        # Cancelled by an administrator, refunded in full from Stripe's dashboard,
        # and a card checkout still waiting for its payment.
        cancelled = _place(marrakech, cod, {b: 2}, "fr")
        cancellation.admin_cancel(cancelled, "Adresse introuvable, client injoignable", None)
        refunded = _paid(abroad, {c: 1}, "fr")
        stripe_refunds.stripe_charge_refunded(
            refunded,
            {
                "id": f"ch_demo_{refunded.id}",
                "amount": refunded.total_cents,
                "amount_refunded": refunded.total_cents,
                "refunded": True,
                "currency": "mad",
                "refunds": {"data": [{"id": f"re_demo_{refunded.id}", "status": "succeeded"}]},
            },
        )
        _place(abroad, card, {a: 1}, "fr")
        db.session.flush()
    finally:
        config["STRIPE_SECRET_KEY"], config["STRIPE_WEBHOOK_SECRET"] = keys
    states = db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
    payouts = db.session.scalar(select(func.count()).select_from(Payout))
    return [
        "Demo orders: "
        + ", ".join(
            f"{count} {status.value}"
            for status, count in sorted(states, key=lambda row: row[0].value)
        )
        + f"; {payouts} payouts"
    ]


def _paid(address: Address, wanted: dict[Variant, int], lang: str) -> Order:
    order = _place(address, PaymentMethod.CARD, wanted, lang)
    _pay(order)
    db.session.flush()
    return db.session.get(Order, order.id)
