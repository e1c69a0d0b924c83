"""The cooperative's bank details in the workspace: where its payouts go."""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from producers.money.rib import BankDetailsError, change_bank_details, mask_rib
from producers.workspace.access import workspace
from producers.workspace.forms import BankForm
from shop.extensions import db, limiter


def _password_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT", "10 per minute")


@limiter.limit(_password_limit, methods=["POST"])
@workspace()
def bank(**_kw):
    """Show the RIB masked; change it with the manager's current password."""
    coop = g.coop
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
                _("The bank details are saved. The other managers were told by e-mail.")
                if changed
                else _("Nothing changed."),
                "success",
            )
            return redirect(url_for("producers.bank", slug=coop.slug))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "producers/bank.html", coop=coop, form=form, masked=mask_rib(coop.rib)
    ), status
