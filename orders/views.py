"""Cart, checkout and order pages: parse, call one service, commit once, render."""

from __future__ import annotations

import logging
from typing import Any

import click
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError

from shop.actions import commit_or_flash
from shop.extensions import db
from shop.i18n import best_language
from shop.security import same_origin

from . import cancellation, invoicing, payments, services
from . import cart as store
from .cities import cities
from .discount_views import cart_code, checkout_quote, session_code
from .exceptions import CartError
from .forms import AddToCartForm, CheckoutForm, ConfirmOrderForm, QuantityForm, RemoveForm
from .models import OrderStatus, PaymentMethod, ShipmentStatus, ShippingZone
from .shipping import shipping_hints

bp = Blueprint("orders", __name__, template_folder="templates", url_prefix="/<lang:lang>")
bp.add_url_rule("/cart/code", "cart_code", cart_code, methods=["POST"])  # discount_views.py

ORDER_STATUS_LABELS = {
    OrderStatus.PENDING_PAYMENT: _l("Waiting for payment"),
    OrderStatus.AWAITING_CONFIRMATION: _l("Waiting for your confirmation"),
    OrderStatus.CONFIRMED: _l("Confirmed"),
    OrderStatus.PAID: _l("Paid"),
    OrderStatus.PARTIALLY_SHIPPED: _l("Partly shipped"),
    OrderStatus.SHIPPED: _l("Shipped"),
    OrderStatus.DELIVERED: _l("Delivered"),
    OrderStatus.COMPLETED: _l("Completed"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    OrderStatus.REFUNDED: _l("Refunded"),
    OrderStatus.REFUSED: _l("Refused at delivery"),
}
SHIPMENT_STATUS_LABELS = {
    ShipmentStatus.TO_PREPARE: _l("Being prepared"),
    ShipmentStatus.SHIPPED: _l("On its way"),
    ShipmentStatus.DELIVERED: _l("Delivered"),
    ShipmentStatus.CANCELLED: _l("Cancelled"),
    ShipmentStatus.REFUSED: _l("Refused at delivery"),
}
ZONE_LABELS = {
    ShippingZone.LOCAL: _l("same region"),
    ShippingZone.NATIONAL: _l("across Morocco"),
    ShippingZone.INTERNATIONAL: _l("international"),
}
PAYMENT_NAMES = {
    PaymentMethod.COD: _l("Cash on delivery"),
    PaymentMethod.CARD: _l("Card"),
}
#: SQLite answers "database is locked" when busy_timeout ran out under heavy writes.
LOCKED_RETRIES = 3

log = logging.getLogger(__name__)


def _release_holds() -> None:
    """Cancel lapsed card holds in a short transaction of their own, before reading stock.

    Not inside ``place_order``: restocking one order and taking another's stock
    in a single transaction would lock variant rows out of id order, which can
    deadlock on PostgreSQL. Best effort: a busy database just leaves them for
    the next request.
    """
    try:
        if services.release_expired_holds():
            db.session.commit()
    except OperationalError:
        db.session.rollback()
        log.warning(
            "releasing lapsed card holds failed; the next request will retry", exc_info=True
        )


@bp.cli.command("release-holds")
def release_holds_command() -> None:
    """Cancel and restock unpaid card orders whose payment window closed (for cron)."""
    released = services.release_expired_holds()
    db.session.commit()
    click.echo(
        f"{len(released)} hold(s) released"
        + (": " + ", ".join(o.number for o in released) if released else ".")
    )


@bp.context_processor
def labels() -> dict[str, Any]:
    """Status and zone names for the order templates."""
    return {
        "order_status_labels": ORDER_STATUS_LABELS,
        "shipment_status_labels": SHIPMENT_STATUS_LABELS,
        "zone_labels": ZONE_LABELS,
        "payment_names": PAYMENT_NAMES,
    }


# ---------------------------------------------------------------- cart


@bp.route("/cart")
def cart():
    """The shopper's cart, grouped by cooperative, with live stock messages."""
    _release_holds()
    view = store.build_view(store.contents())
    hints = shipping_hints(
        (group.cooperative.id, group.subtotal_cents, group.weight_g) for group in view.groups
    )
    return render_template(
        "orders/cart.html",
        view=view,
        hints=hints,
        quantity_form=QuantityForm(),
        remove_form=RemoveForm(),
    )


@bp.route("/cart/add", methods=["POST"])
@same_origin
def cart_add():
    """Add a variant from the product page (a cached page: checked by origin, not a token)."""
    form = AddToCartForm()
    if not form.validate():
        flash(_("Choose a size and a quantity from 1 to %(num)d.", num=store.MAX_QUANTITY), "error")
        return redirect(url_for("orders.cart"))
    with commit_or_flash() as outcome:
        variant, _quantity, note = store.add(form.variant.data, form.quantity.data or 1)
    if not outcome.ok:
        return redirect(url_for("orders.cart"))
    flash(_("Added to your cart: %(name)s.", name=variant.product.name(g.lang).text), "success")
    if note:
        flash(note, "warning")
    return redirect(url_for("orders.cart"))


@bp.route("/cart/update", methods=["POST"])
def cart_update():
    """Change a line's quantity (0 removes it)."""
    form = QuantityForm()
    if not form.validate():
        flash(_("Give a quantity from 0 to %(num)d.", num=store.MAX_QUANTITY), "error")
        return redirect(url_for("orders.cart"))
    with commit_or_flash() as outcome:
        note = store.set_quantity(form.sku.data, form.quantity.data)
    if outcome.ok:
        flash(note or _("Your cart is updated."), "warning" if note else "success")
    return redirect(url_for("orders.cart"))


@bp.route("/cart/remove", methods=["POST"])
def cart_remove():
    """Take a line out of the cart."""
    form = RemoveForm()
    if form.validate():
        store.remove(form.sku.data)
        db.session.commit()
        flash(_("Removed from your cart."), "success")
    return redirect(url_for("orders.cart"))


# ---------------------------------------------------------------- checkout


def _checkout_form() -> CheckoutForm:
    form = CheckoutForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = form.email.data or current_user.email
        form.full_name.data = form.full_name.data or current_user.name
    return form


def _render_checkout(form: CheckoutForm, view: store.CartView, status: int = 200):
    return render_template("orders/checkout.html", form=form, view=view, cities=cities()), status


def _render_review(form: CheckoutForm, quote: services.Quote, status: int = 200):
    form.expected_total.data = str(quote.total_cents)
    return render_template("orders/review.html", form=form, quote=quote), status


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    """Address and payment, then a review of every parcel, then the order."""
    _release_holds()
    items = store.contents()
    view = store.build_view(items, pictures=False)  # the checkout pages show none
    if not view.lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("orders.cart"))
    action = request.form.get("action", "")
    if request.method == "POST" and action == "place":
        return _place(items, view)
    if not view.ready:
        flash(_("Some items in your cart changed. Check them before ordering."), "warning")
        return redirect(url_for("orders.cart"))
    form = _checkout_form()
    if request.method == "GET" or action == "edit" or not form.validate():
        return _render_checkout(
            form, view, 200 if request.method == "GET" or action == "edit" else 422
        )
    try:
        quote = checkout_quote(items, form.address, view=view)
    except services.OrderError as exc:
        flash(str(exc.message), "error")
        return _render_checkout(form, view, 422)
    return _render_review(form, quote)


