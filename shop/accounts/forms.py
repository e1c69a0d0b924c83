"""Account forms."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

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
