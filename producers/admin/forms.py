"""Administration forms: decisions on cooperatives, the list filters, orders, payouts, policy."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from orders import refunds
from orders.views import ORDER_STATUS_LABELS, PAYMENT_NAMES
from producers.models import CooperativeKind, CooperativeStatus, DocumentKind
from producers.money.policy import UNIT_LABELS
from producers.services import TRANSITIONS
from shop.fields import BoundedDateField
from shop.money.fields import MoneyField, PercentField
from shop.params import MAX_ID, parse_int
from shop.slugs import SLUG_MAX

REASON_MAX = 2000
NOTE_MAX = 2000
#: Days as typed: digits with an optional sign (Arabic-Indic digits too: ``int`` reads them).
DAYS = re.compile(r"^[-+]?\d{1,5}$")

#: Administrator actions: the button, and the label of the text the cooperative will read.
DECISIONS: dict[str, tuple[Any, Any]] = {
    "approve": (_l("Approve"), _l("Note to the cooperative (optional)")),
    "request_changes": (_l("Ask for changes"), _l("Changes to make (sent to the applicant)")),
    "reject": (_l("Reject"), _l("Reason for the rejection")),
    "suspend": (_l("Suspend"), _l("Reason for the suspension")),
    "reinstate": (_l("Reinstate"), _l("Note to the cooperative (optional)")),
}

STATUS_LABELS: dict[str, Any] = {
    CooperativeStatus.DRAFT.value: _l("Draft"),
    CooperativeStatus.PENDING.value: _l("Pending"),
    CooperativeStatus.CHANGES_REQUESTED.value: _l("Changes requested"),
    CooperativeStatus.APPROVED.value: _l("Approved"),
    CooperativeStatus.REJECTED.value: _l("Rejected"),
    CooperativeStatus.SUSPENDED.value: _l("Suspended"),
}

DOCUMENT_LABELS: dict[str, Any] = {
    DocumentKind.REGISTRATION.value: _l("ODCo registration certificate"),
    DocumentKind.ONSSA.value: _l("ONSSA authorisation"),
    DocumentKind.QUALITY.value: _l("Quality certificate"),
}

KIND_LABELS: dict[str, Any] = {
    CooperativeKind.AGRICULTURE.value: _l("Agriculture"),
    CooperativeKind.HANDICRAFT.value: _l("Handicraft"),
    CooperativeKind.FORESTRY.value: _l("Forestry"),
    CooperativeKind.FISHING.value: _l("Fishing"),
    CooperativeKind.OTHER.value: _l("Other"),
}

#: Audit actions in words (unknown ones are shown by their code only).
ACTION_LABELS: dict[str, Any] = {
    "cooperative.submit": _l("Application sent"),
    "cooperative.approve": _l("Approved"),
    "cooperative.reject": _l("Rejected"),
    "cooperative.request_changes": _l("Changes requested"),
    "cooperative.suspend": _l("Suspended"),
    "cooperative.reinstate": _l("Reinstated"),
    "cooperative.slug_change": _l("Address changed"),
    "cooperative.import": _l("Imported"),
    "cooperative.invite_manager": _l("Manager invited"),
    "cooperative.remove_manager": _l("Manager removed"),
    "cooperative.rib_change": _l("Bank details changed"),
    "cooperative.reserve": _l("Member-distribution reserve changed"),
    "order.refund": _l("Refund made"),
    "order.refund_failed": _l("Refund failed"),
    "order.cancel": _l("Cancelled"),
    "order.cash_remitted": _l("Cash remitted"),
    "carrier.create": _l("Carrier added"),
    "carrier.update": _l("Carrier changed"),
    "carrier.activate": _l("Carrier offered again"),
    "carrier.deactivate": _l("Carrier deactivated"),
    "carrier.status_import": _l("Carrier statuses imported"),
    "carrier.remittance_import": _l("Remittance statement imported"),
    "policy.publish": _l("Fair-trade policy published"),
    "floor.create": _l("Floor price added"),
    "floor.update": _l("Floor price changed"),
    "floor.delete": _l("Floor price removed"),
    "payout.run": _l("Payouts run"),
    "payout.paid": _l("Payout marked paid"),
    "payout.failed": _l("Payout marked failed"),
    "payout.transfer_error": _l("Stripe transfer failed"),
}


class DecisionForm(FlaskForm):
    """One administrator decision on a cooperative, with its reason."""

    action = HiddenField()
    reason = TextAreaField(_l("Reason"), validators=[Length(max=REASON_MAX)])

    def for_action(self, action: str) -> DecisionForm:
        """Label and give unique ids to this form, one of several on a page."""
        self.action.data = action
        self.reason.label.text = DECISIONS[action][1]
        self.reason.id = self.reason.label.field_id = f"reason-{action}"
        self.reason.flags.required = TRANSITIONS[action].needs_reason
        return self


class SlugForm(FlaskForm):
    """A cooperative's address in the shop, as an administrator changes it.

    The form checks only the shape the browser can send; what a slug may be
    (lowercase ASCII, free, not reserved) is ``producers.slugs.validate_slug``'s.
    """

    slug = StringField(
        _l("New address"),
        validators=[DataRequired(_l("Give the new address.")), Length(max=SLUG_MAX)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"dir": "ltr", "autocomplete": "off", "spellcheck": "false"},
    )
    slug_reason = StringField(_l("Reason (kept in the history)"), validators=[Length(max=200)])


class QueueFilterForm(FlaskForm):
    """Filters of the approval queue (a GET form)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        default=CooperativeStatus.PENDING.value,
        choices=[
            SelectChoice("all", _l("All")),
            *(SelectChoice(value, label) for value, label in STATUS_LABELS.items()),
        ],
        validate_choice=False,
    )
    q = SearchField(_l("Name"), validators=[Optional(), Length(max=100)])

    def status_value(self) -> CooperativeStatus | None:
        """The chosen status; None for every status; pending when unknown."""
        if self.status.data == "all":
            return None
        try:
            return CooperativeStatus(self.status.data)
        except ValueError:
            return CooperativeStatus.PENDING


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (a GET form); choices are set by the view."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    actor = SearchField(_l("Actor e-mail"), validators=[Optional(), Length(max=254)])
    target_type = SelectField(_l("Target type"), choices=[], validators=[Optional()])
    date_from = BoundedDateField(_l("From"), validators=[Optional()])
    date_to = BoundedDateField(_l("To"), validators=[Optional()])

    def set_choices(self, actions: list[str], target_types: list[str]) -> None:
        """Offer the actions and target types present in the log."""
        any_choice = SelectChoice("", _l("Any"))
        self.action.choices = [any_choice, *(SelectChoice(a) for a in actions)]
        self.target_type.choices = [any_choice, *(SelectChoice(t) for t in target_types)]

    def validate_date_to(self, field: BoundedDateField) -> None:
        """The period must not end before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


# ------------------------------------------------------------------ orders


class OrderFilterForm(FlaskForm):
    """Filters of the order list (a GET form: they combine, no script needed)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Number, e-mail or name"), validators=[Optional(), Length(max=120)])
    status = SelectField(
        _l("Status"),
        validators=[Optional()],
        choices=[
            SelectChoice("", _l("Any")),
            *(SelectChoice(status.value, label) for status, label in ORDER_STATUS_LABELS.items()),
        ],
    )
    method = SelectField(
        _l("Payment"),
        validators=[Optional()],
        choices=[
            SelectChoice("", _l("Any")),
            *(SelectChoice(method.value, label) for method, label in PAYMENT_NAMES.items()),
        ],
    )
    cooperative = SelectField(_l("Cooperative"), validators=[Optional()], choices=[])
    date_from = BoundedDateField(_l("From"), validators=[Optional()])
    date_to = BoundedDateField(_l("To"), validators=[Optional()])

    def set_cooperatives(self, rows: list[tuple[int, str]]) -> None:
        """Offer every cooperative, by name."""
        self.cooperative.choices = [
            SelectChoice("", _l("Any")),
            *(SelectChoice(str(i), name) for i, name in rows),
        ]

    def validate_date_to(self, field: BoundedDateField) -> None:
        """The period must not end before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def ok(self, name: str) -> bool:
        """True when the filter ``name`` has a valid value to apply."""
        item = self[name]
        if not item.data or item.errors:
            return False
        # Optional() clears a select's "not a valid choice" for blank input
        # such as " ", which is still data: only a listed choice is applied.
        choices = getattr(item, "choices", None)
        return choices is None or str(item.data) in {str(choice.value) for choice in choices}


class RefundForm(FlaskForm):
    """The refund's reason; quantities and parcels are read per line and parcel."""

    reason = TextAreaField(
        _l("Reason (sent to the shopper)"),
        validators=[
            DataRequired(message=_l("Give the reason for the refund.")),
            Length(max=refunds.REASON_MAX),
        ],
        render_kw={"rows": 3},
    )


