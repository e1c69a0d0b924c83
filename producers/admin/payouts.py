"""Administration of payouts: run a batch, mark payouts paid or failed, the bank's CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from producers.admin.forms import FailForm, RunForm
from producers.admin.listing import PER_PAGE, page_args, page_number
from producers.models import Cooperative
from producers.money import connect
from producers.money import payouts as service
from producers.money.bankfile import bank_csv
from producers.money.exceptions import PayoutError
from producers.money.models import Payout, PayoutBatch, PayoutMethod, PayoutStatus
from producers.money.rib import mask_rib
from shop.accounts import admin_required
from shop.audit import AuditEntry
from shop.extensions import db
from shop.i18n import format_money

#: How many skipped cooperatives a flash message names before "and N more".
SKIPPED_SHOWN = 10


def payout_helpers() -> dict[str, Any]:
    """Labels and the RIB mask for the payout templates."""
    return {
        "payout_status_labels": service.STATUS_LABELS,
        "payout_method_labels": service.METHOD_LABELS,
        "mask_rib": mask_rib,
    }


# ------------------------------------------------------------------ batches


@admin_required
def payouts():
    """Payout batches, newest first, with their totals by status."""
    query = (
        select(PayoutBatch)
        .options(selectinload(PayoutBatch.created_by))
        .order_by(PayoutBatch.created_at.desc(), PayoutBatch.id.desc())
    )
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
    ids = [batch.id for batch in page.items]
    figures: dict[int, dict[str, tuple[int, int]]] = {batch_id: {} for batch_id in ids}
    if ids:
        for batch_id, status, count, total in db.session.execute(
            select(
                Payout.batch_id, Payout.status, func.count(Payout.id), func.sum(Payout.total_cents)
            )
            .where(Payout.batch_id.in_(ids))
            .group_by(Payout.batch_id, Payout.status)
        ):
            figures[batch_id][status.value] = (int(count), int(total))
    return render_template(
        "admin/payouts.html", page=page, figures=figures, page_args=page_args(), run_form=RunForm()
    )


@admin_required
def run_payouts():
    """Pay every cooperative's payable balance into a new batch; send its Stripe transfers."""
    if not RunForm().validate_on_submit():
        abort(400)
    skipped: list[service.Skipped] = []
    batch = service.run_payouts(current_user, skipped=skipped)
    db.session.commit()
    if batch is None:
        flash(_("Nothing to pay: no cooperative has money payable."), "info")
        _flash_skipped(skipped)
        return redirect(url_for("admin.payouts"))
    sent = failed = 0
    for payout in connect.to_send(batch):  # network calls, outside the batch's transaction
        if connect.send_transfers(payout, current_user):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    flash(
        ngettext(
            "Batch %(id)s: %(num)d payout, %(total)s in all.",
            "Batch %(id)s: %(num)d payouts, %(total)s in all.",
            len(batch.payouts),
            id=batch.id,
            total=format_money(batch.total_cents),
        ),
        "success",
    )
    if failed:
        flash(
            ngettext(
                "Stripe transfers could not be sent for %(num)d payout: send them again "
                "from the batch page.",
                "Stripe transfers could not be sent for %(num)d payouts: send them again "
                "from the batch page.",
                failed,
            ),
            "warning",
        )
    _flash_skipped(skipped)
    return redirect(url_for("admin.payout_batch", batch_id=batch.id))


def _flash_skipped(skipped: list[service.Skipped]) -> None:
    if not skipped:
        return
    names = [f"{s.name} ({s.label})" for s in skipped[:SKIPPED_SHOWN]]
    if len(skipped) > SKIPPED_SHOWN:
        names.append(_("and %(num)s more", num=len(skipped) - SKIPPED_SHOWN))
    flash(_("Not paid: %(names)s.", names="; ".join(names)), "warning")


# ------------------------------------------------------------------ one batch


def _batch_or_404(batch_id: int) -> PayoutBatch:
    batch = db.session.scalar(
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id)
        .options(
            selectinload(PayoutBatch.created_by),
            selectinload(PayoutBatch.payouts).selectinload(Payout.cooperative),
        )
    )
    if batch is None:
        abort(404)
    return batch


def _payout_or_404(batch_id: int, payout_id: int) -> Payout:
    payout = db.session.get(Payout, payout_id)
    if payout is None or payout.batch_id != batch_id:
        abort(404)
    return payout


