"""The drawing surface: a canvas addressed in scene units, the supersampled scene, PNG encoding."""

from __future__ import annotations

import io
import math
import random
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .palette import CREAM, RGB, RGBA, SS, UNITS, Point, Stops, _linear, _noise, _radial

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

    def poly(
        self, pts: Sequence[Point], fill: RGBA | RGB | None = None, outline=None, width: float = 1.0
    ) -> None:
        """Filled and/or outlined polygon."""
        xy = self.px(pts)
        if fill is not None:
            self.draw.polygon(xy, fill=fill)
        if outline is not None:
            self._stroke(xy + xy[:1], outline, width)

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill=None,
        outline=None,
        width: float = 1.0,
    ) -> None:
        """Axis-aligned ellipse."""
        (x0, y0), (x1, y1) = self.px([(cx - rx, cy - ry), (cx + rx, cy + ry)])
        self.draw.ellipse(
            (x0, y0, max(x0, x1), max(y0, y1)),
            fill=fill,
            outline=outline,
            width=self.w(width) if outline else 0,
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
        ImageDraw.Draw(m).line(
            [(x - x0, y - y0) for x, y in xy], fill=fill[3], width=wpx, joint="curve"
        )
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
        m = m.filter(ImageFilter.GaussianBlur(sigma / f)).resize(
            (x1 - x0, y1 - y0), Image.Resampling.BILINEAR
        )
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
        a = _radial(
            (box[2] - box[0], box[3] - box[1]), ((0.0, opacity), (0.45, opacity // 2), (1.0, 0))
        )
        self.img.paste(color, box, a)

    def texture(
        self,
        pts: Sequence[Point],
        rng: random.Random,
        cell: float,
        dark: RGB,
        light: RGB,
        amount: int,
    ) -> None:
        """Mottle a region with seeded noise: darker where noise is high, lighter where it is low."""
        x0, y0, m = self.mask(pts)
        n = _noise(m.size, rng, cell * self.k)
        # Map noise to a tint colour and an opacity while still small: one upscale each and a single paste.
        tint = Image.merge(
            "RGB",
            [n.point([dark[i] if v >= 128 else light[i] for v in range(256)]) for i in range(3)],
        )
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

    def __init__(
        self, width: int, height: int, zoom: float = 1.0, fixed: Point = (0.0, 0.0)
    ) -> None:
        """Allocate the supersampled canvas; zoom crops in so products fill the frame like a close-up photo."""
        self.size = (width, height)
        k0 = height * SS / UNITS
        fx, fy = fixed
        super().__init__(
            Image.new("RGB", (width * SS, height * SS)),
            k0 * zoom,
            fx * (zoom - 1) * k0,
            fy * (zoom - 1) * k0,
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
            a = _radial(
                (w, h), ((0.0, 0), (0.7, 0), (1.0, vignette // 2), (1.45, vignette)), (0.5, 0.45)
            )
            img.paste((30, 18, 10), (0, 0, w, h), a)
        return _encode(img)


def _encode(img: Image.Image) -> bytes:
    """Encode a PNG without metadata so identical pixels give identical bytes."""
    buf = io.BytesIO()
    # Level 4 is about twice as fast as the default 6 for files only ~7% larger.
    img.save(buf, format="PNG", compress_level=4)
    return buf.getvalue()


def _check_size(*dims: int) -> None:
    """Reject sizes that cannot make a picture."""
    for d in dims:
        if not isinstance(d, int) or d < 16 or d > 8192:
            raise ValueError(f"image dimension must be an int between 16 and 8192, got {d!r}")


def _rng(*parts: object) -> random.Random:
    """Seeded generator; strings are hashed with crc32 because hash() changes between runs."""
    return random.Random(zlib.crc32(repr(parts).encode("utf-8")))