def _reviewed_total(form: CheckoutForm) -> int | None:
    """The total the review step showed, as posted back; None when missing or not a number."""
    value = (form.expected_total.data or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) > 15:
        return None
    return int(value)


def _review_again(form: CheckoutForm, items: dict[str, int], view: store.CartView, status: int):
    """The review step once more, with today's prices and shipping (or the form, if none)."""
    try:
        quote = checkout_quote(items, form.address)
    except services.OrderError as exc:
        flash(str(exc.message), "error")
        return _render_checkout(form, view, 422)
    return _render_review(form, quote, status)


def _place(items: dict[str, int], view: store.CartView):
    """Place the order, only at the total the shopper reviewed.

    The placing POST must carry the review's total (hidden field): without
    it, a shopper (or a forged form) would accept whatever prices and
    shipping are by then. A missing total shows the review again; a different
    one is PriceChanged, which shows it too.
    """
    form = _checkout_form()
    if not form.validate():
        return _render_checkout(form, view, 422)
    reviewed = _reviewed_total(form)
    if reviewed is None:
        flash(_("Check the total of your order, then place it."), "warning")
        return _review_again(form, items, view, 422)
    for attempt in range(LOCKED_RETRIES):
        try:
            order, token = services.place_order(
                items,
                form.address,
                form.method,
                g.lang,
                user_id=current_user.id if current_user.is_authenticated else None,
                expected_total=reviewed,
                # The cart as read at the top of this request, unless a retry
                # rolled that transaction back.
                view=None if attempt else view,
                code=session_code(),
            )
            store.clear()
            # Read before the commit expires them: no query to build the answer.
            number, owned, status = order.number, order.user_id is not None, order.status
            db.session.commit()
            break
        except services.SoldOut as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return redirect(url_for("orders.cart"))
        except services.PriceChanged as exc:
            db.session.rollback()
            flash(str(exc.message), "warning")
            return _review_again(form, items, view, 409)
        except services.OrderError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return _render_checkout(form, view, 422)
        except OperationalError as exc:
            db.session.rollback()
            # Only SQLite's lock timeout is worth another try; the rest is a bug.
            if "database is locked" not in str(exc) or attempt == LOCKED_RETRIES - 1:
                raise
    link = url_for("orders.order", number=number, token=None if owned else token)
    if status == OrderStatus.PENDING_PAYMENT:
        return _to_stripe(order, None if owned else token, link)
    flash(_("Thank you! Your order %(number)s is placed.", number=number), "success")
    return redirect(link)


