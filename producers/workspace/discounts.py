"""The cooperative's discount codes, for its own products and at its own cost.

A code lowers the gross of the cooperative's lines before the split, never
below the floor price; free shipping means the cooperative ships that parcel at
its own cost. Rules and audit in ``orders.discounts.manage``; another
cooperative's code is 404 here.
"""

from __future__ import annotations

from flask import abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders.discounts import manage
from orders.discounts.forms import CodeForm
from producers.workspace.access import workspace
from shop.actions import commit_or_flash


@workspace()
def discounts(**_kw):
    """The cooperative's codes, and the form to create one."""
    coop = g.coop
    form = CodeForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        with commit_or_flash(_("The code is created.")) as outcome:
            manage.create_code(form.to_input(), current_user._get_current_object(), coop)
        if outcome.ok:
            return redirect(url_for("producers.discounts", slug=coop.slug))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "producers/discounts.html", coop=coop, form=form, rows=manage.codes_of(coop)
    ), status


@workspace()
def discount_deactivate(code_id: int, **_kw):
    """Stop one of the cooperative's codes."""
    code = manage.code_of(g.coop, code_id)
    if code is None:
        abort(404)
    with commit_or_flash(_("The code is deactivated.")):
        manage.deactivate(code, current_user._get_current_object())
    return redirect(url_for("producers.discounts", slug=g.coop.slug))
