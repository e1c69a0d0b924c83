"""The cooperative's bank details in the workspace: where its payouts go."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from producers.models import CooperativeStatus, MembershipRole
from producers.money.rib import BankDetailsError, change_bank_details, mask_rib, rib_hold_days
from producers.workspace.access import workspace
from producers.workspace.forms import BankForm
from shop.extensions import db, limiter


def _password_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT", "10 per minute")


@limiter.limit(_password_limit, methods=["POST"])
@workspace()
def bank(**_kw):
    """Show the RIB masked; an owner changes it with their current password.

    Where the money goes is the owners' decision alone: other managers see
    the page read-only and are refused (403) if they post to it anyway. A
    suspended cooperative's POST never reaches here (``workspace()``).
    """
    coop = g.coop
    can_change = (
        g.membership.role == MembershipRole.OWNER and coop.status != CooperativeStatus.SUSPENDED
    )
    if request.method == "POST" and not can_change:
        abort(403)
    form = BankForm()
    if not form.is_submitted():
        form.rib_holder.data = coop.rib_holder or coop.legal_name
    if form.validate_on_submit():
        # The refusal is shown on the field it concerns, not flashed.
        try:
            changed = change_bank_details(
                coop, form.rib.data, form.rib_holder.data, current_user, form.current_password.data
            )
        except BankDetailsError as exc:
            db.session.rollback()
            form[exc.field].errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(
                _("The bank details are saved. Every manager was told by e-mail.")
                if changed
                else _("Nothing changed."),
                "success",
            )
            return redirect(url_for("producers.bank", slug=coop.slug))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "producers/bank.html",
        coop=coop,
        form=form,
        masked=mask_rib(coop.rib),
        can_change=can_change,
        rib_hold_days=rib_hold_days(),
    ), status
