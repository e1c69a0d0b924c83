"""Account operations: register, authenticate, reset passwords, end sessions, messages."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .. import mail
from ..extensions import db
from ..messaging import Channel, Recipient, notify
from ..models import utcnow
from .hooks import address_confirmed
from .models import User
from .passwords import password_problem

RESET_SALT = "taawon.password-reset"
REGISTER_SALT = "taawon.register"
#: Seconds a registration link stays valid (``REGISTRATION_LINK_MAX_AGE``).
REGISTRATION_LINK_MAX_AGE = 24 * 3600


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
    """Create an account; refuse an e-mail already in use or a weak password.

    People register through ``send_registration_link`` and
    ``user_from_registration``; this is the step both, the demo and the
    ``create-admin`` command end with.
    """
    if find_user(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."))
    problem = password_problem(password, (email, name))
    if problem:
        raise AccountError(problem)
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


def _serializer(salt: str = RESET_SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


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
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    if user is None or not user.active:
        # Render the mail all the same, so that the answer takes about as long.
        stand_in = User(id=0, email=normalize_email(email), name="", password_hash="")
        mail.render(
            stand_in.email,
            lang,
            "reset_password",
            _l("Reset your Taawon password"),
            user=stand_in,
            link=_reset_link(stand_in, lang),
            minutes=minutes,
        )
        return
    mail.send_template(
        user.email,
        user.locale or lang,
        "reset_password",
        _l("Reset your Taawon password"),
        user=user,
        link=_reset_link(user, lang),
        minutes=minutes,
    )


def _reset_link(user: User, lang: str) -> str:
    return url_for(
        "accounts.reset_password",
        lang=user.locale or lang,
        token=make_reset_token(user),
        _external=True,
    )


def reset_password(user: User, password: str) -> None:
    """Set a new password, which ends every session and older reset links."""
    user.set_password(password)
    end_sessions(user)


def confirm_address(user: User) -> list[str]:
    """Tell the domains that ``user`` has just proved they own their e-mail
    address (they opened a registration or password-reset link sent to it);
    return the notes they have for the person (e.g. "your 2 earlier orders
    are now in your account"), to flash once the transaction is committed.

    Call it before the commit: what the domains change (guest orders joining
    the account) is saved with the account, or not at all.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the receivers' sender
    replies = address_confirmed.send(app, user=user)
    return [str(note) for _receiver, note in replies if note]


def change_password(user: User, current: str, new: str) -> None:
    """Change a password knowing the current one; every session ends (the
    caller logs its own one in again with ``keep_session``)."""
    if not user.check_password(current):
        raise AccountError(_l("Your current password is not right."))
    user.set_password(new)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every session and remember-me cookie of ``user``.

    The session version is part of the login identity (``User.get_id``), so
    the cookies issued before no longer load a user. Called on a password
    change or reset, "log out everywhere", logging out (a copied cookie must
    not outlive it), a removal from a cooperative's team and a suspension.
    """
    user.session_version = (user.session_version or 1) + 1


def set_message_channel(user: User, channel: Channel, phone: str) -> bool:
    """Record how ``user`` hears about orders and their mobile (E.164, or "").

    A newly chosen SMS or WhatsApp channel, or a new number for it, is
    answered at once with a short message on it (``messages/channel_chosen``),
    so that the person sees it works. True when one is sent.
    """
    changed = (channel, phone) != (user.message_channel, user.phone)
    user.message_channel = channel
    user.phone = phone
    db.session.flush()
    if not changed or channel == Channel.EMAIL or not phone:
        return False
    notify(Recipient.for_user(user), "channel_chosen", "", channel=channel.value)
    return True


#: Replies that stop text messages, in the languages people write them.
STOP_WORDS = frozenset({"stop", "arret", "arrêt", "توقف", "الغاء", "إلغاء"})


def stop_texts(phone: str, body: str) -> bool:
    """A "STOP" reply: the accounts with this number go back to e-mail (an ``on_reply`` handler).

    Takes the reply only when an account had texts on; anything else goes
    on to the other handlers.
    """
    if body.strip().strip(".!").lower() not in STOP_WORDS:
        return False
    users = db.session.scalars(
        db.select(User).where(User.phone == phone, User.message_channel != Channel.EMAIL)
    ).all()
    for user in users:
        user.message_channel = Channel.EMAIL
    db.session.flush()
    return bool(users)


def suspend_user(user: User) -> None:
    """Stop an account: no login, and its open sessions end at once."""
    user.active = False
    end_sessions(user)


# ---------------------------------------------------------------- registration


def _registration_serializer() -> URLSafeTimedSerializer:
    return _serializer(REGISTER_SALT)


def make_registration_token(email: str, name: str, locale: str, next_path: str = "") -> str:
    """A signed link token holding what the registration form said (and where to go after)."""
    data = {"email": normalize_email(email), "name": name.strip(), "locale": locale}
    if next_path:
        data["next"] = next_path
    return _registration_serializer().dumps(data)


def registration_from_token(token: str) -> dict | None:
    """The e-mail, name and language of a valid, unexpired registration link."""
    max_age = current_app.config.get("REGISTRATION_LINK_MAX_AGE", REGISTRATION_LINK_MAX_AGE)
    try:
        data = _registration_serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) for k in ("email", "name", "locale")
    ):
        return None
    return data


def send_registration_link(email: str, name: str, lang: str, next_path: str = "") -> None:
    """Mail the address: a link to finish registering, or, when it already
    has an account, a note that someone tried, with a reset link.

    The page says the same either way ("check your inbox"), so registering
    no longer tells anyone which addresses have accounts. The account is
    created only once the link is opened (the mailbox's owner chooses the
    password then), so nobody can open an account in someone else's name.
    """
    user = find_user(email)
    if user is not None:
        if user.active:
            mail.send_template(
                user.email,
                user.locale or lang,
                "register_existing",
                _l("Someone tried to create a Taawon account with your address"),
                user=user,
                link=_reset_link(user, lang),
                login=url_for("accounts.login", lang=user.locale or lang, _external=True),
                minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
            )
        return
    link = url_for(
        "accounts.register_confirm",
        lang=lang,
        token=make_registration_token(email, name, lang, next_path),
        _external=True,
    )
    max_age = current_app.config.get("REGISTRATION_LINK_MAX_AGE", REGISTRATION_LINK_MAX_AGE)
    mail.send_template(
        normalize_email(email),
        lang,
        "register_confirm",
        _l("Finish creating your Taawon account"),
        name=name.strip(),
        link=link,
        hours=max(1, max_age // 3600),
    )
