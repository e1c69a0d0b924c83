"""Workspace pages for the cooperative's money: balance, monthly statements, member distribution."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_percent
from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from catalog.trace import ContributionKind
from orders.accounting import release_due
from producers.models import MembershipRole
from producers.money import distribution as dist
from producers.money import statements as st
from producers.money.models import PayoutMethod, PayoutStatus
from producers.workspace.access import workspace
from producers.workspace.forms import ReserveForm
from shop.extensions import db
from shop.i18n import FORMAT_LOCALES, current_language
from shop.money.amounts import mad_str
from shop.money.policy import current_policy
from shop.params import query_page, require_int
from shop.spreadsheet import csv_text, text_cell

PER_PAGE = 20

SPLIT_STATES = {
    st.PENDING: _l("Pending"),
    st.PAYABLE: _l("Payable"),
    st.IN_TRANSIT: _l("Payout sent"),
    st.PAID_OUT: _l("Paid out"),
    st.CANCELLED: _l("Cancelled"),
}
MOVEMENTS = {
    st.SALE: _l("Sale"),
    st.RELEASED: _l("Released"),
    st.REFUND: _l("Refund"),
    st.REFUND_REVERSED: _l("Refund failed, parts restored"),
    st.PAYOUT: _l("Payout"),
    st.PAYOUT_FAILED: _l("Payout failed"),
}
PAYOUT_STATUSES = {
    PayoutStatus.CREATED: _l("Sent"),
    PayoutStatus.PAID: _l("Paid out"),
    PayoutStatus.FAILED: _l("Failed"),
}
PAYOUT_METHODS = {PayoutMethod.BANK: _l("Bank transfer"), PayoutMethod.STRIPE: _l("Stripe")}
CONTRIBUTION_KINDS = {
    ContributionKind.KG_SUPPLIED: _l("Kilograms supplied"),
    ContributionKind.HOURS_WORKED: _l("Hours worked"),
}


def percent(numerator: int, denominator: int = 1) -> str:
    """``numerator / denominator`` as a percentage, up to two decimals, in the page's language."""
    value = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return format_percent(
        value.normalize(), locale=FORMAT_LOCALES[current_language()], decimal_quantization=False
    )


def _page_number() -> int:
    return query_page()


def _release() -> None:
    """Make payable what is due before showing money (no scheduled job needed)."""
    if release_due(cooperative_ids=[g.coop.id]):
        db.session.commit()


# ------------------------------------------------------------------ CSV


def csv_response(rows: list[list[str]], filename: str) -> Response:
    """UTF-8 CSV (with a BOM, so spreadsheet programs read Arabic right) as a download."""
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _local_stamp(value: datetime) -> str:
    return st.to_local(value).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------ balance


@workspace()
def balance(**_kw):
    """What the cooperative is owed, each order's split, its payouts and statements."""
    coop = g.coop
    _release()
    page = db.paginate(
        st.splits_query(coop.id), page=_page_number(), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "producers/balance.html",
        coop=coop,
        balance=st.balance(coop.id),
        page=page,
        splits=st.order_splits(coop.id, page.items),
        payouts=st.recent_payouts(coop.id),
        months=st.months_with_activity(coop.id),
        policy=current_policy(),
        page_args={"slug": coop.slug},
        states=SPLIT_STATES,
        payout_statuses=PAYOUT_STATUSES,
        payout_methods=PAYOUT_METHODS,
        percent=percent,
    )


# ------------------------------------------------------------------ statements


def _statement_or_404(year: int, month: int) -> st.Statement:
    try:
        return st.statement(g.coop.id, year, month)
    except ValueError:
        abort(404)


@workspace()
def statement(year: int, month: int):
    """The month's statement, printable (A4)."""
    _release()
    return render_template(
        "producers/statement.html",
        coop=g.coop,
        statement=_statement_or_404(year, month),
        movements=MOVEMENTS,
    )


@workspace()
def statement_csv(year: int, month: int):
    """The month's statement as CSV: amounts in dirhams with a dot, from centimes."""
    _release()
    statement = _statement_or_404(year, month)
    coop = g.coop

    def amounts(buckets: st.Buckets) -> list[str]:
        return [mad_str(buckets.pending), mad_str(buckets.payable), mad_str(buckets.fund)]

    rows = [
        [_("Cooperative"), text_cell(coop.legal_name)],
        [_("ICE"), text_cell(coop.ice or "")],
        [_("Period"), statement.first_day.isoformat(), statement.last_day.isoformat()],
        [_("Currency"), "MAD"],
        [],
        [_("Date"), _("Reference"), _("Movement"), _("Pending"), _("Payable"), _("Community fund")],
        ["", "", _("Opening balance"), *amounts(statement.opening)],
    ]
    for movement in statement.movements:
        rows.append(
            [
                _local_stamp(movement.created_at),
                text_cell(movement.reference),
                str(MOVEMENTS.get(movement.kind, movement.kind)),
                *amounts(movement.amounts),
            ]
        )
    rows.append(["", "", _("Closing balance"), *amounts(statement.closing)])
    return csv_response(rows, f"taawon-{coop.slug}-{year:04d}-{month:02d}.csv")


