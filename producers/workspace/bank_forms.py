"""The cooperative's bank details form (workspace)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from producers.money.rib import valid_rib


def _rib(form, field) -> None:
    if field.data and valid_rib(field.data) is None:
        raise ValidationError(_l("This RIB is not valid: it has 24 digits and its last two "
                                 "digits are a check key."))


class BankForm(FlaskForm):
    """A new RIB and account holder, confirmed with the manager's current password."""

    rib = StringField(_l("RIB (24 digits)"), validators=[
        DataRequired(message=_l("Give the RIB of the account.")), Length(max=40), _rib],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "dir": "ltr",
                   "spellcheck": "false"})
    rib_holder = StringField(_l("Account holder"), validators=[
        DataRequired(message=_l("Give the name of the account holder.")), Length(max=120)],
        render_kw={"autocomplete": "off"})
    current_password = PasswordField(_l("Your current password"), validators=[
        DataRequired(message=_l("Give your password to change the bank details."))],
        render_kw={"autocomplete": "current-password"})
