"""The people who manage the cooperative on Taawon: invitations and removals."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from producers import services
from producers.exceptions import ProducerError
from producers.models import Cooperative, Membership, MembershipRole
from producers.workspace.access import workspace
from producers.workspace.forms import ConfirmForm, InviteForm
from shop.accounts import keep_session
from shop.accounts.services import end_sessions
from shop.actions import commit_or_flash
from shop.extensions import db


@workspace()
def team(**_kw):
    """The people who manage the cooperative on Taawon; owners invite and remove."""
    coop: Cooperative = g.coop
    form = InviteForm()
    if form.validate_on_submit():
        if g.membership.role != MembershipRole.OWNER:
            abort(403)
        # The refusal is shown on the e-mail field, not flashed.
        try:
            services.invite_manager(
                coop,
                form.email.data,
                current_user,
                form.name.data or "",
                MembershipRole(form.role.data),
                g.lang,
            )
        except ProducerError as exc:
            db.session.rollback()
            form.email.errors = [str(exc.message)]
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("producers.team", slug=coop.slug))
    managers = db.session.scalars(
        select(Membership)
        .where(Membership.cooperative_id == coop.id)
        .options(selectinload(Membership.user))
        .order_by(Membership.id)
    ).all()
    return render_template(
        "producers/team.html", coop=coop, form=form, managers=managers, confirm=ConfirmForm()
    ), 400 if form.errors else 200


@workspace(owner_only=True)
def remove_manager(membership_id: int):
    """Take workspace access away from a manager."""
    member = db.session.get(Membership, membership_id)
    if member is None or member.cooperative_id != g.coop.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    removed = member.user
    with commit_or_flash(_("Access removed.")) as outcome:
        services.remove_manager(g.coop, member, current_user)
        # Every session the person had ends: whatever they had open (a page,
        # a form, a private document's link) is refused from the next request.
        end_sessions(removed)
    if outcome.ok and removed.id == current_user.id:
        keep_session(removed)  # an owner who left the team stays logged in here
    return redirect(url_for("producers.team", slug=g.coop.slug))
