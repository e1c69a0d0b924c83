"""Accounts: registration, login, password reset, roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from ..extensions import db, login_manager

if TYPE_CHECKING:
    from .models import User


def init_accounts(app: Flask) -> None:
    """Bind Flask-Login, open the login throttle's storage, hear "STOP" replies."""
    from ..messaging import on_reply
    from .models import User
    from .services import stop_texts
    from .throttle import init_throttle

    init_throttle(app)
    # Before the domains' handlers (registered later): a STOP is never an answer.
    on_reply(stop_texts)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """The user of a session or remember cookie whose identity is still current.

        The identity is ``"<id>:<session version>"`` (``User.get_id``); an
        older version (the sessions ended since), a bare id from before
        versions existed, or a suspended account loads nobody.
        """
        ident, _sep, version = (user_id or "").partition(":")
        if not (ident.isascii() and ident.isdigit() and version.isascii() and version.isdigit()):
            return None
        if len(ident) > 18 or len(version) > 18:  # beyond a 64-bit integer
            return None
        user = db.session.get(User, int(ident))
        if user is None or not user.active or str(user.session_version) != version:
            return None
        return user


def admin_required(view: Callable) -> Callable:
    """Anonymous users go to login; signed-in non-admins get 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def keep_session(user: User) -> None:
    """Log this browser in again under ``user``'s new session version.

    After its own password change the session that made it stays signed in
    (and keeps its remember-me cookie, re-issued), while every other one ends.
    Call after the commit.
    """
    cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    login_user(user, remember=cookie in request.cookies)
