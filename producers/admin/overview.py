"""The administrators' home: what waits for a decision, and the platform's figures.

The counts (applications, certificates) are what needs doing; the figures
(``producers.money.figures``, read from the ledger) are how the platform
sells over 30, 90 or 365 days: sales, orders, refunds, community funds,
commission, payouts, best sellers, buyers' regions, and, once the orders
domain records them, cash-on-delivery confirmation and refusal rates.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from catalog.models import Certification
from producers.admin.certificates import EXPIRY_WINDOW_DAYS
from producers.money import figure_views as fv
from producers.money import figures as fg
from shop import clock
from shop.accounts import admin_required
from shop.extensions import db
from shop.params import query_choice
from shop.spreadsheet import csv_text


def _days() -> int:
    return int(query_choice("days", {str(d) for d in fg.PERIODS}, str(fg.PERIODS[0])))


@admin_required
def index():
    """Applications and certificates waiting, then the platform's figures for the period."""
    today = clock.local_date()
    expiring = db.session.scalar(
        select(func.count(Certification.id)).where(
            Certification.valid_until.between(today, today + timedelta(days=EXPIRY_WINDOW_DAYS))
        )
    )
    expired = db.session.scalar(
        select(func.count(Certification.id)).where(Certification.valid_until < today)
    )
    days = _days()
    figures = fg.platform_figures(days)
    return render_template(
        "admin/index.html",
        pending=figures.waiting,
        expiring=expiring,
        expired=expired,
        window=EXPIRY_WINDOW_DAYS,
        days=days,
        periods=fv.PERIOD_LABELS,
        figures=figures,
        charts=fv.page_figures(figures),
        cod=fg.cod_rates(),
    )


@admin_required
def figures_csv(figure: str):
    """One of the platform's figures as CSV."""
    if figure not in fv.FIGURES:
        abort(404)
    days = _days()
    figures = fg.platform_figures(days)
    rows = fv.csv_rows(figures, figure, [[_("Platform"), "Taawon"]])
    return Response(
        csv_text(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="taawon-{figure}-{days}d.csv"'},
    )
