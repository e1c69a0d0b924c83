"""Harvest scenes: saffron and crocus, dates and palm fronds, couscous and tagine."""

from __future__ import annotations

import math
import random

from .backdrops import _backdrop, _backdrop_and_vessel
from .canvas import _Canvas, _Scene
from .palette import (
    CREAM,
    GLAZES,
    INDIGO,
    MAJORELLE,
    OLIVE,
    TERRACOTTA,
    TILT,
    WHITE,
    _alpha,
    _mix,
    _shade,
)
from .shapes import _blob, _ellipse_pts, _leaf, _spindle, _star_pts
from .vessels import JARS, RIM, _bowl, _cap, _contact_shadow, _glass_vessel, _plate, _Vessel


def _saffron_threads(sc: _Canvas, v: _Vessel, fill_t: float, rng: random.Random) -> None:
    """Jar contents: a tangle of red stigmas with orange tips."""
    inner = v.outline(fill_t, 0.985, v.hw * 0.05)
    sc.fill_linear(
        inner, ((0, (110, 10, 10)), (0.4, (170, 24, 18)), (1, (80, 6, 8))), vertical=False
    )
    with sc.clip(inner) as c:
        top = v.y(fill_t) - 10
        for _ in range(220):
            x, y = v.cx + rng.uniform(-1, 1) * v.hw, rng.uniform(top, v.base)
            _thread(c, x, y, rng.uniform(26, 44), rng.uniform(0, math.tau), rng)
    # Threads poke above the surface.
    for _ in range(14):
        x = v.cx + rng.uniform(-0.8, 0.8) * v.r(fill_t)
        _thread(sc, x, v.y(fill_t) + 6, rng.uniform(22, 36), rng.uniform(-2.6, -0.5), rng)


def _thread(sc: _Canvas, x: float, y: float, length: float, ang: float, rng: random.Random) -> None:
    """One saffron stigma: a thin curved red filament widening into an orange trumpet."""
    bend = rng.uniform(-0.6, 0.6)
    pts = [
        (x + math.cos(ang + bend * t) * length * t, y + math.sin(ang + bend * t) * length * t)
        for t in (0, 0.2, 0.4, 0.6, 0.8, 1.0)
    ]
    col = rng.choice(((196, 28, 22), (176, 18, 20), (214, 44, 30), (150, 12, 16)))
    sc.line(pts, col, 2.6)
    sc.line(pts[-2:], col, 3.6)
    sc.line(
        pts[-1:]
        + [
            (
                pts[-1][0] + (pts[-1][0] - pts[-2][0]) * 0.4,
                pts[-1][1] + (pts[-1][1] - pts[-2][1]) * 0.4,
            )
        ],
        _mix(col, (240, 110, 40), 0.3),
        4.6,
    )


def _crocus(sc: _Canvas, x: float, y: float, s: float, rng: random.Random, ground: float) -> None:
    """Saffron crocus: lilac cup of six veined petals, three red stigmas hanging out, yellow stamens, grassy leaves."""
    for _ in range(4):
        a = -math.pi / 2 + rng.uniform(-0.45, 0.45)
        _leaf(
            sc,
            (x, ground),
            (x + math.cos(a) * s * 2.6, ground + math.sin(a) * s * 2.6),
            s * 0.12,
            (70, 120, 50),
            rng.uniform(-20, 20),
        )
    sc.line([(x, ground), (x + 4, (y + ground) / 2), (x, y + s * 0.2)], (226, 232, 200), s * 0.1)
    petal = ((0, (226, 196, 240)), (0.5, (160, 100, 200)), (1, (96, 48, 140)))
    tilt = rng.uniform(-0.25, 0.25)
    for a in (-0.55, 0.0, 0.55):  # back petals
        ang = -math.pi / 2 + a * 0.8 + tilt
        tip = (x + math.cos(ang) * s * 1.35, y + math.sin(ang) * s * 1.35)
        shape = _spindle((x, y + s * 0.2), tip, s * 0.78, 0.65, 0.7)
        sc.fill_linear(
            shape, ((0, _shade(petal[0][1], 0.9)), (1, _shade(petal[2][1], 0.9))), vertical=True
        )
    for k in (-1, 0, 1):  # stigmas spill out over the front petals
        ang = -math.pi / 2 + k * 0.7 + tilt
        p0 = (x + math.cos(ang) * s * 0.1, y + math.sin(ang) * s * 0.1)
        p1 = (
            x + math.cos(ang + k * 0.7) * s * 0.8,
            y + math.sin(ang + k * 0.7) * s * 0.8 + s * 0.15,
        )
        # Stigmas are thin at the base and flare into a trumpet at the tip.
        sc.poly(_spindle(p0, p1, s * 0.12, 2.2, 1.0, k * s * 0.08), fill=(200, 24, 20))
    for k in (-0.3, 0.3):
        ang = -math.pi / 2 + k + tilt
        sc.line(
            [(x, y), (x + math.cos(ang) * s * 0.7, y + math.sin(ang) * s * 0.7)],
            (246, 200, 40),
            s * 0.07,
        )
    # Front petals: two leaning out, one upright in the middle, each with a darker vein.
    for lean, length, width in (
        (tilt - 0.66, 1.25, 0.62),
        (tilt + 0.66, 1.25, 0.62),
        (tilt * 0.3, 1.3, 0.6),
    ):
        ang = -math.pi / 2 + lean
        tip = (x + math.cos(ang) * s * length, y + math.sin(ang) * s * length + s * 0.15)
        sc.fill_radial(_spindle((x, y + s * 0.38), tip, s * width, 0.65, 0.7), petal, (0.5, 0.2))
        sc.line(
            [(x, y + s * 0.3), ((x + tip[0]) / 2, (y + tip[1]) / 2)], (90, 40, 130, 110), s * 0.03
        )


