"""Bottles, jars, bowls and plates: silhouettes, glass, liquids, caps, labels."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .canvas import _Canvas
from .palette import (
    CREAM,
    INK,
    MAJORELLE,
    RGB,
    RGBA,
    SAFFRON,
    TERRACOTTA,
    TILT,
    WHITE,
    Point,
    Stops,
    _alpha,
    _mix,
    _shade,
)
from .shapes import KHATAM, _ellipse_pts, _rect, _rotate, _rrect, _star_pts

# ---------------------------------------------------------------- vessels (bottles, jars, vases)

# Silhouettes as (t, r, mode): t runs 0 (top) to 1 (base), r is the fraction of the body half-width, mode is the
# curve into that point: l=straight, s=S-curve, q=outwards then down (shoulder), c=down then inwards (foot).
ARGAN_BOTTLES = (
    (
        (0, 0.24),
        (0.03, 0.27),
        (0.05, 0.24, "l"),
        (0.26, 0.25, "l"),
        (0.46, 1.0, "s"),
        (0.95, 1.0, "l"),
        (1, 0.88, "c"),
    ),
    (
        (0, 0.26),
        (0.03, 0.3),
        (0.05, 0.27, "l"),
        (0.22, 0.28, "l"),
        (0.36, 1.0, "q"),
        (0.95, 1.0, "l"),
        (1, 0.9, "c"),
    ),
    (
        (0, 0.25),
        (0.03, 0.28),
        (0.05, 0.25, "l"),
        (0.24, 0.26, "l"),
        (0.5, 0.92, "s"),
        (0.8, 1.0, "s"),
        (1, 0.82, "c"),
    ),
)
OLIVE_BOTTLES = (
    (
        (0, 0.3),
        (0.03, 0.34),
        (0.05, 0.3, "l"),
        (0.3, 0.32, "l"),
        (0.5, 1.0, "s"),
        (0.96, 1.0, "l"),
        (1, 0.9, "c"),
    ),
    (
        (0, 0.3),
        (0.03, 0.34),
        (0.05, 0.3, "l"),
        (0.22, 0.32, "l"),
        (0.34, 1.0, "q"),
        (0.96, 1.0, "l"),
        (1, 0.9, "c"),
    ),
)
JARS = (
    (
        (0, 0.8),
        (0.1, 0.8, "l"),
        (0.12, 0.74, "l"),
        (0.17, 0.74, "l"),
        (0.27, 1.0, "q"),
        (0.9, 1.0, "l"),
        (1, 0.84, "c"),
    ),
    (
        (0, 0.84),
        (0.1, 0.84, "l"),
        (0.12, 0.8, "l"),
        (0.16, 0.8, "l"),
        (0.4, 1.0, "s"),
        (0.75, 1.0, "s"),
        (1, 0.78, "c"),
    ),
)
SQUAT_JAR = (
    (0, 0.92),
    (0.22, 0.92, "l"),
    (0.25, 0.88, "l"),
    (0.3, 0.88, "l"),
    (0.36, 1.0, "q"),
    (0.92, 1.0, "l"),
    (1, 0.9, "c"),
)
VASES = (
    (
        (0, 0.44),
        (0.025, 0.48, "q"),
        (0.05, 0.44, "c"),
        (0.08, 0.38, "s"),
        (0.24, 0.4, "s"),
        (0.55, 1.0, "s"),
        (0.82, 0.86, "s"),
        (1, 0.5, "s"),
    ),
    (
        (0, 0.52),
        (0.03, 0.56, "q"),
        (0.06, 0.52, "c"),
        (0.1, 0.46, "s"),
        (0.2, 0.44, "l"),
        (0.48, 1.0, "s"),
        (0.85, 0.8, "s"),
        (1, 0.55, "s"),
    ),
)


def _profile_curve(profile: Sequence[tuple], steps: int = 14) -> list[Point]:
    """Densify (t, r, mode) control points into a smooth (t, r) silhouette."""
    pts: list[Point] = [(profile[0][0], profile[0][1])]
    for (t0, r0, *_), (t1, r1, *m) in zip(profile, profile[1:], strict=False):
        mode = m[0] if m else "l"
        for i in range(1, steps + 1):
            a = i / steps
            if mode == "s":
                ft, fr = a, (1 - math.cos(math.pi * a)) / 2
            elif mode == "q":
                ft, fr = 1 - math.cos(a * math.pi / 2), math.sin(a * math.pi / 2)
            elif mode == "c":
                ft, fr = math.sin(a * math.pi / 2), 1 - math.cos(a * math.pi / 2)
            else:
                ft, fr = a, a
            pts.append((t0 + (t1 - t0) * ft, r0 + (r1 - r0) * fr))
    return pts


@dataclass
class _Vessel:
    """A round container standing on the table, described by its silhouette."""

    cx: float
    base: float
    height: float
    hw: float
    curve: list[Point]

    @classmethod
    def make(
        cls, cx: float, base: float, height: float, hw: float, profile: Sequence[tuple]
    ) -> _Vessel:
        """Build from a profile table."""
        return cls(cx, base, height, hw, _profile_curve(profile))

    @property
    def top(self) -> float:
        """Y of the mouth."""
        return self.base - self.height

    def y(self, t: float) -> float:
        """Y at silhouette parameter t."""
        return self.top + t * self.height

    def r(self, t: float) -> float:
        """Half-width in units at parameter t."""
        c = self.curve
        for (t0, r0), (t1, r1) in zip(c, c[1:], strict=False):
            if t0 <= t <= t1:
                return self.hw * (r0 if t1 == t0 else r0 + (r1 - r0) * (t - t0) / (t1 - t0))
        return self.hw * (c[0][1] if t < c[0][0] else c[-1][1])

    def outline(
        self, t0: float = 0.0, t1: float = 1.0, inset: float = 0.0, a: float = -1.0, b: float = 1.0
    ) -> list[Point]:
        """Silhouette between t0 and t1, shrunk by inset; a..b picks a vertical strip across the width (-1..1)."""
        ts = [t0] + [t for t, _ in self.curve if t0 < t < t1] + [t1]
        right = [(self.cx + b * max(self.r(t) - inset, 0), self.y(t)) for t in ts]
        left = [(self.cx + a * max(self.r(t) - inset, 0), self.y(t)) for t in reversed(ts)]
        return right + left

    def arc(self, t: float, inset: float = 0.0, n: int = 24) -> list[Point]:
        """Front half of the horizontal circle at t, left to right, as the tilted camera sees it."""
        r, y = max(self.r(t) - inset, 0), self.y(t)
        return [
            (self.cx - r * math.cos(math.pi * i / n), y + TILT * r * math.sin(math.pi * i / n))
            for i in range(n + 1)
        ]

    def band(self, t0: float, t1: float, inset: float = 0.0) -> list[Point]:
        """A ring around the body between t0 and t1 with curved edges (labels, painted bands)."""
        return self.arc(t0, inset) + self.arc(t1, inset)[::-1]


CYLINDER = (
    (0.0, 120),
    (0.22, 10),
    (0.5, 0),
    (0.78, 40),
    (1.0, 150),
)  # edge darkening across a round body


def _contact_shadow(sc: _Canvas, cx: float, y: float, rx: float, strength: int = 150) -> None:
    """Soft shadow under an object, offset to the right because the light comes from the top left."""
    sc.soft(
        _ellipse_pts(cx + rx * 0.25, y, rx * 1.15, rx * 0.2), (40, 24, 12), strength // 2, rx * 0.18
    )
    sc.soft(_ellipse_pts(cx + rx * 0.05, y, rx * 0.98, rx * 0.09), (30, 18, 8), strength, rx * 0.04)


def _glass_highlights(sc: _Canvas, v: _Vessel, t0: float, t1: float) -> None:
    """Reflections of a window on a glass body: a broad strip on the left, a thin one on the right."""
    sc.glaze(
        v.outline(t0, t1, a=-0.74, b=-0.56),
        WHITE,
        ((0.0, 0), (0.15, 150), (0.8, 120), (1.0, 0)),
        vertical=True,
    )
    sc.glaze(
        v.outline(t0 + 0.05, t1 - 0.05, a=0.7, b=0.78),
        WHITE,
        ((0.0, 0), (0.3, 90), (0.7, 90), (1.0, 0)),
        vertical=True,
    )


def _liquid(stops: Stops) -> Callable[[_Canvas, _Vessel, float], None]:
    """Contents painter for a transparent liquid with a visible surface."""

    def paint(sc: _Canvas, v: _Vessel, fill_t: float) -> None:
        """Body of liquid, cylinder shading, then the lit surface ellipse."""
        inset = v.hw * 0.05
        body = v.outline(fill_t, 0.985, inset)
        sc.fill_linear(body, stops, vertical=False)
        sc.glaze(body, (20, 8, 0), ((0.0, 0), (0.6, 20), (1.0, 120)), vertical=True)
        r = v.r(fill_t) - inset
        surface = _mix(stops[len(stops) // 2][1], WHITE, 0.3)
        sc.ellipse(v.cx, v.y(fill_t), r, r * TILT, fill=_alpha(surface, 200))

    return paint


def _glass_vessel(
    sc: _Canvas, v: _Vessel, contents: Callable[[_Canvas, _Vessel, float], None], fill_t: float
) -> None:
    """A glass bottle or jar: faint glass, contents, cylinder shading, reflections and a rim line."""
    body = v.outline()
    _contact_shadow(sc, v.cx, v.base, v.hw)
    sc.poly(body, fill=(255, 255, 255, 46))
    contents(sc, v, fill_t)
    sc.glaze(body, (10, 10, 20), CYLINDER)
    _glass_highlights(sc, v, max(fill_t - 0.1, 0.3), 0.93)
    sc.poly(body, outline=(30, 20, 10, 90), width=2.2)


def _cork(sc: _Canvas, v: _Vessel, rng: random.Random) -> None:
    """Cork stopper with pores, sitting in the neck."""
    r = v.r(0.02) * 1.02
    top, bot = v.top - v.height * 0.08, v.top + v.height * 0.04
    sc.fill_linear(
        _rrect(v.cx - r, top, v.cx + r, bot, r * 0.25),
        ((0, (150, 104, 60)), (0.35, (214, 170, 116)), (1, (120, 80, 44))),
        vertical=False,
    )
    sc.ellipse(v.cx, top + r * 0.12, r * 0.96, r * 0.22, fill=(226, 188, 140))
    for _ in range(14):
        sc.ellipse(
            v.cx + rng.uniform(-0.8, 0.8) * r,
            rng.uniform(top + r * 0.3, bot),
            1.6,
            1.2,
            fill=(90, 58, 30, 150),
        )


def _cap(sc: _Canvas, v: _Vessel, color: RGB, height: float) -> None:
    """Screw cap or lid with vertical ridges."""
    r = v.r(0.0) * 1.08
    top = v.top - 2
    bot = top + height
    sc.fill_linear(
        _rrect(v.cx - r, top, v.cx + r, bot, r * 0.08),
        (
            (0, _shade(color, 0.55)),
            (0.3, _shade(color, 1.35)),
            (0.6, color),
            (1, _shade(color, 0.45)),
        ),
        vertical=False,
    )
    n = 22
    for i in range(1, n):
        x = v.cx - r * math.cos(math.pi * i / n)
        sc.line([(x, top + height * 0.15), (x, bot - height * 0.1)], (0, 0, 0, 40), 1.2)
    sc.ellipse(v.cx, top, r, r * TILT, fill=_shade(color, 1.2))


def _twine(sc: _Canvas, v: _Vessel, t: float, color: RGB = (206, 176, 118)) -> None:
    """Raffia tied around a neck with two dangling ends: a handmade touch."""
    for d in (0.0, 0.012):
        sc.line(v.arc(t + d, -1.5), _shade(color, 0.8), 3)
        sc.line(v.arc(t + d, -1.5), color, 2)
    kx, ky = v.cx + v.r(t) * 0.3, v.y(t) + TILT * v.r(t) + 2
    for dx, dy in ((-14, 60), (16, 52)):
        sc.line([(kx, ky), (kx + dx * 0.5, ky + dy * 0.5), (kx + dx, ky + dy)], color, 2.6)
    sc.ellipse(kx, ky, 6, 5, fill=_shade(color, 0.85))


def _label(
    sc: _Canvas, v: _Vessel, t0: float, t1: float, paper: RGB, accent: RGB, rng: random.Random
) -> None:
    """Wrapped paper label with a printed zellige motif instead of words (the shop speaks three languages)."""
    band = v.band(t0, t1, -1)
    sc.poly(band, fill=paper)
    sc.texture(band, rng, 6, _shade(paper, 0.85), _shade(paper, 1.1), 60)
    for tt in (t0 + 0.015, t1 - 0.015):
        sc.line(v.arc(tt, v.hw * 0.05), accent, 3)
    cy = (v.y(t0) + v.y(t1)) / 2 + TILT * v.r((t0 + t1) / 2)
    h = (v.y(t1) - v.y(t0)) * 0.3
    sc.poly(_star_pts(v.cx, cy, h, h * KHATAM, 8, math.pi / 8), fill=accent)
    sc.poly(_star_pts(v.cx, cy, h * 0.55, h * 0.55 * KHATAM, 8, math.pi / 8), fill=paper)
    sc.ellipse(v.cx, cy, h * 0.2, h * 0.2, fill=accent)
    for side in (-1, 1):
        for i in range(1, 4):
            x = v.cx + side * (h * 1.2 + i * h * 0.55)
            sc.poly(
                _rotate(
                    _rect(x - h * 0.16, cy - h * 0.16, x + h * 0.16, cy + h * 0.16),
                    x,
                    cy,
                    math.pi / 4,
                ),
                fill=_alpha(accent, 200 - i * 40),
            )
    sc.glaze(band, (20, 10, 0), CYLINDER)


def _plate(sc: _Canvas, cx: float, cy: float, rx: float, rng: random.Random, glaze: RGB) -> float:
    """Glazed round plate seen from above at an angle, with a painted rim; returns the inner radius."""
    ry = rx * 0.32
    _contact_shadow(sc, cx, cy + ry * 0.6, rx, 120)
    sc.fill_linear(
        _ellipse_pts(cx, cy + ry * 0.12, rx, ry), ((0, (200, 190, 176)), (1, (150, 140, 126)))
    )
    sc.fill_radial(
        _ellipse_pts(cx, cy, rx, ry), ((0, (252, 248, 240)), (1, (226, 218, 204))), (0.4, 0.35)
    )
    sc.ellipse(cx, cy, rx * 0.96, ry * 0.96, outline=_alpha(glaze, 230), width=5)
    n = 28
    for i in range(n):
        a = 2 * math.pi * i / n
        px, py = cx + rx * 0.86 * math.cos(a), cy + ry * 0.86 * math.sin(a)
        s = 9
        sc.poly(
            [(px, py - s * 0.5), (px + s, py), (px, py + s * 0.5), (px - s, py)],
            fill=_alpha(glaze, 220),
        )
    sc.ellipse(cx, cy, rx * 0.74, ry * 0.74, outline=_alpha(glaze, 180), width=3)
    sc.fill_radial(
        _ellipse_pts(cx, cy + ry * 0.03, rx * 0.7, ry * 0.7),
        ((0, (240, 234, 224)), (1, (210, 200, 186))),
        (0.45, 0.6),
    )
    return rx * 0.7


RIM = TILT * 1.6  # bowls are seen a little more from above than bottles, so their rims open wider


def _bowl(
    sc: _Canvas,
    cx: float,
    rim_y: float,
    rx: float,
    depth: float,
    glaze: RGB,
    rng: random.Random,
    contents: Callable[[], None] | None = None,
) -> None:
    """Glazed pottery bowl (Safi style) with a painted band of triangles; `contents` is drawn before the front lip."""
    v = _Vessel.make(
        cx,
        rim_y + depth,
        depth,
        rx,
        ((0, 1.0), (0.85, 0.62, "c"), (0.88, 0.5, "l"), (1.0, 0.5, "l")),
    )
    _contact_shadow(sc, cx, v.base, rx * 0.6)
    body = v.outline()
    sc.fill_linear(
        body,
        (
            (0, _shade(glaze, 0.55)),
            (0.3, _shade(glaze, 1.25)),
            (0.6, glaze),
            (1, _shade(glaze, 0.45)),
        ),
        vertical=False,
    )
    motif = rng.choice((MAJORELLE, SAFFRON, TERRACOTTA, INK))
    s = min(rx / 13, depth / 9)
    with sc.clip(body) as c:
        c.line(v.arc(0.26), _alpha(CREAM, 220), s * 0.25)
        n = 13
        for i in range(1, n):
            a = math.pi * i / n
            x = cx - v.r(0.45) * math.cos(a)
            y = v.y(0.45) + TILT * v.r(0.45) * math.sin(a)
            w = s * math.sin(a)  # foreshortened towards the sides of the bowl
            c.poly(
                [(x - w, y - s * 0.9), (x + w, y - s * 0.9), (x, y + s * 0.9)],
                fill=_alpha(CREAM, 230),
            )
            c.poly(
                [(x - w * 0.45, y - s * 0.5), (x + w * 0.45, y - s * 0.5), (x, y + s * 0.25)],
                fill=_alpha(motif, 230),
            )
        c.line(v.arc(0.66), _alpha(CREAM, 200), s * 0.2)
    sc.glaze(body, WHITE, ((0.0, 0), (0.2, 90), (0.3, 0), (1.0, 0)))
    # Rim: outer glazed lip, then the shadowed inside of the bowl.
    sc.ellipse(cx, rim_y, rx, rx * RIM, fill=_shade(glaze, 1.1))
    sc.fill_linear(
        _ellipse_pts(cx, rim_y, rx * 0.93, rx * RIM * 0.9),
        ((0, _shade(glaze, 0.5)), (1, _shade(glaze, 0.8))),
    )
    if contents:
        contents()
        # The front of the lip passes in front of whatever is heaped inside.
        outer = [
            (cx - rx * math.cos(math.pi * i / 32), rim_y + rx * RIM * math.sin(math.pi * i / 32))
            for i in range(33)
        ]
        inner = [
            (
                cx - rx * 0.93 * math.cos(math.pi * i / 32),
                rim_y + rx * RIM * 0.9 * math.sin(math.pi * i / 32),
            )
            for i in range(33)
        ]
        sc.fill_linear(
            outer + inner[::-1],
            ((0, _shade(glaze, 0.8)), (0.35, _shade(glaze, 1.3)), (1, _shade(glaze, 0.7))),
            vertical=False,
        )


def _swirl_mound(
    sc: _Canvas, cx: float, cy: float, rx: float, height: float, stops: Stops, line: RGBA
) -> None:
    """Spread paste (amlou, cream) piled in a dome with a spiral spoon groove and a glossy highlight."""

    def on_dome(f: float, a: float) -> Point:
        """Project the dome surface point at radius fraction f and angle a."""
        return (
            cx + rx * f * math.cos(a),
            cy - height * (1 - f * f) ** 0.7 + rx * f * RIM * 0.9 * math.sin(a),
        )

    front = [on_dome(1.0, math.pi * i / 24) for i in range(25)]
    profile = [
        (
            cx - rx * math.cos(math.pi * i / 24),
            cy
            - height * math.sin(math.pi * i / 24) ** 1.2
            - rx * RIM * 0.3 * math.sin(math.pi * i / 24),
        )
        for i in range(25)
    ]
    dome = front + profile
    sc.fill_radial(dome, stops, (0.4, 0.25))
    with sc.clip(dome) as c:
        spiral = [on_dome(0.9 - 0.8 * i / 90, 3 * math.pi * i / 90 + 0.5) for i in range(91)]
        c.line([(x, y + 3) for x, y in spiral], _alpha((0, 0, 0), line[3] // 2), 6)
        c.line(spiral, line, 5)
    sc.ellipse(
        cx - rx * 0.3, cy - height * 0.7, rx * 0.14, height * 0.08, fill=(255, 255, 255, 120)
    )
