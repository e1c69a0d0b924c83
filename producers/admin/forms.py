"""Administration forms: decisions on cooperatives and the list filters."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SearchField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from producers.models import CooperativeKind, CooperativeStatus, DocumentKind
from producers.services import TRANSITIONS

REASON_MAX = 2000

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
    "cooperative.import": _l("Imported"),
    "cooperative.invite_manager": _l("Manager invited"),
    "cooperative.remove_manager": _l("Manager removed"),
    "cooperative.rib_change": _l("Bank details changed"),
    "cooperative.reserve": _l("Member-distribution reserve changed"),
    "order.refund": _l("Refund made"),
    "order.refund_failed": _l("Refund failed"),
    "order.cancel": _l("Cancelled"),
    "order.cash_remitted": _l("Cash remitted"),
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


class QueueFilterForm(FlaskForm):
    """Filters of the approval queue (a GET form)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"), default=CooperativeStatus.PENDING.value,
        choices=[SelectChoice("all", _l("All")),
                 *(SelectChoice(value, label) for value, label in STATUS_LABELS.items())],
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
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def set_choices(self, actions: list[str], target_types: list[str]) -> None:
        """Offer the actions and target types present in the log."""
        any_choice = SelectChoice("", _l("Any"))
        self.action.choices = [any_choice, *(SelectChoice(a) for a in actions)]
        self.target_type.choices = [any_choice, *(SelectChoice(t) for t in target_types)]

    def validate_date_to(self, field: DateField) -> None:
        """The period must not end before it starts."""
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