def _saffron(sc: _Scene, rng: random.Random) -> None:
    """Small glass jar of saffron threads with a gold lid, crocus flowers and loose threads on the table."""
    side, v = _backdrop_and_vessel(
        sc,
        rng,
        ("cream", "sand", "indigo", "mint", "olive", "majorelle"),
        JARS,
        (60, 110),
        (850, 880),
        (330, 380),
        (135, 150),
    )
    fx = v.cx - side * rng.uniform(260, 300)
    ground = v.base - rng.uniform(40, 70)
    for i, (dx, dy, s) in enumerate(((-70, -330, 90), (60, -250, 100), (0, -150, 80))):
        if i < 2 or rng.random() < 0.7:
            _crocus(
                sc,
                fx + dx + rng.uniform(-15, 15),
                ground + dy + rng.uniform(-20, 20),
                s,
                rng,
                ground,
            )
    fill_t = rng.uniform(0.3, 0.4)
    _glass_vessel(sc, v, lambda c, vv, t: _saffron_threads(c, vv, t, rng), fill_t)
    _cap(sc, v, rng.choice(((212, 170, 70), (200, 200, 206), (180, 60, 40))), v.height * 0.14)
    for _ in range(rng.randint(12, 18)):
        _thread(
            sc,
            v.cx + rng.uniform(-260, 260),
            rng.uniform(885, 940),
            rng.uniform(28, 40),
            rng.uniform(0, math.tau),
            rng,
        )


def _palm_frond(
    sc: _Canvas, x0: float, y0: float, x1: float, y1: float, rng: random.Random
) -> None:
    """Date palm frond: arching rib with long narrow leaflets on both sides."""
    rib = [
        (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t - 120 * math.sin(math.pi * t))
        for t in (i / 30 for i in range(31))
    ]
    ang = math.atan2(y1 - y0, x1 - x0)
    for i in range(2, 30):
        px, py = rib[i]
        ll = 200 * math.sin(math.pi * (0.25 + 0.75 * i / 30)) + 40
        for side in (-1, 1):
            a = ang + side * 0.75 + rng.uniform(-0.08, 0.08)
            col = rng.choice(((74, 118, 60), (94, 138, 70), (60, 98, 52)))
            _leaf(
                sc,
                (px, py),
                (px + math.cos(a) * ll, py + math.sin(a) * ll + 30),
                20,
                col,
                side * 12,
            )
    sc.line(rib, (150, 150, 90), 7)