class CancelForm(FlaskForm):
    """Cancel the whole order, with a reason the shopper reads."""

    cancel_reason = TextAreaField(
        _l("Reason (sent to the shopper)"),
        validators=[
            DataRequired(message=_l("Give the reason for the cancellation.")),
            Length(max=refunds.REASON_MAX),
        ],
        render_kw={"rows": 3},
    )


class CashForm(FlaskForm):
    """The carrier remitted a delivered parcel's cash."""

    shipment = HiddenField(validators=[DataRequired()])


class PhoneCallForm(FlaskForm):
    """Staff called the shopper of an order awaiting confirmation: what they said."""

    phone_note = TextAreaField(
        _l("Note of the call"),
        validators=[
            DataRequired(message=_l("Write down what the shopper said.")),
            Length(max=refunds.REASON_MAX),
        ],
        render_kw={"rows": 2},
    )


class RefusedForm(FlaskForm):
    """A cash-on-delivery parcel refused at the door."""

    shipment = HiddenField(validators=[DataRequired()])
    refused_note = TextAreaField(
        _l("Note (optional)"), validators=[Optional(), Length(max=refunds.REASON_MAX)]
    )


# ------------------------------------------------------------------ payouts


class RunForm(FlaskForm):
    """The "Run payouts" button (CSRF only)."""