def _skipped_in(batch: PayoutBatch) -> list[tuple[Cooperative, str]]:
    """The cooperatives the run that made ``batch`` left out, from its audit entry."""
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "payout.run",
            AuditEntry.target_type == "payoutbatch",
            AuditEntry.target_id == batch.id,
        )
    )
    data = (entry.data or {}) if entry else {}
    reasons, details = data.get("skipped", {}), data.get("skipped_details", {})
    if not reasons:
        return []
    coops = db.session.scalars(
        select(Cooperative)
        .where(Cooperative.id.in_([int(i) for i in reasons]))
        .order_by(Cooperative.legal_name)
    )
    return [
        (coop, service.skip_label(reasons[str(coop.id)], details.get(str(coop.id))))
        for coop in coops
    ]


def _render_batch(
    batch: PayoutBatch,
    failed: FailForm | None = None,
    failed_id: int | None = None,
    error: str | None = None,
):
    forms = {
        p.id: (
            failed if failed is not None and p.id == failed_id else FailForm(formdata=None)
        ).for_payout(p.id)
        for p in batch.payouts
        if p.status == PayoutStatus.CREATED
    }
    bank_due = [
        p
        for p in batch.payouts
        if p.method == PayoutMethod.BANK and p.status == PayoutStatus.CREATED
    ]
    return render_template(
        "admin/payout_batch.html",
        batch=batch,
        forms=forms,
        confirm=RunForm(),
        bank_due=bank_due,
        error=error,
        skipped=_skipped_in(batch),
    )


@admin_required
def payout_batch(batch_id: int):
    """A batch's payouts: amounts, bank details, status, and what to do next."""
    return _render_batch(_batch_or_404(batch_id))


@admin_required
def payout_bank_csv(batch_id: int):
    """The bank transfers still to make, for the bank's bulk transfer upload."""
    batch = _batch_or_404(batch_id)
    response = Response(bank_csv(batch).encode("utf-8"), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="taawon-payouts-{batch.id}.csv"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@admin_required
def payout_paid(batch_id: int, payout_id: int):
    """The bank confirmed the transfer."""
    payout = _payout_or_404(batch_id, payout_id)
    if not RunForm().validate_on_submit():
        abort(400)
    if payout.method == PayoutMethod.STRIPE:
        return _render_batch(
            _batch_or_404(batch_id),
            error=_("A Stripe payout is paid by its transfers: send them again."),
        ), 400
    try:
        service.mark_paid(payout, current_user)
    except PayoutError as exc:
        db.session.rollback()
        return _render_batch(_batch_or_404(batch_id), error=str(exc.message)), 400
    db.session.commit()
    flash(_("Payout %(reference)s marked as paid.", reference=payout.reference), "success")
    return redirect(url_for("admin.payout_batch", batch_id=batch_id))


@admin_required
def payout_failed(batch_id: int, payout_id: int):
    """The bank or Stripe refused the payout: its money returns to the balance."""
    payout = _payout_or_404(batch_id, payout_id)
    form = FailForm()
    if not form.validate_on_submit():
        return _render_batch(_batch_or_404(batch_id), form, payout_id), 400
    try:
        service.mark_failed(payout, form.reason.data, current_user)
    except PayoutError as exc:
        db.session.rollback()
        form.reason.errors = [str(exc.message)]
        return _render_batch(_batch_or_404(batch_id), form, payout_id), 400
    db.session.commit()
    flash(
        _(
            "Payout %(reference)s marked as failed; its money is back in the balance.",
            reference=payout.reference,
        ),
        "success",
    )
    return redirect(url_for("admin.payout_batch", batch_id=batch_id))


@admin_required
def payout_send(batch_id: int, payout_id: int):
    """Send a Stripe payout's transfers again (those already made are not repeated)."""
    payout = _payout_or_404(batch_id, payout_id)
    if not RunForm().validate_on_submit():
        abort(400)
    try:
        sent = connect.send_transfers(payout, current_user)
    except PayoutError as exc:
        db.session.rollback()
        return _render_batch(_batch_or_404(batch_id), error=str(exc.message)), 400
    db.session.commit()
    if sent:
        flash(_("Payout %(reference)s sent and paid.", reference=payout.reference), "success")
    else:
        flash(payout.failure_reason, "error")
    return redirect(url_for("admin.payout_batch", batch_id=batch_id))
