"""Upload pipeline for product and cooperative images.

Uploaded files are untrusted: they are checked before decoding (byte size),
while decoding (format, pixel count, integrity) and then re-encoded from
their pixels only, so no EXIF (GPS position of a producer's home, camera
serial numbers), ICC, XMP or comment metadata reaches the public site.
Every picture is stored in a few widths as WebP and JPEG under a content
address, so the same picture uploaded twice is stored once.

A product photo uploaded through the workspace is checked and stored at its
largest width only (``largest_only``) while the cooperative waits; the
smaller widths are derived from that rendition by a job after the commit
(``derive_renditions``, ``catalog/jobs.py``).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

from shop.storage import Storage

from .exceptions import ImageError

#: Raster formats we decode.  SVG is refused because it is not a raster
#: image and can carry scripts; GIF, TIFF, BMP and PDF are not worth the
#: extra decoders' attack surface for product photos.
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
#: Upload size limit, overridable by ``IMAGE_MAX_BYTES`` or ``max_bytes``.
MAX_BYTES = 10 * 1024 * 1024
#: Pixel limit: a small file can declare huge dimensions (decompression
#: bomb) and exhaust memory once decoded.
MAX_PIXELS = 40_000_000
#: Longest side WebP can encode; a very tall, narrow picture exceeds it.
MAX_SIDE = 16_383
#: The longest side a JPEG can have (any upload's side is at most this).
JPEG_MAX_SIDE = 65_500
#: Rendition widths, for ``srcset``. 1080 is a 360 px phone's screen at
#: 3 device pixels per CSS pixel: a product page's picture spans that phone
#: (catalog/presentation.py, ``gallery_picture``), which then never needs the 1280 one.
WIDTHS = (320, 640, 1080, 1280)
#: Narrower pictures look blurry on product pages.
MIN_WIDTH = 200
#: Warm off-white of the site's pages, behind transparent areas.
BACKGROUND = (0xFB, 0xF7, 0xF0)

Format = Literal["webp", "jpeg"]
_EXTENSIONS: dict[Format, str] = {"webp": "webp", "jpeg": "jpg"}
# How to turn a picture upright for each EXIF orientation (as Pillow does).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# What Pillow's decoders raise on malformed input.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


@dataclass(frozen=True, slots=True)
class Rendition:
    """One stored encoding of a picture at one width."""

    width: int
    height: int
    fmt: Format
    name: str


@dataclass(frozen=True, slots=True)
class ProcessedImage:
    """A stored picture: its content address and its renditions."""

    key: str
    width: int
    height: int
    renditions: tuple[Rendition, ...]


@dataclass(frozen=True, slots=True)
class CheckedImage:
    """An upload that passed every check: its clean pixels and content address.

    Nothing is encoded or stored yet: the catalog import checks a whole file
    before it stores anything, and skips a picture its product already has.
    """

    master: Image.Image
    key: str
    widths: tuple[int, ...]


def check_image(data: bytes, *, max_bytes: int | None = None) -> CheckedImage:
    """Decode and check an upload as ``process_image`` does, storing nothing."""
    limit = _byte_limit(max_bytes)
    if len(data) > limit:
        raise ImageError(
            _l("The image is too large (at most %(mb)s MB).", mb=f"{limit / 2**20:.3g}")
        )
    master = _clean(_decode(data))
    if master.width < MIN_WIDTH:
        raise ImageError(_l("The image is too small (at least %(px)s pixels wide).", px=MIN_WIDTH))
    widths = [w for w in WIDTHS if w <= master.width] or [master.width]
    if _height_at(master, widths[-1]) > MAX_SIDE:
        raise ImageError(_l("The image is too tall for its width."))
    return CheckedImage(master, _content_key(master), tuple(widths))


def store_image(
    checked: CheckedImage, storage: Storage, *, largest_only: bool = False
) -> ProcessedImage:
    """Encode and store a checked image in every rendition (or only its largest)."""
    widths = list(checked.widths)
    files = _store_widths(
        checked.master, checked.key, widths[-1:] if largest_only else widths, storage
    )
    largest = files[-1]
    return ProcessedImage(checked.key, largest.width, largest.height, files)


def process_image(
    data: bytes, storage: Storage, *, max_bytes: int | None = None, largest_only: bool = False
) -> ProcessedImage:
    """Check, clean and store an uploaded image in every rendition.

    With ``largest_only``, only the largest width is stored (WebP and JPEG);
    ``derive_renditions`` makes the others later.
    """
    return store_image(check_image(data, max_bytes=max_bytes), storage, largest_only=largest_only)


def pending_widths(width: int) -> list[int]:
    """The smaller widths ``derive_renditions`` adds to a picture stored at ``width``."""
    return [w for w in WIDTHS if w < width]


def derive_renditions(key: str, width: int, storage: Storage) -> tuple[Rendition, ...]:
    """Store the smaller widths of picture ``key`` from its stored ``width`` JPEG.

    The source is our own re-encoded rendition, never the upload. Safe to run
    again: names are content addresses and an existing file is kept.
    """
    with Image.open(io.BytesIO(storage.read(rendition_name(key, width, "jpg")))) as source:
        source.load()
        master = source.convert("RGB")
    return _store_widths(master, key, pending_widths(width), storage)


def _store_widths(
    master: Image.Image, key: str, widths: list[int], storage: Storage
) -> tuple[Rendition, ...]:
    # Encode everything before saving anything, so a failure leaves no
    # partial set of renditions behind.
    files: list[tuple[Rendition, bytes]] = []
    for width in widths:
        resized = _resize(master, width)
        for fmt in _EXTENSIONS:
            name = rendition_name(key, width, _EXTENSIONS[fmt])
            files.append((Rendition(width, resized.height, fmt, name), _encode(resized, fmt)))
    for rendition, blob in files:
        storage.save(rendition.name, blob)
    return tuple(r for r, _ in files)


def clean_photo(data: bytes, *, max_bytes: int | None = None) -> bytes:
    """A checked upload re-encoded as one JPEG at full size, with no metadata.

    For private documents (a photographed certificate): the same checks as
    product pictures, but no renditions and no minimum width.
    """
    limit = _byte_limit(max_bytes)
    if len(data) > limit:
        raise ImageError(
            _l("The image is too large (at most %(mb)s MB).", mb=f"{limit / 2**20:.3g}")
        )
    return _encode(_clean(_decode(data)), "jpeg")


def rendition_name(key: str, width: int, extension: str) -> str:
    """Where the rendition of picture ``key`` at ``width`` is stored."""
    return f"img/{key[:2]}/{key}-{width}.{extension}"


def srcset(renditions: tuple[Rendition, ...], fmt: Format, url: Callable[[str], str]) -> str:
    """Build an HTML ``srcset`` value from the renditions in ``fmt``."""
    if fmt not in _EXTENSIONS:
        raise ValueError(f"unknown image format: {fmt!r}")
    return ", ".join(f"{url(r.name)} {r.width}w" for r in renditions if r.fmt == fmt)


def _byte_limit(max_bytes: int | None) -> int:
    """Return the upload size limit: argument, then app config, then default."""
    if max_bytes is not None:
        return max_bytes
    if has_app_context():
        return int(current_app.config.get("IMAGE_MAX_BYTES", MAX_BYTES))
    return MAX_BYTES


def _decode(data: bytes) -> Image.Image:
    """Open, verify and fully decode ``data``, refusing anything unsafe."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone switched on a process-wide Pillow option that would accept
        # damaged uploads (with grey bands); refuse to work rather than
        # silently storing broken pictures.
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must be False")
    checked = _open(data)
    try:
        # verify() reads the whole file (checksums for PNG) but leaves the
        # image unusable, hence the second open below.
        checked.verify()
    except _DECODE_ERRORS as exc:
        raise ImageError(_l("The image file is damaged or incomplete.")) from exc
    img = _open(data)
    try:
        img.load()
    except _DECODE_ERRORS as exc:
        raise ImageError(_l("The image file is damaged or incomplete.")) from exc
    return img


