"""Administration: cooperative approvals, audit log, certificates, documents."""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import (Blueprint, abort, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, selectinload

from catalog.models import Certification
from shop.accounts import admin_required
from shop.accounts.models import User
from shop.audit import AuditEntry
from shop.extensions import db, login_manager
from shop.i18n import LOCAL_TZ
from shop.models import utcnow
from shop.storage import get_storage

from producers import services
from producers.admin.forms import (ACTION_LABELS, DECISIONS, DOCUMENT_LABELS, KIND_LABELS, STATUS_LABELS,
                          AuditFilterForm, DecisionForm, QueueFilterForm)
from producers.models import Cooperative, CooperativeDocument, CooperativeStatus, Membership

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/<lang:lang>/admin")

PER_PAGE = 50
#: Certificates whose validity ends within this many days are listed as expiring.
EXPIRY_WINDOW_DAYS = 30
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png",
              "image/webp": "webp"}


@bp.context_processor
def admin_helpers() -> dict[str, Any]:
    """Labels shared by the administration templates."""
    return {"status_labels": STATUS_LABELS, "decisions": DECISIONS,
            "document_labels": DOCUMENT_LABELS, "kind_labels": KIND_LABELS,
            "action_labels": ACTION_LABELS}


# ------------------------------------------------------------------ home

@bp.route("/")
@admin_required
def index():
    """The administrators' home: what waits for a decision."""
    today = utcnow().date()
    pending = db.session.scalar(select(func.count(Cooperative.id)).where(
        Cooperative.status == CooperativeStatus.PENDING))
    expiring = db.session.scalar(select(func.count(Certification.id)).where(
        Certification.valid_until.between(today, today + timedelta(days=EXPIRY_WINDOW_DAYS))))
    expired = db.session.scalar(select(func.count(Certification.id)).where(
        Certification.valid_until < today))
    return render_template("admin/index.html", pending=pending, expiring=expiring,
                           expired=expired, window=EXPIRY_WINDOW_DAYS)


# ------------------------------------------------------------------ cooperatives

@bp.route("/cooperatives")
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
        query = query.where(Cooperative.legal_name.icontains(needle, autoescape=True)
                            | Cooperative.slug.icontains(needle, autoescape=True))
    # The oldest application first: a queue is served in order of arrival.
    query = query.order_by(Cooperative.submitted_at.is_(None), Cooperative.submitted_at,
                           Cooperative.legal_name, Cooperative.id)
    page = db.paginate(query, page=_page_number(), per_page=PER_PAGE, error_out=False)
    ids = [coop.id for coop in page.items]
    documents = {coop_id: n for coop_id, n in db.session.execute(
        select(CooperativeDocument.cooperative_id, func.count(CooperativeDocument.id))
        .where(CooperativeDocument.cooperative_id.in_(ids))
        .group_by(CooperativeDocument.cooperative_id))} if ids else {}
    return render_template("admin/cooperatives.html", form=form, page=page, documents=documents,
                           page_args=_page_args())


@bp.route("/cooperatives/<int:id>")
@admin_required
def cooperative(id: int):
    """Everything an administrator needs to decide on a cooperative."""
    coop = db.get_or_404(Cooperative, id)
    return _render_cooperative(coop)


@bp.route("/cooperatives/<int:id>/decide", methods=["POST"])
@admin_required
def decide(id: int):
    """Apply an administrator decision (approve, reject, ask for changes, suspend, reinstate)."""
    # Lock the row (PostgreSQL) so that two administrators cannot both decide on one status.
    coop = db.get_or_404(Cooperative, id, with_for_update=True)
    form = DecisionForm()
    action = form.action.data or ""
    if action not in DECISIONS:
        return _render_cooperative(coop, error=_(
            "This action is not possible for a cooperative in this state.")), 400
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
    flash(_("%(coop)s: %(status)s.", coop=coop.legal_name,
            status=STATUS_LABELS[coop.status.value]), "success")
    return redirect(url_for("admin.cooperative", id=coop.id))


def _render_cooperative(coop: Cooperative, submitted: DecisionForm | None = None,
                        error: str | None = None) -> str:
    """The detail page, with a blank form per allowed action (or the one just sent)."""
    forms = {}
    for action in services.allowed_actions(coop):
        if submitted is not None and submitted.action.data == action:
            forms[action] = submitted
        else:
            forms[action] = DecisionForm(formdata=None).for_action(action)
    managers = db.session.scalars(
        select(Membership).where(Membership.cooperative_id == coop.id)
        .options(selectinload(Membership.user)).order_by(Membership.role.desc(), Membership.id)
    ).all()
    history = db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "cooperative",
                                 AuditEntry.target_id == coop.id)
        .options(selectinload(AuditEntry.actor))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    applicant = db.session.get(User, coop.applicant_id) if coop.applicant_id else None
    return render_template("admin/cooperative.html", coop=coop, forms=forms, managers=managers,
                           history=history, applicant=applicant, error=error,
                           stories={t.locale: t for t in coop.translations})


