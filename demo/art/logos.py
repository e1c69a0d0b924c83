"""Cooperative logos: a round emblem with a khatam star and rosette."""

from __future__ import annotations

import math
import random
from functools import lru_cache

from PIL import Image, ImageDraw

from .canvas import _Canvas, _check_size, _encode, _rng, _Scene
from .palette import (
    CREAM,
    INDIGO,
    MAJORELLE,
    MINT,
    OLIVE,
    RGB,
    SAFFRON,
    TERRACOTTA,
    UNITS,
    _alpha,
    _shade,
)
from .shapes import KHATAM, _ellipse_pts, _spindle, _star_pts

# ---------------------------------------------------------------- logo


@lru_cache(maxsize=16)  # the nine demo cooperatives' logos
def draw_logo(name: str, seed: int, size: int = 512) -> bytes:
    """Round cooperative emblem: khatam star and rosette in seeded colours on a transparent background."""
    _check_size(size)
    rng = _rng("logo", name, seed)
    sc = _Scene(size, size)
    c = UNITS / 2
    ground, ring, star, accent = _logo_colours(rng)
    sc.img.paste((0, 0, 0), (0, 0) + sc.img.size)
    sc.ellipse(c, c, 490, 490, fill=_shade(ring, 0.7))
    sc.fill_radial(
        _ellipse_pts(c, c, 478, 478, n=180),
        ((0, _shade(ring, 1.2)), (1, _shade(ring, 0.85))),
        (0.4, 0.35),
    )
    _logo_ring(sc, c, rng, accent, ground)
    sc.fill_radial(
        _ellipse_pts(c, c, 370, 370, n=160), ((0, _shade(ground, 1.15)), (1, ground)), (0.45, 0.4)
    )
    points = rng.choice((8, 8, 16))
    rot = math.pi / 8 if points == 8 else 0.0
    # Interlaced khatam: outer star band, then an inner star in the ground colour.
    sc.poly(
        _star_pts(c, c, 330, 330 * (KHATAM if points == 8 else 0.82), points, rot),
        fill=_shade(star, 0.75),
    )
    sc.poly(_star_pts(c, c, 310, 310 * (KHATAM if points == 8 else 0.82), points, rot), fill=star)
    sc.poly(_star_pts(c, c, 250, 250 * (KHATAM if points == 8 else 0.82), points, rot), fill=ground)
    for i in range(8):
        a = 2 * math.pi * i / 8 + rot
        ca, sa = math.cos(a - math.pi / 2), math.sin(a - math.pi / 2)
        sc.line([(c + 170 * ca, c + 170 * sa), (c + 215 * ca, c + 215 * sa)], _alpha(star, 200), 10)
    _logo_centre(sc, c, rng, accent, star, ground)
    alpha = Image.new("L", sc.img.size, 0)
    ImageDraw.Draw(alpha).ellipse(sc.px([(c - 492, c - 492), (c + 492, c + 492)]), fill=255)
    img = sc.img.convert("RGBA")
    img.putalpha(alpha)
    return _encode(img.resize(sc.size, Image.Resampling.LANCZOS))


def _logo_colours(rng: random.Random) -> tuple[RGB, RGB, RGB, RGB]:
    """Pick ground, ring, star and accent colours from harmonious Moroccan pairings."""
    schemes = (
        (CREAM, MAJORELLE, TERRACOTTA, SAFFRON),
        (CREAM, TERRACOTTA, (30, 110, 100), SAFFRON),
        ((250, 236, 200), OLIVE, SAFFRON, TERRACOTTA),
        (INDIGO, SAFFRON, CREAM, TERRACOTTA),
        ((30, 110, 100), CREAM, SAFFRON, TERRACOTTA),
        (CREAM, INDIGO, SAFFRON, (196, 52, 44)),
        ((120, 40, 30), SAFFRON, CREAM, MINT),
    )
    return schemes[rng.randrange(len(schemes))]


def _logo_ring(sc: _Canvas, c: float, rng: random.Random, accent: RGB, ground: RGB) -> None:
    """Decorated band between the rim and the medallion: dots, triangles or a zigzag."""
    style = rng.choice(("dots", "triangles", "zigzag"))
    n = rng.choice((24, 32))
    for i in range(n):
        a = 2 * math.pi * i / n
        if style == "dots":
            sc.ellipse(c + 425 * math.cos(a), c + 425 * math.sin(a), 20, 20, fill=accent)
        elif style == "triangles":
            p = [
                (c + r * math.cos(a + da), c + r * math.sin(a + da))
                for r, da in ((395, -math.pi / n), (395, math.pi / n), (455, 0))
            ]
            sc.poly(p, fill=accent)
    if style == "zigzag":
        pts = [
            (
                c + (400 if i % 2 else 450) * math.cos(2 * math.pi * i / (2 * n)),
                c + (400 if i % 2 else 450) * math.sin(2 * math.pi * i / (2 * n)),
            )
            for i in range(2 * n + 1)
        ]
        sc.line(pts, accent, 14)
    sc.ellipse(c, c, 385, 385, outline=_alpha(ground, 255), width=8)


def _logo_centre(
    sc: _Canvas, c: float, rng: random.Random, accent: RGB, star: RGB, ground: RGB
) -> None:
    """Medallion heart: a flower rosette, a small khatam or an argan tree silhouette."""
    motif = rng.choice(("rosette", "khatam", "tree"))
    if motif == "rosette":
        for i in range(8):
            a = math.pi / 4 * i
            sc.poly(
                _spindle((c, c), (c + 140 * math.cos(a), c + 140 * math.sin(a)), 70, 1, 0.8),
                fill=accent,
            )
        sc.ellipse(c, c, 40, 40, fill=star)
    elif motif == "khatam":
        sc.poly(_star_pts(c, c, 150, 150 * KHATAM, 8, 0), fill=accent)
        sc.poly(_star_pts(c, c, 80, 80 * KHATAM, 8, math.pi / 8), fill=ground)
        sc.ellipse(c, c, 30, 30, fill=star)
    else:
        sc.line([(c - 10, c + 130), (c, c + 40), (c - 40, c - 10)], accent, 22)
        sc.line([(c, c + 40), (c + 50, c - 5)], accent, 18)
        for dx, dy, r in (
            (-70, -40, 60),
            (0, -70, 75),
            (70, -40, 60),
            (-30, -20, 50),
            (40, -20, 50),
        ):
            sc.ellipse(c + dx, c + dy, r, r * 0.7, fill=accent)
        sc.line([(c - 120, c + 135), (c + 120, c + 135)], accent, 12)
