"""Image preparation for the core: open any supported picture safely, crop a square or a
frame of a shape from it (or zoom out), encode it as the API wants, and make a region's mask.
Pure Pillow; never imports Qt.

The crop arithmetic, the shapes and the error type load at once; everything that needs Pillow
loads on first use (PEP 562), so the window can draw its crop frame before Pillow is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ImageRejected, Reason
from .geometry import (
    Frame,
    Ratio,
    Square,
    clamp_frame,
    clamp_square,
    fit_frame,
    frame_for_upload,
    largest_centred_frame,
    largest_centred_square,
    zoom_placement,
)
from .shape import Shape, size_for_ratio

if TYPE_CHECKING:
    from .encoding import (
        CLASSIC_MAX_BYTES,
        EDIT_MAX_SIDE,
        Upload,
        prepare_classic_upload,
        prepare_edit_upload,
    )
    from .loading import MAX_FILE_BYTES, MAX_PIXELS, SourceImage, open_image
    from .quality import psnr
    from .region import MASK_FILENAME, mask_for, region_from_mask_file, region_from_rectangle

_LAZY = {
    "CLASSIC_MAX_BYTES": "encoding",
    "EDIT_MAX_SIDE": "encoding",
    "Upload": "encoding",
    "prepare_classic_upload": "encoding",
    "prepare_edit_upload": "encoding",
    "MAX_FILE_BYTES": "loading",
    "MAX_PIXELS": "loading",
    "SourceImage": "loading",
    "open_image": "loading",
    "psnr": "quality",
    "MASK_FILENAME": "region",
    "mask_for": "region",
    "region_from_mask_file": "region",
    "region_from_rectangle": "region",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "CLASSIC_MAX_BYTES",
    "EDIT_MAX_SIDE",
    "MASK_FILENAME",
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "Frame",
    "ImageRejected",
    "Ratio",
    "Reason",
    "Shape",
    "SourceImage",
    "Square",
    "Upload",
    "clamp_frame",
    "clamp_square",
    "fit_frame",
    "frame_for_upload",
    "largest_centred_frame",
    "largest_centred_square",
    "mask_for",
    "open_image",
    "prepare_classic_upload",
    "prepare_edit_upload",
    "psnr",
    "region_from_mask_file",
    "region_from_rectangle",
    "size_for_ratio",
    "zoom_placement",
]
