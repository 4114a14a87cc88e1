"""The region a variation may change, and the ``mask`` the edits endpoint takes for it.

A region is a mode "L" image of the upright source's size: non-zero where the picture may
change. The window paints it, the command line reads it from ``--region X,Y,W,H`` or a mask
file. For a run it is mapped through the same crop (``frame_for_upload``: square or frame) and
resize as the picture itself, so the mask is a PNG of exactly the upload's size (API.md section
4): alpha 0 where the picture may change, 255 elsewhere, nothing in between (a soft edge would
be a guess on the server's side). A zoom-out's mask is its transparent border, plus the region
(if any) where it lands on the smaller picture.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image

from .errors import ImageRejected
from .geometry import Frame, Square, frame_for_upload, zoom_placement

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
    people paint them). It must be the picture's upright size (EXIF rotation applied), the
    size the window paints on: not the crop's or the upload's, which change with the framing."""
    unreadable = ImageRejected("bad_mask", "The mask is not a picture that can be read.")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            # The size is in the header: a mask of the wrong size is refused undecoded.
            if opened.size != (width, height):
                raise ImageRejected(
                    "bad_mask",
                    f"The mask is {opened.width} × {opened.height} pixels; it must be the "
                    f"picture's size, {width} × {height}.",
                )
            opened.load()
            mask = opened.copy()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise unreadable from None
    if "A" in mask.getbands() or (mask.mode == "P" and "transparency" in mask.info):
        alpha = mask.convert("RGBA").getchannel("A")
        return alpha.point(lambda value: _CHANGE if value == 0 else 0)
    return mask.convert("L").point(lambda value: _CHANGE if value >= 128 else 0)


def mask_for(
    region: Image.Image | None,
    crop: Square | Frame | None,
    source_size: tuple[int, int],
    upload: Upload,
    *,
    zoom_out: float | None = None,
) -> Upload:
    """The mask for ``upload``: ``region`` cropped to the frame the upload was made from and
    resized to the upload's size, or, for a zoom-out, to the picture's place on its canvas with
    the border around it (``region`` None: the border only).

    Refused before paying when nothing or everything may change: a region empty inside the
    frame, or covering all of the upload (a plain variation, without a region).
    """
    width, height = source_size
    size = (upload.width, upload.height)
    shape_word = "square" if upload.width == upload.height else "frame"
    if region is None and zoom_out is None:
        raise ValueError("a mask needs a region, a zoom out, or both")
    if region is not None and region.size != source_size:
        raise ImageRejected(
            "bad_mask",
            f"The region is {region.width} × {region.height} pixels; the picture is "
            f"{width} × {height}.",
        )
    frame = frame_for_upload(crop, width, height, size)
    inner = Frame(0, 0, *size) if zoom_out is None else zoom_placement(*size, zoom_out)
    # Zoom out: the border may change (255 here); the picture's place starts as kept (0).
    mapped = Image.new("L", size, 0 if zoom_out is None else _CHANGE)
    mapped.paste(0, inner.box)
    if region is not None:
        # Nearest neighbour keeps it two-valued; a pixel of the upload changes when the
        # source pixel at its centre may.
        placed = (
            region.convert("L")
            .crop(frame.box)
            .point(lambda value: _CHANGE if value else 0)
            .resize((inner.width, inner.height), Image.Resampling.NEAREST)
        )
        if placed.getbbox() is None:
            raise ImageRejected(
                "bad_mask",
                f"The region to vary is empty inside the {shape_word}: paint a part of it.",
            )
        mapped.paste(placed, (inner.x, inner.y))
    if mapped.histogram()[_CHANGE] == upload.width * upload.height:
        raise ImageRejected(
            "bad_mask",
            f"The region covers the whole {shape_word}: that is a plain variation, "
            "without a region.",
        )
    return _mask_upload(mapped)


def _mask_upload(changing: Image.Image) -> Upload:
    """The PNG of a two-valued "L" image (255: may change): alpha 0 there, 255 elsewhere."""
    from .encoding import Upload

    alpha = changing.point(lambda value: 0 if value == _CHANGE else 255)
    mask = Image.new("RGBA", changing.size, (0, 0, 0, 255))
    mask.putalpha(alpha)
    out = io.BytesIO()
    mask.save(out, "PNG", optimize=True)
    return Upload(
        data=out.getvalue(),
        filename=MASK_FILENAME,
        mime_type="image/png",
        width=changing.width,
        height=changing.height,
        format="png",
    )
