"""Small charts drawn on the server as inline SVG: no script, no library, right to left in Arabic.

A chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that
say what it shows; each bar has its own ``<title>`` (the value, for a pointer
or a screen reader's exploration). The numbers are the caller's, already
formatted in the page's language (Babel): a chart never formats or rounds.
The same figures are always in a table beside the chart, which is what
assistive technologies and a copy-paste read.

Time reads the way the page's language reads: left to right in French and
English, right to left in Arabic (the oldest bar on the right). Drawn in a
small ``viewBox`` (360 wide) so that the text stays legible once scaled to a
phone's width; the stylesheet makes it fluid (``.chart``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360
#: Characters of a label shown in a horizontal bar chart (the table has the rest).
LABEL_CHARS = 42


@dataclass(frozen=True)
class Point:
    """One bar: its label, its value (any unit, for the scale) and the value as shown."""

    label: str
    value: int
    shown: str


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _open(chart_id: str, height: int, title: str, desc: str, rtl: bool) -> list[str]:
    ident = escape(chart_id)
    svg = (
        f'<svg class="chart" id="{ident}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'direction="{"rtl" if rtl else "ltr"}" xmlns="http://www.w3.org/2000/svg">'
    )
    return [
        svg,
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def columns(
    chart_id: str,
    points: Sequence[Point],
    title: str,
    desc: str,
    rtl: bool = False,
    top_label: str = "",
    height: int = 180,
) -> Markup:
    """A time series as vertical bars, oldest first in reading order.

    ``top_label`` names the scale's top (the largest value, formatted); the
    first, middle and last bars are labelled under the axis. Text anchors
    follow the SVG's direction ("start" is the right in Arabic), so only the
    x positions are mirrored.
    """
    top, bottom, side = 24, 26, 8
    plot_h = height - top - bottom
    slot = (WIDTH - 2 * side) / max(len(points), 1)
    gap = min(slot * 0.2, 4)
    peak = max((p.value for p in points), default=0)

    def x_of(offset: float) -> float:
        """``offset`` from the reading start, as an x coordinate."""
        return WIDTH - side - offset if rtl else side + offset

    parts = _open(chart_id, height, title, desc, rtl)
    parts.append(
        f'<g class="chart-scale"><line x1="{side}" y1="{top}" x2="{WIDTH - side}" y2="{top}"/>'
        f'<line x1="{side}" y1="{top + plot_h}" x2="{WIDTH - side}" y2="{top + plot_h}"/>'
        f'<text x="{x_of(0):.1f}" y="{top - 6}" text-anchor="start">{escape(top_label)}</text></g>'
    )
    parts.append('<g class="chart-bars">')
    for i, point in enumerate(points):
        h = 0.0 if peak <= 0 else max(point.value, 0) / peak * plot_h
        # The bar's left edge: its reading start in LTR, its reading end in RTL.
        x = x_of((i + 1) * slot - gap / 2) if rtl else x_of(i * slot + gap / 2)
        parts.append(
            f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{slot - gap:.1f}" '
            f'height="{h:.1f}"><title>{escape(point.label)}: {escape(point.shown)}</title></rect>'
        )
    parts.append('</g><g class="chart-axis">')
    last = len(points) - 1
    for i in sorted({0, last // 2, last}) if points else []:
        if i == 0:
            where, x = "start", x_of(0)
        elif i == last:
            where, x = "end", x_of(WIDTH - 2 * side)
        else:
            where, x = "middle", x_of((i + 0.5) * slot)
        parts.append(
            f'<text x="{x:.1f}" y="{height - 7}" text-anchor="{where}">'
            f"{escape(points[i].label)}</text>"
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))


def bars(
    chart_id: str,
    points: Sequence[Point],
    title: str,
    desc: str,
    rtl: bool = False,
) -> Markup:
    """A ranking as horizontal bars: each label on its own line, its bar and value under it.

    Bars grow from the start of the line (the right in Arabic), the value
    written after the bar's end.
    """
    row, side, value_room = 38, 8, 120
    height = max(len(points), 1) * row + 4
    peak = max((p.value for p in points), default=0)
    plot_w = WIDTH - 2 * side - value_room
    parts = _open(chart_id, height, title, desc, rtl)
    for i, point in enumerate(points):
        y = i * row
        w = 0.0 if peak <= 0 else max(point.value, 0) / peak * plot_w
        w = max(w, 1.0) if point.value > 0 else 0.0
        if rtl:
            start, bar_x, value_x = WIDTH - side, WIDTH - side - w, WIDTH - side - w - 4
        else:
            start, bar_x, value_x = side, side, side + w + 4
        parts.append(
            f'<g class="chart-row"><text x="{start}" y="{y + 14}" text-anchor="start">'
            f"{escape(_short(point.label))}</text>"
            f'<rect x="{bar_x:.1f}" y="{y + 20}" width="{w:.1f}" height="11">'
            f"<title>{escape(point.label)}: {escape(point.shown)}</title></rect>"
            f'<text class="chart-value" x="{value_x:.1f}" y="{y + 30}" text-anchor="start">'
            f"{escape(point.shown)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
