"""The audit log: every recorded action, newest first, with filters."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from producers.admin.forms import AuditFilterForm
from producers.admin.listing import PER_PAGE, local_midnight, page_args, page_number
from shop.accounts import admin_required
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.extensions import db


@admin_required
def audit():
    """The audit log, newest first, with filters."""
    form = AuditFilterForm(request.args)
    form.set_choices(
        list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))),
        list(
            db.session.scalars(
                select(AuditEntry.target_type).distinct().order_by(AuditEntry.target_type)
            )
        ),
    )
    form.validate()
    page = db.paginate(_audit_query(form), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/audit.html", form=form, page=page, page_args=page_args())


def _audit_query(form: AuditFilterForm) -> Select:
    """The entries matching the valid filters (invalid ones are ignored and shown in error)."""
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if form.action.data and not form.action.errors:
        query = query.where(AuditEntry.action == form.action.data)
    if form.target_type.data and not form.target_type.errors:
        query = query.where(AuditEntry.target_type == form.target_type.data)
    if form.actor.data and not form.actor.errors:
        query = query.where(
            AuditEntry.actor_id.in_(
                select(User.id).where(
                    User.email.icontains(form.actor.data.strip(), autoescape=True)
                )
            )
        )
    if form.date_from.data and not form.date_from.errors:
        query = query.where(AuditEntry.created_at >= local_midnight(form.date_from.data))
    if form.date_to.data and not form.date_to.errors:
        query = query.where(
            AuditEntry.created_at < local_midnight(form.date_to.data + timedelta(days=1))
        )
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
