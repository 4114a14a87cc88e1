"""Pillow pictures as QImages: the pixels kept, RGB at three bytes a pixel."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtGui import QImage

from desktop_app.qt.qimage import pil_to_qimage


@pytest.mark.parametrize(
    ("mode", "colour", "layout"),
    [
        ("RGB", (10, 120, 240), QImage.Format.Format_RGB888),
        ("RGBA", (10, 120, 240, 128), QImage.Format.Format_RGBA8888),
        ("L", 77, QImage.Format.Format_RGBA8888),
    ],
)
def test_the_pixels_are_kept(
    mode: str, colour: int | tuple[int, ...], layout: QImage.Format
) -> None:
    picture = Image.new(mode, (7, 5), colour)  # an odd width: rows are not 4-byte aligned
    picture.putpixel((6, 4), (255, 0, 0, 255)[: len(mode)] if mode != "L" else 255)
    image = pil_to_qimage(picture)
    assert image.format() == layout and (image.width(), image.height()) == (7, 5)
    rgba = picture.convert("RGBA")
    for x, y in ((0, 0), (6, 4), (3, 2)):
        pixel = image.pixelColor(x, y)
        assert (pixel.red(), pixel.green(), pixel.blue(), pixel.alpha()) == rgba.getpixel((x, y))
