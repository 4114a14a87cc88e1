"""Pillow pictures to QImage, safe on any thread (QPixmap is made later, on the GUI thread)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from PIL.Image import Image

    from desktop_app.core.imaging import SourceImage
    from desktop_app.core.imaging.decoded import DecodedPixels


# Rows copied at a time: a band's bytes are the only copy made besides the QImage's own.
_BAND_ROWS = 64


def pil_to_qimage(picture: Image) -> QImage:
    """``picture`` as a QImage of its own: RGB stays three bytes a pixel (a 2000 x 1500 preview
    is 9 MB, not 12), anything else becomes RGBA.

    The pixels go into the QImage a band of rows at a time. ``tobytes`` of the whole picture
    would gather its chunks, join them, and the QImage would copy that again: for that preview
    21 MB held for a moment besides the picture, where this holds one band."""
    if picture.mode == "RGB":
        source, layout, depth = picture, QImage.Format.Format_RGB888, 3
    else:
        source = picture if picture.mode == "RGBA" else picture.convert("RGBA")
        layout, depth = QImage.Format.Format_RGBA8888, 4
    width, height = source.size
    image = QImage(width, height, layout)
    if image.isNull():
        return image  # nothing to show (no pixels), or no memory for them
    row, stride = width * depth, image.bytesPerLine()
    view = memoryview(image.bits())  # writable: the QImage's own pixels
    for top in range(0, height, _BAND_ROWS):
        rows = min(_BAND_ROWS, height - top)
        band = source.crop((0, top, width, top + rows)).tobytes("raw", source.mode)
        if stride == row:
            view[top * stride : top * stride + len(band)] = band
        else:  # QImage rows are padded to four bytes
            for i in range(rows):
                start = (top + i) * stride
                view[start : start + row] = band[i * row : (i + 1) * row]
    return image


def wrap_pixels(pixels: DecodedPixels) -> QImage:
    """A QImage on the memory of ``pixels``, no copy (PySide keeps their buffer alive with it).
    Qt scales RGBX8888 as it is: a three-byte RGB888 QImage is converted whole first."""
    return QImage(
        pixels.buffer, pixels.width, pixels.height, pixels.stride, QImage.Format.Format_RGBX8888
    )


def renderer_for(source: SourceImage) -> Callable[[int], QImage] | None:
    """How framing makes ``source`` afresh at a new size (see ``fitted_qimage``), when that is
    cheap: a JPEG decodes at 1/2 to 1/8 of its size. Other formats decode whole (a 24 MP PNG
    takes a second and 100 MB), so framing keeps their preview instead (None)."""
    if source.format not in ("JPEG", "MPO"):
        return None
    return functools.partial(fitted_qimage, source)


def fitted_qimage(source: SourceImage, side: int) -> QImage:
    """``source`` upright to fit a square of ``side`` pixels, or a little smaller where the
    JPEG decoder reaches that size by itself (``preview_qimage``), on any thread; a null QImage
    if it cannot be decoded."""
    from desktop_app.core.imaging import ImageRejected

    try:
        return preview_qimage(source, side)[0]
    except ImageRejected:
        return QImage()


def preview_qimage(
    source: SourceImage, max_side: int, *, keep: bool = False
) -> tuple[QImage, bool]:
    """``source.preview(max_side)`` as a QImage, and whether some pixel of it is not opaque.
    A plain JPEG is decoded straight into the QImage's memory (RGBX, scaled for the screen as
    it is); ``keep``: ``source`` keeps those pixels for the upload (``decoded_preview``)."""
    decoded = source.decoded_preview(max_side, keep=keep)
    if decoded is not None:
        return wrap_pixels(decoded), False
    pixels = source.preview(max_side)
    # upright() keeps an alpha channel only when some pixel is not opaque: asking
    # source.has_alpha instead would decode the whole picture a second time.
    return pil_to_qimage(pixels), pixels.mode == "RGBA"


def decode_image(data: bytes, *, max_side: int | None = None) -> QImage:
    """Result bytes to an upright QImage on any thread; a null QImage when they are no picture.
    ``max_side``: shrunk (never enlarged) to fit a square of that side, before it becomes a
    QImage.

    Pillow, not Qt, decodes: QImage.fromData holds the GIL throughout (the window stalls), and
    QImageReader on a Python-made QBuffer calls back into Python while holding Qt's image plugin
    lock, which deadlocks with a GUI thread that waits for that lock while holding the GIL.
    """
    import io

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            if max_side is not None:
                opened.draft(None, (max_side, max_side))  # a JPEG decodes smaller
            opened.load()
            # In place: otherwise an upright picture (most are) is copied whole for nothing.
            ImageOps.exif_transpose(opened, in_place=True)
            upright: Image.Image = opened
            if max_side is not None and max(upright.size) > max_side:
                if upright.mode not in ("RGB", "RGBA"):  # palettes resample only coarsely
                    upright = upright.convert("RGBA")
                upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            return pil_to_qimage(upright)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return QImage()
