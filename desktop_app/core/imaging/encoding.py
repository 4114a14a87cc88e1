"""Turning a square or frame of a SourceImage into the bytes an upload needs.

Classic variations (dall-e-2 style) want a square PNG under 4 MB. GPT Image edits take PNG,
JPEG or WebP of any shape, so there we send the smallest file that still looks like the picture:

* opaque photos: JPEG or lossy WebP, whichever is smaller, each at the lowest setting that
  keeps PSNR >= 40 dB against the lossless square (see lossy.py for how it is found).
* real transparency: lossless WebP (a third of PNG's size on photos, and faster).
* flat graphics and screenshots (few colours): PNG (palette when exact) if it is smaller.
* nothing lossy reaches 40 dB (pure noise): lossless PNG.

A zoom-out upload is the framed picture scaled down on a transparent canvas: it has real
transparency by construction, so it is always lossless (the border must reach the model as
alpha 0, and its mask says the same).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from desktop_app.core.capabilities import CLASSIC_SIDES

from .errors import ImageRejected
from .geometry import Frame, Square, frame_for_upload, zoom_placement
from .loading import SourceImage
from .lossy import first_guess, lossy_file, sample_rows, smallest_lossy, strips_of
from .quality import chroma_subsampling_psnr
from .resampling import on_helper

UploadFormat = Literal["png", "jpeg", "webp"]

CLASSIC_MAX_BYTES = 4 * 1024 * 1024
EDIT_MAX_BYTES = 50 * 1000 * 1000  # the edits endpoint takes files under 50 MB
EDIT_MAX_SIDE = 4096

_MIME: dict[UploadFormat, str] = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
_EXTENSION: dict[UploadFormat, str] = {"png": "png", "jpeg": "jpg", "webp": "webp"}

_PNG_TRY_FACTOR = 1.5  # encode the full PNG only if the sample says it may come close
# Colour subsampling (which lossy WebP always does) must leave this much for WebP to be
# tried: measured, WebP reached 40 dB at a competitive size only on such pictures.
_WEBP_MIN_CHROMA_DB = 43.0
_FEW_COLOURS = 1 << 16  # fewer distinct colours than this: a graphic, so PNG may win


@dataclass(frozen=True)
class Upload:
    """Bytes ready for a multipart upload; filename extension and MIME type match them."""

    data: bytes
    filename: str
    mime_type: str
    width: int
    height: int
    format: UploadFormat


def square_pixels(image: SourceImage, square: Square | Frame | None, side: int) -> Image.Image:
    """The square (clamped into the picture; None: largest centred) as side x side sRGB."""
    return frame_pixels(image, square, (side, side))


def frame_pixels(
    image: SourceImage, crop: Square | Frame | None, size: tuple[int, int]
) -> Image.Image:
    """The crop (see ``frame_for_upload``: clamped, given ``size``'s ratio) as ``size`` sRGB."""
    frame = frame_for_upload(crop, image.width, image.height, size)
    return image.render(frame.box, size)


def zoomed_out_pixels(
    image: SourceImage, crop: Square | Frame | None, size: tuple[int, int], zoom_out: float
) -> Image.Image:
    """A transparent ``size`` canvas with the crop scaled by 1 / ``zoom_out`` in its centre."""
    frame = frame_for_upload(crop, image.width, image.height, size)
    inner = zoom_placement(*size, zoom_out)
    pixels = image.render(frame.box, (inner.width, inner.height)).convert("RGBA")
    canvas = Image.new("RGBA", size, (0, 0, 0, 0))
    canvas.paste(pixels, (inner.x, inner.y))
    return canvas


def prepare_classic_upload(image: SourceImage, square: Square | Frame | None, side: int) -> Upload:
    """A side x side PNG under 4 MB for the classic variations endpoint."""
    if isinstance(side, bool) or side not in CLASSIC_SIDES:
        raise ValueError(f"classic side must be one of {CLASSIC_SIDES}, got {side!r}")
    pixels = square_pixels(image, square, side)
    return _upload(image, _png_within(pixels, CLASSIC_MAX_BYTES), "png", (side, side))


def prepare_edit_upload(
    image: SourceImage,
    crop: Square | Frame | None,
    size: int | tuple[int, int],
    *,
    zoom_out: float | None = None,
) -> Upload:
    """The most compact faithful file for the GPT Image edits endpoint.

    ``size`` is a side (a square upload, as before shapes) or (width, height); the crop is
    given that ratio (``frame_for_upload``). With ``zoom_out`` the crop is placed smaller on a
    transparent canvas of that size (``zoom_placement``) and the file keeps its alpha.
    """
    width, height = _edit_size(size)
    if zoom_out is not None:
        pixels = zoomed_out_pixels(image, crop, (width, height), zoom_out)
    else:
        pixels = frame_pixels(image, crop, (width, height))
    if pixels.mode == "RGBA":
        data, fmt = _smallest_lossless(pixels)
    else:
        data, fmt = _smallest_faithful(pixels)
    if len(data) >= EDIT_MAX_BYTES:  # can't happen at 4096 px, but never send a doomed file
        raise ImageRejected("too_large", "The prepared picture would be too large to upload.")
    return _upload(image, data, fmt, (width, height))


def _edit_size(size: int | tuple[int, int]) -> tuple[int, int]:
    sides = (size, size) if not isinstance(size, tuple) else size
    for side in sides:
        if isinstance(side, bool) or not isinstance(side, int) or not 1 <= side <= EDIT_MAX_SIDE:
            raise ValueError(f"edit sides must be ints in 1..{EDIT_MAX_SIDE}, got {size!r}")
    width, height = sides
    return width, height


# ----------------------------------------------------------------------------- choosing


def _smallest_faithful(pixels: Image.Image) -> tuple[bytes, UploadFormat]:
    """Opaque pixels: the smallest file keeping 40 dB; lossless PNG where it can compete."""
    sample = sample_rows(pixels)
    setting = first_guess(sample, "jpeg")
    # What decides the other candidates is worked out on the helper thread while this one
    # encodes and checks the JPEG (started now, so it doesn't delay the probes).
    pending = on_helper(lambda: _traits(pixels))
    candidates: list[tuple[bytes, UploadFormat]] = []
    best_effort: tuple[bytes, UploadFormat] | None = None
    data, ok = lossy_file(pixels, "jpeg", setting)
    if ok:
        candidates.append((data, "jpeg"))
    else:
        best_effort = (data, "jpeg")
    webp_may_keep_it, few_colours = pending.result()
    if webp_may_keep_it:
        data, ok = smallest_lossy(pixels, sample, "webp")
        if ok:
            candidates.append((data, "webp"))
    if not candidates or few_colours:
        # Few colours (graphics, screenshots) may compress losslessly below the lossy size;
        # a PNG of the sample tells cheaply whether the full PNG is worth encoding. And
        # when no lossy file kept the picture, lossless is the faithful answer.
        smallest = min((len(data) for data, _ in candidates), default=None)
        estimate = len(_encode(sample, "PNG")) * pixels.height / sample.height
        if smallest is None or estimate < _PNG_TRY_FACTOR * smallest:
            png = _png_compact(pixels)
            if len(png) < EDIT_MAX_BYTES or best_effort is None:
                candidates.append((png, "png"))
    if not candidates and best_effort is not None:
        candidates.append(best_effort)
    return min(candidates, key=lambda candidate: len(candidate[0]))


def _traits(pixels: Image.Image) -> tuple[bool, bool]:
    """Whether lossy WebP may reach the bar (see _WEBP_MIN_CHROMA_DB), and whether the
    picture has few colours (a graphic: PNG may win)."""
    webp_may_keep_it = chroma_subsampling_psnr(*strips_of(pixels)) >= _WEBP_MIN_CHROMA_DB
    return webp_may_keep_it, pixels.getcolors(_FEW_COLOURS) is not None


def _smallest_lossless(pixels: Image.Image) -> tuple[bytes, UploadFormat]:
    """Real transparency: lossless WebP, which keeps every visible pixel and alpha exactly.

    Measured on a 1024x1024 photo with a transparent surround: PNG 2.0 MB in 0.9 s, lossless
    WebP 0.68 MB in 0.27 s (method 2, quality 0; more effort saved 3 % for twice the time).
    It won on graphics too, so PNG isn't tried. exact=False lets it discard the colour of
    fully transparent pixels, which nobody can see.
    """
    return _encode(pixels, "WEBP", lossless=True, quality=0, method=2, exact=False), "webp"


# ----------------------------------------------------------------------------- PNG


def _png_within(pixels: Image.Image, limit: int) -> bytes:
    """PNG under ``limit`` bytes, same size and mode: drop low bits only if it must."""
    data = _encode(pixels, "PNG")
    bits = 7
    while len(data) >= limit and bits >= 1:
        # Only noise-like pictures get here; dropping the lowest colour bits is invisible at
        # 7-6 and keeps RGB/RGBA (some servers reject palette PNGs). Alpha stays exact.
        mask = 0xFF ^ ((1 << (8 - bits)) - 1)
        colour = [value & mask for value in range(256)]
        table = colour * 3 + (list(range(256)) if pixels.mode == "RGBA" else [])
        data = _encode(pixels.point(table), "PNG")
        bits -= 1
    return data


def _png_compact(pixels: Image.Image) -> bytes:
    """Smallest plain PNG: as a palette image when that is exact (<= 256 colours)."""
    colours = pixels.getcolors(256)
    if colours is not None:
        palette = Image.new("P", (1, 1))
        flat = [channel for _count, colour in colours for channel in _as_rgb(colour)]
        palette.putpalette(flat + [0] * (768 - len(flat)))
        indexed = pixels.convert("RGB").quantize(palette=palette, dither=Image.Dither.NONE)
        if indexed.convert("RGB").tobytes() == pixels.convert("RGB").tobytes():
            return _encode(indexed, "PNG", optimize=True)
    return _encode(pixels, "PNG")


def _as_rgb(colour: object) -> tuple[int, int, int]:
    if isinstance(colour, tuple) and len(colour) >= 3:
        return int(colour[0]), int(colour[1]), int(colour[2])
    value = int(colour)  # type: ignore[call-overload]
    return value, value, value


# ----------------------------------------------------------------------------- shared


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.info = {}  # never carry EXIF, ICC or text chunks into an upload
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _upload(image: SourceImage, data: bytes, fmt: UploadFormat, size: tuple[int, int]) -> Upload:
    return Upload(
        data=data,
        filename=f"{_safe_stem(image.name)}.{_EXTENSION[fmt]}",
        mime_type=_MIME[fmt],
        width=size[0],
        height=size[1],
        format=fmt,
    )


def _safe_stem(name: str) -> str:
    """ASCII file stem for multipart headers: proxies mangle anything else."""
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip(".-_")[:60]
    return stem or "image"
