"""Pillow pictures as QImages: the pixels kept, RGB at three bytes a pixel."""

from __future__ import annotations

import io

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


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "LA"])
@pytest.mark.parametrize("size", [(1, 1), (7, 5), (130, 3), (33, 200)])
def test_every_pixel_is_the_pictures(mode: str, size: tuple[int, int]) -> None:
    """Bands of rows, padded rows (odd widths) and heights past one band: all as Pillow has them."""
    import random

    generator = random.Random(f"{mode}{size}")
    noise = bytes(generator.randrange(256) for _ in range(size[0] * size[1] * 4))
    picture = Image.frombytes("RGBA", size, noise).convert(mode)
    image = pil_to_qimage(picture)
    rgba = picture.convert("RGBA")
    seen = image.convertToFormat(QImage.Format.Format_RGBA8888)
    for y in range(size[1]):
        line = bytes(seen.constScanLine(y))[: size[0] * 4]  # type: ignore[call-overload]
        assert line == rgba.crop((0, y, size[0], y + 1)).tobytes(), (mode, size, y)


def test_a_large_picture_is_not_copied_whole_on_its_way() -> None:
    """A 2000 x 1500 preview: Python holds a band at a time, not the 9 MB of its pixels."""
    import tracemalloc

    picture = Image.new("RGB", (2000, 1500), (10, 20, 30))
    tracemalloc.start()
    try:
        image = pil_to_qimage(picture)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert image.width() == 2000 and image.pixelColor(1999, 1499).blue() == 30
    assert peak < 3_000_000, peak  # a band and its chunks; the whole picture took 18 MB


def test_decoded_pixels_are_shown_from_their_own_buffer() -> None:
    """A photo's preview is wrapped, not copied: 12 MB once, not twice. The QImage keeps the
    buffer alive on its own."""
    from desktop_app.core.imaging.decoded import DecodedPixels
    from desktop_app.qt.qimage import wrap_pixels

    pixels = DecodedPixels(bytearray(b"\x0a\x14\x1e\xff" * 6), 3, 2, 2)
    image = wrap_pixels(pixels)
    assert image.format() == QImage.Format.Format_RGBX8888 and image.size().toTuple() == (3, 2)
    pixels.buffer[4:7] = b"\x01\x02\x03"  # the second pixel, through the buffer
    assert image.pixelColor(1, 0).getRgb() == (1, 2, 3, 255)
    del pixels
    assert image.pixelColor(2, 1).getRgb() == (10, 20, 30, 255)


def test_framing_gets_the_picture_made_to_fit_the_size_it_shows() -> None:
    from desktop_app.core.imaging import open_image
    from desktop_app.qt.qimage import fitted_qimage

    photo = Image.linear_gradient("L").resize((1200, 800)).convert("RGB")
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG")
    image = fitted_qimage(open_image(buffer.getvalue()), 300)
    assert image.size().toTuple() == (300, 200)


def test_only_a_jpeg_is_made_afresh_for_framing() -> None:
    """A JPEG decodes at a fraction of its size; a PNG whole (a 24 MP one: a second, 100 MB)."""
    from desktop_app.core.imaging import open_image
    from desktop_app.qt.qimage import renderer_for

    photo = Image.linear_gradient("L").resize((1200, 800)).convert("RGB")
    made = {}
    for fmt in ("JPEG", "PNG"):
        buffer = io.BytesIO()
        photo.save(buffer, fmt)
        made[fmt] = renderer_for(open_image(buffer.getvalue()))
    assert made["PNG"] is None
    render = made["JPEG"]
    assert render is not None
    image = render(600)  # the decoder's half scale, as it is: shown without a copy
    assert image.size().toTuple() == (600, 400)
    assert image.format() == QImage.Format.Format_RGBX8888
