"""Image preparation for the core: open any supported picture safely, crop a square of
it, and encode it as the API wants. Pure Pillow; never imports Qt."""

from __future__ import annotations

from .encoding import (
    CLASSIC_MAX_BYTES,
    CLASSIC_SIZES,
    EDIT_MAX_SIDE,
    Upload,
    prepare_classic_upload,
    prepare_edit_upload,
)
from .errors import ImageRejected, Reason
from .geometry import Square, clamp_square, largest_centred_square
from .loading import MAX_FILE_BYTES, MAX_PIXELS, SourceImage, open_image
from .quality import psnr

__all__ = [
    "CLASSIC_MAX_BYTES",
    "CLASSIC_SIZES",
    "EDIT_MAX_SIDE",
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "ImageRejected",
    "Reason",
    "SourceImage",
    "Square",
    "Upload",
    "clamp_square",
    "largest_centred_square",
    "open_image",
    "prepare_classic_upload",
    "prepare_edit_upload",
    "psnr",
]
