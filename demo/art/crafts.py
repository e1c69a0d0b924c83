"""Cosmetics and crafts scenes: soaps, roses, creams, baskets and painted vases."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from .backdrops import _backdrop
from .canvas import _Canvas, _Scene
from .palette import INK, MAJORELLE, RGB, SAFFRON, TERRACOTTA, TILT, WHITE, _alpha, _shade
from .shapes import KHATAM, _blob, _ellipse_pts, _place, _rect, _rrect, _spindle, _star_pts
from .vessels import (
    ARGAN_BOTTLES,
    CYLINDER,
    RIM,
    SQUAT_JAR,
    VASES,
    _cap,
    _contact_shadow,
    _glass_vessel,
    _label,
    _liquid,
    _swirl_mound,
    _Vessel,
)


def _soap(sc: _Canvas, x: float, y: float, w: float, d: float, h: float, color: RGB) -> float:
    """Bar of soap seen from the front and above, its lit top stamped with a star; returns the top's middle y."""
    dd = d * 0.42  # depth of the top face after foreshortening
    sc.soft(_rect(x + 10, y - 12, x + w + 24, y + 10), (40, 20, 10), 110, 10)
    sc.fill_linear(
        _rrect(x, y - h - dd * 0.2, x + w, y, 14),
        ((0, _shade(color, 0.86)), (1, _shade(color, 0.64))),
    )
    top = _rrect(x, y - h - dd, x + w, y - h + 2, 18)
    sc.fill_linear(top, ((0, _shade(color, 1.12)), (1, _shade(color, 1.02))))
    sx, sy = x + w / 2, y - h - dd / 2
    star = [
        (px, sy + (py - sy) * 0.42)
        for px, py in _star_pts(sx, sy, d * 0.32, d * 0.32 * KHATAM, 8, math.pi / 8)
    ]
    sc.poly(star, outline=_alpha(_shade(color, 0.72), 220), width=3)
    sc.poly(
        [(px + 1.5, py + 2) for px, py in star], outline=_alpha(_shade(color, 1.25), 170), width=2
    )
    return sy


def _rose(sc: _Canvas, x: float, y: float, r: float, petal: RGB) -> None:
    """Damask rose bloom from above: rings of cupped petals spiralling into a dark heart."""
    sc.soft(_ellipse_pts(x + r * 0.2, y + r * 0.3, r, r * 0.8), (40, 10, 10), 110, r * 0.15)
    for ring, (count, rad, size) in enumerate(((7, 0.62, 0.5), (6, 0.42, 0.42), (5, 0.24, 0.32))):
        for i in range(count):
            a = 2 * math.pi * i / count + ring * 0.5
            px, py = x + math.cos(a) * r * rad, y + math.sin(a) * r * rad * 0.85
            shade = 1.05 - ring * 0.14
            _blob(
                sc,
                _ellipse_pts(px, py, r * size, r * size * 0.8, a),
                (
                    (0, _shade(petal, 1.3 * shade)),
                    (0.6, _shade(petal, shade)),
                    (1, _shade(petal, 0.6 * shade)),
                ),
                0.0,
                (0.5, 0.5),
            )
    sc.fill_radial(
        _ellipse_pts(x, y, r * 0.16, r * 0.13),
        ((0, _shade(petal, 0.35)), (1, _shade(petal, 0.7))),
        (0.5, 0.5),
    )


def _layered(items: list[tuple[float, Callable[[], None]]]) -> None:
    """Draw objects from the back of the table to the front so nearer ones overlap farther ones."""
    for _, paint in sorted(items, key=lambda item: item[0]):
        paint()


def _cosmetics(sc: _Scene, rng: random.Random) -> None:
    """Stack of natural soaps, rose water, an open pot of cream and rose petals from Kelaat M'Gouna."""
    _backdrop(sc, rng, ("rose", "cream", "mint", "sand", "olive"))
    side = rng.choice((-1, 1))
    soaps = (
        (226, 140, 156),
        (236, 214, 160),
        (150, 166, 96),
        (176, 150, 206),
        (176, 110, 84),
        (246, 240, 226),
    )
    bottle = _Vessel.make(
        500 - side * rng.uniform(190, 230),
        790,
        rng.uniform(360, 400),
        76,
        rng.choice(ARGAN_BOTTLES),
    )
    jar = _Vessel.make(500 - side * rng.uniform(40, 80), 935, 150, 125, SQUAT_JAR)
    pot = rng.choice(((250, 250, 248), (190, 220, 210), (230, 200, 210)))
    bars = rng.sample(soaps, 3)
    sx = 500 + side * rng.uniform(190, 220) - 150

    def rose_water() -> None:
        """Small bottle of pink rose water with a gold cap."""
        _glass_vessel(
            sc,
            bottle,
            _liquid(((0, (210, 100, 124)), (0.4, (250, 190, 204)), (1, (190, 84, 110)))),
            0.28,
        )
        _label(sc, bottle, 0.6, 0.78, (246, 240, 228), (196, 60, 90), rng)
        _cap(sc, bottle, (212, 170, 70), 40)

    def soap_stack() -> None:
        """Three bars, each resting on the middle of the one below."""
        y = 890.0
        for i, col in enumerate(bars):
            w = 290 - i * 20
            y = _soap(sc, sx + i * 10 + rng.uniform(-12, 12), y, w, 140, 70, col) + 14

    def cream() -> None:
        """Open pot of whipped cream."""
        _contact_shadow(sc, jar.cx, jar.base, jar.hw)
        sc.fill_linear(
            jar.outline(0.3),
            ((0, _shade(pot, 0.75)), (0.3, pot), (1, _shade(pot, 0.62))),
            vertical=False,
        )
        sc.ellipse(jar.cx, jar.y(0.3), jar.r(0.3), jar.r(0.3) * RIM, fill=_shade(pot, 0.9))
        _swirl_mound(
            sc,
            jar.cx,
            jar.y(0.3),
            jar.r(0.3) * 0.92,
            45,
            ((0, (255, 255, 252)), (1, (226, 220, 214))),
            (200, 190, 180, 120),
        )

    def petal(x: float, y: float) -> Callable[[], None]:
        """One loose rose petal."""
        a, col = (
            rng.uniform(0, math.tau),
            rng.choice(((226, 90, 120), (240, 140, 160), (200, 60, 90))),
        )
        shape = _spindle((x, y), (x + math.cos(a) * 46, y + math.sin(a) * 30), 40, 0.5, 0.6)
        return lambda: _blob(
            sc, shape, ((0, _shade(col, 1.25)), (0.6, col), (1, _shade(col, 0.6))), 0.2
        )

    rx = 500 + side * rng.uniform(270, 310)
    rose_col = rng.choice(((220, 70, 100), (236, 120, 150)))
    items = [
        (bottle.base, rose_water),
        (890.0, soap_stack),
        (jar.base, cream),
        (925.0, lambda: _rose(sc, rx, 925, 74, rose_col)),
    ]
    items += [(y, petal(x, y)) for x, y in _place(rng, rng.randint(7, 10), 120, 880, 840, 950, 60)]
    _layered(items)


