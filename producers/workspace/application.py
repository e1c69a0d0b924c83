"""The application to sell: start it, edit it, add its documents and send it."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from producers import services
from producers.models import Cooperative, DocumentKind
from producers.workspace.access import EDITABLE, fill_translations, flash_form_errors, workspace
from producers.workspace.forms import ApplicationForm, DocumentForm
from shop.actions import commit_or_flash
from shop.extensions import db


@login_required
def apply():
    """Start an application (or resume the one in progress)."""
    for coop in services.managed_cooperatives(current_user):
        if coop.status in EDITABLE:
            return redirect(url_for("producers.application", slug=coop.slug))
    form = ApplicationForm()
    if form.validate_on_submit():
        coop = services.save_application(current_user, _application_data(form))
        db.session.commit()
        flash(_("Your application is saved. Add your documents, then send it."), "success")
        return redirect(url_for("producers.application", slug=coop.slug))
    return render_template("producers/apply.html", form=form, coop=None, document_form=None)


def _application_data(form: ApplicationForm) -> dict:
    data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    data["ice"] = (data.get("ice") or "").strip()
    data["women_members_count"] = data.get("women_members_count") or 0
    return data


@workspace()
def application(**_kw):
    """Edit an application, add documents and send it."""
    coop: Cooperative = g.coop
    form = ApplicationForm(obj=coop)
    fill_translations(form, coop.translations, ("story",))
    document_form = DocumentForm(prefix="doc")
    if coop.status in EDITABLE and form.validate_on_submit():
        send = request.form.get("send")
        with commit_or_flash(
            _("Your application was sent. We will write to you.")
            if send
            else _("Your application is saved.")
        ) as outcome:
            services.save_application(current_user, _application_data(form), coop)
            if send:
                services.transition(coop, "submit", current_user)
        if not outcome.ok:
            return _render(form, coop, document_form), 400
        return redirect(url_for("producers.application", slug=coop.slug))
    return _render(form, coop, document_form)


def _render(form: ApplicationForm, coop: Cooperative, document_form: DocumentForm) -> str:
    """The application with its documents, and what it still lacks before it can be sent."""
    return render_template(
        "producers/apply.html",
        form=form,
        coop=coop,
        document_form=document_form,
        missing=services.missing_for_submission(coop),
    )


@workspace()
def add_document(**_kw):
    """Upload a document to an application in progress."""
    coop: Cooperative = g.coop
    form = DocumentForm(prefix="doc")
    if coop.status not in EDITABLE:
        flash(_("This application was already sent; it can no longer be edited."), "error")
    elif form.validate_on_submit():
        upload = form.file.data
        with commit_or_flash(_("Document added.")):
            services.add_document(
                coop,
                DocumentKind(form.kind.data),
                upload.filename or "",
                upload.read(services.DOCUMENT_MAX_BYTES + 1),
            )
    else:
        flash_form_errors(form)
    return redirect(url_for("producers.application", slug=coop.slug))
