"""Procedural pictures for the demo shop: product photos, cooperative logos and banners, drawn with Pillow only."""

from __future__ import annotations

import io
import math
import random
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

KINDS = ("argan_oil", "saffron", "honey", "amlou", "dates", "olive_oil", "couscous", "cosmetics", "crafts")

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
    q.putdata([min(255, round(math.hypot(x + 0.5, y + 0.5) * 255 / 64)) for y in range(128) for x in range(128)])
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
    return base.resize((max(1, size[0]), max(1, size[1])), Image.Resampling.BILINEAR, box=(x0, y0, x0 + 128, y0 + 128))


def _noise(size: tuple[int, int], rng: random.Random, cell: float) -> Image.Image:
    """Value noise (0-255) with one random value per cell, not yet upscaled; Pillow's effect_noise is not seedable."""
    nw, nh = max(2, round(size[0] / cell)), max(2, round(size[1] / cell))
    small = Image.frombytes("L", (nw + 2, nh + 2), rng.randbytes((nw + 2) * (nh + 2)))
    # Blurring the random cells hides the lattice that plain bicubic upscaling leaves; autocontrast restores range.
    return ImageOps.autocontrast(small.filter(ImageFilter.GaussianBlur(0.7)), cutoff=1).crop((1, 1, nw + 1, nh + 1))


# ---------------------------------------------------------------- geometry


