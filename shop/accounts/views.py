"""Account pages: register, login, logout, password reset and change, profile, messages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, limiter
from ..messaging import Channel
from ..messaging.phones import readable
from . import hooks, keep_session, services, throttle
from .forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    MessagesForm,
    RegisterConfirmForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from .models import User

bp = Blueprint("accounts", __name__, url_prefix="/<lang:lang>/account")


def _mail_limit() -> str:
    # Pages that send mail, per client address (login has its own throttle).
    return current_app.config["LOGIN_RATE_LIMIT"]


def safe_next(default: str) -> str:
    """The ``next`` target when it stays on this site, else ``default``."""
    return local_path(request.args.get("next") or request.form.get("next") or "", default)


def local_path(target: str, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``."""
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and len(target) <= 1000
        and not target.startswith("//")
        and not parts.netloc
        and "\\" not in target
    ):
        return target
    return default


def after_login(user: User) -> str:
    """Where a person goes once logged in.

    An explicit ``next`` wins for everyone: it is set by a page that needs a
    login (Flask-Login's redirect), by checkout's "log in" link or by the
    registration pages, and the person wants to finish what they started.
    Otherwise their role decides (``hooks.landing_for``: a manager's
    workspace, an admin's back office), and a shopper goes back to the page
    they were on (``back``, which the header's "Log in" link carries) or home.
    """
    explicit = safe_next("")
    if explicit:
        return explicit
    landing = hooks.landing_for(user)
    if landing:
        return landing
    back = request.args.get("back") or request.form.get("back") or ""
    return local_path(back, url_for("catalog.home", lang=user.locale or g.lang))


def _too_many() -> str:
    return _(
        "Too many failed attempts from here. Wait a few minutes and try again, "
        "or choose a new password with “Forgot your password?”."
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password; failed attempts are throttled (``throttle``)."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("accounts.profile")))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = form.email.data, request.remote_addr
        if throttle.refused(email, address):
            form.password.errors.append(_too_many())
            return render_template("accounts/login.html", form=form), 429
        user = services.authenticate(email, form.password.data)
        if user is None:
            throttle.record_failure(email, address)
            form.password.errors.append(_("The e-mail or password is not right."))
        else:
            throttle.record_success(email, address)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            return redirect(after_login(user))
    return render_template("accounts/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def register():
    """Ask for an account: the same answer whether the address has one or not."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.profile"))
    form = RegisterForm()
    if request.method == "GET" and not form.email.data:
        # "Create an account" on a guest order's page brings its address.
        form.email.data = (request.args.get("email") or "").strip()[:254]
    if form.validate_on_submit():
        email = services.normalize_email(form.email.data)
        # Where the visitor was going (the application to sell, say) travels
        # in the signed link, so the new account lands there.
        services.send_registration_link(email, form.name.data, g.lang, safe_next(""))
        db.session.commit()  # the mail is in the outbox; it leaves after the commit
        return render_template("accounts/register_sent.html", email=email)
    return render_template("accounts/register.html", form=form)


@bp.route("/register/<token>", methods=["GET", "POST"])
def register_confirm(token: str):
    """Open the e-mailed link, choose a password: the account is created now."""
    data = services.registration_from_token(token)
    if data is None:
        flash(_("This link has expired. Register again to get a new one."), "error")
        return redirect(url_for("accounts.register"))
    if services.find_user(data["email"]) is not None:
        flash(_("This account exists already. Log in."), "info")
        return redirect(url_for("accounts.login"))
    form = RegisterConfirmForm(user_inputs=(data["email"], data["name"]))
    if form.validate_on_submit():
        try:
            user = services.register_user(
                data["email"], data["name"], form.password.data, data["locale"]
            )
        except services.AccountError as exc:
            db.session.rollback()
            form.password.errors.append(str(exc))
        else:
            # Opening the link proved the address: guest orders placed with it join.
            notes = services.confirm_address(user)
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            login_user(user)
            flash(_("Your account is ready. Welcome to Taawon!"), "success")
            for note in notes:
                flash(note, "success")
            home = url_for("catalog.home", lang=user.locale)
            return redirect(local_path(str(data.get("next") or ""), home))
    return render_template("accounts/register_confirm.html", form=form, data=data)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST, so that a link on another site cannot do it).

    Sessions are signed cookies kept by the browser, so a copy made before
    (or the remember-me cookie) would still work: logging out moves the
    session version on, which ends every session of the account, on every
    device, as "log out everywhere" does.
    """
    if current_user.is_authenticated:
        services.end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("catalog.home"))


@bp.route("/sessions/end", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of the account, this one and those on other devices."""
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.profile"))
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out on every device. Log in again here."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_mail_limit, methods=["POST"])
def reset_request():
    """Ask for a password reset e-mail."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.send_password_reset(form.email.data, g.lang)
        db.session.commit()  # the mail (if any) leaves after the commit
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
    """Choose a new password from an e-mailed link; every session ends."""
    user = services.user_from_reset_token(token)
    if user is None:
        flash(_("This link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("accounts.reset_request"))
    form = ResetPasswordForm(user_inputs=(user.email, user.name))
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        # The link came to the account's address, which proves it as well.
        notes = services.confirm_address(user)
        db.session.commit()
        if current_user.is_authenticated:
            logout_user()  # whoever this browser was, it logs in with the new password
        flash(_("Your password has been changed. You can log in now."), "success")
        for note in notes:
            flash(note, "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; this session stays, every other one ends."""
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    form = ChangePasswordForm(user_inputs=(user.email, user.name))
    if form.validate_on_submit():
        # A stolen session must not be a way to guess the password: the
        # current password's failures count as failed logins.
        if throttle.refused(user.email, request.remote_addr):
            form.current_password.errors.append(_too_many())
            return render_template("accounts/change_password.html", form=form), 429
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            throttle.record_failure(user.email, request.remote_addr)
            form.current_password.errors.append(str(exc))
        else:
            db.session.commit()
            keep_session(user)
            flash(
                _("Your password has been changed. You are logged out on your other devices."),
                "success",
            )
            return redirect(url_for("accounts.profile"))
    status = 400 if form.errors else 200
    return render_template("accounts/change_password.html", form=form), status


@bp.route("/messages", methods=["GET", "POST"])
@login_required
def messages():
    """How the signed-in person hears about their orders: e-mail, SMS or WhatsApp."""
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    form = MessagesForm()
    if request.method == "GET":
        form.channel.data = user.message_channel.value
        form.phone.data = readable(user.phone) if user.phone else ""
    if form.validate_on_submit():
        channel = Channel(form.channel.data)
        texted = services.set_message_channel(user, channel, form.phone_e164)
        db.session.commit()  # the confirming text (if any) leaves after the commit
        if texted:
            flash(
                _(
                    "Saved. A message is on its way to %(phone)s: if it does not "
                    "arrive, check the number.",
                    phone=readable(user.phone),
                ),
                "success",
            )
        else:
            flash(_("Saved."), "success")
        return redirect(url_for("accounts.messages"))
    status = 400 if form.errors else 200
    return render_template("accounts/messages.html", form=form), status


@bp.route("/")
@login_required
def profile():
    """The signed-in user's account page."""
    phone = readable(current_user.phone) if current_user.phone else ""
    return render_template("accounts/profile.html", confirm=ConfirmForm(), phone=phone)