def _date(sc: _Canvas, x: float, y: float, length: float, rot: float, rng: random.Random) -> None:
    """Medjool date: glossy brown capsule with wrinkles and a pale cap scar."""
    dx, dy = math.cos(rot) * length / 2, math.sin(rot) * length / 2
    shape = _spindle((x - dx, y - dy), (x + dx, y + dy), length * 0.52, 1.0, 0.45)
    tone = rng.choice(
        (
            ((196, 110, 54), (126, 56, 22), (58, 22, 8)),
            ((170, 84, 40), (104, 42, 18), (44, 16, 6)),
            ((210, 136, 70), (150, 74, 30), (70, 30, 10)),
        )
    )
    _blob(sc, shape, ((0, tone[0]), (0.5, tone[1]), (1, tone[2])), 0.0)
    for k in (-0.08, 0.05, 0.12):
        nx, ny = -math.sin(rot) * k * length, math.cos(rot) * k * length
        sc.line(
            [
                (x - dx * 0.7 + nx, y - dy * 0.7 + ny),
                (x + nx * 1.2 + rng.uniform(-4, 4), y + ny * 1.2),
                (x + dx * 0.6 + nx, y + dy * 0.6 + ny),
            ],
            (40, 14, 4, 90),
            2,
        )
    sc.poly(
        _spindle(
            (x - dx * 0.55, y - dy * 0.55 - length * 0.1),
            (x + dx * 0.2, y + dy * 0.2 - length * 0.12),
            length * 0.09,
            1,
            0.5,
        ),
        fill=(255, 236, 210, 150),
    )
    sc.ellipse(x - dx * 0.95, y - dy * 0.95, length * 0.06, length * 0.05, fill=(214, 170, 110))


def _dates(sc: _Scene, rng: random.Random) -> None:
    """A pyramid of glossy dates on a painted plate with a palm frond behind."""
    _backdrop(sc, rng, ("saffron", "sand", "majorelle", "rose", "terracotta", "cream"))
    side = rng.choice((-1, 1))
    _palm_frond(
        sc,
        500 - side * 560,
        rng.uniform(80, 200),
        500 + side * rng.uniform(160, 260),
        rng.uniform(560, 640),
        rng,
    )
    cx, cy = 500 + rng.uniform(-40, 40), rng.uniform(800, 830)
    inner = _plate(
        sc, cx, cy, rng.uniform(340, 370), rng, rng.choice((MAJORELLE, (30, 110, 100), INDIGO))
    )
    rows = (6, 5, 4, 3, 2)
    for r, count in enumerate(rows):
        y = cy + 30 - r * 52
        span = inner * (1.6 - r * 0.28)
        for i in range(count):
            x = cx - span / 2 + span * (i + 0.5) / count + rng.uniform(-10, 10)
            _date(
                sc,
                x,
                y + rng.uniform(-8, 8),
                rng.uniform(115, 135),
                rng.uniform(-0.45, 0.45) + math.pi * rng.randint(0, 1),
                rng,
            )
    _date(
        sc,
        cx - side * rng.uniform(300, 340),
        rng.uniform(905, 930),
        125,
        rng.uniform(-0.3, 0.3),
        rng,
    )


def _couscous(sc: _Scene, rng: random.Random) -> None:
    """Glazed dish piled with golden couscous grains and seven-vegetable topping, a tagine behind."""
    _backdrop(sc, rng, ("majorelle", "indigo", "terracotta", "cream", "mint"))
    cx, rim = 500 + rng.uniform(-40, 40), rng.uniform(720, 750)
    if rng.random() < 0.6:
        _tagine(sc, cx + rng.choice((-1, 1)) * rng.uniform(300, 340), rim - 40, 120, rng)
    rx, height = 330, rng.uniform(200, 230)

    def heap() -> None:
        """Dome of steamed grains, lit from the top left, with vegetables on top."""
        mound = [
            (cx + rx * 0.93 * math.cos(a), rim + rx * RIM * 0.9 * math.sin(a))
            for a in (math.pi * i / 24 for i in range(25))
        ]
        mound += [
            (cx - rx * 0.93 * math.cos(a), rim - height * math.sin(a) ** 1.3)
            for a in (math.pi * i / 40 for i in range(41))
        ]
        sc.fill_radial(
            mound, ((0, (248, 222, 140)), (0.55, (226, 184, 96)), (1, (176, 128, 56))), (0.42, 0.3)
        )
        with sc.clip(mound) as c:
            c.texture(mound, rng, 4, (150, 100, 40), (255, 240, 190), 110)
            tones = ((250, 228, 156), (240, 210, 126), (232, 196, 108), (252, 236, 176))
            for _ in range(2600):
                x, y = cx + rng.uniform(-1, 1) * rx * 0.93, rng.uniform(rim - height, rim + 50)
                # Grains on the right and low down sit in shade.
                f = (
                    1.0
                    - 0.28 * max(0.0, (x - cx) / rx)
                    - 0.15 * max(0.0, (y - rim + height * 0.3) / height)
                )
                r = rng.uniform(2.2, 3.2)
                c.ellipse(x + 1.2, y + 1.2, r, r, fill=(120, 76, 20, 90))
                c.ellipse(x, y, r, r, fill=_shade(tones[rng.randrange(4)], f))
            for _ in range(rng.randint(14, 20)):
                x = cx + rng.uniform(-0.75, 0.75) * rx
                y = rim - height * rng.uniform(0.05, 0.45) + abs(x - cx) * 0.25
                _blob(
                    c,
                    _ellipse_pts(x, y, 11, 10),
                    ((0, (250, 226, 170)), (0.6, (214, 172, 104)), (1, (150, 104, 50))),
                    0.4,
                )
        _vegetables(sc, cx, rim, height, rng)

    _bowl(sc, cx, rim, rx, 120, rng.choice(GLAZES[:3] + (OLIVE,)), rng, heap)


