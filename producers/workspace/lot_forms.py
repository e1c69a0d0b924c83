"""Forms of the lot screens: a lot's facts, its members' contributions, its trace events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from catalog.trace import MATERIALS, STEP_LABELS, Action, ContributionKind, EventType
from catalog.trace.vocabulary import EVENT_TYPE_LABELS, LANGS, UOM_NAMES
from producers.workspace.forms import UPLOADS, options
from shop.fields import (
    BoundedDateField,
    BoundedDateTimeLocalField,
    BoundedIntegerField,
    FiniteDecimalField,
)
from shop.i18n import LOCAL_TZ, current_language
from shop.params import MAX_ID


def _mark(field: Field, message: Any) -> None:
    """Add a message to the field's errors (the template marks it aria-invalid)."""
    field.errors = [*field.errors, message]


def shop_zone() -> ZoneInfo:
    """The zone a cooperative's clock shows: event times are typed in it.

    Morocco moves between UTC+1 and UTC+0 around Ramadan; the zone knows
    when, so nobody picks an offset. (One function, so the shop's clock
    module can take its place.)
    """
    return LOCAL_TZ


def coordinate_field(label: Any, limit: int) -> FiniteDecimalField:
    """A latitude (``limit`` 90) or longitude (180) in degrees, six decimals, typed left to right."""
    return FiniteDecimalField(
        label,
        places=6,
        validators=[Optional(), NumberRange(min=-limit, max=limit)],
        render_kw={"dir": "ltr", "inputmode": "decimal"},
    )


CONTRIBUTION_LABELS = {
    ContributionKind.KG_SUPPLIED: _l("kg supplied"),
    ContributionKind.HOURS_WORKED: _l("hours worked"),
}


class ContributionForm(Form):
    """One member's share of a lot."""

    # Checked against the cooperative's members in the view; empty rows are skipped.
    member_id = SelectField(_l("Member"), validators=[Optional()], validate_choice=False)
    kind = SelectField(
        _l("Contribution"),
        default=ContributionKind.KG_SUPPLIED.value,
        choices=options((k.value, label) for k, label in CONTRIBUTION_LABELS.items()),
    )
    amount = FiniteDecimalField(_l("Amount"), places=3, validators=[Optional(), NumberRange(min=0)])


