"""Administration of orders: the list with filters, an order's detail, refunds, cancels.

Views registered on the admin blueprint by ``producers.admin.blueprint``, every one guarded
by ``admin_required``; they name an order by its ``number`` only.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from orders import cancellation, refunds, services
from orders.forms import CONTACT_LABELS
from orders.models import (
    Order,
    OrderLine,
    OrderLineLot,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundLine,
    RefundMethod,
    RefundStatus,
    Shipment,
)
from orders.views import ORDER_STATUS_LABELS, PAYMENT_NAMES, SHIPMENT_STATUS_LABELS
from producers.admin.forms import (
    CancelForm,
    CashForm,
    OrderFilterForm,
    PhoneCallForm,
    RefundForm,
    RefusedForm,
)
from producers.admin.listing import local_midnight, page_args, page_number
from producers.models import Cooperative
from shop.accounts import admin_required
from shop.audit import AuditEntry
from shop.extensions import db
from shop.i18n import format_money
from shop.params import MAX_ID, MAX_INT32, parse_int

PER_PAGE = 30

REFUND_STATUS_LABELS = {
    RefundStatus.PENDING: _l("Pending at Stripe"),
    RefundStatus.SUCCEEDED: _l("Money sent back"),
    RefundStatus.FAILED: _l("Failed"),
}
REFUND_METHOD_LABELS = {
    RefundMethod.CARD: _l("To the card"),
    RefundMethod.CASH: _l("In cash"),
}


# ------------------------------------------------------------------ list


def _orders_query(form: OrderFilterForm) -> Select:
    """Orders matching the valid filters, newest first (invalid ones are shown in error)."""
    query = select(Order)
    if form.ok("status"):
        query = query.where(Order.status == OrderStatus(form.status.data))
    if form.ok("method"):
        query = query.where(Order.payment_method == PaymentMethod(form.method.data))
    if form.ok("cooperative"):
        query = query.where(
            Order.id.in_(
                select(Shipment.order_id).where(
                    Shipment.cooperative_id == int(form.cooperative.data)
                )
            )
        )
    if form.ok("q") and form.q.data.strip():
        needle = form.q.data.strip()
        query = query.where(
            or_(
                Order.number == services.normalize_number(needle),
                Order.number.icontains(needle, autoescape=True),
                Order.email.icontains(needle, autoescape=True),
                Order.full_name.icontains(needle, autoescape=True),
            )
        )
    if form.ok("date_from"):
        query = query.where(Order.created_at >= local_midnight(form.date_from.data))
    if form.ok("date_to"):
        query = query.where(
            Order.created_at < local_midnight(form.date_to.data + timedelta(days=1))
        )
    return query.order_by(Order.created_at.desc(), Order.id.desc())


@admin_required
def orders():
    """Every order, newest first, with filters that combine."""
    form = OrderFilterForm(request.args)
    form.set_cooperatives(
        list(
            db.session.execute(
                select(Cooperative.id, Cooperative.legal_name).order_by(
                    Cooperative.legal_name, Cooperative.id
                )
            )
        )
    )
    form.validate()
    query = _orders_query(form).options(
        selectinload(Order.shipments)
        .selectinload(Shipment.cooperative)
        .load_only(Cooperative.id, Cooperative.legal_name),
        selectinload(Order.refunds).load_only(Refund.amount_cents, Refund.status),
    )
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    refunded = {
        order.id: sum(r.amount_cents for r in order.refunds if r.status != RefundStatus.FAILED)
        for order in page.items
    }
    return render_template(
        "admin/orders.html",
        form=form,
        page=page,
        page_args=page_args(),
        refunded=refunded,
        **_labels(),
    )


# ------------------------------------------------------------------ detail


def _labels() -> dict[str, Any]:
    return {
        "contact_labels": CONTACT_LABELS,
        "order_status_labels": ORDER_STATUS_LABELS,
        "shipment_status_labels": SHIPMENT_STATUS_LABELS,
        "payment_names": PAYMENT_NAMES,
        "refund_status_labels": REFUND_STATUS_LABELS,
        "refund_method_labels": REFUND_METHOD_LABELS,
    }


def _order_or_404(number: str) -> Order:
    order = db.session.scalar(
        select(Order)
        .where(Order.number == services.normalize_number(number))
        .options(
            selectinload(Order.user),
            selectinload(Order.shipments).options(
                selectinload(Shipment.cooperative),
                selectinload(Shipment.lines)
                .selectinload(OrderLine.lots)
                .selectinload(OrderLineLot.lot),
            ),
            selectinload(Order.lines),
            selectinload(Order.refunds).options(
                selectinload(Refund.created_by),
                selectinload(Refund.lines).selectinload(RefundLine.order_line),
            ),
        )
    )
    if order is None:
        abort(404)
    return order


def _render(
    order: Order,
    status: int = 200,
    *,
    refund_form: RefundForm | None = None,
    cancel_form: CancelForm | None = None,
    values: dict[str, str] | None = None,
    refund_error: str | None = None,
    cancel_error: str | None = None,
    plan: refunds.Plan | None = None,
    cash_error: str | None = None,
    phone_form: PhoneCallForm | None = None,
    phone_error: str | None = None,
):
    """The order's detail page with its forms (blank, or as just sent)."""

    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "order", AuditEntry.target_id == order.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    left = refunds.refundable(order)
    # A card refund that cannot work (no Stripe key, no payment reference) is
    # explained instead of offered: its button would only fail.
    refund_problem = refunds.card_refund_problem(order) if order.paid_at else None
    refunded_cents = sum(r.amount_cents for r in order.refunds if r.status != RefundStatus.FAILED)
    return render_template(
        "admin/order.html",
        order=order,
        left=left,
        history=history,
        refunded_cents=refunded_cents,
        can_cancel=cancellation.can_cancel(order),
        refund_problem=refund_problem,
        refund_form=refund_form or RefundForm(formdata=None),
        cancel_form=cancel_form or CancelForm(formdata=None),
        cash_form=CashForm(formdata=None),
        values=values or {},
        refund_error=refund_error,
        cancel_error=cancel_error,
        cash_error=cash_error,
        plan=plan,
        phone_form=phone_form or PhoneCallForm(formdata=None),
        phone_error=phone_error,
        refused_form=RefusedForm(formdata=None),
        **_labels(),
    ), status


