"""Administration of carriers, their status files and cash-on-delivery remittance statements.

Views registered on the admin blueprint by ``producers.admin.blueprint``, every
one guarded by ``admin_required``. Carriers are added, changed and
deactivated (never deleted: shipped parcels point at them), each change
audited by ``orders.carriers``. The "carrier files" page takes a carrier's
status export (``orders.carrier_status``) and its remittance statements
(``producers.money.remittance``), both all or nothing.
"""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from orders import carrier_status, carriers
from orders import services as order_services
from orders.models import Carrier, Order, Shipment
from producers.money import remittance
from shop.accounts import admin_required
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.i18n import current_language, format_money

STATUS_FORM_ACTIONS = ("out_for_delivery", "delivered")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class CarrierForm(FlaskForm):
    """A carrier's names, tracking page, aliases and whether it collects cash."""

    code = StringField(
        _l("Code"),
        validators=[
            Optional(),
            Length(max=carriers.CODE_MAX),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Lower-case letters, digits and dashes.")),
        ],
        filters=[_strip],
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
    )
    name_fr = StringField(
        _l("Name in French"),
        validators=[DataRequired(_l("Give the carrier's name in French.")), Length(max=80)],
        filters=[_strip],
    )
    name_ar = StringField(
        _l("Name in Arabic"),
        validators=[Length(max=80)],
        filters=[_strip],
        render_kw={"dir": "rtl"},
    )
    name_en = StringField(_l("Name in English"), validators=[Length(max=80)], filters=[_strip])
    tracking_url = StringField(
        _l("Tracking page"),
        validators=[DataRequired(_l("Give the tracking page.")), Length(max=carriers.URL_MAX)],
        filters=[_strip],
        render_kw={"dir": "ltr", "spellcheck": "false", "inputmode": "url"},
    )
    aliases = TextAreaField(
        _l("Other names (one per line)"),
        validators=[Length(max=carriers.ALIASES_MAX)],
        render_kw={"rows": 3},
    )
    cod = BooleanField(_l("Collects cash on delivery"))

    def validate_tracking_url(self, field) -> None:
        """An https:// address with {number} where the tracking number goes."""
        problem = carriers.check_tracking_url(field.data or "")
        if problem:
            raise ValidationError(problem)


class CarrierFileForm(FlaskForm):
    """A carrier's CSV file (status export or remittance statement)."""

    carrier = SelectField(_l("Carrier"), coerce=carriers.choice_id, validate_choice=True)
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a file.")), FileAllowed(("csv",), _l("A CSV file."))],
    )

    def validate_carrier(self, field) -> None:
        """A carrier must be chosen (the first choice is a prompt)."""
        if not field.data:
            raise ValidationError(_l("Choose a carrier."))


# ------------------------------------------------------------------ carriers


@admin_required
def carriers_list():
    """Every carrier with its tracking page, and the form to add one."""
    if request.method == "POST":
        form = CarrierForm()
        if form.validate():
            if not form.code.data:
                form.code.errors = [*form.code.errors, _("Give the carrier a code.")]
            else:
                with commit_or_flash(_("The carrier is added.")) as outcome:
                    carriers.save_carrier(None, form.data, current_user._get_current_object())
                if outcome.ok:
                    return redirect(url_for("admin.carriers"))
        return _render_list(form), 400
    return _render_list(CarrierForm(formdata=None))


def _render_list(form: CarrierForm) -> str:
    form.code.flags.required = True
    return render_template(
        "admin/carriers.html", form=form, rows=carriers.all_carriers(), lang=current_language()
    )


def _carrier_or_404(carrier_id: int) -> Carrier:
    carrier = db.session.get(Carrier, carrier_id)
    if carrier is None:
        abort(404)
    return carrier


@admin_required
def carrier(carrier_id: int):
    """Change a carrier (its code stays)."""
    row = _carrier_or_404(carrier_id)
    if request.method == "POST":
        form = CarrierForm()
        form.code.data = row.code
        if form.validate():
            with commit_or_flash(_("The carrier is saved.")) as outcome:
                carriers.save_carrier(row, form.data, current_user._get_current_object())
            if outcome.ok:
                return redirect(url_for("admin.carriers"))
            row = _carrier_or_404(carrier_id)
        return render_template("admin/carrier.html", form=form, carrier=row), 400
    form = CarrierForm(
        formdata=None,
        data={
            "code": row.code,
            "name_ar": row.name_ar,
            "name_fr": row.name_fr,
            "name_en": row.name_en,
            "tracking_url": row.tracking_url,
            "aliases": row.aliases,
            "cod": row.cod,
        },
    )
    return render_template("admin/carrier.html", form=form, carrier=row)