# ------------------------------------------------------------------ distribution


def _period_or_404() -> tuple[int, int | None]:
    """``?year=&month=`` (month empty: the whole year); neither: last month."""
    year, month = request.args.get("year", ""), request.args.get("month", "")
    if not year and not month:
        now = st.local_now()
        return (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    period = (require_int(year, max=9999), require_int(month, max=12) if month else None)
    try:
        st.period_bounds(*period)
    except ValueError:
        abort(404)
    return period


def _kind_or_404() -> ContributionKind:
    try:
        return ContributionKind(request.args.get("kind") or ContributionKind.KG_SUPPLIED)
    except ValueError:
        abort(404)


def _period_args(period: tuple[int, int | None], kind: ContributionKind) -> dict[str, str]:
    year, month = period
    return {"year": str(year), "month": str(month or ""), "kind": kind.value}


def _render_distribution(form: ReserveForm, period, kind):
    coop = g.coop
    start, end = st.period_bounds(*period)
    months = st.months_with_activity(coop.id)
    now = st.local_now()
    years = sorted({now.year, period[0], *(m.year for m in months)}, reverse=True)
    return render_template(
        "producers/distribution.html",
        coop=coop,
        form=form,
        year=period[0],
        month=period[1],
        kind=kind,
        years=years,
        proposal=dist.proposal(coop, start, end, kind),
        first_day=st.to_local(start).date(),
        last_day=_last_day(end),
        kinds=CONTRIBUTION_KINDS,
        period_args=_period_args(period, kind),
        can_edit=g.membership.role == MembershipRole.OWNER,
        percent=percent,
    )


def _last_day(end: datetime) -> date:
    return date.fromordinal(st.to_local(end).date().toordinal() - 1)


@workspace()
def distribution(**_kw):
    """A proposal for sharing a period's producer revenue among members."""
    period, kind = _period_or_404(), _kind_or_404()
    form = ReserveForm(data={"reserve": dist.bp_to_percent(g.coop.reserve_bp)})
    return _render_distribution(form, period, kind)


@workspace(owner_only=True)
def distribution_reserve(**_kw):
    """Change the reserve percentage (owners); audited."""
    period, kind = _period_or_404(), _kind_or_404()
    form = ReserveForm()
    if form.validate_on_submit():
        if dist.set_reserve(g.coop, form.reserve.basis_points, current_user):
            db.session.commit()
            flash(_("Reserve saved."), "success")
        return redirect(
            url_for("producers.distribution", slug=g.coop.slug, **_period_args(period, kind))
        )
    return _render_distribution(form, period, kind), 400


@workspace()
def distribution_csv(**_kw):
    """The proposal as CSV, for the general assembly."""
    period, kind = _period_or_404(), _kind_or_404()
    coop = g.coop
    start, end = st.period_bounds(*period)
    proposal = dist.proposal(coop, start, end, kind)
    rows = [
        [_("Cooperative"), text_cell(coop.legal_name)],
        [_("ICE"), text_cell(coop.ice or "")],
        [_("Period"), st.to_local(start).date().isoformat(), _last_day(end).isoformat()],
        [_("Weighed by"), str(CONTRIBUTION_KINDS[kind])],
        [_("Producer revenue"), mad_str(proposal.revenue)],
        [_("Reserve (%)"), dist.bp_to_percent(proposal.reserve_bp)],
        [_("Kept in reserve"), mad_str(proposal.reserve)],
        [_("Shared among members"), mad_str(proposal.shared)],
        [],
        [
            _("Member"),
            _("Role"),
            _("Contributed to the lots sold"),
            _("Counted for the period"),
            _("Share (%)"),
            _("Proposed amount"),
        ],
    ]
    for row in proposal.rows:
        share = (Decimal(row.share.numerator) * 100 / Decimal(row.share.denominator)).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        rows.append(
            [
                text_cell(row.member.full_name),
                text_cell(row.member.role),
                f"{row.contributed.quantize(Decimal('0.001')):f}",
                f"{row.counted:f}",
                f"{share:f}",
                mad_str(row.amount),
            ]
        )
    rows += [[], [_("A proposal for the general assembly: nothing is paid by it.")]]
    year, month = period
    suffix = f"{year:04d}-{month:02d}" if month else f"{year:04d}"
    return csv_response(rows, f"taawon-{coop.slug}-distribution-{suffix}.csv")
