"""The figures of ``producers.money.figures`` as a page shows them and a CSV carries them.

Shared by the cooperative's Sales page and the admin home: each figure is a
chart (``shop.charts``), a table with a caption holding the same numbers, and
a CSV of them. Text is in the page's language; numbers and money go through
Babel (``shop.i18n``), dates through Flask-Babel in Casablanca's calendar.
CSV cells carry plain ISO dates and dirhams with a dot (``mad_str``), and
every text cell goes through ``text_cell`` (no formula runs in a spreadsheet).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from producers.money import figures as fg
from shop import charts
from shop.i18n import current_language, format_money, format_number, text_direction
from shop.money.amounts import mad_str
from shop.spreadsheet import text_cell

#: The figures a page shows, by the name their CSV is asked for with.
SERIES, PRODUCTS, REGIONS = "series", "products", "regions"
FIGURES = (SERIES, PRODUCTS, REGIONS)
PERIOD_LABELS = {
    30: _l("Last 30 days"),
    90: _l("Last 90 days"),
    365: _l("Last 365 days"),
}


@dataclass(frozen=True)
class Table:
    """A figure's numbers: a caption, column heads, rows of cells (the first a row head)."""

    caption: str
    head: list[str]
    rows: list[list[str]]
    foot: list[str] | None = None


@dataclass(frozen=True)
class Figure:
    """A chart with its table and the name of its CSV."""

    name: str
    heading: str
    chart: Markup
    table: Table
    empty: bool


def _rtl() -> bool:
    return text_direction(current_language()) == "rtl"


def span_label(first: date, last: date, step: str) -> str:
    """A bucket as people say it: "2 déc.", "25 nov. – 1 déc.", "nov. 2026"."""
    if step == fg.DAY:
        return format_date(first, "d MMM")
    if step == fg.MONTH:
        return format_date(first, "MMM y")
    return _(
        "%(first)s – %(last)s",
        first=format_date(first, "d MMM"),
        last=format_date(last, "d MMM"),
    )


def _axis_label(bucket: fg.Bucket, step: str) -> str:
    return format_date(bucket.first_day, "MMM y" if step == fg.MONTH else "d MMM")


def series(figures: fg.Figures, chart_id: str = "chart-sales") -> Figure:
    """Sales per day, week or month: bars of sales, a table of every figure per bucket."""
    step = figures.period.step
    heading = {
        fg.DAY: _("Sales by day"),
        fg.WEEK: _("Sales by week"),
        fg.MONTH: _("Sales by month"),
    }[step]
    points = [
        charts.Point(_axis_label(b, step), b.sales, format_money(b.sales)) for b in figures.buckets
    ]
    peak = max((b.sales for b in figures.buckets), default=0)
    first, last = figures.period.first_day, figures.period.last_day
    desc = _(
        "Sales of products from %(first)s to %(last)s: %(total)s in all, %(most)s at most "
        "in one bar. The table below gives every figure.",
        first=format_date(first, "long"),
        last=format_date(last, "long"),
        total=format_money(figures.sales),
        most=format_money(peak),
    )
    chart = charts.columns(
        chart_id, points, heading, desc, rtl=_rtl(), top_label=format_money(peak)
    )
    table = Table(
        caption=_(
            "%(heading)s, from %(first)s to %(last)s",
            heading=heading,
            first=format_date(first, "long"),
            last=format_date(last, "long"),
        ),
        head=[_("Period"), _("Sales"), _("Refunds"), _("Community fund"), _("Orders"), _("Units")],
        rows=[
            [
                span_label(b.first_day, b.last_day, step),
                format_money(b.sales),
                format_money(b.refunds),
                format_money(b.fund),
                format_number(b.orders),
                format_number(b.units),
            ]
            for b in reversed(figures.buckets)  # newest first, as lists are read
        ],
        foot=[
            _("Total"),
            format_money(figures.sales),
            format_money(figures.refunds),
            format_money(figures.fund),
            format_number(figures.orders),
            format_number(figures.units),
        ],
    )
    return Figure(SERIES, heading, chart, table, empty=not figures.orders and not figures.refunds)