def _to_stripe(order, token: str | None, link: str):
    """Send a placed card order to Stripe Checkout; if Stripe fails, to its page, unpaid.

    The order is already committed with its stock held: a Stripe outage leaves it
    PENDING_PAYMENT and the hold lapses at ``payment_due_at`` like any unpaid one.
    """
    try:
        url = payments.start_checkout(order, token)
        db.session.commit()
    except payments.PaymentUnavailable as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(link)
    return redirect(url, 303)


# ---------------------------------------------------------------- orders


@bp.route("/orders/<number>")
def order(number: str):
    """An order's status: for its owner, or with the secret link from the e-mail."""
    _release_holds()
    user = current_user if current_user.is_authenticated else None
    found = services.order_for(
        number,
        user.id if user else None,
        request.args.get("token"),
        is_admin=bool(user and user.is_admin),
    )
    if found is None:
        abort(404)
    # The shopper's own actions; an administrator viewing it uses the back office.
    own = bool(user and found.user_id == user.id) or services.token_matches(
        found, request.args.get("token")
    )
    awaiting = own and found.status == OrderStatus.AWAITING_CONFIRMATION
    return render_template(
        "orders/order.html",
        order=found,
        can_pay=services.payable_now(found) and payments.is_configured(),
        own=own,
        confirm_link=url_for("orders.confirm", token=services.confirm_token(found))
        if awaiting
        else None,
        can_cancel=cancellation.can_cancel(found),
        expired=services.hold_lapsed(found),
        token=request.args.get("token"),
        # Invoices exist once a parcel shipped: no query before.
        invoices=invoicing.for_order(found.id)
        if any(s.shipped_at for s in found.shipments)
        else {},
    )


@bp.route("/orders/<number>/invoices/<int:invoice_id>.pdf")
def invoice(number: str, invoice_id: int):
    """A parcel's invoice or credit note, for whoever may see the order (the link's token too)."""
    user = current_user if current_user.is_authenticated else None
    found = services.order_for(
        number,
        user.id if user else None,
        request.args.get("token"),
        is_admin=bool(user and user.is_admin),
    )
    document = db.session.get(invoicing.Invoice, invoice_id) if found is not None else None
    if found is None or document is None or document.order_id != found.id:
        abort(404)
    return invoicing.send_invoice(document)


