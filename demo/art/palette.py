"""Palette, colour helpers and gradients shared by every demo picture."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image, ImageFilter, ImageOps

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Point = tuple[float, float]
Stops = Sequence[tuple[float, "RGB | int"]]

# Drawing happens at SS times the output size and is downsampled with LANCZOS: cheap antialiasing for every shape.
SS = 2
# Product scenes are laid out on a 1000x1000 unit grid so every size gets the same composition.
UNITS = 1000.0
# A slight top-down camera: horizontal circles (rims, labels) project to ellipses this flat.
TILT = 0.16
# Product scenes are cropped in by this factor around a point near the table so the goods fill the frame.
ZOOM = 1.2

# Warm Moroccan palette shared by every picture.
TERRACOTTA: RGB = (192, 96, 60)
SAFFRON: RGB = (238, 172, 44)
OLIVE: RGB = (110, 126, 56)
MAJORELLE: RGB = (44, 80, 186)
INDIGO: RGB = (38, 48, 104)
CREAM: RGB = (246, 236, 214)
MINT: RGB = (92, 160, 140)
INK: RGB = (40, 28, 22)
WHITE: RGB = (255, 255, 255)

# Plastered walls as (top, bottom) gradients; each kind picks the ones its product stands out against.
WALLS: dict[str, tuple[RGB, RGB]] = {
    "majorelle": ((70, 108, 204), (40, 66, 158)),
    "terracotta": ((218, 140, 104), (178, 94, 64)),
    "saffron": ((242, 200, 116), (216, 160, 72)),
    "sand": ((238, 222, 190), (210, 182, 142)),
    "olive": ((168, 176, 118), (122, 132, 80)),
    "rose": ((236, 184, 170), (204, 140, 128)),
    "indigo": ((76, 86, 140), (44, 50, 96)),
    "cream": ((248, 240, 224), (224, 208, 180)),
    "mint": ((176, 210, 192), (122, 170, 152)),
}
# Glaze colours for painted pottery and zellige tiles.
GLAZES: tuple[RGB, ...] = (MAJORELLE, (30, 120, 110), TERRACOTTA, SAFFRON, (40, 40, 40), OLIVE)


# ---------------------------------------------------------------- colours and gradients


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    """Linear blend of two colours."""
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def _shade(c: RGB, f: float) -> RGB:
    """Darken (f < 1) or lighten towards white (f > 1) a colour."""
    return _mix(c, (0, 0, 0), 1 - f) if f <= 1 else _mix(c, WHITE, min(f - 1, 1))


def _alpha(c: RGB, a: int) -> RGBA:
    """Attach an alpha value so ImageDraw blends instead of overwriting."""
    return (c[0], c[1], c[2], a)


def _ramp(stops: Stops, n: int) -> list:
    """Sample a multi-stop gradient (colours or grey levels) into n values."""
    scalar = isinstance(stops[0][1], int)
    pts = [(t, (c,) if scalar else c) for t, c in stops]
    out, j = [], 0
    for i in range(n):
        t = i / (n - 1) if n > 1 else 0.0
        while j < len(pts) - 2 and t > pts[j + 1][0]:
            j += 1
        (t0, c0), (t1, c1) = pts[j], pts[min(j + 1, len(pts) - 1)]
        f = 0.0 if t1 <= t0 else min(1.0, max(0.0, (t - t0) / (t1 - t0)))
        c = _mix(c0, c1, f)
        out.append(c[0] if scalar else c)
    return out


@lru_cache(maxsize=256)
def _strip(stops: tuple) -> Image.Image:
    """256-sample gradient strip, cached because the same stops recur for every nut, date or label."""
    strip = Image.new("L" if isinstance(stops[0][1], int) else "RGB", (256, 1))
    strip.putdata(_ramp(stops, 256))
    return strip


def _linear(size: tuple[int, int], stops: Stops, vertical: bool = True) -> Image.Image:
    """A linear gradient image: resample the cached strip along one axis, then repeat it (NEAREST is a plain copy)."""
    w, h = max(1, size[0]), max(1, size[1])
    n = h if vertical else w
    line = _strip(tuple(stops)).resize((n, 1), Image.Resampling.BILINEAR)
    if vertical:
        line = line.transpose(Image.Transpose.ROTATE_270)
    return line.resize((w, h), Image.Resampling.NEAREST)


@lru_cache(maxsize=1)
def _distance_field() -> Image.Image:
    """256x256 map of distance from the centre, 255 at 64 px; built once from one mirrored quadrant."""
    q = Image.new("L", (128, 128))
    q.putdata(
        [
            min(255, round(math.hypot(x + 0.5, y + 0.5) * 255 / 64))
            for y in range(128)
            for x in range(128)
        ]
    )
    full = Image.new("L", (256, 256))
    full.paste(q, (128, 128))
    full.paste(q.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (0, 128))
    full.paste(q.transpose(Image.Transpose.FLIP_TOP_BOTTOM), (128, 0))
    full.paste(q.transpose(Image.Transpose.ROTATE_180), (0, 0))
    return full


@lru_cache(maxsize=128)
def _mapped_field(stops: tuple) -> Image.Image:
    """The distance field coloured through a gradient ramp (cached: the same stops recur for every nut or date)."""
    field = _distance_field()
    lut = _ramp(stops, 256)
    if isinstance(stops[0][1], int):
        return field.point(lut)
    return Image.merge("RGB", [field.point([c[i] for c in lut]) for i in range(3)])


def _radial(size: tuple[int, int], stops: Stops, focus: Point = (0.5, 0.5)) -> Image.Image:
    """Elliptical gradient filling a box; stop 1.0 is reached at the box half-size from the focus."""
    fx, fy = focus
    x0, y0 = 128 - fx * 128, 128 - fy * 128
    base = _mapped_field(tuple(stops))
    return base.resize(
        (max(1, size[0]), max(1, size[1])),
        Image.Resampling.BILINEAR,
        box=(x0, y0, x0 + 128, y0 + 128),
    )


def _noise(size: tuple[int, int], rng: random.Random, cell: float) -> Image.Image:
    """Value noise (0-255) with one random value per cell, not yet upscaled; Pillow's effect_noise is not seedable."""
    nw, nh = max(2, round(size[0] / cell)), max(2, round(size[1] / cell))
    small = Image.frombytes("L", (nw + 2, nh + 2), rng.randbytes((nw + 2) * (nh + 2)))
    # Blurring the random cells hides the lattice that plain bicubic upscaling leaves; autocontrast restores range.
    return ImageOps.autocontrast(small.filter(ImageFilter.GaussianBlur(0.7)), cutoff=1).crop(
        (1, 1, nw + 1, nh + 1)
    )
