"""Banners: argan trees on ochre hills below the Atlas at sunset."""

from __future__ import annotations

import random
from collections.abc import Sequence

from .canvas import _Canvas, _check_size, _rng, _Scene
from .palette import RGB, UNITS, Point, _mix, _shade
from .shapes import _blob, _ellipse_pts, _rect, _wave

# ---------------------------------------------------------------- banner

SKIES = (
    (
        (0, (54, 60, 120)),
        (0.45, (214, 110, 90)),
        (0.75, (246, 170, 90)),
        (1, (252, 214, 140)),
    ),  # sunset
    ((0, (90, 140, 200)), (0.6, (200, 200, 200)), (1, (250, 220, 170))),  # golden hour
    ((0, (40, 44, 100)), (0.5, (150, 80, 120)), (1, (240, 140, 90))),  # dusk
)


def draw_banner(seed: int, width: int = 1600, height: int = 600) -> bytes:
    """Landscape banner: Souss argan trees on ochre hills below the Atlas at sunset."""
    _check_size(width, height)
    rng = _rng("banner", seed)
    sc = _Scene(width, height)
    w = sc.uw
    sky = SKIES[rng.randrange(len(SKIES))]
    sc.fill_linear(_rect(0, 0, w, UNITS), sky)
    sun = (rng.uniform(0.25, 0.75) * w, rng.uniform(430, 560))
    sc.glow(sun[0], sun[1], 700, 520, (255, 220, 160), 150)
    sc.ellipse(sun[0], sun[1], 70, 70, fill=(255, 236, 190))
    horizon_light = sky[-1][1]
    layers = (
        (560, 140, _mix((110, 90, 140), horizon_light, 0.45), True),  # Atlas with snow
        (700, 60, _mix((176, 100, 70), horizon_light, 0.3), False),
        (800, 40, (150, 84, 52), False),
        (900, 25, (112, 62, 36), False),
    )
    for i, (base, amp, color, snow) in enumerate(layers):
        ridge = _wave(-20, w + 20, base, rng, amp)
        shape = ridge + [(w + 20, UNITS + 10), (-20, UNITS + 10)]
        sc.fill_linear(shape, ((0, _shade(color, 1.08)), (1, _shade(color, 0.8))))
        if snow:
            # Snow between the ridge and a ragged snow line, so only the peaks turn white.
            line = [
                (x, y + rng.uniform(-14, 14))
                for x, y in _wave(-20, w + 20, base - amp * 0.3, rng, 18)
            ]
            with sc.clip(shape) as c:
                c.fill_linear(
                    [(x, y - 5) for x, y in ridge] + line[::-1],
                    ((0, (255, 252, 252)), (1, (226, 216, 232))),
                )
        if i == 1 and rng.random() < 0.6:
            x, y = ridge[rng.randrange(len(ridge) // 5, len(ridge) * 4 // 5)]
            _kasbah(sc, x, y + 12, rng.uniform(70, 90), _mix((196, 120, 80), color, 0.4), rng)
        if i >= 1:
            _banner_trees(sc, ridge, rng, i, color)
    _banner_birds(sc, rng, w)
    sc.glaze(_rect(0, 0, w, UNITS), (255, 200, 140), ((0.0, 0), (0.5, 25), (1.0, 0)), vertical=True)
    return sc.png(vignette=80)


def _kasbah(sc: _Canvas, x: float, y: float, s: float, color: RGB, rng: random.Random) -> None:
    """Rammed-earth kasbah on a hill: tapering towers with crenellations and small dark windows."""
    blocks = [
        (-1.1, 0.9, 0.55),
        (-0.5, 1.5, 0.45),
        (0.05, 1.1, 0.7),
        (0.8, 1.6, 0.4),
        (1.25, 0.8, 0.6),
    ]
    for bx, bh, bw in blocks[: rng.randint(3, 5)]:
        x0, x1, top = x + bx * s, x + (bx + bw) * s, y - bh * s
        lit = _shade(color, 1.1 if bx < 0 else 0.92)  # the sunward faces are lighter
        sc.poly([(x0, y), (x0 + bw * s * 0.06, top), (x1 - bw * s * 0.06, top), (x1, y)], fill=lit)
        teeth = max(2, int(bw * 6))
        for k in range(teeth):
            tx = x0 + bw * s * (0.06 + 0.88 * (k + 0.25) / teeth)
            sc.poly(_rect(tx, top - s * 0.1, tx + bw * s * 0.88 / teeth * 0.5, top + 1), fill=lit)
        for k in range(2):
            wx, wy = x0 + bw * s * (0.3 + 0.3 * k), top + bh * s * 0.3
            sc.poly(_rect(wx, wy, wx + s * 0.06, wy + s * 0.12), fill=_shade(color, 0.45))


def _argan_tree(
    sc: _Canvas, x: float, y: float, s: float, canopy: RGB, trunk: RGB, rng: random.Random
) -> None:
    """Argan tree: short twisted trunk, wide flat thorny crown of clumped leaves."""
    sc.soft(_ellipse_pts(x + s * 0.2, y + s * 0.05, s * 1.1, s * 0.12), (30, 15, 5), 110, s * 0.1)
    sc.line([(x, y), (x - s * 0.12, y - s * 0.35), (x + s * 0.05, y - s * 0.6)], trunk, s * 0.12)
    sc.line([(x - s * 0.08, y - s * 0.3), (x - s * 0.45, y - s * 0.6)], trunk, s * 0.07)
    sc.line([(x, y - s * 0.4), (x + s * 0.5, y - s * 0.62)], trunk, s * 0.07)
    for _ in range(14):
        cx, cy = x + rng.uniform(-0.9, 0.9) * s, y - s * 0.7 + rng.uniform(-0.22, 0.12) * s
        r = s * rng.uniform(0.22, 0.34)
        _blob(
            sc,
            _ellipse_pts(cx, cy, r, r * 0.6),
            ((0, _shade(canopy, 1.35)), (0.6, canopy), (1, _shade(canopy, 0.6))),
            0.0,
            (0.35, 0.2),
        )


def _banner_trees(
    sc: _Canvas, ridge: Sequence[Point], rng: random.Random, layer: int, ground: RGB
) -> None:
    """Scatter argan trees along a ridge; nearer ridges get bigger trees."""
    s = (0, 28, 55, 110)[layer]
    canopy = _mix((78, 100, 48), ground, 0.45 - layer * 0.12)
    trunk = _mix((70, 44, 26), ground, 0.4 - layer * 0.1)
    count = (0, 14, 9, 5)[layer]
    for _ in range(count):
        x, y = ridge[rng.randrange(len(ridge))]
        _argan_tree(sc, x, y + s * 0.15, s * rng.uniform(0.8, 1.2), canopy, trunk, rng)


def _banner_birds(sc: _Canvas, rng: random.Random, w: float) -> None:
    """A few distant birds as little chevrons."""
    for _ in range(rng.randint(3, 6)):
        x, y, s = rng.uniform(0.1, 0.9) * w, rng.uniform(120, 360), rng.uniform(10, 18)
        sc.line([(x - s, y - s * 0.4), (x, y), (x + s, y - s * 0.4)], (50, 30, 40, 180), 3)