@bp.route("/orders/<number>/pay", methods=["POST"])
def pay(number: str):
    """ "Pay now": back to the order's open Stripe page, or a new one while the hold lasts."""
    _release_holds()
    user = current_user if current_user.is_authenticated else None
    token = request.form.get("token") or None
    found = services.order_for(
        number, user.id if user else None, token, is_admin=bool(user and user.is_admin)
    )
    if found is None:
        abort(404)
    token = token if services.token_matches(found, token) else None
    link = url_for("orders.order", number=found.number, token=token)
    if not services.payable_now(found):
        if services.hold_lapsed(found) or found.status == OrderStatus.PENDING_PAYMENT:
            flash(str(services.EXPIRED_MESSAGE), "error")
        return redirect(link)
    try:
        url = payments.resume_checkout(found, token)
        db.session.commit()
    except payments.PaymentPending:
        db.session.rollback()
        flash(
            _(
                "Thank you! Stripe is confirming your payment: this page shows it as paid "
                "in a moment."
            ),
            "info",
        )
        return redirect(link)
    except (payments.PaymentUnavailable, services.OrderError) as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(link)
    return redirect(url, 303)


def _shoppers_order(number: str):
    """The order a shopper acts on from its page: theirs, or by its private link.

    Administrators act from the back office, so their role gives nothing here.
    """
    user = current_user if current_user.is_authenticated else None
    token = request.form.get("token") or None
    found = services.order_for(number, user.id if user else None, token, is_admin=False)
    if found is None:
        abort(404)
    token = token if services.token_matches(found, token) else None
    return found, token, user


@bp.route("/orders/<number>/cancel", methods=["POST"])
def cancel(number: str):
    """The shopper cancels an order before any parcel has shipped (paid cards are refunded)."""
    found, token, user = _shoppers_order(number)
    link = url_for("orders.order", number=found.number, token=token)
    if not cancellation.can_cancel(found):
        flash(_("This order can no longer be cancelled: a parcel has already left."), "error")
        return redirect(link)
    with commit_or_flash(_("Your order %(number)s is cancelled.", number=found.number)):
        cancellation.shopper_cancel(found, user)
    return redirect(link)


def confirm_short(token: str):
    """``/c/<token>``: the confirmation link as texts carry it, short enough for two
    Arabic SMS parts; it redirects to the confirm page in the order's language
    (the visitor's, when the token names no order: that page says it is not valid).
    """
    found = services.order_from_token(token)
    lang = found.lang if found is not None else best_language(request)
    return redirect(url_for("orders.confirm", lang=lang, token=token), 302)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    """Cash on delivery: the signed link of the confirmation message.

    GET shows the order and one button (a link preview or a virus scanner
    opening the link confirms nothing); the POST, with its CSRF token,
    confirms, or cancels with the second button. A tampered or expired link
    gets a page that says so, in the link's language.
    """
    found = services.order_from_token(token)
    if found is None:
        return render_template("orders/confirm.html", order=None, form=None), 404
    form = ConfirmOrderForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        number = found.number
        if request.form.get("action") == "cancel":
            if found.status == OrderStatus.AWAITING_CONFIRMATION:
                user = current_user if current_user.is_authenticated else None
                with commit_or_flash(_("Your order %(number)s is cancelled.", number=number)):
                    cancellation.shopper_cancel(found, user)
        else:
            confirmed = services.confirm_cod(found, "link")
            db.session.commit()
            if confirmed:
                flash(
                    _(
                        "Thank you! Your order %(number)s is confirmed: "
                        "the cooperatives are preparing it.",
                        number=number,
                    ),
                    "success",
                )
        return redirect(url_for("orders.confirm", token=token), 303)
    return render_template("orders/confirm.html", order=found, form=form)


@bp.route("/orders/<number>/reorder", methods=["POST"])
def reorder(number: str):
    """Put a past order's items back in the cart, as far as they are still for sale."""
    found, _token, _user = _shoppers_order(number)
    missing = []
    with commit_or_flash() as outcome:
        for line in found.lines:
            try:
                _variant, _quantity, note = store.add(line.sku, line.quantity)
            except CartError:
                missing.append(line.name(g.lang).text)
                continue
            if note:
                flash(note, "warning")
    if outcome.ok:
        if missing:
            flash(
                _("No longer available: %(names)s.", names=", ".join(missing)),
                "warning",
            )
        flash(_("The items of order %(number)s are in your cart.", number=found.number), "success")
    return redirect(url_for("orders.cart"))


@bp.route("/account/orders")
@login_required
def history():
    """The signed-in shopper's orders."""
    return render_template("orders/history.html", orders=services.history(current_user.id))
