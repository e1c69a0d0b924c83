"""Forms of the lot screens: a lot's facts, its members' contributions, its trace events."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
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

from catalog.trace import MATERIALS, STEP_LABELS, UOMS, Action, ContributionKind, EventType
from producers.workspace.forms import UPLOADS, options
from shop.fields import (
    BoundedDateField,
    BoundedDateTimeLocalField,
    BoundedIntegerField,
    FiniteDecimalField,
)
from shop.params import MAX_ID


def coordinate_field(label: Any, limit: int) -> FiniteDecimalField:
    """A latitude (``limit`` 90) or longitude (180) in degrees, six decimals, typed left to right."""
    return FiniteDecimalField(
        label,
        places=6,
        validators=[Optional(), NumberRange(min=-limit, max=limit)],
        render_kw={"dir": "ltr", "inputmode": "decimal"},
    )


OFFSETS = ("+01:00", "+00:00", "+02:00", "-05:00")
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
    uom = SelectField(_l("Unit"), default="KGM", choices=options((u, u) for u in sorted(UOMS)))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.material.choices = options(
            [("", "—"), ("lot", _l("This lot's product"))] + list(MATERIALS.items())
        )


class EventForm(FlaskForm):
    """Record what happened to a lot (never edited afterwards)."""

    event_type = SelectField(
        _l("Kind of event"),
        choices=options(
            [
                (EventType.OBJECT.value, _l("Something done to the lot (ObjectEvent)")),
                (
                    EventType.TRANSFORMATION.value,
                    _l("Materials turned into others (TransformationEvent)"),
                ),
            ]
        ),
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
    occurred_at = BoundedDateTimeLocalField(_l("When"), validators=[DataRequired()])
    offset = SelectField(_l("Time zone"), choices=options((o, f"UTC{o}") for o in OFFSETS))
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