@admin_required
def carrier_active(carrier_id: int):
    """Deactivate a carrier (no longer offered) or offer it again."""
    row = _carrier_or_404(carrier_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    message = _("The carrier is offered again.") if active else _("The carrier is deactivated.")
    with commit_or_flash(message):
        carriers.set_active(row, active, current_user._get_current_object())
    return redirect(url_for("admin.carriers"))


# ------------------------------------------------------------------ parcels


@admin_required
def parcel_status(number: str, shipment_id: int):
    """Staff record what the carrier said: out for delivery, or delivered."""
    shipment = db.session.scalar(
        select(Shipment)
        .join(Shipment.order)
        .where(Shipment.id == shipment_id, Order.number == order_services.normalize_number(number))
    )
    if shipment is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    status = request.form.get("status")
    if status not in STATUS_FORM_ACTIONS:
        abort(400)
    if status == "out_for_delivery":
        with commit_or_flash(_("The parcel is marked out for delivery.")):
            order_services.mark_out_for_delivery(shipment)
    else:
        with commit_or_flash(_("The parcel is marked delivered.")):
            order_services.mark_delivered(shipment)
    return redirect(url_for("admin.order", number=shipment.order.number))


# ------------------------------------------------------------------ carrier files


def _file_form(choices: list[tuple[int, str]]) -> CarrierFileForm:
    form = CarrierFileForm()
    form.carrier.choices = [("", _("Choose…")), *choices]
    return form


def _choices(cod_only: bool) -> list[tuple[int, str]]:
    lang = current_language()
    rows = carriers.all_carriers()
    return [(c.id, c.name(lang).text) for c in rows if c.cod or not cod_only]


@admin_required
def carrier_files():
    """The status and remittance imports, and the statements imported so far."""
    return _render_files()


def _render_files(
    status_form: CarrierFileForm | None = None,
    remit_form: CarrierFileForm | None = None,
    status_errors: list[tuple[int, str]] | None = None,
    remit_errors: list[tuple[int, str]] | None = None,
) -> str:
    if status_form is None:
        status_form = _file_form(_choices(False))
    if remit_form is None:
        remit_form = _file_form(_choices(True))
    status_form.carrier.id = status_form.carrier.label.field_id = "status-carrier"
    status_form.file.id = status_form.file.label.field_id = "status-file"
    remit_form.carrier.id = remit_form.carrier.label.field_id = "remit-carrier"
    remit_form.file.id = remit_form.file.label.field_id = "remit-file"
    return render_template(
        "admin/carrier_files.html",
        status_form=status_form,
        remit_form=remit_form,
        status_errors=status_errors,
        remit_errors=remit_errors,
        statements=remittance.statements(),
        lang=current_language(),
    )


def _read_upload(form: CarrierFileForm) -> bytes | None:
    data = form.file.data.read(remittance.MAX_BYTES + 1)
    return None if len(data) > remittance.MAX_BYTES else data


@admin_required
def status_import():
    """A carrier's status export: parcels out for delivery or delivered, all or nothing."""
    form = _file_form(_choices(False))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_files(status_form=form), 400
    data = _read_upload(form)
    row = _carrier_or_404(form.carrier.data)
    text = None
    if data is not None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = None
    if text is None:
        return _render_files(
            status_form=form, status_errors=[(1, _("The file is not UTF-8 text, or too large."))]
        ), 400
    report = carrier_status.import_statuses(
        row, io.StringIO(text, newline=""), current_user._get_current_object()
    )
    if not report.ok:
        db.session.rollback()
        errors = [(e.line, str(e.message)) for e in report.errors]
        return _render_files(status_form=form, status_errors=errors), 400
    db.session.commit()
    flash(
        _(
            "Statuses imported. Out for delivery: %(out)d; delivered: %(delivered)d; "
            "unchanged: %(unchanged)d.",
            out=report.out_for_delivery,
            delivered=report.delivered,
            unchanged=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("admin.carrier_files"))


@admin_required
def remittance_import():
    """A carrier's remittance statement: every parcel's cash remitted, or nothing."""
    form = _file_form(_choices(True))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_files(remit_form=form), 400
    data = _read_upload(form)
    row = _carrier_or_404(form.carrier.data)
    if data is None:
        return _render_files(remit_form=form, remit_errors=[(1, _("The file is too large."))]), 400
    report = remittance.import_remittance(
        row, data, form.file.data.filename or "", current_user._get_current_object()
    )
    if not report.ok:
        db.session.rollback()
        errors = [(e.line, str(e.message)) for e in report.errors]
        return _render_files(remit_form=form, remit_errors=errors), 400
    db.session.commit()
    flash(
        ngettext(
            "Statement imported: the cash of %(num)d parcel is remitted (%(total)s).",
            "Statement imported: the cash of %(num)d parcels is remitted (%(total)s).",
            report.parcels,
            total=format_money(report.total_cents),
        ),
        "success",
    )
    return redirect(url_for("admin.carrier_files"))
