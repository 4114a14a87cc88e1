"""Pillow pictures to QImage, safe on any thread (QPixmap is made later, on the GUI thread)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QImage

if TYPE_CHECKING:
    from PIL.Image import Image


def pil_to_qimage(picture: Image) -> QImage:
    rgba = picture if picture.mode == "RGBA" else picture.convert("RGBA")
    data = rgba.tobytes("raw", "RGBA")
    image = QImage(data, rgba.width, rgba.height, rgba.width * 4, QImage.Format.Format_RGBA8888)
    return image.copy()  # own the pixels: ``data`` goes away with this function
