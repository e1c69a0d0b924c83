"""Geometry: point lists for ellipses, stars, spindles, waves; lit blobs, leaves and scattering."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from .canvas import _Canvas
from .palette import RGB, Point, Stops, _alpha, _shade

# ---------------------------------------------------------------- geometry


def _ellipse_pts(
    cx: float, cy: float, rx: float, ry: float, rot: float = 0.0, n: int = 48
) -> list[Point]:
    """Polygon approximating a (possibly rotated) ellipse; polygons can be masked and gradient-filled."""
    c, s = math.cos(rot), math.sin(rot)
    out = []
    for i in range(n):
        a = 2 * math.pi * i / n
        x, y = rx * math.cos(a), ry * math.sin(a)
        out.append((cx + x * c - y * s, cy + x * s + y * c))
    return out


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[Point]:
    """Axis-aligned rectangle as a polygon."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _rrect(x0: float, y0: float, x1: float, y1: float, r: float, n: int = 6) -> list[Point]:
    """Rounded rectangle as a polygon."""
    r = min(r, (x1 - x0) / 2, (y1 - y0) / 2)
    out: list[Point] = []
    for cx, cy, a0 in (
        (x1 - r, y0 + r, -90),
        (x1 - r, y1 - r, 0),
        (x0 + r, y1 - r, 90),
        (x0 + r, y0 + r, 180),
    ):
        for i in range(n + 1):
            a = math.radians(a0 + 90 * i / n)
            out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out


def _star_pts(
    cx: float, cy: float, r_out: float, r_in: float, points: int = 8, rot: float = 0.0
) -> list[Point]:
    """Star polygon; 8 points with r_in = r_out * 0.765 gives the khatam (two overlapping squares)."""
    out = []
    for i in range(points * 2):
        a = rot + math.pi * i / points - math.pi / 2
        r = r_out if i % 2 == 0 else r_in
        out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out


KHATAM = 0.765  # inner/outer radius ratio of two squares overlaid at 45 degrees


def _rotate(pts: Sequence[Point], cx: float, cy: float, ang: float) -> list[Point]:
    """Rotate points around a centre."""
    c, s = math.cos(ang), math.sin(ang)
    return [(cx + (x - cx) * c - (y - cy) * s, cy + (x - cx) * s + (y - cy) * c) for x, y in pts]


def _spindle(
    p0: Point,
    p1: Point,
    width: float,
    pa: float = 1.0,
    pb: float = 1.0,
    bend: float = 0.0,
    n: int = 20,
) -> list[Point]:
    """Lens-like outline from p0 to p1 (leaves, petals, almonds, dates); pa shifts the widest point, pb rounds ends."""
    (x0, y0), (x1, y1) = p0, p1
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    right, left = [], []
    for i in range(n + 1):
        t = i / n
        half = width / 2 * math.sin(math.pi * t**pa) ** pb
        off = bend * 4 * t * (1 - t)  # a parabola bends the axis like a curved leaf
        x, y = x0 + (x1 - x0) * t + nx * off, y0 + (y1 - y0) * t + ny * off
        right.append((x + nx * half, y + ny * half))
        left.append((x - nx * half, y - ny * half))
    return right + left[::-1]


def _wave(
    x0: float, x1: float, base: float, rng: random.Random, amp: float, step: float = 8.0
) -> list[Point]:
    """Smooth random ridge line from a few seeded sine waves (hills, mountains, swirls)."""
    waves = [(rng.uniform(0.002, 0.006) * k, rng.uniform(0, 6.3), amp / k) for k in (1, 2, 4, 7)]
    n = max(2, int((x1 - x0) / step))
    return [
        (x, base + sum(a * math.sin(f * x + ph) for f, ph, a in waves))
        for x in (x0 + (x1 - x0) * i / n for i in range(n + 1))
    ]


# ---------------------------------------------------------------- small natural things


def _blob(
    sc: _Canvas, pts: Sequence[Point], stops: Stops, gloss: float = 0.0, focus: Point = (0.36, 0.3)
) -> None:
    """Round object lit from the top left, with an optional specular spot."""
    sc.fill_radial(pts, stops, focus)
    if gloss:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        cx, cy = min(xs) + w * focus[0], min(ys) + h * focus[1]
        sc.ellipse(cx, cy, w * 0.1, h * 0.07, fill=(255, 255, 255, int(200 * gloss)))


def _leaf(sc: _Canvas, p0: Point, p1: Point, width: float, top: RGB, bend: float = 0.0) -> None:
    """Lanceolate leaf with a lit edge and a pale midrib."""
    shape = _spindle(p0, p1, width, 1.0, 0.8, bend)
    sc.fill_linear(shape, ((0, _shade(top, 1.25)), (0.5, top), (1, _shade(top, 0.7))))
    mid = [
        (
            p0[0]
            + (p1[0] - p0[0]) * t
            - (p1[1] - p0[1])
            / math.hypot(p1[0] - p0[0], p1[1] - p0[1] or 1)
            * bend
            * 4
            * t
            * (1 - t),
            p0[1]
            + (p1[1] - p0[1]) * t
            + (p1[0] - p0[0])
            / math.hypot(p1[0] - p0[0], p1[1] - p0[1] or 1)
            * bend
            * 4
            * t
            * (1 - t),
        )
        for t in (0.05, 0.35, 0.65, 0.9)
    ]
    sc.line(mid, _alpha(_shade(top, 1.5), 140), max(1.0, width * 0.08))


def _place(
    rng: random.Random, n: int, x0: float, x1: float, y0: float, y1: float, gap: float
) -> list[Point]:
    """Scatter n points in a box keeping a minimum gap, so small objects do not pile on each other."""
    out: list[Point] = []
    for _ in range(n * 20):
        p = (rng.uniform(x0, x1), rng.uniform(y0, y1))
        if all(math.hypot(p[0] - q[0], p[1] - q[1]) > gap for q in out):
            out.append(p)
        if len(out) == n:
            break
    return sorted(out, key=lambda p: p[1])
