"""Account forms."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # newer than the stubs
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..messaging.models import Channel
from ..messaging.phones import NotAMobile, mobile_number
from .passwords import PASSWORD_MIN, password_problem


class StrongPassword:
    """Refuse a short or guessable password (zxcvbn, with the person's own
    name and e-mail as words to avoid), with a translated hint."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        problem = password_problem(field.data or "", getattr(form, "user_inputs", ()))
        if problem:
            raise ValidationError(problem)


def _new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), StrongPassword()],
        render_kw={"autocomplete": "new-password", "minlength": PASSWORD_MIN},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class _NewPasswordForm(FlaskForm):
    """A form that sets a password for a known person (their name and e-mail
    are words the password must not lean on)."""

    def __init__(self, *args, user_inputs: Iterable[str | None] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user_inputs = list(user_inputs)


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email()], render_kw={"autocomplete": "email"}
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me signed in"))


class RegisterForm(FlaskForm):
    """A new shopper account: a name and an address to confirm (the password
    is chosen on the page the e-mailed link opens)."""

    name = StringField(
        _l("Full name"),
        validators=[DataRequired(), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class RegisterConfirmForm(_NewPasswordForm):
    """The password of the account the registration link creates."""

    password, confirm = _new_password_fields()


class ResetRequestForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email()], render_kw={"autocomplete": "email"}
    )


class ResetPasswordForm(_NewPasswordForm):
    """Choose a new password."""

    password, confirm = _new_password_fields()


class ChangePasswordForm(_NewPasswordForm):
    """Change the password, knowing the current one."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields()


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (log out everywhere)."""


#: The channels a person may choose, as the page names them.
CHANNEL_LABELS = {
    Channel.EMAIL: _l("E-mail"),
    Channel.SMS: _l("SMS"),
    Channel.WHATSAPP: _l("WhatsApp"),
}


class MessagesForm(FlaskForm):
    """How the person hears about their orders, and the mobile number for texts.

    The number is read as Moroccans write it or with a country code, and
    kept in E.164 (``phone_e164``); it is required for SMS and WhatsApp.
    """

    channel = RadioField(
        _l("Send me news of my orders by"),
        choices=[SelectChoice(c.value, label) for c, label in CHANNEL_LABELS.items()],
        default=Channel.EMAIL.value,
        validators=[DataRequired()],
    )
    phone = StringField(
        _l("Mobile phone"),
        validators=[Length(max=30)],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        render_kw={"autocomplete": "tel", "inputmode": "tel", "dir": "ltr"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phone_e164 = ""

    def validate_phone(self, field: Field) -> None:
        """A mobile number that can take texts; required unless e-mail is chosen."""
        if not field.data:
            if self.channel.data != Channel.EMAIL:
                raise ValidationError(_l("Give the mobile number the messages go to."))
            return
        try:
            self.phone_e164 = mobile_number(field.data)
        except NotAMobile:
            raise ValidationError(
                _l("This number is a landline: text messages need a mobile number.")
            )
        except ValueError:
            raise ValidationError(
                _l(
                    "This is not a number we can send to. Write it as 06 12 34 56 78, "
                    "or with its country code, e.g. +33 6 12 34 56 78."
                )
            )
