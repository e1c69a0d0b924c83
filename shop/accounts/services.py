"""Account operations: register, authenticate, reset passwords."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import mail
from ..extensions import db
from ..models import utcnow
from .models import User

RESET_SALT = "taawon.password-reset"


class AccountError(Exception):
    """A refused account operation, with a translated message."""


def normalize_email(email: str) -> str:
    """Trimmed and lower-cased, the form stored in ``User.email``."""
    return email.strip().lower()


def find_user(email: str) -> User | None:
    """The user with this e-mail, whatever its case."""
    return db.session.scalar(db.select(User).filter_by(email=normalize_email(email)))


def register_user(
    email: str, name: str, password: str, locale: str, is_admin: bool = False
) -> User:
    """Create an account; refuse an e-mail already in use."""
    if find_user(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."))
    user = User(email=normalize_email(email), name=name.strip(), locale=locale, is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, else None."""
    user = find_user(email)
    if user is None:
        # Hash anyway so that timing does not tell which e-mails exist.
        User(password_hash="").set_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def _password_fingerprint(user: User) -> str:
    # Part of the token: once the password changes, old links stop working.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_reset_token(user: User) -> str:
    """A signed, time-limited, single-use password reset token."""
    return _serializer().dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def user_from_reset_token(token: str) -> User | None:
    """The user a valid, unexpired, unused token was made for."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or data.get("pw") != _password_fingerprint(user):
        return None
    return user


def send_password_reset(email: str, lang: str) -> None:
    """Mail a reset link when the account exists; say nothing either way."""
    user = find_user(email)
    if user is None or not user.active:
        return
    link = url_for(
        "accounts.reset_password",
        lang=user.locale or lang,
        token=make_reset_token(user),
        _external=True,
    )
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    mail.send_template(
        user.email,
        user.locale or lang,
        "reset_password",
        _l("Reset your Taawon password"),
        user=user,
        link=link,
        minutes=minutes,
    )


def reset_password(user: User, password: str) -> None:
    """Set a new password (which also invalidates older reset links)."""
    user.set_password(password)
