"""Accounts: registration, login, password reset, roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db, login_manager


def init_accounts(app: Flask) -> None:
    """Bind Flask-Login."""
    from .models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))


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