def products(figures: fg.Figures, chart_id: str = "chart-products") -> Figure:
    """The best-selling products, by sales."""
    lang = current_language()
    heading = _("Best-selling products")
    points = [
        charts.Point(row.name(lang).text, row.sales, format_money(row.sales))
        for row in figures.products
    ]
    desc = ngettext(
        "The product that sold the most, by sales; the table below gives units and orders too.",
        "The %(count)s products that sold the most, by sales; the table below gives units "
        "and orders too.",
        len(points),
        count=format_number(len(points)),
    )
    chart = charts.bars(chart_id, points, heading, desc, rtl=_rtl())
    table = Table(
        caption=heading,
        head=[_("Product"), _("Sales"), _("Units"), _("Orders")],
        rows=[
            [
                row.name(lang).text,
                format_money(row.sales),
                format_number(row.units),
                format_number(row.orders),
            ]
            for row in figures.products
        ],
    )
    return Figure(PRODUCTS, heading, chart, table, empty=not figures.products)


def region_name(row: fg.RegionRow, lang: str) -> str:
    """A region's name, or what stands for one."""
    name = row.name(lang)
    if name is not None:
        return name
    return _("Abroad") if row.code == fg.ABROAD else _("City not recognised")


def regions(figures: fg.Figures, chart_id: str = "chart-regions") -> Figure:
    """Where buyers are: Morocco's regions, by sales."""
    lang = current_language()
    heading = _("Where buyers are")
    points = [
        charts.Point(region_name(row, lang), row.sales, format_money(row.sales))
        for row in figures.regions
    ]
    desc = _(
        "Sales by the buyers' region in Morocco (from the city of their address); "
        "the table below gives the orders too."
    )
    chart = charts.bars(chart_id, points, heading, desc, rtl=_rtl())
    table = Table(
        caption=_("Sales by the buyers' region"),
        head=[_("Region"), _("Sales"), _("Orders")],
        rows=[
            [region_name(row, lang), format_money(row.sales), format_number(row.orders)]
            for row in figures.regions
        ],
    )
    return Figure(REGIONS, heading, chart, table, empty=not figures.regions)


BUILDERS: dict[str, Callable[[fg.Figures], Figure]] = {
    SERIES: series,
    PRODUCTS: products,
    REGIONS: regions,
}


def page_figures(figures: fg.Figures) -> list[Figure]:
    """Every figure of a page, in the page's order."""
    return [build(figures) for build in BUILDERS.values()]


# ------------------------------------------------------------------ CSV


def csv_rows(figures: fg.Figures, name: str, heading: list[list[str]]) -> list[list[str]]:
    """The figure ``name``'s numbers as CSV rows, after ``heading`` (who, which period)."""
    p = figures.period
    rows: list[list[Any]] = [
        *heading,
        [_("Period"), p.first_day.isoformat(), p.last_day.isoformat()],
        [_("Currency"), "MAD"],
        [],
    ]
    if name == SERIES:
        rows.append(
            [
                _("From"),
                _("To"),
                _("Sales"),
                _("Refunds"),
                _("Community fund"),
                _("Orders"),
                _("Units"),
            ]
        )
        for b in figures.buckets:
            rows.append(
                [
                    b.first_day.isoformat(),
                    b.last_day.isoformat(),
                    mad_str(b.sales),
                    mad_str(b.refunds),
                    mad_str(b.fund),
                    str(b.orders),
                    str(b.units),
                ]
            )
        rows.append(
            [
                _("Total"),
                "",
                mad_str(figures.sales),
                mad_str(figures.refunds),
                mad_str(figures.fund),
                str(figures.orders),
                str(figures.units),
            ]
        )
    elif name == PRODUCTS:
        lang = current_language()
        rows.append([_("Product"), _("Sales"), _("Units"), _("Orders")])
        for row in figures.products:
            rows.append(
                [
                    text_cell(row.name(lang).text),
                    mad_str(row.sales),
                    str(row.units),
                    str(row.orders),
                ]
            )
    else:
        lang = current_language()
        rows.append([_("Region"), _("Sales"), _("Orders")])
        for region in figures.regions:
            rows.append(
                [text_cell(region_name(region, lang)), mad_str(region.sales), str(region.orders)]
            )
    return [[str(cell) for cell in row] for row in rows]
