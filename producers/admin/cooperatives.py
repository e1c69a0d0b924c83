"""Administration of cooperatives: the approval queue and the decisions (the home is overview.py)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from producers import services, slugs
from producers.admin.forms import (
    ACTION_LABELS,
    DECISIONS,
    DOCUMENT_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    DecisionForm,
    QueueFilterForm,
    SlugForm,
)
from producers.admin.listing import PER_PAGE, page_args, page_number
from producers.models import (
    Cooperative,
    CooperativeDocument,
    CooperativeOldSlug,
    Membership,
)
from shop.accounts import admin_required
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.extensions import db


def admin_helpers() -> dict[str, Any]:
    """Labels shared by the administration templates."""
    return {
        "status_labels": STATUS_LABELS,
        "decisions": DECISIONS,
        "document_labels": DOCUMENT_LABELS,
        "kind_labels": KIND_LABELS,
        "action_labels": ACTION_LABELS,
    }


# ------------------------------------------------------------------ cooperatives


@admin_required
def cooperatives():
    """The approval queue: cooperatives by status (pending first), searchable by name."""
    form = QueueFilterForm(request.args)
    form.validate()
    status = form.status_value()
    query = select(Cooperative)
    if status is not None:
        query = query.where(Cooperative.status == status)
    if form.q.data and not form.q.errors:
        needle = form.q.data.strip()
        query = query.where(
            Cooperative.legal_name.icontains(needle, autoescape=True)
            | Cooperative.slug.icontains(needle, autoescape=True)
        )
    # The oldest application first: a queue is served in order of arrival.
    query = query.order_by(
        Cooperative.submitted_at.is_(None),
        Cooperative.submitted_at,
        Cooperative.legal_name,
        Cooperative.id,
    )
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    ids = [coop.id for coop in page.items]
    documents = (
        dict(
            db.session.execute(
                select(CooperativeDocument.cooperative_id, func.count(CooperativeDocument.id))
                .where(CooperativeDocument.cooperative_id.in_(ids))
                .group_by(CooperativeDocument.cooperative_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "admin/cooperatives.html", form=form, page=page, documents=documents, page_args=page_args()
    )


@admin_required
def cooperative(id: int):
    """Everything an administrator needs to decide on a cooperative."""
    coop = db.get_or_404(Cooperative, id)
    return _render_cooperative(coop)


@admin_required
def decide(id: int):
    """Apply an administrator decision (approve, reject, ask for changes, suspend, reinstate)."""
    # Lock the row (PostgreSQL) so that two administrators cannot both decide on one status.
    coop = db.get_or_404(Cooperative, id, with_for_update=True)
    form = DecisionForm()
    action = form.action.data or ""
    if action not in DECISIONS:
        return _render_cooperative(
            coop, error=_("This action is not possible for a cooperative in this state.")
        ), 400
    form.for_action(action)
    if not form.validate():
        return _render_cooperative(coop, submitted=form), 400
    try:
        services.transition(coop, action, current_user, form.reason.data or "")
    except services.ProducerError as exc:
        db.session.rollback()
        coop = db.get_or_404(Cooperative, id)
        if action not in services.allowed_actions(coop):  # e.g. another admin decided first
            return _render_cooperative(coop, error=str(exc.message)), 400
        form.reason.errors = [str(exc.message)]
        return _render_cooperative(coop, submitted=form), 400
    db.session.commit()
    flash(
        _("%(coop)s: %(status)s.", coop=coop.legal_name, status=STATUS_LABELS[coop.status.value]),
        "success",
    )
    return redirect(url_for("admin.cooperative", id=coop.id))


@admin_required
def slug(id: int):
    """Change a cooperative's address in the shop; the old one keeps redirecting to it."""
    coop = db.get_or_404(Cooperative, id, with_for_update=True)
    form = SlugForm()
    if form.validate():
        try:
            changed = slugs.change_slug(
                coop, form.slug.data or "", current_user, form.slug_reason.data or ""
            )
        except services.ProducerError as exc:
            db.session.rollback()
            form.slug.errors = [str(exc.message)]
        else:
            db.session.commit()
            if changed:
                flash(_("The address is now %(slug)s.", slug=coop.slug), "success")
            return redirect(url_for("admin.cooperative", id=coop.id))
    coop = db.get_or_404(Cooperative, id)
    return _render_cooperative(coop, slug_form=form), 400


def _render_cooperative(
    coop: Cooperative,
    submitted: DecisionForm | None = None,
    error: str | None = None,
    slug_form: SlugForm | None = None,
) -> str:
    """The detail page, with a blank form per allowed action (or the one just sent)."""
    forms = {}
    for action in services.allowed_actions(coop):
        if submitted is not None and submitted.action.data == action:
            forms[action] = submitted
        else:
            forms[action] = DecisionForm(formdata=None).for_action(action)
    managers = db.session.scalars(
        select(Membership)
        .where(Membership.cooperative_id == coop.id)
        .options(selectinload(Membership.user))
        .order_by(Membership.role.desc(), Membership.id)
    ).all()
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_type == "cooperative", AuditEntry.target_id == coop.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    applicant = db.session.get(User, coop.applicant_id) if coop.applicant_id else None
    old_slugs = db.session.scalars(
        select(CooperativeOldSlug.slug)
        .where(CooperativeOldSlug.cooperative_id == coop.id)
        .order_by(CooperativeOldSlug.retired_at.desc(), CooperativeOldSlug.id.desc())
    ).all()
    return render_template(
        "admin/cooperative.html",
        coop=coop,
        forms=forms,
        managers=managers,
        history=history,
        applicant=applicant,
        error=error,
        stories={t.locale: t for t in coop.translations},
        slug_form=slug_form or SlugForm(formdata=None, data={"slug": coop.slug}),
        old_slugs=old_slugs,
    )