class LotForm(FlaskForm):
    """A lot's facts (its code and size are fixed once created)."""

    variant_id = SelectField(_l("Product and size"), validators=[DataRequired()])
    code = StringField(
        _l("Lot code"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[A-Z0-9][A-Z0-9-]{0,19}$",
                message=_l("1 to 20 capital letters, digits or dashes."),
            ),
        ],
        filters=[lambda v: v.strip().upper() if v else v],
        render_kw={"dir": "ltr"},
    )
    quantity_produced = BoundedIntegerField(
        _l("Units produced"), validators=[DataRequired(), NumberRange(min=1)]
    )
    harvest_start = BoundedDateField(_l("Harvest from"), validators=[Optional()])
    harvest_end = BoundedDateField(_l("Harvest to"), validators=[Optional()])
    produced_on = BoundedDateField(_l("Produced on"), validators=[Optional()])
    best_before = BoundedDateField(_l("Best before"), validators=[Optional()])
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=120)])
    latitude = coordinate_field(_l("Latitude"), 90)
    longitude = coordinate_field(_l("Longitude"), 180)
    certification_ids = SelectMultipleField(
        _l("Certificates covering this lot"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    contributions = FieldList(FormField(ContributionForm), min_entries=3)


class QuantityForm(Form):
    """An input or output of an event."""

    # Empty rows are skipped; the service refuses unknown materials.
    material = SelectField(_l("Material"), validators=[Optional()], validate_choice=False)
    quantity = FiniteDecimalField(
        _l("Quantity"), places=3, validators=[Optional(), NumberRange(min=0)]
    )
    uom = SelectField(_l("Unit"), default="KGM", choices=options(UOM_NAMES.items()))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.material.choices = options(
            [("", "—"), ("lot", _l("This lot's product"))] + list(MATERIALS.items())
        )


class EventForm(FlaskForm):
    """Record what happened to a lot (never edited afterwards)."""

    event_type = SelectField(
        _l("Kind of event"),
        choices=options((kind.value, label) for kind, label in EVENT_TYPE_LABELS.items()),
    )
    step = SelectField(
        _l("Step"), choices=options((s.value, label) for s, label in STEP_LABELS.items())
    )
    action = SelectField(
        _l("Action"),
        choices=options(
            [
                (Action.OBSERVE.value, _l("Observed")),
                (Action.ADD.value, _l("Created")),
                (Action.DELETE.value, _l("Ended")),
            ]
        ),
    )
    # The first format is the one written back: what <input type=datetime-local> reads.
    occurred_at = BoundedDateTimeLocalField(
        _l("When"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[DataRequired()],
    )
    description_ar = TextAreaField(
        _l("Description in Arabic"),
        validators=[Length(max=2000)],
        render_kw={"lang": "ar", "dir": "rtl"},
    )
    description_fr = TextAreaField(
        _l("Description in French"), validators=[Length(max=2000)], render_kw={"lang": "fr"}
    )
    description_en = TextAreaField(
        _l("Description in English"), validators=[Length(max=2000)], render_kw={"lang": "en"}
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=160)])
    latitude = coordinate_field(_l("Latitude"), 90)
    longitude = coordinate_field(_l("Longitude"), 180)
    inputs = FieldList(FormField(QuantityForm), min_entries=2)
    outputs = FieldList(FormField(QuantityForm), min_entries=2)
    evidence = FileField(
        _l("Evidence (photo or PDF, optional)"),
        validators=[Optional(), FileAllowed(UPLOADS, _l("A PDF or a photo."))],
    )
    evidence_private = BooleanField(
        _l("Keep the file private (only your team and Taawon's administrators can open it)")
    )
    corrects = BoundedIntegerField(validators=[Optional()], maximum=MAX_ID)

    def moment(self) -> datetime:
        """The typed wall-clock time as an aware datetime in the shop's zone."""
        typed = self.occurred_at.data
        if typed is None:
            raise ValueError("no time typed (validate the form first)")
        return typed.replace(tzinfo=shop_zone())

    def validate(self, extra_validators=None) -> bool:
        """Check what the service would refuse, and say it next to the field concerned.

        The service's refusals carry no field; checked here, a missing
        quantity, material or description marks its own field (the input
        kept), instead of a message at the top of the page.
        """
        ok = super().validate(extra_validators)
        if self.occurred_at.data and self.moment() > datetime.now(UTC) + timedelta(minutes=5):
            _mark(self.occurred_at, _l("An event cannot be in the future."))
        if not any((getattr(self, f"description_{code}").data or "").strip() for code in LANGS):
            shown = current_language() if current_language() in LANGS else "fr"
            _mark(
                getattr(self, f"description_{shown}"),
                _l("Describe the event in Arabic, French or English."),
            )
        # Rows filled in, or None when a row of the list is already marked.
        given = {name: self._check_rows(getattr(self, name)) for name in ("inputs", "outputs")}
        if self.event_type.data == EventType.TRANSFORMATION.value:
            for name in ("inputs", "outputs"):
                if given[name] == 0:
                    _mark(
                        getattr(self, name)[0].material,
                        _l("A transformation needs inputs and outputs."),
                    )
        elif given["inputs"] == 0 and given["outputs"] == 0:
            _mark(self.outputs[0].quantity, _l("Give the quantity this event concerns."))
        for name in ("inputs", "outputs"):
            rows = getattr(self, name)
            rows.errors = [entry.errors for entry in rows.entries if entry.errors]
        return ok and not self.errors

    @staticmethod
    def _check_rows(rows: FieldList) -> int | None:
        """Mark each half-filled row's missing half; count the rows filled in.

        None when a row is wrong: its own message says enough.
        """
        filled = 0
        for entry in rows:
            material, quantity = entry.material, entry.quantity
            if quantity.errors:  # not a number: WTForms said so already
                continue
            if quantity.data is None:
                if material.data:
                    _mark(quantity, _l("Give the quantity of this material."))
            elif not material.data:
                _mark(material, _l("Choose the material of this quantity."))
            elif quantity.data <= 0:
                _mark(quantity, _l("A quantity must be more than zero."))
            elif entry.uom.data == "H87" and quantity.data != quantity.data.to_integral_value():
                _mark(quantity, _l("Pieces are counted in whole numbers."))
            else:
                filled += 1
        if any(entry.quantity.errors or entry.material.errors for entry in rows):
            return None
        return filled
