"""Account pages: register, login, logout, password reset, profile."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from . import services
from .forms import LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm

bp = Blueprint("accounts", __name__, url_prefix="/<lang:lang>/account")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def safe_next(default: str) -> str:
    """The ``next`` target when it stays on this site, else ``default``."""
    target = request.args.get("next") or request.form.get("next") or ""
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith("//")
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return default


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("accounts.profile")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("The e-mail or password is not right."))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(safe_next(url_for("catalog.home", lang=user.locale or g.lang)))
    return render_template("accounts/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Create a shopper account."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                form.email.data, form.name.data, form.password.data, g.lang
            )
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(user)
            flash(_("Your account is ready. Welcome to Taawon!"), "success")
            return redirect(safe_next(url_for("catalog.home")))
    return render_template("accounts/register.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST, so that a link on another site cannot do it)."""
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_request():
    """Ask for a password reset e-mail."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data, g.lang)
        flash(
            _(
                "If an account exists for this address, we have sent it a link "
                "to choose a new password."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link."""
    user = services.user_from_reset_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password has been changed. You can log in now."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/")
@login_required
def profile():
    """The signed-in user's account page."""
    return render_template("accounts/profile.html")
