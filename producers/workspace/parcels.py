"""Workspace pages for the cooperative's parcels: prepare, ship, out for delivery, deliver."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from orders import carriers
from orders import services as order_services
from orders.models import (
    Carrier,
    Order,
    OrderLine,
    OrderLineLot,
    PaymentMethod,
    Shipment,
    ShipmentStatus,
)
from producers.workspace.access import workspace
from producers.workspace.forms import ConfirmForm
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.i18n import current_language

TRACKING_MAX = 80


class ShipForm(FlaskForm):
    """A parcel handed to a carrier: which one (a list), under which tracking number."""

    carrier = SelectField(
        _l("Carrier"),
        coerce=carriers.choice_id,
        validate_choice=True,
        validators=[DataRequired(_l("Choose a carrier."))],
    )
    tracking = StringField(
        _l("Tracking number"),
        validators=[
            DataRequired(_l("Give the tracking number.")),
            Length(max=TRACKING_MAX),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
    )

    def for_parcel(self, shipment: Shipment) -> ShipForm:
        """Offer the carriers this parcel may leave with; ids unique on the page."""
        cod = shipment.order.payment_method == PaymentMethod.COD
        self.carrier.choices = [("", _("Choose…")), *carriers.choices(cod, current_language())]
        self.carrier.id = self.carrier.label.field_id = f"carrier-{shipment.id}"
        self.tracking.id = self.tracking.label.field_id = f"tracking-{shipment.id}"
        return self


def _shipment_or_404(shipment_id: int) -> Shipment:
    shipment = db.session.scalar(
        select(Shipment)
        .where(Shipment.id == shipment_id, Shipment.cooperative_id == g.coop.id)
        .options(
            selectinload(Shipment.order),
            selectinload(Shipment.lines)
            .selectinload(OrderLine.lots)
            .selectinload(OrderLineLot.lot),
        )
    )
    if shipment is None:
        abort(404)
    return shipment


def _confirmed_shipment(shipment_id: int) -> Shipment:
    """The parcel a confirmed button acts on (404, or 400 without CSRF)."""
    shipment = _shipment_or_404(shipment_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return shipment


@workspace()
def parcels(**_kw):
    """Parcels to prepare (packing slips) and parcels on their way."""
    return _render_parcels()


def _render_parcels(failed: tuple[int, ShipForm] | None = None):
    """The parcels page; ``failed``: the parcel whose ship form comes back with its errors."""
    to_prepare = order_services.packing_slips(g.coop.id)
    on_the_way = db.session.scalars(
        select(Shipment)
        .where(Shipment.cooperative_id == g.coop.id, Shipment.status == ShipmentStatus.SHIPPED)
        .order_by(Shipment.shipped_at)
        .options(selectinload(Shipment.order))
    ).all()
    ship_forms = {
        shipment.id: (
            failed[1]
            if failed is not None and failed[0] == shipment.id
            else ShipForm(formdata=None)
        ).for_parcel(shipment)
        for shipment in to_prepare
    }
    return render_template(
        "producers/parcels.html",
        coop=g.coop,
        to_prepare=to_prepare,
        on_the_way=on_the_way,
        confirm=ConfirmForm(),
        ship_forms=ship_forms,
        notices_on=g.membership.parcel_notices,
    )


@workspace()
def packing_slip(shipment_id: int):
    """A printable packing slip: address, lines, lots."""
    return render_template(
        "producers/packing_slip.html", coop=g.coop, shipment=_shipment_or_404(shipment_id)
    )


@workspace()
def parcel_shipped(shipment_id: int):
    """The parcel left with a carrier, under a tracking number (the form again on bad input)."""
    shipment = _shipment_or_404(shipment_id)
    form = ShipForm().for_parcel(shipment)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_parcels(failed=(shipment.id, form)), 400
    carrier = db.session.get(Carrier, form.carrier.data)
    assert carrier is not None  # one of the choices
    with commit_or_flash(
        _("Parcel of order %(number)s marked as shipped.", number=shipment.order.number)
    ) as outcome:
        order_services.mark_shipped(shipment, carrier, form.tracking.data or "")
    if not outcome.ok:
        return _render_parcels(failed=(shipment_id, form)), 400
    return redirect(url_for("producers.parcels", slug=g.coop.slug))


@workspace()
def parcel_out_for_delivery(shipment_id: int):
    """The carrier is bringing the parcel today (the shopper is told)."""
    shipment = _confirmed_shipment(shipment_id)
    with commit_or_flash(
        _("Parcel of order %(number)s marked as out for delivery.", number=shipment.order.number)
    ):
        order_services.mark_out_for_delivery(shipment)
    return redirect(url_for("producers.parcels", slug=g.coop.slug))


@workspace()
def parcel_delivered(shipment_id: int):
    """The shopper received the parcel."""
    shipment = _confirmed_shipment(shipment_id)
    with commit_or_flash(
        _("Parcel of order %(number)s marked as delivered.", number=shipment.order.number)
    ):
        order_services.mark_delivered(shipment)
    return redirect(url_for("producers.parcels", slug=g.coop.slug))


# ---------------------------------------------------------------- cash on delivery


@workspace()
def parcel_refused(shipment_id: int):
    """The shopper refused a cash-on-delivery parcel at the door: its items are back in stock."""
    shipment = _confirmed_shipment(shipment_id)
    with commit_or_flash(
        _(
            "Parcel of order %(number)s recorded as refused; its items are back in stock.",
            number=shipment.order.number,
        )
    ):
        order_services.mark_refused(shipment, current_user._get_current_object())
    return redirect(url_for("producers.parcels", slug=g.coop.slug))


@workspace()
def parcel_notices():
    """Turn the signed-in manager's "new parcel to prepare" e-mails on or off."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    g.membership.parcel_notices = request.form.get("on") == "1"
    db.session.commit()
    flash(
        _("You will be told of each new parcel to prepare.")
        if g.membership.parcel_notices
        else _("You will no longer be told of new parcels to prepare."),
        "success",
    )
    return redirect(url_for("producers.parcels", slug=g.coop.slug))


def to_prepare_count(cooperative_id: int) -> int:
    """How many parcels wait to be prepared (for the dashboard)."""
    return (
        db.session.scalar(
            select(db.func.count())
            .select_from(Shipment)
            .join(Shipment.order)
            .where(
                Shipment.cooperative_id == cooperative_id,
                Shipment.status == ShipmentStatus.TO_PREPARE,
                Order.status.in_(order_services.PREPARABLE),
            )
        )
        or 0
    )
