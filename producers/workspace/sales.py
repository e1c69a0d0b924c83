"""The cooperative's Sales page: what sold over 30, 90 or 365 days, and where buyers are.

Figures come from ``producers.money.figures`` (the ledger's sale and refund
entries, and the order lines of the parcels sold), drawn and tabled by
``producers.money.figure_views``; each has its CSV. The period is in the URL
(``?days=90``), so a figure can be linked to and the page works without
script. Only the cooperative's managers get in (``workspace()``).
"""

from __future__ import annotations

from flask import abort, g, render_template
from flask_babel import gettext as _

from producers.money import figure_views as fv
from producers.money import figures as fg
from producers.workspace.access import workspace
from producers.workspace.balance import csv_response
from shop.params import query_choice
from shop.spreadsheet import text_cell


def chosen_days() -> int:
    """The period asked for in ``?days=`` (30, 90 or 365); 30 otherwise."""
    return int(query_choice("days", {str(d) for d in fg.PERIODS}, str(fg.PERIODS[0])))


@workspace()
def sales(**_kw):
    """Sales, refunds, community fund, best sellers and regions over the chosen period."""
    days = chosen_days()
    figures = fg.cooperative_figures(g.coop.id, days)
    return render_template(
        "producers/sales.html",
        coop=g.coop,
        days=days,
        periods=fv.PERIOD_LABELS,
        figures=figures,
        charts=fv.page_figures(figures),
    )


@workspace()
def sales_csv(figure: str):
    """One figure's numbers as CSV (``series``, ``products`` or ``regions``)."""
    if figure not in fv.FIGURES:
        abort(404)
    days = chosen_days()
    coop = g.coop
    figures = fg.cooperative_figures(coop.id, days)
    heading = [[_("Cooperative"), text_cell(coop.legal_name)]]
    rows = fv.csv_rows(figures, figure, heading)
    return csv_response(rows, f"taawon-{coop.slug}-{figure}-{days}d.csv")
