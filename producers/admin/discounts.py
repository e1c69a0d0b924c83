"""The platform's discount codes (funded by the platform): list, create, deactivate.

Registered on the admin blueprint by ``producers.admin.blueprint``; every view is
admin-only. An administrator may also deactivate a cooperative's code (misuse). The rules live in ``orders.discounts`` (``manage.py``), which audits.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders.discounts import manage
from orders.discounts.forms import CodeForm
from orders.discounts.models import DiscountCode
from shop.accounts import admin_required
from shop.actions import commit_or_flash
from shop.extensions import db


@admin_required
def discounts():
    """The platform's codes, and the form to create one."""
    form = CodeForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        with commit_or_flash(_("The code is created.")) as outcome:
            manage.create_code(form.to_input(), current_user._get_current_object(), None)
        if outcome.ok:
            return redirect(url_for("admin.discounts"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/discounts.html", form=form, rows=manage.codes_of(None)), status


@admin_required
def discount_deactivate(code_id: int):
    """Stop a code: the platform's, or a cooperative's that is misused (audited)."""
    code = db.session.get(DiscountCode, code_id)
    if code is None:
        abort(404)
    with commit_or_flash(_("The code is deactivated.")):
        manage.deactivate(code, current_user._get_current_object())
    return redirect(url_for("admin.discounts"))