def _open(data: bytes) -> ImageFile.ImageFile:
    """Read the header of ``data`` and check its format and pixel count."""
    try:
        with warnings.catch_warnings():
            # Corrupt EXIF (read here for the JPEG resolution) only warns, and
            # we drop EXIF anyway.
            warnings.simplefilter("ignore", UserWarning)
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that;
            # for uploads a warning is a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only our formats' decoders ever see the bytes.
            img = Image.open(io.BytesIO(data), formats=sorted(ALLOWED_FORMATS))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise ImageError(_l("The image is too big in pixels.")) from exc
    except UnidentifiedImageError as exc:
        raise ImageError(_l("This file is not an image we accept (JPEG, PNG or WebP).")) from exc
    except _DECODE_ERRORS as exc:
        # Recognised, but the decoder failed on the header (WebP reads the
        # whole file when opened).
        raise ImageError(_l("The image file is damaged or incomplete.")) from exc
    if img.format not in ALLOWED_FORMATS:
        raise ImageError(_l("This file is not an image we accept (JPEG, PNG or WebP)."))
    # Our limit is stricter than Pillow's; checked before any pixel is decoded.
    # A JPEG side is at most 65,500 pixels: a 70000×1 PNG has few pixels but
    # could never be re-encoded (Pillow's OSError, a 500, in clean_photo).
    if img.width * img.height > MAX_PIXELS or max(img.size) > JPEG_MAX_SIDE:
        raise ImageError(_l("The image is too big in pixels."))
    return img


