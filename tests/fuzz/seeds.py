"""Small valid seed files of every accepted format, made in memory at test time.

Each seed is tiny (a few hundred bytes to a few KB) so a mutated copy decodes in
milliseconds, yet carries the structures parsers trip on: EXIF orientation, ICC profiles,
palettes with transparency, 16-bit samples, CMYK, progressive scans, several frames.
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any

from PIL import Image, ImageCms, ImageDraw

# The formats open_image accepts, as the loader's sniffing names them (MPO sniffs as JPEG,
# but gets its own seeds and quota: its second-frame index is a parser of its own).
FORMATS = ("PNG", "JPEG", "MPO", "WEBP", "GIF", "HEIF", "BMP", "TIFF")


def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    # Copies: saving leaves encoder settings on an image (appended frames too) that a later
    # save in another format misreads.
    if "append_images" in params:
        params["append_images"] = [frame.copy() for frame in params["append_images"]]
    image.copy().save(buffer, format=fmt, **params)
    return buffer.getvalue()


def picture(width: int = 20, height: int = 14) -> Image.Image:
    """A few coloured shapes: enough structure for every codec to emit real data."""
    image = Image.new("RGB", (width, height), (200, 60, 30))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2, height // 2), fill=(20, 90, 220))
    draw.ellipse((width // 3, height // 3, width - 1, height - 1), fill=(240, 230, 20))
    draw.line((0, height - 1, width - 1, 0), fill=(10, 10, 10))
    return image


def exif_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


@cache
def srgb_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _with_hole(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    ImageDraw.Draw(rgba).rectangle((0, 0, 5, 5), fill=(0, 0, 0, 0))
    return rgba


@cache
def seeds_by_format() -> dict[str, tuple[bytes, ...]]:
    import pillow_heif

    pillow_heif.register_heif_opener()
    base = picture()
    flipped = base.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    rgba = _with_hole(base)
    palette = base.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    exif = exif_orientation(6)
    icc = srgb_profile()
    return {
        "PNG": (
            encode(base, "PNG", exif=exif),
            encode(palette, "PNG", transparency=2),
            encode(rgba, "PNG", icc_profile=icc),
            encode(Image.new("I;16", (12, 8), 40000), "PNG"),
            encode(base.convert("1"), "PNG"),
            encode(base.convert("LA"), "PNG"),
        ),
        "JPEG": (
            encode(base, "JPEG", quality=80, exif=exif),
            encode(base, "JPEG", quality=80, progressive=True),
            encode(Image.new("CMYK", (16, 12), (0, 200, 200, 0)), "JPEG"),
            encode(base.convert("L"), "JPEG", quality=70, icc_profile=icc),
            encode(base, "JPEG", quality=90, subsampling=0, restart_marker_blocks=1),
        ),
        "MPO": (encode(base, "MPO", save_all=True, append_images=[flipped]),),
        "WEBP": (
            encode(base, "WEBP", quality=60),
            encode(rgba, "WEBP", lossless=True),
            encode(base, "WEBP", quality=60, exif=exif, icc_profile=icc),
            encode(base, "WEBP", save_all=True, append_images=[flipped], lossless=True),
        ),
        "GIF": (
            encode(base, "GIF", save_all=True, append_images=[flipped], loop=0, duration=50),
            encode(palette, "GIF", transparency=2),
            encode(base.convert("L"), "GIF", interlace=True),
        ),
        "HEIF": (
            encode(base, "HEIF", quality=50),
            encode(rgba, "HEIF", quality=50),
        ),
        "BMP": (
            encode(base, "BMP"),
            encode(palette, "BMP"),
            encode(base.convert("1"), "BMP"),
            encode(rgba, "BMP"),
            encode(palette, "BMP", compression="rle8") if _bmp_rle_ok() else encode(base, "BMP"),
        ),
        "TIFF": (
            encode(base, "TIFF", compression="tiff_lzw", exif=exif),
            encode(Image.new("I;16", (12, 8), 30000), "TIFF"),
            encode(Image.new("CMYK", (10, 8), (10, 20, 30, 40)), "TIFF", compression="packbits"),
            encode(rgba, "TIFF", compression="tiff_deflate", icc_profile=icc),
            encode(base, "TIFF", save_all=True, append_images=[flipped]),
            encode(base, "TIFF", compression="jpeg"),
        ),
    }


def _bmp_rle_ok() -> bool:
    """Pillow writes RLE8 BMPs only in recent versions; fall back quietly on older ones."""
    try:
        encode(Image.new("P", (2, 2)), "BMP", compression="rle8")
    except (ValueError, OSError, KeyError, TypeError):
        return False
    return True


@cache
def all_seeds() -> tuple[bytes, ...]:
    return tuple(data for group in seeds_by_format().values() for data in group)