class FailForm(FlaskForm):
    """Why a payout failed (the cooperative's managers read it)."""

    reason = TextAreaField(
        _l("Why did it fail?"),
        validators=[DataRequired(message=_l("Say why the payout failed.")), Length(max=2000)],
    )

    def for_payout(self, payout_id: int) -> FailForm:
        """Unique ids, one form per payout on the page."""
        self.reason.id = self.reason.label.field_id = f"reason-{payout_id}"
        return self


# ------------------------------------------------------------------ policy and floors


class DaysField(StringField):
    """A whole number of days typed as text (a sign is kept, to be refused in words)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.days: int | None = None
        if self.data:
            text = self.data.strip()
            if not DAYS.match(text):
                raise ValueError(_l("Write a whole number of days, like 14."))
            self.days = int(text)


class PolicyForm(FlaskForm):
    """New numbers for the fair-trade policy, and why."""

    #: The version the administrator was looking at (a newer one means someone published).
    base_version = HiddenField()
    commission = PercentField(
        _l("Platform commission (%)"),
        validators=[InputRequired(message=_l("Give the commission."))],
        render_kw={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"},
    )
    premium = PercentField(
        _l("Fair-trade premium (%)"),
        validators=[InputRequired(message=_l("Give the premium."))],
        render_kw={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"},
    )
    hold_days = DaysField(
        _l("Hold period (days)"),
        validators=[InputRequired(message=_l("Give the hold period."))],
        render_kw={"inputmode": "numeric", "dir": "ltr", "autocomplete": "off"},
    )
    note = TextAreaField(
        _l("Why the rules change"),
        validators=[InputRequired(message=_l("Say why the rules change.")), Length(max=NOTE_MAX)],
    )

    def base(self) -> int | None:
        """The version the form was made from (None when missing or garbled)."""
        return parse_int(self.base_version.data, max=MAX_ID)


class FloorForm(FlaskForm):
    """A new floor price: category, unit and amount per reference quantity."""

    category = SelectField(
        _l("Category"), validators=[InputRequired(message=_l("Choose a category."))]
    )
    unit = SelectField(
        _l("Unit"),
        validators=[InputRequired(message=_l("Choose a unit."))],
        choices=[SelectChoice(value=u, label=label) for u, label in UNIT_LABELS.items()],
    )
    amount = MoneyField(
        _l("Producer revenue at least (MAD)"),
        validators=[InputRequired(message=_l("Give an amount above zero."))],
        render_kw={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"},
    )


class FloorAmountForm(FlaskForm):
    """A floor's new amount."""

    amount = MoneyField(
        _l("Producer revenue at least (MAD)"),
        validators=[InputRequired(message=_l("Give an amount above zero."))],
        render_kw={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"},
    )
