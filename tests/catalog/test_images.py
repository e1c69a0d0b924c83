"""Tests of the image upload pipeline and the local media storage."""

from __future__ import annotations

import io
import os
import random
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, ImageFile

from catalog.exceptions import ImageError
from catalog.images import (
    BACKGROUND,
    MAX_BYTES,
    ProcessedImage,
    Rendition,
    process_image,
    srcset,
)
from shop.storage import LocalStorage, get_storage

RED = (220, 20, 30)
BLUE = (40, 90, 160)

NOT_ACCEPTED = "This file is not an image we accept (JPEG, PNG or WebP)."
DAMAGED = "The image file is damaged or incomplete."
TOO_BIG_PIXELS = "The image is too big in pixels."


# --- helpers ---------------------------------------------------------------


def make_app(**config: object) -> Flask:
    """A bare Flask app with Babel, enough to render lazy messages."""
    app = Flask(__name__)
    app.config.update(config)
    Babel(app)
    return app


@contextmanager
def app_context(**config: object) -> Iterator[Flask]:
    """Run the block inside a minimal app context."""
    app = make_app(**config)
    with app.app_context():
        yield app


def message(exc: pytest.ExceptionInfo[ImageError]) -> str:
    """The user-facing text of a refused upload, rendered in English."""
    with app_context():
        return str(exc.value)


