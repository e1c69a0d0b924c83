"""Pantry scenes: argan oil, olive oil, honey and amlou, with nuts, almonds and olives."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from .backdrops import _backdrop, _backdrop_and_vessel
from .canvas import _Canvas, _Scene
from .palette import CREAM, GLAZES, INDIGO, MAJORELLE, OLIVE, RGB, TERRACOTTA, TILT, _alpha, _shade
from .shapes import _blob, _ellipse_pts, _leaf, _place, _rect, _spindle
from .vessels import (
    ARGAN_BOTTLES,
    CYLINDER,
    JARS,
    OLIVE_BOTTLES,
    _bowl,
    _cap,
    _cork,
    _glass_vessel,
    _label,
    _liquid,
    _swirl_mound,
    _twine,
    _Vessel,
)


def _argan_nut(sc: _Canvas, x: float, y: float, s: float, rot: float, rng: random.Random) -> None:
    """Dried argan fruit: a wrinkled tan oval with a stalk scar."""
    sc.soft(_ellipse_pts(x + s * 0.3, y + s * 0.55, s * 0.95, s * 0.3), (40, 24, 10), 120, s * 0.15)
    body = _ellipse_pts(x, y, s, s * 0.72, rot)
    _blob(sc, body, ((0, (214, 170, 110)), (0.5, (160, 108, 58)), (1, (82, 50, 24))), 0.12)
    with sc.clip(body) as c:
        # Dried skin wrinkles run lengthwise and follow the curve of the fruit.
        for k in range(-2, 3):
            off = k * s * 0.22 + rng.uniform(-0.05, 0.05) * s
            pts = []
            for t in (-0.8, -0.3, 0.2, 0.7):
                px, py = t * s, off * (1 - 0.25 * t * t) + rng.uniform(-0.04, 0.04) * s
                pts.append(
                    (
                        x + px * math.cos(rot) - py * math.sin(rot),
                        y + px * math.sin(rot) + py * math.cos(rot),
                    )
                )
            c.line(pts, (70, 40, 16, 60), s * 0.04)
    sc.ellipse(
        x + math.cos(rot) * s * 0.9,
        y + math.sin(rot) * s * 0.9,
        s * 0.1,
        s * 0.08,
        fill=(70, 44, 20),
    )


def _almond(
    sc: _Canvas,
    x: float,
    y: float,
    length: float,
    rot: float,
    skin: Sequence[RGB],
    rng: random.Random,
    shadow: bool = True,
) -> None:
    """Almond or argan kernel: teardrop with a lit side and fine lengthwise grooves."""
    dx, dy = math.cos(rot) * length / 2, math.sin(rot) * length / 2
    p0, p1 = (x - dx, y - dy), (x + dx, y + dy)
    if shadow:
        sc.soft(
            _spindle((p0[0] + 6, p0[1] + 10), (p1[0] + 6, p1[1] + 10), length * 0.55, 0.7, 0.8),
            (40, 24, 10),
            110,
            length * 0.08,
        )
    shape = _spindle(p0, p1, length * 0.6, 0.72, 0.85)
    _blob(sc, shape, ((0, skin[0]), (0.55, skin[1]), (1, skin[2])), 0.25)
    for k in (-0.12, 0.0, 0.12):
        off = k * length
        nx, ny = -math.sin(rot) * off, math.cos(rot) * off
        sc.line(
            [
                (p0[0] + dx * 0.3 + nx, p0[1] + dy * 0.3 + ny),
                (p1[0] - dx * 0.5 + nx * 0.6, p1[1] - dy * 0.5 + ny * 0.6),
            ],
            _alpha(_shade(skin[2], 0.8), 60),
            length * 0.03,
        )


ALMOND_SKIN = ((196, 132, 84), (150, 90, 48), (92, 52, 26))
KERNEL_SKIN = ((246, 228, 190), (218, 186, 136), (160, 116, 70))


GREEN_OLIVE = ((0, (190, 200, 90)), (0.5, (120, 140, 40)), (1, (56, 70, 16)))
BLACK_OLIVE = ((0, (140, 90, 120)), (0.5, (70, 34, 56)), (1, (26, 12, 20)))


def _olive(sc: _Canvas, x: float, y: float, r: float, rng: random.Random) -> None:
    """Glossy olive, green or ripe purple-black at random."""
    stops = GREEN_OLIVE if rng.random() < 0.55 else BLACK_OLIVE
    _blob(sc, _ellipse_pts(x, y, r, r * 0.73, rng.uniform(-0.6, 0.6)), stops, 0.8)


def _olive_branch(
    sc: _Canvas, x0: float, y0: float, x1: float, y1: float, rng: random.Random, fruits: int
) -> None:
    """Olive twig: silvery-green narrow leaves in pairs, glossy green and purple-black olives."""
    sc.soft(_spindle((x0 + 20, y0 + 40), (x1 + 20, y1 + 40), 60, 1, 0.6), (40, 30, 10), 70, 14)
    stem = [
        (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t - 30 * math.sin(math.pi * t))
        for t in (i / 12 for i in range(13))
    ]
    sc.line(stem, (104, 88, 56), 6)
    length = math.hypot(x1 - x0, y1 - y0)
    ang = math.atan2(y1 - y0, x1 - x0)
    for i in range(2, 12):
        sx, sy = stem[i]
        for side in (-1, 1):
            a = ang + side * rng.uniform(0.5, 0.9)
            ll = length * rng.uniform(0.16, 0.22)
            col = rng.choice(((78, 98, 52), (96, 116, 66), (140, 152, 118)))
            _leaf(
                sc,
                (sx, sy),
                (sx + math.cos(a) * ll, sy + math.sin(a) * ll),
                ll * 0.2,
                col,
                side * ll * 0.05,
            )
    for _ in range(fruits):
        i = rng.randrange(3, 11)
        sx, sy = stem[i]
        ox, oy = sx + rng.uniform(-20, 20), sy + rng.uniform(15, 35)
        sc.line([(sx, sy), (ox, oy - 12)], (104, 88, 56), 3)
        _olive(sc, ox, oy, 22, rng)


def _argan_oil(sc: _Scene, rng: random.Random) -> None:
    """Glass bottle of golden argan oil with cork and label, dried fruits and kernels around it."""
    side, v = _backdrop_and_vessel(
        sc,
        rng,
        ("majorelle", "terracotta", "cream", "indigo", "mint", "rose"),
        ARGAN_BOTTLES,
        (20, 70),
        (845, 870),
        (540, 590),
        (120, 138),
    )
    oil = (
        (0, (150, 82, 8)),
        (0.2, (214, 140, 24)),
        (0.42, (252, 206, 80)),
        (0.6, (236, 168, 40)),
        (1, (130, 66, 6)),
    )
    back = _place(rng, 3, 150, 850, 720, 790, 90)
    for x, y in back:
        if abs(x - v.cx) > v.hw + 40:
            _argan_nut(sc, x, y, rng.uniform(30, 38), rng.uniform(-0.6, 0.6), rng)
    _glass_vessel(sc, v, _liquid(oil), rng.uniform(0.18, 0.3))
    _label(
        sc,
        v,
        0.6,
        0.8,
        rng.choice(((236, 222, 196), (246, 240, 228), (214, 190, 150))),
        rng.choice((TERRACOTTA, MAJORELLE, INDIGO, (30, 110, 100))),
        rng,
    )
    _twine(sc, v, 0.12)
    _cork(sc, v, rng)
    free_x = (90, v.cx - v.hw - 60) if side > 0 else (v.cx + v.hw + 60, 910)
    for x, y in _place(rng, rng.randint(3, 4), free_x[0], free_x[1], 840, 930, 85):
        _argan_nut(sc, x, y, rng.uniform(38, 48), rng.uniform(-0.7, 0.7), rng)
    for x, y in _place(rng, rng.randint(5, 7), 130, 870, 890, 945, 55):
        _almond(
            sc,
            x,
            y,
            rng.uniform(40, 50),
            rng.uniform(-0.9, 0.9) + math.pi * rng.randint(0, 1),
            KERNEL_SKIN,
            rng,
        )


def _honey(sc: _Scene, rng: random.Random) -> None:
    """Jar of amber honey with a cloth cap, honeycomb wall and a wooden dipper dripping honey."""
    side, v = _backdrop_and_vessel(
        sc,
        rng,
        ("saffron", "cream", "sand"),
        JARS,
        (40, 90),
        (850, 880),
        (470, 520),
        (175, 195),
        feature="honeycomb",
        away=True,
    )
    honey = (
        (0, (120, 48, 4)),
        (0.22, (204, 112, 14)),
        (0.42, (250, 178, 48)),
        (0.62, (230, 140, 20)),
        (1, (100, 40, 4)),
    )
    _glass_vessel(sc, v, _liquid(honey), rng.uniform(0.2, 0.26))
    _cloth_cap(sc, v, rng)
    _dipper(sc, v.cx + side * (v.hw + rng.uniform(70, 100)), rng.uniform(880, 910), side, rng)


def _cloth_cap(sc: _Canvas, v: _Vessel, rng: random.Random) -> None:
    """Gingham or striped fabric tied over the lid with pinked edges, a market-jar classic."""
    r = v.r(0.0) * 1.1
    top, hem = v.top - v.height * 0.06, v.y(0.17)
    n = 16
    edge = []
    for i in range(n + 1):
        x = v.cx + r * 1.28 * (i / n * 2 - 1)
        edge.append((x, hem + (18 if i % 2 else 0) + TILT * r * math.sin(math.pi * i / n) * 1.2))
    cap = (
        [(v.cx - r * 1.05, top + 20)]
        + [
            (v.cx + r * math.cos(a), top - r * 0.28 * math.sin(a))
            for a in (math.pi * (1 - i / 16) for i in range(17))
        ][1:-1]
        + [(v.cx + r * 1.05, top + 20)]
        + edge[::-1]
    )
    cloth = rng.choice(((196, 52, 44), MAJORELLE, (30, 110, 100), TERRACOTTA))
    sc.poly(cap, fill=CREAM)
    with sc.clip(cap) as c:
        step = 26
        for i in range(-12, 13):
            x = v.cx + i * step
            c.poly(_rect(x, top - 80, x + step / 2, hem + 60), fill=_alpha(cloth, 150))
        if rng.random() < 0.6:
            y = top - 80
            while y < hem + 60:
                c.poly(_rect(v.cx - 300, y, v.cx + 300, y + step / 2), fill=_alpha(cloth, 150))
                y += step
    sc.glaze(cap, (20, 10, 0), CYLINDER)
    for d in (0.0, 0.014):
        sc.line(v.arc(0.1 + d, -r * 0.12), (120, 80, 40), 4)
    kx, ky = v.cx + v.r(0.1) * 0.45, v.y(0.1) + TILT * v.r(0.1)
    for dx, dy in ((-10, 70), (20, 60)):
        sc.line([(kx, ky), (kx + dx, ky + dy)], (120, 80, 40), 4)


def _dipper(sc: _Canvas, x: float, y: float, side: int, rng: random.Random) -> None:
    """Wooden honey dipper lying on the table with a golden puddle under its grooved head."""
    ang = -math.pi / 2 + side * rng.uniform(0.35, 0.55)
    hx, hy = x + math.cos(ang) * 330, y + math.sin(ang) * 330 * 0.55
    wood = ((0, (236, 196, 140)), (0.5, (196, 146, 90)), (1, (120, 80, 40)))
    sc.soft(_ellipse_pts(x + 20, y + 30, 110, 34), (40, 20, 0), 120, 14)
    sc.fill_radial(
        _ellipse_pts(x + 5, y + 18, 105, 30),
        ((0, (255, 206, 90)), (0.6, (220, 130, 20)), (1, (160, 80, 8))),
        (0.4, 0.35),
    )
    sc.soft(_spindle((x, y + 20), (hx + 20, hy + 30), 20, 1, 0.3), (40, 20, 0), 110, 8)
    sc.fill_linear(_spindle((x, y), (hx, hy), 22, 1, 0.15), wood, vertical=False)
    sc.ellipse(hx, hy, 13, 10, fill=(196, 146, 90))
    head = _spindle(
        (x - math.cos(ang) * 85, y - math.sin(ang) * 85 * 0.55),
        (x + math.cos(ang) * 85, y + math.sin(ang) * 85 * 0.55),
        86,
        1,
        0.35,
    )
    _blob(sc, head, wood, 0.0)
    ax, ay = math.cos(ang), math.sin(ang) * 0.55
    norm = math.hypot(ax, ay)
    nx, ny = -ay / norm, ax / norm  # across the head, where the carved grooves run
    with sc.clip(head) as c:
        for k in range(-5, 6):
            gx, gy = x + ax * k * 15, y + ay * k * 15
            c.line(
                [(gx - nx * 60, gy - ny * 60), (gx + nx * 60, gy + ny * 60)], (100, 60, 24, 150), 3
            )
    sc.glaze(head, (240, 150, 20), ((0.0, 0), (0.5, 120), (1.0, 200)), vertical=True)
    sc.ellipse(x - 20, y - 16, 14, 7, fill=(255, 250, 220, 170))


def _amlou(sc: _Scene, rng: random.Random) -> None:
    """Pottery bowl heaped with glossy amlou paste, a jar behind it and almonds scattered in front."""
    _backdrop(sc, rng, ("terracotta", "cream", "olive", "mint", "majorelle", "sand"))
    side = rng.choice((-1, 1))
    paste = ((0, (190, 118, 62)), (0.45, (140, 76, 34)), (1, (80, 40, 16)))
    j = _Vessel.make(
        500 + side * rng.uniform(170, 210), rng.uniform(740, 770), 340, 118, rng.choice(JARS)
    )

    def jar_paste(c: _Canvas, v: _Vessel, t: float) -> None:
        """Opaque paste pressed against the glass."""
        inner = v.outline(t, 0.985, v.hw * 0.05)
        c.fill_linear(
            inner, ((0, (84, 40, 16)), (0.4, (158, 92, 44)), (1, (70, 34, 12))), vertical=False
        )
        c.texture(inner, rng, 14, (60, 30, 10), (190, 130, 80), 50)

    _glass_vessel(sc, j, jar_paste, 0.2)
    _label(
        sc, j, 0.52, 0.72, (236, 222, 196), rng.choice((TERRACOTTA, INDIGO, (30, 110, 100))), rng
    )
    _cap(sc, j, rng.choice(((212, 170, 70), (120, 80, 40))), j.height * 0.12)
    bx = 500 - side * rng.uniform(40, 90)
    rim = rng.uniform(700, 730)

    def heap() -> None:
        """Amlou heaped in the bowl, garnished with a rosette of whole almonds as it is served."""
        _swirl_mound(sc, bx, rim + 2, 196, 55, paste, (214, 150, 90, 150))
        turn = rng.uniform(0, math.pi)
        for i in range(3):
            a = turn + 2 * math.pi * i / 3
            x, y = bx + math.cos(a) * 42, rim - 40 + math.sin(a) * 13
            _almond(
                sc,
                x,
                y,
                62,
                math.atan2(math.sin(a) * 0.35, math.cos(a)),
                ALMOND_SKIN,
                rng,
                shadow=False,
            )

    _bowl(sc, bx, rim, 210, 160, rng.choice(GLAZES[:3]), rng, heap)
    for x, y in _place(rng, rng.randint(6, 8), 130, 870, 890, 945, 70):
        _almond(
            sc,
            x,
            y,
            rng.uniform(50, 60),
            rng.uniform(-0.8, 0.8) + math.pi * rng.randint(0, 1),
            ALMOND_SKIN,
            rng,
        )


def _olive_oil(sc: _Scene, rng: random.Random) -> None:
    """Tall bottle of green-gold olive oil, an olive branch on the table and a dish of olives."""
    side, v = _backdrop_and_vessel(
        sc,
        rng,
        ("cream", "terracotta", "rose", "sand", "majorelle", "mint"),
        OLIVE_BOTTLES,
        (70, 130),
        (830, 860),
        (600, 650),
        (108, 122),
    )
    oil = (
        (0, (80, 86, 10)),
        (0.22, (150, 156, 24)),
        (0.42, (214, 214, 70)),
        (0.62, (170, 168, 30)),
        (1, (70, 70, 6)),
    )
    _glass_vessel(sc, v, _liquid(oil), rng.uniform(0.2, 0.3))
    if rng.random() < 0.5:
        _label(sc, v, 0.58, 0.78, (240, 232, 212), rng.choice((OLIVE, TERRACOTTA, INDIGO)), rng)
    _twine(sc, v, 0.13)
    _cork(sc, v, rng)
    bx = v.cx - side * rng.uniform(260, 300)

    def olives() -> None:
        """A dish of table olives, the lower ones half hidden by the rim."""
        for x, y in _place(rng, 9, bx - 95, bx + 95, 775, 812, 34):
            _olive(sc, x, y, 26, rng)

    _bowl(sc, bx, 800, 130, 80, rng.choice(GLAZES[:3]), rng, olives)
    x0 = 500 - side * 470
    _olive_branch(
        sc,
        x0,
        rng.uniform(900, 930),
        x0 + side * rng.uniform(640, 720),
        rng.uniform(860, 900),
        rng,
        5,
    )
