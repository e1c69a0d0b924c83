"""Tests for the procedural demo pictures (products, logos, banners)."""

import io

import pytest
from PIL import Image, ImageChops, ImageStat

from demo.art import KINDS, draw_banner, draw_logo, draw_product

# Small sizes keep the suite fast; the drawing is resolution independent.
SIZE = 256


def _open(data: bytes) -> Image.Image:
    """Decode PNG bytes, failing loudly if they are not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = Image.open(io.BytesIO(data))
    img.load()
    assert img.format == "PNG"
    return img


def _difference(img: Image.Image, a: tuple[int, int], b: tuple[int, int], side: int) -> float:
    """Mean per-pixel RGB difference between two equal squares whose top-left corners are a and b."""
    crop_a = img.crop((a[0], a[1], a[0] + side, a[1] + side))
    crop_b = img.crop((b[0], b[1], b[0] + side, b[1] + side))
    return sum(ImageStat.Stat(ImageChops.difference(crop_a, crop_b)).mean)


@pytest.mark.parametrize("kind", KINDS)
def test_product_is_a_detailed_png_of_the_requested_size(kind: str) -> None:
    """Every kind gives a square, richly coloured picture with a subject in the middle."""
    img = _open(draw_product(kind, seed=7, size=SIZE)).convert("RGB")
    assert img.size == (SIZE, SIZE)
    assert len(img.getcolors(maxcolors=SIZE * SIZE)) > 200
    q = SIZE // 4
    centre = (SIZE // 2 - q // 2, SIZE // 2 - q // 2)
    for corner in ((0, 0), (SIZE - q, 0), (0, SIZE - q), (SIZE - q, SIZE - q)):
        # The product in the middle must not look like the backdrop in the corners.
        assert _difference(img, centre, corner, q) > 25


def test_product_default_size_is_1280() -> None:
    """Without a size the picture is 1280 px square."""
    assert _open(draw_product("honey", seed=1)).size == (1280, 1280)


@pytest.mark.parametrize("kind", KINDS)
def test_product_is_deterministic(kind: str) -> None:
    """The same kind, seed and size always give identical bytes."""
    assert draw_product(kind, 3, SIZE) == draw_product(kind, 3, SIZE)


@pytest.mark.parametrize("kind", KINDS)
def test_seeds_vary_the_picture(kind: str) -> None:
    """Different seeds give different pictures, so a catalogue of one kind is not repetitive."""
    pictures = {draw_product(kind, seed, 128) for seed in range(4)}
    assert len(pictures) == 4


def test_kinds_differ_for_the_same_seed() -> None:
    """Each kind has its own picture."""
    assert len({draw_product(kind, 5, 128) for kind in KINDS}) == len(KINDS)


@pytest.mark.parametrize("kind", ["", "Honey", "tea", "argan oil"])
def test_unknown_kind_raises_value_error(kind: str) -> None:
    """Kinds are matched exactly."""
    with pytest.raises(ValueError):
        draw_product(kind, 1, SIZE)


@pytest.mark.parametrize("size", [0, -5, 8, 100000])
def test_absurd_sizes_raise_value_error(size: int) -> None:
    """Sizes that cannot make a picture are refused instead of exhausting memory."""
    with pytest.raises(ValueError):
        draw_product("dates", 1, size)


def test_logo_is_a_round_badge_of_the_requested_size() -> None:
    """Logos are square RGBA PNGs, transparent outside the badge, opaque and colourful inside."""
    img = _open(draw_logo("Coopérative Tifaout", seed=2, size=200))
    assert img.size == (200, 200)
    assert img.mode == "RGBA"
    assert img.getpixel((0, 0))[3] == 0
    assert img.getpixel((100, 100))[3] == 255
    assert len(img.convert("RGB").getcolors(maxcolors=40000)) > 50
    assert _open(draw_logo("Tifaout", seed=2)).size == (512, 512)


def test_logo_is_deterministic_and_varies_with_name_and_seed() -> None:
    """Same name and seed give the same bytes; another name or seed changes the emblem."""
    assert draw_logo("تعاونية أركان", 4, 128) == draw_logo("تعاونية أركان", 4, 128)
    logos = {
        draw_logo(name, seed, 128)
        for name in ("Amal", "Tiwizi", "تعاونية أركان")
        for seed in (1, 2, 3)
    }
    assert len(logos) >= 7


def test_banner_size_and_determinism() -> None:
    """Banners default to 1600x600, honour other sizes and are deterministic per seed."""
    assert _open(draw_banner(1)).size == (1600, 600)
    small = draw_banner(5, width=400, height=150)
    img = _open(small).convert("RGB")
    assert img.size == (400, 150)
    assert len(img.getcolors(maxcolors=400 * 150)) > 200
    assert small == draw_banner(5, width=400, height=150)
    assert small != draw_banner(6, width=400, height=150)


def test_banner_rejects_bad_sizes() -> None:
    """Zero or negative banner sizes are refused."""
    with pytest.raises(ValueError):
        draw_banner(1, width=0)
