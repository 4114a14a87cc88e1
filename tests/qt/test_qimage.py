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


@pytest.mark.parametrize(("kind", "mode"), [("JPEG", "RGB"), ("PNG", "RGBA"), ("GIF", "P")])
def test_a_thumbnail_is_shrunk_before_it_becomes_a_qimage(kind: str, mode: str) -> None:
    import io

    from desktop_app.qt.qimage import decode_image

    picture = Image.new("RGB", (1200, 800), (30, 160, 90)).convert(mode)
    buffer = io.BytesIO()
    picture.save(buffer, kind)
    image = decode_image(buffer.getvalue(), max_side=300)
    assert (image.width(), image.height()) == (300, 200)
    centre = image.pixelColor(150, 100)
    assert abs(centre.green() - 160) < 8 and abs(centre.red() - 30) < 8
    whole = decode_image(buffer.getvalue())
    assert (whole.width(), whole.height()) == (1200, 800)


def test_a_thumbnail_of_a_rotated_jpeg_is_upright() -> None:
    import io

    from desktop_app.qt.qimage import decode_image
    from tests.core.imaging.corpus import exif_bytes

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 800), (200, 40, 40)).save(buffer, "JPEG", exif=exif_bytes(6))
    image = decode_image(buffer.getvalue(), max_side=300)
    assert (image.width(), image.height()) == (200, 300)