def _vegetables(sc: _Canvas, cx: float, rim: float, height: float, rng: random.Random) -> None:
    """Carrots, courgettes and pumpkin leaning into a cone on top of the couscous, chickpeas around them."""
    apex = (cx + rng.uniform(-10, 10), rim - height - 20)
    veg = (
        (((255, 170, 90), (236, 110, 30), (170, 60, 10)), 26),  # carrot
        (((170, 210, 110), (70, 130, 46), (30, 70, 20)), 30),  # courgette
        (((255, 196, 100), (240, 140, 50), (190, 90, 24)), 40),  # pumpkin
    )
    n = rng.randint(7, 9)
    pieces = []
    for i in range(n):
        a = math.pi * (0.1 + 0.8 * i / (n - 1))
        base = (cx - math.cos(a) * 175, rim - height * 0.35 + math.sin(a) * 40)
        pieces.append((base, veg[(i + rng.randrange(2)) % 3]))
    # Back pieces first: the ones nearest the viewer (largest y) overlap the rest.
    for base, (tones, width) in sorted(pieces, key=lambda p: p[0][1]):
        tip = (apex[0] + (base[0] - apex[0]) * 0.12, apex[1] + rng.uniform(0, 16))
        _blob(
            sc,
            _spindle(base, tip, width, 0.8, 0.45),
            ((0, tones[0]), (0.6, tones[1]), (1, tones[2])),
            0.0,
            (0.4, 0.45),
        )
        # A lengthwise sheen reads as a glazed, cooked vegetable.
        mid = ((base[0] * 2 + tip[0]) / 3 - width * 0.15, (base[1] * 2 + tip[1]) / 3)
        sc.line(
            [mid, ((base[0] + tip[0] * 2) / 3 - width * 0.1, (base[1] + tip[1] * 2) / 3)],
            (255, 255, 255, 90),
            width * 0.18,
        )


def _tagine(sc: _Canvas, cx: float, base: float, r: float, rng: random.Random) -> None:
    """Painted terracotta tagine: shallow dish with a tall conical lid and knob."""
    glaze = rng.choice((TERRACOTTA, (30, 110, 100), MAJORELLE))
    _contact_shadow(sc, cx, base, r * 1.2, 110)
    dish = _Vessel.make(cx, base, r * 0.32, r * 1.25, ((0, 1.0), (1, 0.8, "c")))
    sc.fill_linear(
        dish.outline(),
        ((0, _shade(glaze, 0.5)), (0.35, _shade(glaze, 1.2)), (1, _shade(glaze, 0.45))),
        vertical=False,
    )
    lid = _Vessel.make(
        cx,
        dish.top + 6,
        r * 1.6,
        r * 1.05,
        ((0, 0.12), (0.1, 0.16, "l"), (0.14, 0.1, "s"), (0.5, 0.42, "s"), (1.0, 1.0, "l")),
    )
    sc.fill_linear(
        lid.outline(),
        ((0, _shade(glaze, 0.55)), (0.35, _shade(glaze, 1.3)), (1, _shade(glaze, 0.45))),
        vertical=False,
    )
    for t in (0.55, 0.8):
        sc.line(lid.arc(t), _alpha(CREAM, 200), 3)
    for i in range(1, 8):
        a = math.pi * i / 8
        x = cx - lid.r(0.68) * math.cos(a)
        y = lid.y(0.68) + TILT * lid.r(0.68) * math.sin(a)
        sc.poly(_star_pts(x, y, 9 * math.sin(a) + 2, 5, 4), fill=_alpha(CREAM, 220))
    sc.glaze(lid.outline(), WHITE, ((0.0, 0), (0.25, 80), (0.35, 0), (1, 0)))