def _clean(img: Image.Image) -> Image.Image:
    """Return the upright RGB pixels of ``img`` with no metadata."""
    img = _upright(img)
    if img.mode in ("I", "I;16", "I;16B", "I;16L"):
        # 16-bit greyscale PNG: scale to 8 bits, or a plain convert clips
        # everything above 255 to white.
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    if img.has_transparency_data:
        # JPEG has no alpha: lay the picture on the page colour rather than
        # on black.
        background = Image.new("RGBA", img.size, BACKGROUND)
        img = Image.alpha_composite(background, img.convert("RGBA"))
    img = img.convert("RGB")
    # Encoders copy some keys (the JPEG comment, for one) from ``info``.
    img.info.clear()
    return img


def _upright(img: Image.Image) -> Image.Image:
    """Turn ``img`` as its EXIF orientation says, like a phone displays it."""
    # Not ImageOps.exif_transpose: it re-serialises the EXIF we are about to
    # drop, and crashes on the corrupt EXIF some phones and editors write.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # corrupt EXIF only warns
            orientation = img.getexif().get(ExifTags.Base.Orientation, 1)
    except _DECODE_ERRORS:
        return img
    method = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
    return img.transpose(method) if method is not None else img


def _content_key(img: Image.Image) -> str:
    """Hash the pixels, size and mode: identical pictures share a key."""
    digest = hashlib.sha256(f"{img.mode}:{img.width}x{img.height}:".encode())
    digest.update(img.tobytes())
    return digest.hexdigest()


def _resize(img: Image.Image, width: int) -> Image.Image:
    """Scale ``img`` to ``width`` keeping its aspect ratio."""
    if width == img.width:
        return img
    # reducing_gap shrinks big photos cheaply before the LANCZOS pass, with
    # no visible difference at these ratios.
    return img.resize((width, _height_at(img, width)), Image.Resampling.LANCZOS, reducing_gap=3.0)


def _height_at(img: Image.Image, width: int) -> int:
    """Height of ``img`` scaled to ``width``."""
    return max(1, round(img.height * width / img.width))


def _encode(img: Image.Image, fmt: Format) -> bytes:
    """Encode ``img`` as ``fmt`` with no metadata."""
    out = io.BytesIO()
    if fmt == "webp":
        img.save(out, "WEBP", quality=82, method=4)
    else:
        img.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()
