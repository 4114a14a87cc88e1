"""Pillow pictures to QImage, safe on any thread (QPixmap is made later, on the GUI thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from PIL.Image import Image


def pil_to_qimage(picture: Image) -> QImage:
    """``picture`` as a QImage of its own: RGB stays three bytes a pixel (a 2000 x 1500 preview
    is 9 MB, not 12), anything else becomes RGBA."""
    if picture.mode == "RGB":
        mode, layout, depth = picture, QImage.Format.Format_RGB888, 3
    else:
        mode = picture if picture.mode == "RGBA" else picture.convert("RGBA")
        layout, depth = QImage.Format.Format_RGBA8888, 4
    data = mode.tobytes("raw", mode.mode)
    image = QImage(data, mode.width, mode.height, mode.width * depth, layout)
    return image.copy()  # own the pixels: ``data`` goes away with this function


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