# ------------------------------------------------------------------ documents

@bp.route("/documents/<int:id>")
def document(id: int):
    """Stream a private document to an administrator or a manager of its cooperative."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    doc = db.get_or_404(CooperativeDocument, id)
    if not (current_user.is_admin or services.membership(current_user, doc.cooperative)):
        abort(403)
    storage = get_storage()
    try:
        path = storage.path(doc.storage_name)
        if path is not None:
            if not path.is_file():
                abort(404)
            source: Any = path
        else:  # a remote backend: no local file to hand to send_file
            source = io.BytesIO(storage.read(doc.storage_name))
    except (ValueError, FileNotFoundError):
        abort(404)
    response = send_file(source, mimetype=doc.content_type, as_attachment=False,
                         download_name=safe_filename(doc.filename, doc.content_type),
                         conditional=True, etag=False, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if doc.content_type == "application/pdf":
        # The file came from outside: a PDF's scripts and forms run without any origin.
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


def safe_filename(name: str, content_type: str) -> str:
    """A name to offer the browser: no path, no control characters, the real extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in unicodedata.normalize("NFC", base)
                   if unicodedata.category(c)[0] not in "CZ" or c == " ")
    base = re.sub(r'["<>:|?*;]', "", base).strip(" .")
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base
    extension = EXTENSIONS.get(content_type, "bin")
    return f"{(stem or 'document')[:100]}.{extension}"


# ------------------------------------------------------------------ audit log

@bp.route("/audit")
@admin_required
def audit():
    """The audit log, newest first, with filters."""
    form = AuditFilterForm(request.args)
    form.set_choices(
        list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))),
        list(db.session.scalars(select(AuditEntry.target_type).distinct()
                                .order_by(AuditEntry.target_type))))
    form.validate()
    page = db.paginate(_audit_query(form), page=_page_number(), per_page=PER_PAGE,
                       error_out=False)
    return render_template("admin/audit.html", form=form, page=page, page_args=_page_args())


def _audit_query(form: AuditFilterForm) -> Select:
    """The entries matching the valid filters (invalid ones are ignored and shown in error)."""
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if form.action.data and not form.action.errors:
        query = query.where(AuditEntry.action == form.action.data)
    if form.target_type.data and not form.target_type.errors:
        query = query.where(AuditEntry.target_type == form.target_type.data)
    if form.actor.data and not form.actor.errors:
        query = query.where(AuditEntry.actor_id.in_(select(User.id).where(
            User.email.icontains(form.actor.data.strip(), autoescape=True))))
    if form.date_from.data and not form.date_from.errors:
        query = query.where(AuditEntry.created_at >= local_midnight(form.date_from.data))
    if form.date_to.data and not form.date_to.errors:
        query = query.where(AuditEntry.created_at
                            < local_midnight(form.date_to.data + timedelta(days=1)))
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in Casablanca, as the naive UTC time the database stores."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


# ------------------------------------------------------------------ certificates

@bp.route("/certificates")
@admin_required
def certificates():
    """Certificates already expired or expiring within 30 days, soonest first."""
    today = utcnow().date()
    rows = db.session.scalars(
        select(Certification).join(Certification.cooperative)
        .where(Certification.valid_until <= today + timedelta(days=EXPIRY_WINDOW_DAYS))
        .options(contains_eager(Certification.cooperative))
        .order_by(Certification.valid_until, Cooperative.legal_name, Certification.id)
    ).all()
    expired = [c for c in rows if not c.is_valid(today)]
    expiring = [c for c in rows if c.is_valid(today)]
    return render_template("admin/certificates.html", expired=expired, expiring=expiring,
                           today=today, window=EXPIRY_WINDOW_DAYS)


# ------------------------------------------------------------------ helpers

def _page_number() -> int:
    """The ``page`` query argument (1 when missing or not a positive number)."""
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _page_args() -> dict[str, str]:
    """The query arguments to keep in pagination links (all but ``page``)."""
    return {k: v for k, v in request.args.items() if k != "page" and v}
