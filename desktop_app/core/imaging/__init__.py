"""Image preparation for the core: open any supported picture safely, crop a square of
it, and encode it as the API wants. Pure Pillow; never imports Qt.

The crop arithmetic and the error type load at once; everything that needs Pillow loads on
first use (PEP 562), so the window can draw its crop square before Pillow is imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import ImageRejected, Reason
from .geometry import Square, clamp_square, largest_centred_square

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