@admin_required
def order(number: str):
    """An order as staff see it: shopper, payment, parcels, lines, refunds, actions."""
    return _render(_order_or_404(number))


def _parse_refund(order: Order) -> tuple[dict[int, int], set[int], dict[str, str], str | None]:
    """Read the per-line quantities and per-parcel shipping boxes of the refund form."""
    items: dict[int, int] = {}
    shipping: set[int] = set()
    values: dict[str, str] = {}
    error = None
    for line in order.lines:
        name = f"units-{line.id}"
        raw = request.form.get(name, "").strip()
        values[name] = raw[:6]
        if not raw:
            continue
        units = parse_int(raw, max=MAX_INT32)
        if units is None:
            error = _("Give whole numbers of units (0 or more).")
            continue
        items[line.id] = units
    for shipment in order.shipments:
        name = f"shipping-{shipment.id}"
        if request.form.get(name):
            values[name] = "1"
            shipping.add(shipment.id)
    return items, shipping, values, error


@admin_required
def order_refund(number: str):
    """Refund units of lines and parcels' shipping (or preview the amount first)."""
    order = _order_or_404(number)
    form = RefundForm()
    items, shipping, values, error = _parse_refund(order)
    if not form.validate() or error:
        return _render(order, 400, refund_form=form, values=values, refund_error=error)
    if request.form.get("action") == "preview":
        try:
            plan = refunds.plan_refund(order, items, shipping)
        except services.OrderError as exc:
            return _render(
                order, 400, refund_form=form, values=values, refund_error=str(exc.message)
            )
        return _render(order, refund_form=form, values=values, plan=plan)
    try:
        refund = refunds.create_refund(
            order, items, shipping, form.reason.data, current_user._get_current_object()
        )
    except services.OrderError as exc:
        db.session.rollback()
        return _render(
            _order_or_404(number),
            400,
            refund_form=form,
            values=values,
            refund_error=str(exc.message),
        )
    db.session.commit()
    if refund.status == RefundStatus.PENDING:
        flash(
            _(
                "Refund of %(amount)s sent to Stripe for order %(number)s; it shows as "
                "refunded once Stripe confirms.",
                amount=_money(refund.amount_cents),
                number=order.number,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Refund of %(amount)s recorded for order %(number)s.",
                amount=_money(refund.amount_cents),
                number=order.number,
            ),
            "success",
        )
    return redirect(url_for("admin.order", number=order.number))


@admin_required
def order_cancel(number: str):
    """Cancel an order nothing of which has shipped (a paid card order is refunded)."""
    order = _order_or_404(number)
    form = CancelForm()
    if not form.validate():
        return _render(order, 400, cancel_form=form)
    try:
        refund = cancellation.admin_cancel(
            order, form.cancel_reason.data, current_user._get_current_object()
        )
    except services.OrderError as exc:
        db.session.rollback()
        return _render(_order_or_404(number), 400, cancel_form=form, cancel_error=str(exc.message))
    db.session.commit()
    if refund is not None:
        flash(
            _(
                "Order %(number)s is cancelled and %(amount)s refunded to the card.",
                number=order.number,
                amount=_money(refund.amount_cents),
            ),
            "success",
        )
    else:
        flash(_("Order %(number)s is cancelled.", number=order.number), "success")
    return redirect(url_for("admin.order", number=order.number))


@admin_required
def order_cash_remitted(number: str):
    """The carrier handed over a delivered cash-on-delivery parcel's cash."""
    order = _order_or_404(number)
    form = CashForm()
    shipment = None
    shipment_id = parse_int(form.shipment.data, max=MAX_ID) if form.validate() else None
    if shipment_id is not None:
        shipment = next((s for s in order.shipments if s.id == shipment_id), None)
    if shipment is None:
        return _render(order, 400, cash_error=_("Choose a parcel of this order."))
    try:
        services.admin_cash_remitted(shipment, current_user._get_current_object())
    except services.OrderError as exc:
        db.session.rollback()
        return _render(_order_or_404(number), 400, cash_error=str(exc.message))
    db.session.commit()
    flash(
        _(
            "Cash of the parcel from %(coop)s recorded as remitted.",
            coop=shipment.cooperative.legal_name,
        ),
        "success",
    )
    return redirect(url_for("admin.order", number=order.number))


def _money(cents: int) -> str:
    return format_money(cents)