def photo(width: int, height: int, corner: tuple[int, int, int] = RED) -> Image.Image:
    """A blue picture with a coloured block in its top-left corner."""
    img = Image.new("RGB", (width, height), BLUE)
    img.paste(corner, (0, 0, width // 4, height // 4))
    return img


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    """Encode ``img`` with Pillow."""
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def camera_exif(orientation: int = 1, make: str = "Canon", latitude: float = 33.0) -> Image.Exif:
    """EXIF as a phone writes it: orientation, camera and GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = make
    exif[ExifTags.Base.Model] = "EOS 5D"
    exif[ExifTags.Base.BodySerialNumber] = "0123456789"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (latitude, 35.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (7.0, 35.0, 21.0)
    return exif


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int) -> bytes:
    """A valid, all-black 1-bit PNG: a few KB that decode to width*height bytes."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def stored_files(root: Path) -> list[Path]:
    """Every file below ``root``."""
    return [p for p in root.rglob("*") if p.is_file()]


class MemoryStorage:
    """A dict-backed Storage, for property tests (no tmp_path per example)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def save(self, name: str, data: bytes) -> None:
        self.files.setdefault(name, data)

    def read(self, name: str) -> bytes:
        return self.files[name]

    def exists(self, name: str) -> bool:
        return name in self.files

    def delete(self, name: str) -> None:
        self.files.pop(name, None)

    def path(self, name: str) -> Path | None:
        return None


# --- the normal path -------------------------------------------------------


def test_jpeg_is_rotated_resized_and_stripped_of_metadata(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        photo(2000, 1500),
        "JPEG",
        exif=camera_exif(orientation=6),
        icc_profile=icc,
        comment=b"Taken at home, 12 Rue X",
        xmp=b"<x:xmpmeta>secret</x:xmpmeta>",
    )
    source = Image.open(io.BytesIO(data))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input does leak
    assert {"exif", "icc_profile", "comment", "xmp"} <= source.info.keys()

    result = process_image(data, storage)

    assert isinstance(result, ProcessedImage)
    assert len(result.key) == 64
    # Orientation 6: the 2000x1500 sensor image is displayed 1500x2000.
    assert (result.width, result.height) == (1280, 1707)
    assert [(r.width, r.fmt) for r in result.renditions] == [
        (320, "webp"),
        (320, "jpeg"),
        (640, "webp"),
        (640, "jpeg"),
        (1080, "webp"),
        (1080, "jpeg"),
        (1280, "webp"),
        (1280, "jpeg"),
    ]
    for rendition in result.renditions:
        ext = "webp" if rendition.fmt == "webp" else "jpg"
        assert rendition.name == f"img/{result.key[:2]}/{result.key}-{rendition.width}.{ext}"
        assert storage.exists(rendition.name)
        out = Image.open(io.BytesIO(storage.read(rendition.name)))
        assert out.format == rendition.fmt.upper()
        assert out.size == (rendition.width, rendition.height)
        assert rendition.height == round(2000 * rendition.width / 1500)
        assert not out.getexif()
        assert not out.info.keys() & {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment"}
        # Rotated clockwise: the red top-left corner is now top-right.
        out = out.convert("RGB")
        w, h = out.size
        assert _close(out.getpixel((w - 10, 10)), RED)
        assert _close(out.getpixel((10, 10)), BLUE)
        assert _close(out.getpixel((w - 10, h - 10)), BLUE)
    assert len(stored_files(tmp_path)) == 8  # 4 widths × WebP and JPEG
    raw = b"".join(storage.read(r.name) for r in result.renditions)
    for secret in (b"Canon", b"0123456789", b"Rue X", b"secret"):
        assert secret not in raw


def _close(pixel: object, colour: tuple[int, int, int], tolerance: int = 30) -> bool:
    """Whether a decoded pixel is near ``colour`` (lossy codecs shift it)."""
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


def test_same_pixels_share_a_key_whatever_the_exif(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    img = photo(800, 600)
    first = process_image(
        encode(img, "JPEG", exif=camera_exif(make="Canon", latitude=33.0)), storage
    )
    files = {p: p.stat().st_mtime_ns for p in stored_files(tmp_path)}
    second = process_image(
        encode(img, "JPEG", exif=camera_exif(make="Nikon", latitude=34.0)), storage
    )
    plain = process_image(encode(img, "JPEG"), storage)
    other = process_image(encode(photo(800, 600, corner=(0, 200, 0)), "JPEG"), storage)

    assert first.key == second.key == plain.key
    assert first == second
    assert other.key != first.key
    # Stored once: the second upload wrote nothing.
    assert {p: p.stat().st_mtime_ns for p in stored_files(tmp_path) if p in files} == files
    assert len(stored_files(tmp_path)) == 2 * len(first.renditions)


def test_orientation_changes_the_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    img = photo(800, 600)
    upright = process_image(encode(img, "JPEG", exif=camera_exif(orientation=1)), storage)
    rotated = process_image(encode(img, "JPEG", exif=camera_exif(orientation=6)), storage)
    assert upright.key != rotated.key
    assert (upright.width, upright.height) == (640, 480)
    assert (rotated.width, rotated.height) == (320, 427)


@pytest.mark.parametrize(
    ("width", "widths"),
    [
        (200, [200]),
        (250, [250]),
        (320, [320]),
        (700, [320, 640]),
        (1100, [320, 640, 1080]),
        (1280, [320, 640, 1080, 1280]),
    ],
)
def test_renditions_never_upscale(tmp_path: Path, width: int, widths: list[int]) -> None:
    result = process_image(encode(photo(width, 300), "PNG"), LocalStorage(tmp_path))
    assert sorted({r.width for r in result.renditions}) == widths
    assert {r.fmt for r in result.renditions} == {"webp", "jpeg"}
    assert result.width == widths[-1]
    assert result.height == round(300 * widths[-1] / width)


def test_webp_upload_is_accepted(tmp_path: Path) -> None:
    result = process_image(encode(photo(400, 300), "WEBP"), LocalStorage(tmp_path))
    assert [r.width for r in result.renditions] == [320, 320]


def test_png_alpha_is_flattened_onto_the_page_colour(tmp_path: Path) -> None:
    img = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    img.paste((*RED, 255), (100, 100, 300, 300))
    storage = LocalStorage(tmp_path)
    result = process_image(encode(img, "PNG"), storage)
    for rendition in result.renditions:
        out = Image.open(io.BytesIO(storage.read(rendition.name)))
        assert out.mode == "RGB"
        assert "transparency" not in out.info
        assert _close(out.getpixel((5, 5)), BACKGROUND, tolerance=6)  # not black
        assert _close(out.getpixel((160, 160)), RED)


def test_palette_png_with_transparency_is_flattened(tmp_path: Path) -> None:
    img = Image.new("P", (300, 300), 0)
    img.putpalette([0, 0, 0, *RED])
    img.paste(1, (0, 0, 300, 150))
    storage = LocalStorage(tmp_path)
    result = process_image(encode(img, "PNG", transparency=0), storage)
    out = Image.open(io.BytesIO(storage.read(result.renditions[-1].name))).convert("RGB")
    assert _close(out.getpixel((150, 50)), RED)
    assert _close(out.getpixel((150, 250)), BACKGROUND, tolerance=6)


def test_16_bit_greyscale_png_keeps_its_tones(tmp_path: Path) -> None:
    img = Image.new("I;16", (300, 300), 32768)  # mid grey, not white
    storage = LocalStorage(tmp_path)
    result = process_image(encode(img, "PNG"), storage)
    out = Image.open(io.BytesIO(storage.read(result.renditions[-1].name))).convert("RGB")
    assert _close(out.getpixel((150, 150)), (128, 128, 128), tolerance=4)


def exif_ifd(*entries: tuple[int, int, int, bytes]) -> bytes:
    """Raw big-endian EXIF with one IFD of (tag, type, count, inline value)."""
    body = b"".join(
        struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\0")
        for tag, kind, count, value in entries
    )
    return b"Exif\0\0MM\0\x2a\0\0\0\x08" + struct.pack(">H", len(entries)) + body + b"\0\0\0\0"


@pytest.mark.parametrize(
    "exif",
    [
        # Orientation 6 next to an XResolution written as text: this breaks
        # ImageOps.exif_transpose, which re-serialises the EXIF.
        exif_ifd((0x0112, 3, 1, struct.pack(">H", 6)), (0x011A, 2, 4, b"abc\0")),
        # EXIF cut short: Pillow warns (an error under this project's pytest).
        camera_exif(orientation=6).tobytes()[:100],
    ],
    ids=["mistyped-tag", "truncated"],
)
def test_corrupt_exif_does_not_block_the_upload(tmp_path: Path, exif: bytes) -> None:
    storage = LocalStorage(tmp_path)
    result = process_image(encode(photo(1500, 1000), "JPEG", exif=exif), storage)
    out = Image.open(io.BytesIO(storage.read(result.renditions[-1].name)))
    assert not out.getexif()
    # The orientation, still readable, is honoured: 1000 wide once upright.
    assert (result.width, result.height) == (640, 960)


# --- refusals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (7_000, 7_000),  # 49 Mpx: over our limit, under Pillow's
        (10_000, 10_000),  # 100 Mpx: Pillow's DecompressionBombWarning
        (20_000, 20_000),  # 400 Mpx: Pillow's DecompressionBombError
    ],
)
def test_decompression_bomb_is_refused(tmp_path: Path, width: int, height: int) -> None:
    data = bomb_png(width, height)
    assert len(data) < MAX_BYTES  # the byte limit alone would let it in
    with pytest.raises(ImageError) as exc:
        process_image(data, LocalStorage(tmp_path))
    assert message(exc) == TOO_BIG_PIXELS
    assert stored_files(tmp_path) == []


def test_svg_is_refused(tmp_path: Path) -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>alert(1)</script></svg>'
    with pytest.raises(ImageError) as exc:
        process_image(svg, LocalStorage(tmp_path))
    assert message(exc) == NOT_ACCEPTED
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "PDF", "ICO"])
def test_other_formats_are_refused(tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ImageError) as exc:
        process_image(encode(photo(400, 300), fmt), LocalStorage(tmp_path))
    assert message(exc) == NOT_ACCEPTED


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_file_is_refused(tmp_path: Path, fmt: str) -> None:
    noisy = Image.frombytes("RGB", (600, 400), random.Random(1).randbytes(600 * 400 * 3))
    data = encode(noisy, fmt)
    with pytest.raises(ImageError) as exc:
        process_image(data[: len(data) // 2], LocalStorage(tmp_path))
    assert message(exc) == DAMAGED
    assert stored_files(tmp_path) == []


def test_png_with_a_bad_checksum_is_refused(tmp_path: Path) -> None:
    data = bytearray(encode(photo(400, 300), "PNG"))
    idat = data.index(b"IDAT")
    (length,) = struct.unpack(">I", data[idat - 4 : idat])
    # Break the chunk's CRC only: the pixels still decode, verify() objects.
    data[idat + 4 + length] ^= 0xFF
    with pytest.raises(ImageError) as exc:
        process_image(bytes(data), LocalStorage(tmp_path))
    assert message(exc) == DAMAGED


def test_refused_formats_are_not_even_parsed(tmp_path: Path) -> None:
    gif = bytearray(encode(photo(400, 300), "GIF"))
    gif[6:10] = struct.pack("<HH", 20_000, 20_000)  # GIF's screen size
    # Pillow's GIF decoder would call this a decompression bomb; it never runs.
    with pytest.raises(ImageError) as exc:
        process_image(bytes(gif), LocalStorage(tmp_path))
    assert message(exc) == NOT_ACCEPTED


@pytest.mark.parametrize("data", [b"", b"hello", random.Random(2).randbytes(5000)])
def test_non_images_are_refused(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ImageError) as exc:
        process_image(data, LocalStorage(tmp_path))
    assert message(exc) == NOT_ACCEPTED


def test_too_many_bytes_is_refused_before_decoding(tmp_path: Path) -> None:
    data = encode(photo(400, 300), "PNG")
    assert len(data) > 1000
    with pytest.raises(ImageError) as exc:
        process_image(data, LocalStorage(tmp_path), max_bytes=1000)
    assert message(exc).startswith("The image is too large (at most ")
    # Not even looked at: junk over the default limit gets the size message.
    with pytest.raises(ImageError) as exc:
        process_image(b"x" * (MAX_BYTES + 1), LocalStorage(tmp_path))
    assert message(exc) == "The image is too large (at most 10 MB)."
    assert stored_files(tmp_path) == []


def test_byte_limit_comes_from_the_app_config(tmp_path: Path) -> None:
    data = encode(photo(400, 300), "PNG")
    with app_context(IMAGE_MAX_BYTES=1000), pytest.raises(ImageError):
        process_image(data, LocalStorage(tmp_path))
    with app_context(IMAGE_MAX_BYTES=1000):
        assert process_image(data, LocalStorage(tmp_path), max_bytes=len(data)).renditions
    with app_context():
        assert process_image(data, LocalStorage(tmp_path)).renditions


@pytest.mark.parametrize(("height", "accepted"), [(20_479, True), (20_480, False)])
def test_very_tall_image_is_refused_when_webp_cannot_hold_it(
    tmp_path: Path, height: int, accepted: bool
) -> None:
    # 400 wide: one 320 rendition, 16383 (WebP's limit) or 16384 pixels tall.
    data = encode(photo(400, height), "PNG")
    if accepted:
        assert process_image(data, LocalStorage(tmp_path)).height == 16_383
        return
    with pytest.raises(ImageError) as exc:
        process_image(data, LocalStorage(tmp_path))
    assert message(exc) == "The image is too tall for its width."
    assert stored_files(tmp_path) == []


def test_too_small_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImageError) as exc:
        process_image(encode(photo(100, 300), "JPEG"), LocalStorage(tmp_path))
    assert message(exc) == "The image is too small (at least 200 pixels wide)."
    # Measured upright: 300x100 stored, shown 100 wide.
    with pytest.raises(ImageError):
        process_image(
            encode(photo(300, 100), "JPEG", exif=camera_exif(orientation=6)), LocalStorage(tmp_path)
        )
    assert stored_files(tmp_path) == []


def test_load_truncated_images_switch_is_not_honoured(tmp_path: Path) -> None:
    data = encode(photo(400, 300), "JPEG")
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        with pytest.raises(RuntimeError):
            process_image(data[: len(data) // 2], LocalStorage(tmp_path))
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_messages_render_outside_an_app_context(tmp_path: Path) -> None:
    with pytest.raises(ImageError) as exc:
        process_image(b"GIF89a", LocalStorage(tmp_path))
    assert str(exc.value) == NOT_ACCEPTED
    assert str(exc.value.message) == NOT_ACCEPTED


FUZZ_SEEDS = [
    encode(photo(240, 200), "JPEG", exif=camera_exif(orientation=6), comment=b"hi"),
    encode(photo(240, 200), "PNG", exif=camera_exif(orientation=8)),
    encode(photo(240, 200), "WEBP", exif=camera_exif(orientation=3), xmp=b"<x/>"),
    encode(Image.new("RGBA", (240, 200), (1, 2, 3, 100)), "PNG"),
]


@settings(max_examples=80, deadline=None)
@given(
    seed=st.sampled_from(FUZZ_SEEDS),
    cut=st.floats(min_value=0.0, max_value=1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 0.999), st.integers(1, 255)), max_size=4),
)
def test_damaged_uploads_only_ever_raise_image_error(
    seed: bytes, cut: float, flips: list[tuple[float, int]]
) -> None:
    data = bytearray(seed)
    for where, mask in flips:
        data[int(where * len(data))] ^= mask
    data = data[: max(1, int(cut * len(data)))]
    storage = MemoryStorage()
    try:
        result = process_image(bytes(data), storage)
    except ImageError:
        assert storage.files == {}
    else:
        assert set(storage.files) == {r.name for r in result.renditions}


@settings(max_examples=25, deadline=None)
@given(width=st.integers(200, 1400), height=st.integers(1, 1400))
def test_renditions_keep_the_aspect_ratio(width: int, height: int) -> None:
    result = process_image(encode(photo(width, height), "PNG"), MemoryStorage())
    for rendition in result.renditions:
        assert rendition.width <= width
        assert rendition.height == max(1, round(height * rendition.width / width))


# --- srcset ----------------------------------------------------------------


def test_srcset_lists_one_format_by_width() -> None:
    renditions = (
        Rendition(320, 240, "webp", "img/ab/ab-320.webp"),
        Rendition(320, 240, "jpeg", "img/ab/ab-320.jpg"),
        Rendition(640, 480, "webp", "img/ab/ab-640.webp"),
        Rendition(640, 480, "jpeg", "img/ab/ab-640.jpg"),
    )
    url = lambda name: f"/media/{name}"  # noqa: E731
    assert (
        srcset(renditions, "webp", url)
        == "/media/img/ab/ab-320.webp 320w, /media/img/ab/ab-640.webp 640w"
    )
    assert (
        srcset(renditions, "jpeg", url)
        == "/media/img/ab/ab-320.jpg 320w, /media/img/ab/ab-640.jpg 640w"
    )
    with pytest.raises(ValueError):
        srcset(renditions, "png", url)  # type: ignore[arg-type]


# --- LocalStorage ----------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../escape",
        "a/../../escape",
        "..",
        "/abs",
        "/etc/passwd",
        "",
        "a\x00b",
        "..\\escape",
        "C:evil",
        ".",
    ],
)
def test_local_storage_refuses_names_outside_its_root(tmp_path: Path, name: str) -> None:
    storage = LocalStorage(tmp_path / "media")
    for call in (
        lambda: storage.save(name, b"x"),
        lambda: storage.read(name),
        lambda: storage.exists(name),
        lambda: storage.delete(name),
        lambda: storage.path(name),
    ):
        with pytest.raises(ValueError):
            call()
    assert not (tmp_path / "escape").exists()


def test_local_storage_refuses_symlinks_out_of_its_root(tmp_path: Path) -> None:
    (tmp_path / "media").mkdir()
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", tmp_path / "media" / "link")
    with pytest.raises(ValueError):
        LocalStorage(tmp_path / "media").save("link/file", b"x")
    assert list((tmp_path / "outside").iterdir()) == []


def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    name = "img/ab/abc-320.webp"
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.read(name)

    storage.save(name, b"first")
    assert storage.exists(name)
    assert storage.read(name) == b"first"
    assert storage.path(name) == (tmp_path / "media" / name).resolve()
    storage.save(name, b"second")  # idempotent: content-addressed names
    assert storage.read(name) == b"first"
    # No temporary files left behind by the atomic write.
    assert sorted(p.name for p in (tmp_path / "media" / "img" / "ab").iterdir()) == ["abc-320.webp"]

    storage.delete(name)
    assert not storage.exists(name)
    storage.delete(name)  # deleting twice is fine


def test_get_storage_is_configured_and_cached(tmp_path: Path) -> None:
    app = make_app(MEDIA_ROOT=str(tmp_path))
    with app.app_context():
        storage = get_storage()
        assert isinstance(storage, LocalStorage)
        assert get_storage() is storage
        storage.save("a.txt", b"x")
    assert (tmp_path / "a.txt").read_bytes() == b"x"
    with make_app(MEDIA_ROOT=str(tmp_path / "other")).app_context():
        assert get_storage() is not storage
