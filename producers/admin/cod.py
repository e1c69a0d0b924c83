"""Cash on delivery in the back office: staff's call to the shopper, parcels refused
at the door, and the weekly confirmation and refusal rates.

Views registered on the admin blueprint by ``producers.admin.blueprint``, every
one guarded by ``admin_required``; the order page (``producers.admin.orders``)
shows their forms.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user

from orders import cancellation, cod, services
from orders.models import OrderStatus
from producers.admin.forms import PhoneCallForm, RefusedForm
from producers.admin.orders import _order_or_404, _render
from shop.accounts import admin_required
from shop.extensions import db
from shop.params import MAX_ID, parse_int

#: How many weeks the rates page shows (``?weeks=`` up to a year).
DEFAULT_WEEKS = 12
MAX_WEEKS = 52

cod_rates_by_week = cod.cod_rates_by_week  # the plain data, for the admin home's charts


@admin_required
def order_phone(number: str):
    """Staff's call: "confirmed by phone" or "refused on the phone", with a required note."""
    order = _order_or_404(number)
    form = PhoneCallForm()
    if order.status != OrderStatus.AWAITING_CONFIRMATION:
        return _render(
            order, 409, phone_form=form, phone_error=_("This order is not awaiting confirmation.")
        )
    if not form.validate():
        return _render(order, 400, phone_form=form)
    actor = current_user._get_current_object()
    note = (form.phone_note.data or "").strip()
    if request.form.get("action") == "refuse":
        try:
            cancellation.phone_refused(order, note, actor)
        except services.OrderError as exc:
            db.session.rollback()
            return _render(
                _order_or_404(number), 400, phone_form=form, phone_error=str(exc.message)
            )
        db.session.commit()
        flash(_("Order %(number)s is cancelled: refused on the phone.", number=number), "success")
    else:
        confirmed = services.confirm_cod(order, "phone", actor, note)
        db.session.commit()
        if confirmed:
            flash(_("Order %(number)s is confirmed by phone.", number=number), "success")
    return redirect(url_for("admin.order", number=order.number))


@admin_required
def order_parcel_refused(number: str):
    """Record that the shopper refused a cash-on-delivery parcel at the door."""
    order = _order_or_404(number)
    form = RefusedForm()
    shipment_id = parse_int(form.shipment.data, max=MAX_ID) if form.validate() else None
    shipment = next((s for s in order.shipments if s.id == shipment_id), None)
    if shipment is None:
        return _render(order, 400, cash_error=_("Choose a parcel of this order."))
    try:
        services.mark_refused(
            shipment, current_user._get_current_object(), form.refused_note.data or ""
        )
    except services.OrderError as exc:
        db.session.rollback()
        return _render(_order_or_404(number), 400, cash_error=str(exc.message))
    db.session.commit()
    flash(
        _(
            "The parcel from %(coop)s is recorded as refused; its items are back in stock.",
            coop=shipment.cooperative.legal_name,
        ),
        "success",
    )
    return redirect(url_for("admin.order", number=order.number))


@admin_required
def cod_rates():
    """Cash on delivery by week: orders confirmed out of those placed, parcels refused
    out of those shipped."""
    weeks = parse_int(request.args.get("weeks"), min=1, max=MAX_WEEKS) or DEFAULT_WEEKS
    rows = cod.rates_by_week(weeks)
    return render_template(
        "admin/cod_rates.html",
        rows=list(reversed(rows)),  # the newest week first
        weeks=weeks,
        confirm_delay=format_timedelta(services.confirm_delay()),
    )
