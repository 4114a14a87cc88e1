"""The region a variation may change, and the ``mask`` the edits endpoint takes for it.

A region is a mode "L" image of the upright source's size: non-zero where the picture may
change. The window paints it, the command line reads it from ``--region X,Y,W,H`` or a mask
file. For a run it is mapped through the same square crop and resize as the picture itself, so
the mask is a PNG of exactly the upload's size (API.md section 4): alpha 0 where the picture may
change, 255 elsewhere, nothing in between (a soft edge would be a guess on the server's side).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image

from .errors import ImageRejected
from .geometry import Square, clamp_square, largest_centred_square

if TYPE_CHECKING:
    from .encoding import Upload

MASK_FILENAME = "mask.png"
_CHANGE = 255


def region_from_rectangle(
    width: int, height: int, x: int, y: int, region_width: int, region_height: int
) -> Image.Image:
    """The rectangle ``x, y, region_width, region_height`` (upright source pixels) of a
    ``width`` x ``height`` picture as a region; refused when it misses the picture."""
    left, top = max(0, x), max(0, y)
    right, bottom = min(width, x + region_width), min(height, y + region_height)
    if region_width < 1 or region_height < 1 or right <= left or bottom <= top:
        raise ImageRejected(
            "bad_mask", f"The region {x},{y},{region_width},{region_height} is not on the picture."
        )
    region = Image.new("L", (width, height), 0)
    region.paste(_CHANGE, (left, top, right, bottom))
    return region


def region_from_mask_file(data: bytes, width: int, height: int) -> Image.Image:
    """A mask file as a region of a ``width`` x ``height`` picture: with an alpha channel,
    alpha 0 marks what may change (as the API reads masks); without one, white does (as
    people paint them). It must be the picture's upright size."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            mask = opened.copy()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise ImageRejected("bad_mask", "The mask is not a picture that can be read.") from None
    if mask.size != (width, height):
        raise ImageRejected(
            "bad_mask",
            f"The mask is {mask.width} × {mask.height} pixels; it must be the picture's size, "
            f"{width} × {height}.",
        )
    if "A" in mask.getbands() or (mask.mode == "P" and "transparency" in mask.info):
        alpha = mask.convert("RGBA").getchannel("A")
        return alpha.point(lambda value: _CHANGE if value == 0 else 0)
    return mask.convert("L").point(lambda value: _CHANGE if value >= 128 else 0)


def mask_for(
    region: Image.Image, square: Square | None, source_size: tuple[int, int], upload: Upload
) -> Upload:
    """The mask for ``upload``: ``region`` cropped to the square the upload was made from and
    resized to the upload's size. Refused before paying when nothing or everything may change
    (no region at all; or the whole picture, which is a plain variation)."""
    from .encoding import Upload

    width, height = source_size
    if region.size != source_size:
        raise ImageRejected(
            "bad_mask",
            f"The region is {region.width} × {region.height} pixels; the picture is "
            f"{width} × {height}.",
        )
    crop = (
        largest_centred_square(width, height)
        if square is None
        else clamp_square(square, width, height)
    )
    box = (crop.x, crop.y, crop.x + crop.side, crop.y + crop.side)
    # Nearest neighbour keeps it two-valued; a pixel of the upload changes when the source pixel
    # at its centre may.
    mapped = (
        region.convert("L")
        .crop(box)
        .resize((upload.width, upload.height), Image.Resampling.NEAREST)
    )
    changing = mapped.histogram()[_CHANGE]
    if changing == 0:
        raise ImageRejected(
            "bad_mask", "The region to vary is empty inside the square: paint a part of it."
        )
    if changing == upload.width * upload.height:
        raise ImageRejected(
            "bad_mask",
            "The region covers the whole square: that is a plain variation, without a region.",
        )
    alpha = mapped.point(lambda value: 0 if value == _CHANGE else 255)
    mask = Image.new("RGBA", mapped.size, (0, 0, 0, 255))
    mask.putalpha(alpha)
    out = io.BytesIO()
    mask.save(out, "PNG", optimize=True)
    return Upload(
        data=out.getvalue(),
        filename=MASK_FILENAME,
        mime_type="image/png",
        width=upload.width,
        height=upload.height,
        format="png",
    )