def _basket(sc: _Canvas, cx: float, base: float, r: float, rng: random.Random) -> None:
    """Tbiqa: round woven Berber basket with a pointed lid and coloured zigzag bands."""
    colors = rng.sample((TERRACOTTA, MAJORELLE, SAFFRON, (30, 110, 100), (196, 52, 90), INK), 3)
    straw = (220, 186, 126)
    body = _Vessel.make(cx, base, r * 0.7, r, ((0, 1.0), (0.9, 0.96, "l"), (1, 0.88, "c")))
    lid = _Vessel.make(
        cx, body.top + 4, r * 1.05, r * 1.03, ((0, 0.06), (0.2, 0.3, "s"), (1, 1.0, "s"))
    )
    _contact_shadow(sc, cx, base, r)
    for v in (body, lid):
        sc.fill_linear(
            v.outline(),
            ((0, _shade(straw, 0.6)), (0.3, _shade(straw, 1.15)), (1, _shade(straw, 0.5))),
            vertical=False,
        )
        with sc.clip(v.outline()) as c:
            for k in range(1, 30):  # coiled straw rows
                c.line(v.arc(k / 30), _alpha(_shade(straw, 0.65), 140), 2)
            for j, (t0, t1) in enumerate(
                ((0.3, 0.45), (0.6, 0.75)) if v is lid else ((0.15, 0.35), (0.55, 0.75))
            ):
                zig = []
                for i in range(25):
                    a, t = math.pi * i / 24, (t0 if i % 2 else t1)
                    zig.append((cx - v.r(t) * math.cos(a), v.y(t) + TILT * v.r(t) * math.sin(a)))
                c.line(zig, colors[j], 9)
        sc.glaze(v.outline(), (20, 10, 0), CYLINDER)
    sc.ellipse(cx, lid.top, 10, 8, fill=colors[2])


def _vase(sc: _Canvas, cx: float, base: float, h: float, rng: random.Random) -> None:
    """Hand-painted terracotta or green Tamegroute jug with geometric bands."""
    v = _Vessel.make(cx, base, h, h * 0.32, rng.choice(VASES))
    _contact_shadow(sc, cx, base, v.hw * 0.8)
    green = rng.random() < 0.35
    body = (
        ((0, (60, 90, 40)), (0.3, (130, 170, 80)), (0.6, (80, 120, 50)), (1, (30, 50, 20)))
        if green
        else ((0, (140, 62, 34)), (0.3, (220, 130, 88)), (0.6, (190, 98, 62)), (1, (100, 44, 22)))
    )
    sc.fill_linear(v.outline(), body, vertical=False)
    paint = (250, 240, 220) if green else INK
    for t in (0.3, 0.36, 0.7):
        sc.line(v.arc(t), _alpha(paint, 220), 4)
    for i in range(1, 12):
        a = math.pi * i / 12
        s = math.sin(a)
        x0 = cx - v.r(0.42) * math.cos(a)
        y0 = v.y(0.42) + TILT * v.r(0.42) * s
        y1 = v.y(0.62) + TILT * v.r(0.62) * s
        x1 = cx - v.r(0.62) * math.cos(a)
        w = 18 * s
        sc.poly([(x0 - w, y0), (x0 + w, y0), (x1, y1)], fill=_alpha(paint, 200))
        sc.ellipse(x1, y1 + 18, 5 * s + 1, 5, fill=_alpha(paint, 200))
    sc.glaze(v.outline(), WHITE, ((0.0, 0), (0.24, 110), (0.34, 0), (1, 0)))
    sc.glaze(v.outline(), (20, 10, 0), CYLINDER)
    sc.ellipse(cx, v.top, v.r(0.0), v.r(0.0) * TILT * 1.3, fill=_shade(body[1][1], 0.5))


def _crafts(sc: _Scene, rng: random.Random) -> None:
    """Berber rug on the wall, a painted pottery jug and a woven tbiqa basket on the table."""
    _backdrop(sc, rng, ("sand",), feature="rug")
    side = rng.choice((-1, 1))
    _vase(sc, 500 - side * rng.uniform(150, 200), rng.uniform(850, 880), rng.uniform(480, 540), rng)
    _basket(
        sc, 500 + side * rng.uniform(140, 190), rng.uniform(900, 930), rng.uniform(170, 190), rng
    )
