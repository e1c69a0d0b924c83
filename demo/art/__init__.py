"""Procedural pictures for the demo shop: product photos, cooperative logos and banners, drawn with Pillow only.

One module per subject (pantry, harvest and crafts scenes; logos; banners) on
shared ground (palette, shapes, canvas, vessels, backdrops). Drawing is pure:
the same arguments give the same bytes, so pictures are cached and a test
session or a second seed in the same process never draws one twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from functools import lru_cache

from .banners import draw_banner
from .canvas import _check_size, _rng, _Scene
from .crafts import _cosmetics, _crafts
from .harvest import _couscous, _dates, _saffron
from .logos import draw_logo
from .palette import UNITS, ZOOM
from .pantry import _amlou, _argan_oil, _honey, _olive_oil

__all__ = ["KINDS", "draw_banner", "draw_logo", "draw_product"]

KINDS = (
    "argan_oil",
    "saffron",
    "honey",
    "amlou",
    "dates",
    "olive_oil",
    "couscous",
    "cosmetics",
    "crafts",
)

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


# Cached: the demo catalogue draws about 60 pictures of about 0.5 MB (exceptions are not cached).
@lru_cache(maxsize=64)
def draw_product(kind: str, seed: int, size: int = 1280) -> bytes:
    """Square PNG illustration of a product of the given kind; same arguments give the same bytes."""
    if kind not in PAINTERS:
        raise ValueError(f"unknown product kind {kind!r}; expected one of {', '.join(KINDS)}")
    _check_size(size)
    sc = _Scene(size, size, ZOOM, (UNITS / 2, 780))
    PAINTERS[kind](sc, _rng("product", kind, seed))
    return sc.png(vignette=70)