def _ellipse_pts(cx: float, cy: float, rx: float, ry: float, rot: float = 0.0, n: int = 48) -> list[Point]:
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
    for cx, cy, a0 in ((x1 - r, y0 + r, -90), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
        for i in range(n + 1):
            a = math.radians(a0 + 90 * i / n)
            out.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return out


def _star_pts(cx: float, cy: float, r_out: float, r_in: float, points: int = 8, rot: float = 0.0) -> list[Point]:
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
    p0: Point, p1: Point, width: float, pa: float = 1.0, pb: float = 1.0, bend: float = 0.0, n: int = 20
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


def _wave(x0: float, x1: float, base: float, rng: random.Random, amp: float, step: float = 8.0) -> list[Point]:
    """Smooth random ridge line from a few seeded sine waves (hills, mountains, swirls)."""
    waves = [(rng.uniform(0.002, 0.006) * k, rng.uniform(0, 6.3), amp / k) for k in (1, 2, 4, 7)]
    n = max(2, int((x1 - x0) / step))
    return [
        (x, base + sum(a * math.sin(f * x + ph) for f, ph, a in waves))
        for x in (x0 + (x1 - x0) * i / n for i in range(n + 1))
    ]


# ---------------------------------------------------------------- canvas


class _Canvas:
    """Drawing surface addressed in scene units; `k` converts units to pixels and (ox, oy) is this crop's origin."""

    def __init__(self, img: Image.Image, k: float, ox: float = 0.0, oy: float = 0.0) -> None:
        """Wrap an RGB image; ImageDraw in RGBA mode blends translucent fills into it."""
        self.img, self.k, self.ox, self.oy = img, k, ox, oy
        self.draw = ImageDraw.Draw(img, "RGBA")

    def px(self, pts: Sequence[Point]) -> list[Point]:
        """Convert unit points to this canvas's pixel coordinates."""
        k, ox, oy = self.k, self.ox, self.oy
        return [(x * k - ox, y * k - oy) for x, y in pts]

    def w(self, v: float) -> int:
        """Line width in pixels, never zero."""
        return max(1, round(v * self.k))

    def poly(self, pts: Sequence[Point], fill: RGBA | RGB | None = None, outline=None, width: float = 1.0) -> None:
        """Filled and/or outlined polygon."""
        xy = self.px(pts)
        if fill is not None:
            self.draw.polygon(xy, fill=fill)
        if outline is not None:
            self._stroke(xy + xy[:1], outline, width)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill=None, outline=None, width: float = 1.0) -> None:
        """Axis-aligned ellipse."""
        (x0, y0), (x1, y1) = self.px([(cx - rx, cy - ry), (cx + rx, cy + ry)])
        self.draw.ellipse(
            (x0, y0, max(x0, x1), max(y0, y1)), fill=fill, outline=outline, width=self.w(width) if outline else 0
        )

    def line(self, pts: Sequence[Point], fill, width: float) -> None:
        """Polyline with rounded joints."""
        self._stroke(self.px(pts), fill, width)

    def _stroke(self, xy: list[Point], fill, width: float) -> None:
        """Stroke pixel points; translucent strokes go through a mask so overlapping joints do not darken."""
        wpx = self.w(width)
        if len(fill) == 3 or fill[3] == 255:
            self.draw.line(xy, fill=fill, width=wpx, joint="curve")
            return
        x0, y0 = math.floor(min(p[0] for p in xy)) - wpx, math.floor(min(p[1] for p in xy)) - wpx
        x1, y1 = math.ceil(max(p[0] for p in xy)) + wpx, math.ceil(max(p[1] for p in xy)) + wpx
        m = Image.new("L", (x1 - x0, y1 - y0), 0)
        ImageDraw.Draw(m).line([(x - x0, y - y0) for x, y in xy], fill=fill[3], width=wpx, joint="curve")
        self.img.paste(fill[:3], (x0, y0, x1, y1), m)

    def mask(self, pts: Sequence[Point]) -> tuple[int, int, Image.Image]:
        """Rasterise a polygon into an L mask covering its bounding box; returns (x, y, mask)."""
        xy = self.px(pts)
        x0, y0 = math.floor(min(p[0] for p in xy)), math.floor(min(p[1] for p in xy))
        x1, y1 = math.ceil(max(p[0] for p in xy)) + 1, math.ceil(max(p[1] for p in xy)) + 1
        m = Image.new("L", (max(1, x1 - x0), max(1, y1 - y0)), 0)
        ImageDraw.Draw(m).polygon([(x - x0, y - y0) for x, y in xy], fill=255)
        return x0, y0, m

    def fill_linear(self, pts: Sequence[Point], stops: Stops, vertical: bool = True) -> None:
        """Fill a polygon with a linear gradient spanning its bounding box."""
        x0, y0, m = self.mask(pts)
        self.img.paste(_linear(m.size, stops, vertical), (x0, y0), m)

    def fill_radial(self, pts: Sequence[Point], stops: Stops, focus: Point = (0.38, 0.32)) -> None:
        """Fill a polygon with a radial gradient: the cheap way to make round things look lit from the top left."""
        x0, y0, m = self.mask(pts)
        self.img.paste(_radial(m.size, stops, focus), (x0, y0), m)

    def glaze(self, pts: Sequence[Point], color: RGB, alpha: Stops, vertical: bool = False) -> None:
        """Tint a polygon with a colour whose opacity follows a gradient (cylinder shading, highlights)."""
        x0, y0, m = self.mask(pts)
        a = ImageChops.multiply(m, _linear(m.size, alpha, vertical))
        self.img.paste(color, (x0, y0, x0 + m.width, y0 + m.height), a)

    def soft(self, pts: Sequence[Point], color: RGB, opacity: int, blur: float) -> None:
        """Blurred translucent shape (shadows, glows), blurred only over its own small region."""
        xy = self.px(pts)
        sigma = blur * self.k
        pad = math.ceil(sigma * 2.5) + 2
        x0, y0 = math.floor(min(p[0] for p in xy)) - pad, math.floor(min(p[1] for p in xy)) - pad
        x1, y1 = math.ceil(max(p[0] for p in xy)) + pad, math.ceil(max(p[1] for p in xy)) + pad
        # A blurred shape has no fine detail, so rasterise and blur it small, then stretch: big shadows stay cheap.
        f = max(1.0, sigma / 3)
        sw, sh = max(1, round((x1 - x0) / f)), max(1, round((y1 - y0) / f))
        m = Image.new("L", (sw, sh), 0)
        ImageDraw.Draw(m).polygon([((x - x0) / f, (y - y0) / f) for x, y in xy], fill=opacity)
        m = m.filter(ImageFilter.GaussianBlur(sigma / f)).resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR)
        self.img.paste(color, (x0, y0, x1, y1), m)

    def rect_linear(self, x0: float, y0: float, x1: float, y1: float, stops: Stops) -> None:
        """Vertical gradient over a rectangle; no mask needed, so whole walls stay cheap."""
        (a, b), (c, d) = self.px([(x0, y0), (x1, y1)])
        box = (round(a), round(b), round(c), round(d))
        self.img.paste(_linear((box[2] - box[0], box[3] - box[1]), stops), box[:2])

    def glow(self, cx: float, cy: float, rx: float, ry: float, color: RGB, opacity: int) -> None:
        """Radial light falling off from a centre (lamp spots, sun halo)."""
        (x0, y0), (x1, y1) = self.px([(cx - rx, cy - ry), (cx + rx, cy + ry)])
        box = (round(x0), round(y0), round(x1), round(y1))
        a = _radial((box[2] - box[0], box[3] - box[1]), ((0.0, opacity), (0.45, opacity // 2), (1.0, 0)))
        self.img.paste(color, box, a)

    def texture(
        self, pts: Sequence[Point], rng: random.Random, cell: float, dark: RGB, light: RGB, amount: int
    ) -> None:
        """Mottle a region with seeded noise: darker where noise is high, lighter where it is low."""
        x0, y0, m = self.mask(pts)
        n = _noise(m.size, rng, cell * self.k)
        # Map noise to a tint colour and an opacity while still small: one upscale each and a single paste.
        tint = Image.merge("RGB", [n.point([dark[i] if v >= 128 else light[i] for v in range(256)]) for i in range(3)])
        alpha = n.point([abs(v - 128) * amount // 128 for v in range(256)])
        tint = tint.resize(m.size, Image.Resampling.BICUBIC)
        alpha = alpha.resize(m.size, Image.Resampling.BICUBIC)
        self.img.paste(tint, (x0, y0), ImageChops.multiply(alpha, m))

    @contextmanager
    def clip(self, pts: Sequence[Point]) -> Iterator[_Canvas]:
        """Draw inside a polygon only: work on a crop, paste it back through the polygon mask."""
        x0, y0, m = self.mask(pts)
        box = (x0, y0, x0 + m.width, y0 + m.height)
        region = self.img.crop(box)
        yield _Canvas(region, self.k, self.ox + x0, self.oy + y0)
        self.img.paste(region, box, m)


class _Scene(_Canvas):
    """A supersampled picture whose height is 1000 units, optionally zoomed in around a fixed point."""

    def __init__(self, width: int, height: int, zoom: float = 1.0, fixed: Point = (0.0, 0.0)) -> None:
        """Allocate the supersampled canvas; zoom crops in so products fill the frame like a close-up photo."""
        self.size = (width, height)
        k0 = height * SS / UNITS
        fx, fy = fixed
        super().__init__(
            Image.new("RGB", (width * SS, height * SS)), k0 * zoom, fx * (zoom - 1) * k0, fy * (zoom - 1) * k0
        )
        self.uw = width * SS / k0  # width in units

    @contextmanager
    def lowres(self, factor: int = SS) -> Iterator[_Canvas]:
        """Paint the backdrop at reduced resolution and upscale it over the whole canvas (so call it first).

        The bilinear upscale softens it like a shallow depth of field, and it is four times cheaper to paint.
        """
        w, h = self.img.size
        small = Image.new("RGB", (math.ceil(w / factor), math.ceil(h / factor)), CREAM)
        yield _Canvas(small, self.k / factor, self.ox / factor, self.oy / factor)
        self.img = small.resize((w, h), Image.Resampling.BILINEAR)
        self.draw = ImageDraw.Draw(self.img, "RGBA")

    def png(self, vignette: int = 0) -> bytes:
        """Downsample with LANCZOS, darken the corners (cheaper after downsampling) and encode."""
        img = self.img.resize(self.size, Image.Resampling.LANCZOS)
        if vignette:
            # A lens-like vignette pulls the eye to the centre.
            w, h = img.size
            a = _radial((w, h), ((0.0, 0), (0.7, 0), (1.0, vignette // 2), (1.45, vignette)), (0.5, 0.45))
            img.paste((30, 18, 10), (0, 0, w, h), a)
        return _encode(img)


def _encode(img: Image.Image) -> bytes:
    """Encode a PNG without metadata so identical pixels give identical bytes."""
    buf = io.BytesIO()
    # Level 4 is about twice as fast as the default 6 for files only ~7% larger.
    img.save(buf, format="PNG", compress_level=4)
    return buf.getvalue()


# ---------------------------------------------------------------- vessels (bottles, jars, vases)

# Silhouettes as (t, r, mode): t runs 0 (top) to 1 (base), r is the fraction of the body half-width, mode is the
# curve into that point: l=straight, s=S-curve, q=outwards then down (shoulder), c=down then inwards (foot).
ARGAN_BOTTLES = (
    ((0, 0.24), (0.03, 0.27), (0.05, 0.24, "l"), (0.26, 0.25, "l"), (0.46, 1.0, "s"), (0.95, 1.0, "l"), (1, 0.88, "c")),
    ((0, 0.26), (0.03, 0.3), (0.05, 0.27, "l"), (0.22, 0.28, "l"), (0.36, 1.0, "q"), (0.95, 1.0, "l"), (1, 0.9, "c")),
    ((0, 0.25), (0.03, 0.28), (0.05, 0.25, "l"), (0.24, 0.26, "l"), (0.5, 0.92, "s"), (0.8, 1.0, "s"), (1, 0.82, "c")),
)
OLIVE_BOTTLES = (
    ((0, 0.3), (0.03, 0.34), (0.05, 0.3, "l"), (0.3, 0.32, "l"), (0.5, 1.0, "s"), (0.96, 1.0, "l"), (1, 0.9, "c")),
    ((0, 0.3), (0.03, 0.34), (0.05, 0.3, "l"), (0.22, 0.32, "l"), (0.34, 1.0, "q"), (0.96, 1.0, "l"), (1, 0.9, "c")),
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
    def make(cls, cx: float, base: float, height: float, hw: float, profile: Sequence[tuple]) -> _Vessel:
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
            (self.cx - r * math.cos(math.pi * i / n), y + TILT * r * math.sin(math.pi * i / n)) for i in range(n + 1)
        ]

    def band(self, t0: float, t1: float, inset: float = 0.0) -> list[Point]:
        """A ring around the body between t0 and t1 with curved edges (labels, painted bands)."""
        return self.arc(t0, inset) + self.arc(t1, inset)[::-1]


CYLINDER = ((0.0, 120), (0.22, 10), (0.5, 0), (0.78, 40), (1.0, 150))  # edge darkening across a round body


def _contact_shadow(sc: _Canvas, cx: float, y: float, rx: float, strength: int = 150) -> None:
    """Soft shadow under an object, offset to the right because the light comes from the top left."""
    sc.soft(_ellipse_pts(cx + rx * 0.25, y, rx * 1.15, rx * 0.2), (40, 24, 12), strength // 2, rx * 0.18)
    sc.soft(_ellipse_pts(cx + rx * 0.05, y, rx * 0.98, rx * 0.09), (30, 18, 8), strength, rx * 0.04)


def _glass_highlights(sc: _Canvas, v: _Vessel, t0: float, t1: float) -> None:
    """Reflections of a window on a glass body: a broad strip on the left, a thin one on the right."""
    sc.glaze(v.outline(t0, t1, a=-0.74, b=-0.56), WHITE, ((0.0, 0), (0.15, 150), (0.8, 120), (1.0, 0)), vertical=True)
    sc.glaze(
        v.outline(t0 + 0.05, t1 - 0.05, a=0.7, b=0.78), WHITE, ((0.0, 0), (0.3, 90), (0.7, 90), (1.0, 0)), vertical=True
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


def _glass_vessel(sc: _Canvas, v: _Vessel, contents: Callable[[_Canvas, _Vessel, float], None], fill_t: float) -> None:
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
        sc.ellipse(v.cx + rng.uniform(-0.8, 0.8) * r, rng.uniform(top + r * 0.3, bot), 1.6, 1.2, fill=(90, 58, 30, 150))


def _cap(sc: _Canvas, v: _Vessel, color: RGB, height: float) -> None:
    """Screw cap or lid with vertical ridges."""
    r = v.r(0.0) * 1.08
    top = v.top - 2
    bot = top + height
    sc.fill_linear(
        _rrect(v.cx - r, top, v.cx + r, bot, r * 0.08),
        ((0, _shade(color, 0.55)), (0.3, _shade(color, 1.35)), (0.6, color), (1, _shade(color, 0.45))),
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


def _label(sc: _Canvas, v: _Vessel, t0: float, t1: float, paper: RGB, accent: RGB, rng: random.Random) -> None:
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
                _rotate(_rect(x - h * 0.16, cy - h * 0.16, x + h * 0.16, cy + h * 0.16), x, cy, math.pi / 4),
                fill=_alpha(accent, 200 - i * 40),
            )
    sc.glaze(band, (20, 10, 0), CYLINDER)


# ---------------------------------------------------------------- backgrounds


def _zellige_band(sc: _Canvas, x0: float, x1: float, y0: float, y1: float, rng: random.Random) -> None:
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
        sc.poly(_star_pts(x, cy, r * 0.45, r * 0.45 * KHATAM, 8, math.pi / 8), fill=colors[2] if i % 2 else grout)
        xm = x + step / 2
        sc.poly([(xm, cy - r * 0.55), (xm + r * 0.3, cy), (xm, cy + r * 0.55), (xm - r * 0.3, cy)], fill=colors[2])
        x += step
        i += 1
    sc.glaze(band, WHITE, ((0.0, 90), (0.35, 0), (1.0, 0)), vertical=True)
    sc.glaze(band, (0, 0, 0), ((0.0, 0), (0.8, 0), (1.0, 70)), vertical=True)


def _arch(sc: _Canvas, cx: float, top: float, w: float, bottom: float, wall: tuple[RGB, RGB]) -> None:
    """Horseshoe-arch niche recessed into the wall with a stucco frame, shaded on the left like real depth."""
    r = w / 2
    cy = top + r * 1.08

    def outline(grow: float) -> list[Point]:
        """Arch outline grown by `grow` units; the circle runs past the half (130 to 410 degrees): a horseshoe."""
        rr = r * 1.08 + grow
        arc = [(cx + rr * math.cos(math.radians(a)), cy + rr * math.sin(math.radians(a))) for a in range(130, 411, 5)]
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
                sc.fill_radial(hexagon, ((0, (255, 200, 80)), (0.6, (220, 132, 24)), (1, (150, 76, 10))), (0.35, 0.3))
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
                    [(cx, cy - h * 0.12), (cx + w * 0.1, cy), (cx, cy + h * 0.12), (cx - w * 0.1, cy)],
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
            sc.line([(x, y), (x + rng.uniform(150, 400), y + rng.uniform(-3, 3))], _alpha(_shade(base, 0.8), 70), 1.6)
        lines = _alpha(_shade(base, 0.55), 150)
    elif kind == "tiles":
        base = rng.choice(((200, 112, 74), (214, 136, 92)))
        sc.rect_linear(0, horizon, UNITS, UNITS, ((0, _shade(base, 0.8)), (1, base)))
        sc.texture(area, rng, 10, _shade(base, 0.8), _shade(base, 1.12), 60)
        vx, vy = UNITS / 2, horizon - 900
        for i in range(-16, 17):  # joints converge on a vanishing point above the wall
            x = UNITS / 2 + i * 170
            sc.line([(vx + (x - vx) * (horizon - vy) / (UNITS - vy), horizon), (x, UNITS)], lines, 2.5)
    else:
        base = rng.choice(((226, 198, 150), (232, 210, 170), (214, 182, 134))) if kind == "sand" else (236, 226, 208)
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


def _backdrop(sc: _Scene, rng: random.Random, walls: Sequence[str], feature: str | None = None) -> float:
    """Out-of-focus wall + table set with a seeded decoration (arch niche, zellige band...); returns the horizon y."""
    horizon = rng.uniform(560, 620)
    wall = WALLS[rng.choice(walls)]
    area = _rect(0, 0, UNITS, horizon)
    feature = feature or rng.choice(("arch", "zellige", "zellige_high", "plain"))
    with sc.lowres() as bg:
        bg.rect_linear(0, 0, UNITS, horizon, ((0, wall[0]), (1, wall[1])))
        bg.texture(area, rng, 50, _shade(wall[1], 0.9), _shade(wall[0], 1.06), 70)
        if feature == "arch":
            _arch(bg, UNITS / 2 + rng.uniform(-60, 60), rng.uniform(170, 220), rng.uniform(420, 500), horizon, wall)
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


# ---------------------------------------------------------------- small natural things


def _blob(sc: _Canvas, pts: Sequence[Point], stops: Stops, gloss: float = 0.0, focus: Point = (0.36, 0.3)) -> None:
    """Round object lit from the top left, with an optional specular spot."""
    sc.fill_radial(pts, stops, focus)
    if gloss:
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        cx, cy = min(xs) + w * focus[0], min(ys) + h * focus[1]
        sc.ellipse(cx, cy, w * 0.1, h * 0.07, fill=(255, 255, 255, int(200 * gloss)))


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
                pts.append((x + px * math.cos(rot) - py * math.sin(rot), y + px * math.sin(rot) + py * math.cos(rot)))
            c.line(pts, (70, 40, 16, 60), s * 0.04)
    sc.ellipse(x + math.cos(rot) * s * 0.9, y + math.sin(rot) * s * 0.9, s * 0.1, s * 0.08, fill=(70, 44, 20))


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


def _leaf(sc: _Canvas, p0: Point, p1: Point, width: float, top: RGB, bend: float = 0.0) -> None:
    """Lanceolate leaf with a lit edge and a pale midrib."""
    shape = _spindle(p0, p1, width, 1.0, 0.8, bend)
    sc.fill_linear(shape, ((0, _shade(top, 1.25)), (0.5, top), (1, _shade(top, 0.7))))
    mid = [
        (
            p0[0]
            + (p1[0] - p0[0]) * t
            - (p1[1] - p0[1]) / math.hypot(p1[0] - p0[0], p1[1] - p0[1] or 1) * bend * 4 * t * (1 - t),
            p0[1]
            + (p1[1] - p0[1]) * t
            + (p1[0] - p0[0]) / math.hypot(p1[0] - p0[0], p1[1] - p0[1] or 1) * bend * 4 * t * (1 - t),
        )
        for t in (0.05, 0.35, 0.65, 0.9)
    ]
    sc.line(mid, _alpha(_shade(top, 1.5), 140), max(1.0, width * 0.08))


GREEN_OLIVE = ((0, (190, 200, 90)), (0.5, (120, 140, 40)), (1, (56, 70, 16)))
BLACK_OLIVE = ((0, (140, 90, 120)), (0.5, (70, 34, 56)), (1, (26, 12, 20)))


def _olive(sc: _Canvas, x: float, y: float, r: float, rng: random.Random) -> None:
    """Glossy olive, green or ripe purple-black at random."""
    stops = GREEN_OLIVE if rng.random() < 0.55 else BLACK_OLIVE
    _blob(sc, _ellipse_pts(x, y, r, r * 0.73, rng.uniform(-0.6, 0.6)), stops, 0.8)


def _olive_branch(sc: _Canvas, x0: float, y0: float, x1: float, y1: float, rng: random.Random, fruits: int) -> None:
    """Olive twig: silvery-green narrow leaves in pairs, glossy green and purple-black olives."""
    sc.soft(_spindle((x0 + 20, y0 + 40), (x1 + 20, y1 + 40), 60, 1, 0.6), (40, 30, 10), 70, 14)
    stem = [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t - 30 * math.sin(math.pi * t)) for t in (i / 12 for i in range(13))]
    sc.line(stem, (104, 88, 56), 6)
    length = math.hypot(x1 - x0, y1 - y0)
    ang = math.atan2(y1 - y0, x1 - x0)
    for i in range(2, 12):
        sx, sy = stem[i]
        for side in (-1, 1):
            a = ang + side * rng.uniform(0.5, 0.9)
            ll = length * rng.uniform(0.16, 0.22)
            col = rng.choice(((78, 98, 52), (96, 116, 66), (140, 152, 118)))
            _leaf(sc, (sx, sy), (sx + math.cos(a) * ll, sy + math.sin(a) * ll), ll * 0.2, col, side * ll * 0.05)
    for _ in range(fruits):
        i = rng.randrange(3, 11)
        sx, sy = stem[i]
        ox, oy = sx + rng.uniform(-20, 20), sy + rng.uniform(15, 35)
        sc.line([(sx, sy), (ox, oy - 12)], (104, 88, 56), 3)
        _olive(sc, ox, oy, 22, rng)


def _plate(sc: _Canvas, cx: float, cy: float, rx: float, rng: random.Random, glaze: RGB) -> float:
    """Glazed round plate seen from above at an angle, with a painted rim; returns the inner radius."""
    ry = rx * 0.32
    _contact_shadow(sc, cx, cy + ry * 0.6, rx, 120)
    sc.fill_linear(_ellipse_pts(cx, cy + ry * 0.12, rx, ry), ((0, (200, 190, 176)), (1, (150, 140, 126))))
    sc.fill_radial(_ellipse_pts(cx, cy, rx, ry), ((0, (252, 248, 240)), (1, (226, 218, 204))), (0.4, 0.35))
    sc.ellipse(cx, cy, rx * 0.96, ry * 0.96, outline=_alpha(glaze, 230), width=5)
    n = 28
    for i in range(n):
        a = 2 * math.pi * i / n
        px, py = cx + rx * 0.86 * math.cos(a), cy + ry * 0.86 * math.sin(a)
        s = 9
        sc.poly([(px, py - s * 0.5), (px + s, py), (px, py + s * 0.5), (px - s, py)], fill=_alpha(glaze, 220))
    sc.ellipse(cx, cy, rx * 0.74, ry * 0.74, outline=_alpha(glaze, 180), width=3)
    sc.fill_radial(
        _ellipse_pts(cx, cy + ry * 0.03, rx * 0.7, ry * 0.7), ((0, (240, 234, 224)), (1, (210, 200, 186))), (0.45, 0.6)
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
    v = _Vessel.make(cx, rim_y + depth, depth, rx, ((0, 1.0), (0.85, 0.62, "c"), (0.88, 0.5, "l"), (1.0, 0.5, "l")))
    _contact_shadow(sc, cx, v.base, rx * 0.6)
    body = v.outline()
    sc.fill_linear(
        body,
        ((0, _shade(glaze, 0.55)), (0.3, _shade(glaze, 1.25)), (0.6, glaze), (1, _shade(glaze, 0.45))),
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
            c.poly([(x - w, y - s * 0.9), (x + w, y - s * 0.9), (x, y + s * 0.9)], fill=_alpha(CREAM, 230))
            c.poly(
                [(x - w * 0.45, y - s * 0.5), (x + w * 0.45, y - s * 0.5), (x, y + s * 0.25)], fill=_alpha(motif, 230)
            )
        c.line(v.arc(0.66), _alpha(CREAM, 200), s * 0.2)
    sc.glaze(body, WHITE, ((0.0, 0), (0.2, 90), (0.3, 0), (1.0, 0)))
    # Rim: outer glazed lip, then the shadowed inside of the bowl.
    sc.ellipse(cx, rim_y, rx, rx * RIM, fill=_shade(glaze, 1.1))
    sc.fill_linear(
        _ellipse_pts(cx, rim_y, rx * 0.93, rx * RIM * 0.9), ((0, _shade(glaze, 0.5)), (1, _shade(glaze, 0.8)))
    )
    if contents:
        contents()
        # The front of the lip passes in front of whatever is heaped inside.
        outer = [
            (cx - rx * math.cos(math.pi * i / 32), rim_y + rx * RIM * math.sin(math.pi * i / 32)) for i in range(33)
        ]
        inner = [
            (cx - rx * 0.93 * math.cos(math.pi * i / 32), rim_y + rx * RIM * 0.9 * math.sin(math.pi * i / 32))
            for i in range(33)
        ]
        sc.fill_linear(
            outer + inner[::-1],
            ((0, _shade(glaze, 0.8)), (0.35, _shade(glaze, 1.3)), (1, _shade(glaze, 0.7))),
            vertical=False,
        )


def _swirl_mound(sc: _Canvas, cx: float, cy: float, rx: float, height: float, stops: Stops, line: RGBA) -> None:
    """Spread paste (amlou, cream) piled in a dome with a spiral spoon groove and a glossy highlight."""

    def on_dome(f: float, a: float) -> Point:
        """Project the dome surface point at radius fraction f and angle a."""
        return (cx + rx * f * math.cos(a), cy - height * (1 - f * f) ** 0.7 + rx * f * RIM * 0.9 * math.sin(a))

    front = [on_dome(1.0, math.pi * i / 24) for i in range(25)]
    profile = [
        (
            cx - rx * math.cos(math.pi * i / 24),
            cy - height * math.sin(math.pi * i / 24) ** 1.2 - rx * RIM * 0.3 * math.sin(math.pi * i / 24),
        )
        for i in range(25)
    ]
    dome = front + profile
    sc.fill_radial(dome, stops, (0.4, 0.25))
    with sc.clip(dome) as c:
        spiral = [on_dome(0.9 - 0.8 * i / 90, 3 * math.pi * i / 90 + 0.5) for i in range(91)]
        c.line([(x, y + 3) for x, y in spiral], _alpha((0, 0, 0), line[3] // 2), 6)
        c.line(spiral, line, 5)
    sc.ellipse(cx - rx * 0.3, cy - height * 0.7, rx * 0.14, height * 0.08, fill=(255, 255, 255, 120))


# ---------------------------------------------------------------- product scenes


def _place(rng: random.Random, n: int, x0: float, x1: float, y0: float, y1: float, gap: float) -> list[Point]:
    """Scatter n points in a box keeping a minimum gap, so small objects do not pile on each other."""
    out: list[Point] = []
    for _ in range(n * 20):
        p = (rng.uniform(x0, x1), rng.uniform(y0, y1))
        if all(math.hypot(p[0] - q[0], p[1] - q[1]) > gap for q in out):
            out.append(p)
        if len(out) == n:
            break
    return sorted(out, key=lambda p: p[1])


def _argan_oil(sc: _Scene, rng: random.Random) -> None:
    """Glass bottle of golden argan oil with cork and label, dried fruits and kernels around it."""
    _backdrop(sc, rng, ("majorelle", "terracotta", "cream", "indigo", "mint", "rose"))
    side = rng.choice((-1, 1))
    v = _Vessel.make(
        500 + side * rng.uniform(20, 70),
        rng.uniform(845, 870),
        rng.uniform(540, 590),
        rng.uniform(120, 138),
        rng.choice(ARGAN_BOTTLES),
    )
    oil = ((0, (150, 82, 8)), (0.2, (214, 140, 24)), (0.42, (252, 206, 80)), (0.6, (236, 168, 40)), (1, (130, 66, 6)))
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
        _almond(sc, x, y, rng.uniform(40, 50), rng.uniform(-0.9, 0.9) + math.pi * rng.randint(0, 1), KERNEL_SKIN, rng)


def _saffron_threads(sc: _Canvas, v: _Vessel, fill_t: float, rng: random.Random) -> None:
    """Jar contents: a tangle of red stigmas with orange tips."""
    inner = v.outline(fill_t, 0.985, v.hw * 0.05)
    sc.fill_linear(inner, ((0, (110, 10, 10)), (0.4, (170, 24, 18)), (1, (80, 6, 8))), vertical=False)
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
        pts[-1:] + [(pts[-1][0] + (pts[-1][0] - pts[-2][0]) * 0.4, pts[-1][1] + (pts[-1][1] - pts[-2][1]) * 0.4)],
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
        sc.fill_linear(shape, ((0, _shade(petal[0][1], 0.9)), (1, _shade(petal[2][1], 0.9))), vertical=True)
    for k in (-1, 0, 1):  # stigmas spill out over the front petals
        ang = -math.pi / 2 + k * 0.7 + tilt
        p0 = (x + math.cos(ang) * s * 0.1, y + math.sin(ang) * s * 0.1)
        p1 = (x + math.cos(ang + k * 0.7) * s * 0.8, y + math.sin(ang + k * 0.7) * s * 0.8 + s * 0.15)
        # Stigmas are thin at the base and flare into a trumpet at the tip.
        sc.poly(_spindle(p0, p1, s * 0.12, 2.2, 1.0, k * s * 0.08), fill=(200, 24, 20))
    for k in (-0.3, 0.3):
        ang = -math.pi / 2 + k + tilt
        sc.line([(x, y), (x + math.cos(ang) * s * 0.7, y + math.sin(ang) * s * 0.7)], (246, 200, 40), s * 0.07)
    # Front petals: two leaning out, one upright in the middle, each with a darker vein.
    for lean, length, width in ((tilt - 0.66, 1.25, 0.62), (tilt + 0.66, 1.25, 0.62), (tilt * 0.3, 1.3, 0.6)):
        ang = -math.pi / 2 + lean
        tip = (x + math.cos(ang) * s * length, y + math.sin(ang) * s * length + s * 0.15)
        sc.fill_radial(_spindle((x, y + s * 0.38), tip, s * width, 0.65, 0.7), petal, (0.5, 0.2))
        sc.line([(x, y + s * 0.3), ((x + tip[0]) / 2, (y + tip[1]) / 2)], (90, 40, 130, 110), s * 0.03)


def _saffron(sc: _Scene, rng: random.Random) -> None:
    """Small glass jar of saffron threads with a gold lid, crocus flowers and loose threads on the table."""
    _backdrop(sc, rng, ("cream", "sand", "indigo", "mint", "olive", "majorelle"))
    side = rng.choice((-1, 1))
    v = _Vessel.make(
        500 + side * rng.uniform(60, 110),
        rng.uniform(850, 880),
        rng.uniform(330, 380),
        rng.uniform(135, 150),
        rng.choice(JARS),
    )
    fx = v.cx - side * rng.uniform(260, 300)
    ground = v.base - rng.uniform(40, 70)
    for i, (dx, dy, s) in enumerate(((-70, -330, 90), (60, -250, 100), (0, -150, 80))):
        if i < 2 or rng.random() < 0.7:
            _crocus(sc, fx + dx + rng.uniform(-15, 15), ground + dy + rng.uniform(-20, 20), s, rng, ground)
    fill_t = rng.uniform(0.3, 0.4)
    _glass_vessel(sc, v, lambda c, vv, t: _saffron_threads(c, vv, t, rng), fill_t)
    _cap(sc, v, rng.choice(((212, 170, 70), (200, 200, 206), (180, 60, 40))), v.height * 0.14)
    for _ in range(rng.randint(12, 18)):
        _thread(
            sc, v.cx + rng.uniform(-260, 260), rng.uniform(885, 940), rng.uniform(28, 40), rng.uniform(0, math.tau), rng
        )


def _honey(sc: _Scene, rng: random.Random) -> None:
    """Jar of amber honey with a cloth cap, honeycomb wall and a wooden dipper dripping honey."""
    _backdrop(sc, rng, ("saffron", "cream", "sand"), feature="honeycomb")
    side = rng.choice((-1, 1))
    v = _Vessel.make(
        500 - side * rng.uniform(40, 90),
        rng.uniform(850, 880),
        rng.uniform(470, 520),
        rng.uniform(175, 195),
        rng.choice(JARS),
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
        + [(v.cx + r * math.cos(a), top - r * 0.28 * math.sin(a)) for a in (math.pi * (1 - i / 16) for i in range(17))][
            1:-1
        ]
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
            c.line([(gx - nx * 60, gy - ny * 60), (gx + nx * 60, gy + ny * 60)], (100, 60, 24, 150), 3)
    sc.glaze(head, (240, 150, 20), ((0.0, 0), (0.5, 120), (1.0, 200)), vertical=True)
    sc.ellipse(x - 20, y - 16, 14, 7, fill=(255, 250, 220, 170))


def _amlou(sc: _Scene, rng: random.Random) -> None:
    """Pottery bowl heaped with glossy amlou paste, a jar behind it and almonds scattered in front."""
    _backdrop(sc, rng, ("terracotta", "cream", "olive", "mint", "majorelle", "sand"))
    side = rng.choice((-1, 1))
    paste = ((0, (190, 118, 62)), (0.45, (140, 76, 34)), (1, (80, 40, 16)))
    j = _Vessel.make(500 + side * rng.uniform(170, 210), rng.uniform(740, 770), 340, 118, rng.choice(JARS))

    def jar_paste(c: _Canvas, v: _Vessel, t: float) -> None:
        """Opaque paste pressed against the glass."""
        inner = v.outline(t, 0.985, v.hw * 0.05)
        c.fill_linear(inner, ((0, (84, 40, 16)), (0.4, (158, 92, 44)), (1, (70, 34, 12))), vertical=False)
        c.texture(inner, rng, 14, (60, 30, 10), (190, 130, 80), 50)

    _glass_vessel(sc, j, jar_paste, 0.2)
    _label(sc, j, 0.52, 0.72, (236, 222, 196), rng.choice((TERRACOTTA, INDIGO, (30, 110, 100))), rng)
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
            _almond(sc, x, y, 62, math.atan2(math.sin(a) * 0.35, math.cos(a)), ALMOND_SKIN, rng, shadow=False)

    _bowl(sc, bx, rim, 210, 160, rng.choice(GLAZES[:3]), rng, heap)
    for x, y in _place(rng, rng.randint(6, 8), 130, 870, 890, 945, 70):
        _almond(sc, x, y, rng.uniform(50, 60), rng.uniform(-0.8, 0.8) + math.pi * rng.randint(0, 1), ALMOND_SKIN, rng)


def _palm_frond(sc: _Canvas, x0: float, y0: float, x1: float, y1: float, rng: random.Random) -> None:
    """Date palm frond: arching rib with long narrow leaflets on both sides."""
    rib = [(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t - 120 * math.sin(math.pi * t)) for t in (i / 30 for i in range(31))]
    ang = math.atan2(y1 - y0, x1 - x0)
    for i in range(2, 30):
        px, py = rib[i]
        ll = 200 * math.sin(math.pi * (0.25 + 0.75 * i / 30)) + 40
        for side in (-1, 1):
            a = ang + side * 0.75 + rng.uniform(-0.08, 0.08)
            col = rng.choice(((74, 118, 60), (94, 138, 70), (60, 98, 52)))
            _leaf(sc, (px, py), (px + math.cos(a) * ll, py + math.sin(a) * ll + 30), 20, col, side * 12)
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
        sc, 500 - side * 560, rng.uniform(80, 200), 500 + side * rng.uniform(160, 260), rng.uniform(560, 640), rng
    )
    cx, cy = 500 + rng.uniform(-40, 40), rng.uniform(800, 830)
    inner = _plate(sc, cx, cy, rng.uniform(340, 370), rng, rng.choice((MAJORELLE, (30, 110, 100), INDIGO)))
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
    _date(sc, cx - side * rng.uniform(300, 340), rng.uniform(905, 930), 125, rng.uniform(-0.3, 0.3), rng)


def _olive_oil(sc: _Scene, rng: random.Random) -> None:
    """Tall bottle of green-gold olive oil, an olive branch on the table and a dish of olives."""
    _backdrop(sc, rng, ("cream", "terracotta", "rose", "sand", "majorelle", "mint"))
    side = rng.choice((-1, 1))
    v = _Vessel.make(
        500 + side * rng.uniform(70, 130),
        rng.uniform(830, 860),
        rng.uniform(600, 650),
        rng.uniform(108, 122),
        rng.choice(OLIVE_BOTTLES),
    )
    oil = ((0, (80, 86, 10)), (0.22, (150, 156, 24)), (0.42, (214, 214, 70)), (0.62, (170, 168, 30)), (1, (70, 70, 6)))
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
    _olive_branch(sc, x0, rng.uniform(900, 930), x0 + side * rng.uniform(640, 720), rng.uniform(860, 900), rng, 5)


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
        sc.fill_radial(mound, ((0, (248, 222, 140)), (0.55, (226, 184, 96)), (1, (176, 128, 56))), (0.42, 0.3))
        with sc.clip(mound) as c:
            c.texture(mound, rng, 4, (150, 100, 40), (255, 240, 190), 110)
            tones = ((250, 228, 156), (240, 210, 126), (232, 196, 108), (252, 236, 176))
            for _ in range(2600):
                x, y = cx + rng.uniform(-1, 1) * rx * 0.93, rng.uniform(rim - height, rim + 50)
                # Grains on the right and low down sit in shade.
                f = 1.0 - 0.28 * max(0.0, (x - cx) / rx) - 0.15 * max(0.0, (y - rim + height * 0.3) / height)
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
            sc, _spindle(base, tip, width, 0.8, 0.45), ((0, tones[0]), (0.6, tones[1]), (1, tones[2])), 0.0, (0.4, 0.45)
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
        dish.outline(), ((0, _shade(glaze, 0.5)), (0.35, _shade(glaze, 1.2)), (1, _shade(glaze, 0.45))), vertical=False
    )
    lid = _Vessel.make(
        cx,
        dish.top + 6,
        r * 1.6,
        r * 1.05,
        ((0, 0.12), (0.1, 0.16, "l"), (0.14, 0.1, "s"), (0.5, 0.42, "s"), (1.0, 1.0, "l")),
    )
    sc.fill_linear(
        lid.outline(), ((0, _shade(glaze, 0.55)), (0.35, _shade(glaze, 1.3)), (1, _shade(glaze, 0.45))), vertical=False
    )
    for t in (0.55, 0.8):
        sc.line(lid.arc(t), _alpha(CREAM, 200), 3)
    for i in range(1, 8):
        a = math.pi * i / 8
        x = cx - lid.r(0.68) * math.cos(a)
        y = lid.y(0.68) + TILT * lid.r(0.68) * math.sin(a)
        sc.poly(_star_pts(x, y, 9 * math.sin(a) + 2, 5, 4), fill=_alpha(CREAM, 220))
    sc.glaze(lid.outline(), WHITE, ((0.0, 0), (0.25, 80), (0.35, 0), (1, 0)))


def _soap(sc: _Canvas, x: float, y: float, w: float, d: float, h: float, color: RGB) -> float:
    """Bar of soap seen from the front and above, its lit top stamped with a star; returns the top's middle y."""
    dd = d * 0.42  # depth of the top face after foreshortening
    sc.soft(_rect(x + 10, y - 12, x + w + 24, y + 10), (40, 20, 10), 110, 10)
    sc.fill_linear(_rrect(x, y - h - dd * 0.2, x + w, y, 14), ((0, _shade(color, 0.86)), (1, _shade(color, 0.64))))
    top = _rrect(x, y - h - dd, x + w, y - h + 2, 18)
    sc.fill_linear(top, ((0, _shade(color, 1.12)), (1, _shade(color, 1.02))))
    sx, sy = x + w / 2, y - h - dd / 2
    star = [(px, sy + (py - sy) * 0.42) for px, py in _star_pts(sx, sy, d * 0.32, d * 0.32 * KHATAM, 8, math.pi / 8)]
    sc.poly(star, outline=_alpha(_shade(color, 0.72), 220), width=3)
    sc.poly([(px + 1.5, py + 2) for px, py in star], outline=_alpha(_shade(color, 1.25), 170), width=2)
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
                ((0, _shade(petal, 1.3 * shade)), (0.6, _shade(petal, shade)), (1, _shade(petal, 0.6 * shade))),
                0.0,
                (0.5, 0.5),
            )
    sc.fill_radial(
        _ellipse_pts(x, y, r * 0.16, r * 0.13), ((0, _shade(petal, 0.35)), (1, _shade(petal, 0.7))), (0.5, 0.5)
    )


def _layered(items: list[tuple[float, Callable[[], None]]]) -> None:
    """Draw objects from the back of the table to the front so nearer ones overlap farther ones."""
    for _, paint in sorted(items, key=lambda item: item[0]):
        paint()


def _cosmetics(sc: _Scene, rng: random.Random) -> None:
    """Stack of natural soaps, rose water, an open pot of cream and rose petals from Kelaat M'Gouna."""
    _backdrop(sc, rng, ("rose", "cream", "mint", "sand", "olive"))
    side = rng.choice((-1, 1))
    soaps = ((226, 140, 156), (236, 214, 160), (150, 166, 96), (176, 150, 206), (176, 110, 84), (246, 240, 226))
    bottle = _Vessel.make(500 - side * rng.uniform(190, 230), 790, rng.uniform(360, 400), 76, rng.choice(ARGAN_BOTTLES))
    jar = _Vessel.make(500 - side * rng.uniform(40, 80), 935, 150, 125, SQUAT_JAR)
    pot = rng.choice(((250, 250, 248), (190, 220, 210), (230, 200, 210)))
    bars = rng.sample(soaps, 3)
    sx = 500 + side * rng.uniform(190, 220) - 150

    def rose_water() -> None:
        """Small bottle of pink rose water with a gold cap."""
        _glass_vessel(sc, bottle, _liquid(((0, (210, 100, 124)), (0.4, (250, 190, 204)), (1, (190, 84, 110)))), 0.28)
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
        sc.fill_linear(jar.outline(0.3), ((0, _shade(pot, 0.75)), (0.3, pot), (1, _shade(pot, 0.62))), vertical=False)
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
        a, col = rng.uniform(0, math.tau), rng.choice(((226, 90, 120), (240, 140, 160), (200, 60, 90)))
        shape = _spindle((x, y), (x + math.cos(a) * 46, y + math.sin(a) * 30), 40, 0.5, 0.6)
        return lambda: _blob(sc, shape, ((0, _shade(col, 1.25)), (0.6, col), (1, _shade(col, 0.6))), 0.2)

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
    lid = _Vessel.make(cx, body.top + 4, r * 1.05, r * 1.03, ((0, 0.06), (0.2, 0.3, "s"), (1, 1.0, "s")))
    _contact_shadow(sc, cx, base, r)
    for v in (body, lid):
        sc.fill_linear(
            v.outline(), ((0, _shade(straw, 0.6)), (0.3, _shade(straw, 1.15)), (1, _shade(straw, 0.5))), vertical=False
        )
        with sc.clip(v.outline()) as c:
            for k in range(1, 30):  # coiled straw rows
                c.line(v.arc(k / 30), _alpha(_shade(straw, 0.65), 140), 2)
            for j, (t0, t1) in enumerate(((0.3, 0.45), (0.6, 0.75)) if v is lid else ((0.15, 0.35), (0.55, 0.75))):
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
    _basket(sc, 500 + side * rng.uniform(140, 190), rng.uniform(900, 930), rng.uniform(170, 190), rng)


PAINTERS: dict[str, Callable[[_Scene, random.Random], None]] = {
    "argan_oil": _argan_oil,
    "saffron": _saffron,
    "honey": _honey,
    "amlou": _amlou,
    "dates": _dates,
    "olive_oil": _olive_oil,
    "couscous": _couscous,
    "cosmetics": _cosmetics,
    "crafts": _crafts,
}


def _check_size(*dims: int) -> None:
    """Reject sizes that cannot make a picture."""
    for d in dims:
        if not isinstance(d, int) or d < 16 or d > 8192:
            raise ValueError(f"image dimension must be an int between 16 and 8192, got {d!r}")


def _rng(*parts: object) -> random.Random:
    """Seeded generator; strings are hashed with crc32 because hash() changes between runs."""
    return random.Random(zlib.crc32(repr(parts).encode("utf-8")))


def draw_product(kind: str, seed: int, size: int = 1280) -> bytes:
    """Square PNG illustration of a product of the given kind; same arguments give the same bytes."""
    if kind not in PAINTERS:
        raise ValueError(f"unknown product kind {kind!r}; expected one of {', '.join(KINDS)}")
    _check_size(size)
    sc = _Scene(size, size, ZOOM, (UNITS / 2, 780))
    PAINTERS[kind](sc, _rng("product", kind, seed))
    return sc.png(vignette=70)


# ---------------------------------------------------------------- logo


def draw_logo(name: str, seed: int, size: int = 512) -> bytes:
    """Round cooperative emblem: khatam star and rosette in seeded colours on a transparent background."""
    _check_size(size)
    rng = _rng("logo", name, seed)
    sc = _Scene(size, size)
    c = UNITS / 2
    ground, ring, star, accent = _logo_colours(rng)
    sc.img.paste((0, 0, 0), (0, 0) + sc.img.size)
    sc.ellipse(c, c, 490, 490, fill=_shade(ring, 0.7))
    sc.fill_radial(_ellipse_pts(c, c, 478, 478, n=180), ((0, _shade(ring, 1.2)), (1, _shade(ring, 0.85))), (0.4, 0.35))
    _logo_ring(sc, c, rng, accent, ground)
    sc.fill_radial(_ellipse_pts(c, c, 370, 370, n=160), ((0, _shade(ground, 1.15)), (1, ground)), (0.45, 0.4))
    points = rng.choice((8, 8, 16))
    rot = math.pi / 8 if points == 8 else 0.0
    # Interlaced khatam: outer star band, then an inner star in the ground colour.
    sc.poly(_star_pts(c, c, 330, 330 * (KHATAM if points == 8 else 0.82), points, rot), fill=_shade(star, 0.75))
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


def _logo_centre(sc: _Canvas, c: float, rng: random.Random, accent: RGB, star: RGB, ground: RGB) -> None:
    """Medallion heart: a flower rosette, a small khatam or an argan tree silhouette."""
    motif = rng.choice(("rosette", "khatam", "tree"))
    if motif == "rosette":
        for i in range(8):
            a = math.pi / 4 * i
            sc.poly(_spindle((c, c), (c + 140 * math.cos(a), c + 140 * math.sin(a)), 70, 1, 0.8), fill=accent)
        sc.ellipse(c, c, 40, 40, fill=star)
    elif motif == "khatam":
        sc.poly(_star_pts(c, c, 150, 150 * KHATAM, 8, 0), fill=accent)
        sc.poly(_star_pts(c, c, 80, 80 * KHATAM, 8, math.pi / 8), fill=ground)
        sc.ellipse(c, c, 30, 30, fill=star)
    else:
        sc.line([(c - 10, c + 130), (c, c + 40), (c - 40, c - 10)], accent, 22)
        sc.line([(c, c + 40), (c + 50, c - 5)], accent, 18)
        for dx, dy, r in ((-70, -40, 60), (0, -70, 75), (70, -40, 60), (-30, -20, 50), (40, -20, 50)):
            sc.ellipse(c + dx, c + dy, r, r * 0.7, fill=accent)
        sc.line([(c - 120, c + 135), (c + 120, c + 135)], accent, 12)


# ---------------------------------------------------------------- banner

SKIES = (
    ((0, (54, 60, 120)), (0.45, (214, 110, 90)), (0.75, (246, 170, 90)), (1, (252, 214, 140))),  # sunset
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
            line = [(x, y + rng.uniform(-14, 14)) for x, y in _wave(-20, w + 20, base - amp * 0.3, rng, 18)]
            with sc.clip(shape) as c:
                c.fill_linear([(x, y - 5) for x, y in ridge] + line[::-1], ((0, (255, 252, 252)), (1, (226, 216, 232))))
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
    blocks = [(-1.1, 0.9, 0.55), (-0.5, 1.5, 0.45), (0.05, 1.1, 0.7), (0.8, 1.6, 0.4), (1.25, 0.8, 0.6)]
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


def _argan_tree(sc: _Canvas, x: float, y: float, s: float, canopy: RGB, trunk: RGB, rng: random.Random) -> None:
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


def _banner_trees(sc: _Canvas, ridge: Sequence[Point], rng: random.Random, layer: int, ground: RGB) -> None:
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
