"""Backdrops: plastered walls, arches, zellige, rugs and the table the goods stand on."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from .canvas import _Canvas, _Scene
from .palette import (
    CREAM,
    GLAZES,
    INDIGO,
    RGB,
    SAFFRON,
    UNITS,
    WALLS,
    WHITE,
    Point,
    _alpha,
    _mix,
    _shade,
)
from .shapes import KHATAM, _rect, _star_pts
from .vessels import _Vessel

Span = tuple[float, float]


# ---------------------------------------------------------------- backgrounds


def _zellige_band(
    sc: _Canvas, x0: float, x1: float, y0: float, y1: float, rng: random.Random
) -> None:
    """Strip of glazed tiles: khatam stars with diamonds between them, bordered and glossy."""
    h = y1 - y0
    colors = rng.sample(GLAZES, 3)
    grout = (238, 230, 214)
    band = _rect(x0, y0, x1, y1)
    sc.poly(band, fill=grout)
    border = h * 0.12
    sc.poly(_rect(x0, y0, x1, y0 + border), fill=colors[0])
    sc.poly(_rect(x0, y1 - border, x1, y1), fill=colors[0])
    cy, r = (y0 + y1) / 2, (h - 2 * border) * 0.44
    step = r * 2.3
    x = x0 - rng.uniform(0, step)
    i = 0
    while x < x1 + step:
        sc.poly(_star_pts(x, cy, r, r * KHATAM, 8, math.pi / 8), fill=colors[1])
        sc.poly(
            _star_pts(x, cy, r * 0.45, r * 0.45 * KHATAM, 8, math.pi / 8),
            fill=colors[2] if i % 2 else grout,
        )
        xm = x + step / 2
        sc.poly(
            [(xm, cy - r * 0.55), (xm + r * 0.3, cy), (xm, cy + r * 0.55), (xm - r * 0.3, cy)],
            fill=colors[2],
        )
        x += step
        i += 1
    sc.glaze(band, WHITE, ((0.0, 90), (0.35, 0), (1.0, 0)), vertical=True)
    sc.glaze(band, (0, 0, 0), ((0.0, 0), (0.8, 0), (1.0, 70)), vertical=True)


def _arch(
    sc: _Canvas, cx: float, top: float, w: float, bottom: float, wall: tuple[RGB, RGB]
) -> None:
    """Horseshoe-arch niche recessed into the wall with a stucco frame, shaded on the left like real depth."""
    r = w / 2
    cy = top + r * 1.08

    def outline(grow: float) -> list[Point]:
        """Arch outline grown by `grow` units; the circle runs past the half (130 to 410 degrees): a horseshoe."""
        rr = r * 1.08 + grow
        arc = [
            (cx + rr * math.cos(math.radians(a)), cy + rr * math.sin(math.radians(a)))
            for a in range(130, 411, 5)
        ]
        return [(cx - r - grow, bottom)] + arc + [(cx + r + grow, bottom)]

    sc.poly(outline(18), fill=_shade(wall[0], 1.12))
    inner = _mix(wall[1], (60, 30, 10), 0.12)
    sc.fill_linear(outline(0), ((0, _shade(inner, 0.92)), (1, inner)))
    sc.glaze(outline(0), (20, 10, 0), ((0.0, 120), (0.16, 0), (1.0, 0)), vertical=False)
    sc.glaze(outline(0), (20, 10, 0), ((0.0, 90), (0.1, 0), (1.0, 0)), vertical=True)


def _honeycomb(sc: _Canvas, x0: float, y0: float, x1: float, y1: float, rng: random.Random) -> None:
    """Hexagonal comb wall: capped wax cells and open cells glowing with honey."""
    sc.poly(_rect(x0, y0, x1, y1), fill=(150, 86, 20))
    r = rng.uniform(38, 50)
    dx, dy = r * math.sqrt(3), r * 1.5
    row = 0
    y = y0 - rng.uniform(0, dy)
    while y < y1 + r:
        x = x0 - (dx / 2 if row % 2 else 0) - rng.uniform(0, 4)
        while x < x1 + r:
            hexagon = [
                (
                    x + r * 0.9 * math.cos(math.pi / 3 * i + math.pi / 6),
                    y + r * 0.9 * math.sin(math.pi / 3 * i + math.pi / 6),
                )
                for i in range(6)
            ]
            if rng.random() < 0.45:
                sc.fill_radial(hexagon, ((0, (246, 214, 140)), (1, (214, 160, 70))), (0.4, 0.35))
            else:
                sc.fill_radial(
                    hexagon,
                    ((0, (255, 200, 80)), (0.6, (220, 132, 24)), (1, (150, 76, 10))),
                    (0.35, 0.3),
                )
                sc.ellipse(x - r * 0.25, y - r * 0.3, r * 0.18, r * 0.1, fill=(255, 245, 210, 150))
            x += dx
        y += dy
        row += 1


def _rug(sc: _Canvas, x0: float, y0: float, x1: float, y1: float, rng: random.Random) -> None:
    """Berber rug with a diamond lattice (Beni Ourain cream, or Azilal colours), textured like wool."""
    area = _rect(x0, y0, x1, y1)
    if rng.random() < 0.5:
        ground, lines, accents = (236, 226, 204), (58, 44, 36), [(58, 44, 36)]
    else:
        ground, lines, accents = (
            rng.choice(((178, 52, 44), (196, 86, 40), (230, 210, 170))),
            INDIGO,
            [SAFFRON, CREAM, (40, 110, 90)],
        )
    sc.poly(area, fill=ground)
    w = rng.uniform(140, 200)
    h = w * 1.25
    width = rng.uniform(7, 11)
    cols = int((x1 - x0) / w) + 2
    rows = int((y1 - y0) / h) + 2
    for i in range(-1, cols):
        for j in range(-1, rows):
            cx, cy = x0 + i * w + (w / 2 if j % 2 else 0), y0 + j * h / 2 + h / 4
            diamond = [(cx, cy - h / 2), (cx + w / 2, cy), (cx, cy + h / 2), (cx - w / 2, cy)]
            sc.poly(diamond, outline=_alpha(lines, 235), width=width)
            acc = accents[(i + j) % len(accents)]
            if (i * 7 + j * 3) % 3 == 0:
                sc.poly(
                    [
                        (cx, cy - h * 0.12),
                        (cx + w * 0.1, cy),
                        (cx, cy + h * 0.12),
                        (cx - w * 0.1, cy),
                    ],
                    fill=_alpha(acc, 230),
                )
    sc.texture(area, rng, 6, _shade(ground, 0.8), _shade(ground, 1.08), 45)
    sc.texture(area, rng, 30, _shade(ground, 0.8), _shade(ground, 1.08), 60)


def _surface(sc: _Canvas, rng: random.Random, horizon: float) -> None:
    """Table top: sand, tadelakt, wood or terracotta tiles; near parts are lighter, like a real set."""
    area = _rect(0, horizon, UNITS, UNITS)
    kind = rng.choice(("sand", "sand", "wood", "tiles", "tadelakt"))
    lines = _alpha((240, 220, 200), 120)
    if kind == "wood":
        base = rng.choice(((176, 122, 76), (150, 98, 58), (200, 156, 108)))
        sc.rect_linear(0, horizon, UNITS, UNITS, ((0, _shade(base, 0.75)), (1, base)))
        sc.texture(area, rng, 14, _shade(base, 0.8), _shade(base, 1.1), 50)
        for _ in range(40):
            y, x = rng.uniform(horizon, UNITS), rng.uniform(-200, UNITS)
            sc.line(
                [(x, y), (x + rng.uniform(150, 400), y + rng.uniform(-3, 3))],
                _alpha(_shade(base, 0.8), 70),
                1.6,
            )
        lines = _alpha(_shade(base, 0.55), 150)
    elif kind == "tiles":
        base = rng.choice(((200, 112, 74), (214, 136, 92)))
        sc.rect_linear(0, horizon, UNITS, UNITS, ((0, _shade(base, 0.8)), (1, base)))
        sc.texture(area, rng, 10, _shade(base, 0.8), _shade(base, 1.12), 60)
        vx, vy = UNITS / 2, horizon - 900
        for i in range(-16, 17):  # joints converge on a vanishing point above the wall
            x = UNITS / 2 + i * 170
            sc.line(
                [(vx + (x - vx) * (horizon - vy) / (UNITS - vy), horizon), (x, UNITS)], lines, 2.5
            )
    else:
        base = (
            rng.choice(((226, 198, 150), (232, 210, 170), (214, 182, 134)))
            if kind == "sand"
            else (236, 226, 208)
        )
        sc.rect_linear(0, horizon, UNITS, UNITS, ((0, _shade(base, 0.82)), (1, _shade(base, 1.05))))
        sc.texture(area, rng, 40, _shade(base, 0.86), _shade(base, 1.08), 90)
        if kind == "sand":
            sc.texture(area, rng, 6, _shade(base, 0.8), _shade(base, 1.1), 60)
    if kind in ("wood", "tiles"):
        y, gap = horizon, 22.0
        while y < UNITS:
            sc.line([(0, y), (UNITS, y)], lines, 2.5)
            y += gap
            gap *= 1.4  # boards and tiles widen towards the viewer: cheap perspective
    # The wall meets the table in a soft crease shadow.
    sc.soft(_rect(-50, horizon - 4, UNITS + 50, horizon + 6), (40, 20, 10), 90, 6)


def _backdrop(
    sc: _Scene, rng: random.Random, walls: Sequence[str], feature: str | None = None
) -> float:
    """Out-of-focus wall + table set with a seeded decoration (arch niche, zellige band...); returns the horizon y."""
    horizon = rng.uniform(560, 620)
    wall = WALLS[rng.choice(walls)]
    area = _rect(0, 0, UNITS, horizon)
    feature = feature or rng.choice(("arch", "zellige", "zellige_high", "plain"))
    with sc.lowres() as bg:
        bg.rect_linear(0, 0, UNITS, horizon, ((0, wall[0]), (1, wall[1])))
        bg.texture(area, rng, 50, _shade(wall[1], 0.9), _shade(wall[0], 1.06), 70)
        if feature == "arch":
            _arch(
                bg,
                UNITS / 2 + rng.uniform(-60, 60),
                rng.uniform(170, 220),
                rng.uniform(420, 500),
                horizon,
                wall,
            )
        elif feature == "zellige":
            _zellige_band(bg, 0, UNITS, horizon - rng.uniform(90, 120), horizon, rng)
        elif feature == "zellige_high":
            y = rng.uniform(150, 220)
            _zellige_band(bg, 0, UNITS, y, y + rng.uniform(70, 90), rng)
        elif feature == "honeycomb":
            _honeycomb(bg, 0, 0, UNITS, horizon, rng)
            bg.glaze(area, wall[1], ((0.0, 60), (1.0, 110)), vertical=True)
        elif feature == "rug":
            _rug(bg, 0, 0, UNITS, horizon, rng)
        bg.glow(UNITS * 0.45, horizon * 0.5, 520, 420, (255, 244, 220), 70)
        _surface(bg, rng, horizon)
    return horizon


def _backdrop_and_vessel(
    sc: _Scene,
    rng: random.Random,
    walls: Sequence[str],
    shapes: Sequence[tuple],
    x: Span,
    base: Span,
    height: Span,
    width: Span,
    feature: str | None = None,
    away: bool = False,
) -> tuple[int, _Vessel]:
    """Paint the backdrop, then place the scene's vessel on a random side of the centre.

    Returns the side (-1 or 1) and the vessel; ``away`` puts it on the other side.
    """
    _backdrop(sc, rng, walls, feature)
    side = rng.choice((-1, 1))
    offset = side * rng.uniform(*x)
    v = _Vessel.make(
        500 - offset if away else 500 + offset,
        rng.uniform(*base),
        rng.uniform(*height),
        rng.uniform(*width),
        rng.choice(shapes),
    )
    return side, v
