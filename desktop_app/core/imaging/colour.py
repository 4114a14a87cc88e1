"""Turning whatever pixel format a file holds into 8-bit sRGB, with or without alpha.

Two stages, because resizing is cheapest in between: ``to_working_mode`` makes the pixels
resizable (L, LA, RGB, RGBA, CMYK or LAB, 8 bits), ``to_srgb`` then converts the (by then
small) result to RGB/RGBA in sRGB using the embedded ICC profile when there is one.
"""

from __future__ import annotations

import functools
import io
import sys
import threading

from PIL import Image, ImageCms

# Modes that resize correctly as they are; everything else is converted first.
WORKING_MODES = frozenset({"L", "LA", "RGB", "RGBA", "CMYK", "LAB"})
ALPHA_MODES = frozenset({"LA", "RGBA"})

# Pillow's own conversions that keep every bit of information for these modes.
_SIMPLE: dict[str, str] = {
    "1": "L",
    "La": "LA",
    "PA": "RGBA",
    "RGBa": "RGBA",
    "RGBX": "RGB",
    "YCbCr": "RGB",
    "HSV": "RGB",
}

# LittleCMS transforms keep a one-pixel cache that is not safe to use from two threads at
# once, and the cached transforms are shared (pictures are rendered on several threads, an
# upload's bands on two).
_transform_lock = threading.Lock()

Levels = tuple[float, float]  # (scale, offset) mapping a high-depth value to 0..255


def levels_for(image: Image.Image) -> Levels | None:
    """For 16/32-bit and float pictures: how to map values onto 0..255.

    Must be computed on the WHOLE picture (not a crop) so that a crop is as bright as the
    same area of the whole.
    """
    mode = image.mode
    if mode not in ("I", "F"):  # (I;16 is always full range: see _sixteen_bit_to_l)
        return None
    low, high = image.getextrema()
    low, high = float(low), float(high)  # type: ignore[arg-type]
    if mode == "F" and low >= 0.0 and high <= 1.0:
        return 255.0, 0.0  # floats in 0..1, the common convention
    if low >= 0 and high <= 255:
        return 1.0, 0.0  # 8-bit values stored wide
    if low >= 0 and high <= 65535:
        return 1 / 257, 0.0  # 16-bit values stored wide (older Pillow, some TIFFs)
    if not high > low:  # constant picture (or NaN): mid grey is as good as anything
        return 0.0, 128.0
    return 255.0 / (high - low), -low * 255.0 / (high - low)  # stretch whatever range it has


def to_working_mode(image: Image.Image, levels: Levels | None) -> Image.Image:
    """Return an 8-bit image in one of WORKING_MODES (transparency made explicit as alpha)."""
    mode = image.mode
    if mode in WORKING_MODES and "transparency" not in image.info:
        return image
    if mode in _SIMPLE:
        return image.convert(_SIMPLE[mode])
    if mode == "P":
        # Palette files may mark a colour (or palette alpha) as transparent.
        palette_alpha = image.palette is not None and image.palette.mode == "RGBA"
        has_alpha = "transparency" in image.info or palette_alpha
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode in ("L", "RGB"):  # with a tRNS-style transparent colour
        return image.convert("LA" if mode == "L" else "RGBA")
    if mode in _SIXTEEN_BIT_RAW:
        return _sixteen_bit_to_l(image)
    if mode.startswith("I") or mode == "F":
        scale, offset = levels if levels is not None else (1.0, 0.0)
        wide = image if mode in ("I", "F") else image.convert("I")
        # point() on I/F applies value*scale+offset in C; convert("L") then clips to 0..255.
        return wide.point(lambda v: v * scale + offset).convert("L")
    return image.convert("RGBA" if "A" in mode else "RGB")


# 16-bit modes and the raw unpacker that keeps each value's high byte.
_SIXTEEN_BIT_RAW = {
    "I;16": "L;16",
    "I;16L": "L;16",
    "I;16B": "L;16B",
    "I;16N": "L;16" if sys.byteorder == "little" else "L;16B",
}


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    """16-bit grey to 8-bit by keeping the high byte (value / 256, within 1 of / 257).

    Pillow's own I;16 -> L conversion clips at 255 instead of scaling, and going through
    32-bit "I" needs four bytes per pixel twice over: 800 MB for a 100 MP picture.
    """
    return Image.frombytes("L", image.size, image.tobytes(), "raw", _SIXTEEN_BIT_RAW[image.mode])


def has_transparency(image: Image.Image) -> bool:
    """True when an alpha channel exists AND some pixel is not fully opaque."""
    if image.mode not in ALPHA_MODES:
        return False
    low, _high = image.getchannel("A").getextrema()
    return bool(low < 255)  # type: ignore[operator]


def drop_alpha(image: Image.Image) -> Image.Image:
    return image.convert("L" if image.mode == "LA" else "RGB")


def to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert a working-mode image to RGB or RGBA in sRGB."""
    alpha = image.getchannel("A") if image.mode in ALPHA_MODES else None
    colour = drop_alpha(image) if alpha is not None else image
    converted = _apply_icc(colour, icc) if icc else None
    if converted is None:
        converted = _plain_convert(colour)
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _plain_convert(image: Image.Image) -> Image.Image:
    if image.mode == "LAB":
        # LAB has no "assume sRGB" fallback: it is defined absolutely, so convert properly.
        transform = _cached_transform(None, "LAB")
        converted = ImageCms.applyTransform(image, transform) if transform else None
        if converted is not None:
            return converted
    return image.convert("RGB")


def _apply_icc(image: Image.Image, icc: bytes) -> Image.Image | None:
    transform = _cached_transform(icc, image.mode)
    if transform is None:
        return None
    try:
        with _transform_lock:
            return ImageCms.applyTransform(image, transform)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None  # a profile that doesn't fit the pixels: fall back to assuming sRGB


@functools.lru_cache(maxsize=16)
def _cached_transform(icc: bytes | None, mode: str) -> ImageCms.ImageCmsTransform | None:
    """Build (once per profile and mode) the transform to sRGB; None means 'leave as is'.

    A broken or mismatched profile is ignored rather than rejecting the picture: the pixels
    are usually fine and showing them unmanaged beats refusing them.
    """
    try:
        if icc is None:
            source = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB"))
        else:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            if _is_srgb(source):
                return None  # already sRGB: skip a costly identity transform
        return ImageCms.buildTransform(
            source,
            _srgb(),
            mode,
            "RGB",
            renderingIntent=ImageCms.Intent.PERCEPTUAL,
            # NOCACHE: lcms' one-pixel cache is not thread-safe, and transforms are shared.
            flags=ImageCms.Flags.NOCACHE,
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def _is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    try:
        description = ImageCms.getProfileDescription(profile)
    except ImageCms.PyCMSError:
        return False
    return "srgb" in description.lower()


@functools.cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
