"""The cooperative's register of members (private to its managers)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from producers.models import Cooperative, Member, MemberGender
from producers.workspace.access import owned_or_404, owned_rows, workspace
from producers.workspace.forms import ConfirmForm, MemberForm
from shop.extensions import db


@workspace()
def members(member_id: int | None = None):
    """The cooperative's members (private): list, add and edit."""
    coop: Cooperative = g.coop
    item = owned_or_404(Member, member_id) if member_id is not None else None
    form = MemberForm(obj=item)
    if item is not None and request.method == "GET":
        form.gender.data = item.gender.value if item.gender else ""
        form.share_capital.data = f"{item.share_capital_cents / 100:.2f}"
    if form.validate_on_submit():
        item = item or Member(cooperative=coop)
        item.full_name = form.full_name.data.strip()
        item.role = (form.role.data or "").strip()
        item.gender = MemberGender(form.gender.data) if form.gender.data else None
        item.joined_on = form.joined_on.data
        item.share_capital_cents = form.share_capital.cents or 0
        db.session.add(item)
        db.session.commit()
        flash(_("Member saved."), "success")
        return redirect(url_for("producers.members", slug=coop.slug))
    return render_template(
        "producers/members.html",
        coop=coop,
        form=form,
        members=owned_rows(Member, Member.full_name),
        editing=item,
        confirm=ConfirmForm(),
    ), 400 if form.errors else 200


@workspace()
def delete_member(member_id: int):
    """Remove a member from the register."""
    item = owned_or_404(Member, member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db.session.delete(item)
    db.session.commit()
    flash(_("Member removed."), "success")
    return redirect(url_for("producers.members", slug=g.coop.slug))
