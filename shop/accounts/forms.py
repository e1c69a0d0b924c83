"""Account forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

PASSWORD_MIN = 10


def _new_password_fields():
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(),
            Length(
                min=PASSWORD_MIN,
                max=128,
                message=_l("Use at least %(min)d characters.", min=PASSWORD_MIN),
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": PASSWORD_MIN},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


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
    """A new shopper account."""

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
    password, confirm = _new_password_fields()


class ResetRequestForm(FlaskForm):
    """Ask for a reset link."""

    email = EmailField(
        _l("E-mail"), validators=[DataRequired(), Email()], render_kw={"autocomplete": "email"}
    )


class ResetPasswordForm(FlaskForm):
    """Choose a new password."""

    password, confirm = _new_password_fields()
