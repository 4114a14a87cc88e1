"""EXIF orientation: box mapping agrees with Pillow's own transposes, for all eight."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from desktop_app.core.imaging import Square, open_image, prepare_edit_upload
from desktop_app.core.imaging.orientation import (
    make_upright,
    normalise_orientation,
    stored_box_to_upright,
    upright_box_to_stored,
    upright_size,
)

from . import corpus

ORIENTATIONS = range(1, 9)


def _numbered(width: int, height: int) -> Image.Image:
    """Every pixel distinct, so any mapping error shows."""
    image = Image.new("I", (width, height))
    image.putdata(range(width * height))
    return image


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.sampled_from(list(ORIENTATIONS)), st.data())
def test_upright_box_maps_to_the_same_pixels(
    width: int, height: int, orientation: int, data: st.DataObject
) -> None:
    stored = _numbered(width, height)
    upright = make_upright(stored, orientation)
    uw, uh = upright_size((width, height), orientation)
    assert upright.size == (uw, uh)
    left = data.draw(st.integers(0, uw - 1))
    top = data.draw(st.integers(0, uh - 1))
    right = data.draw(st.integers(left + 1, uw))
    bottom = data.draw(st.integers(top + 1, uh))
    box = upright_box_to_stored((left, top, right, bottom), (width, height), orientation)
    region = stored.crop(tuple(int(v) for v in box))  # type: ignore[arg-type]
    expected = upright.crop((left, top, right, bottom))
    assert make_upright(region, orientation).tobytes() == expected.tobytes()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 9), st.integers(1, 9), st.sampled_from(list(ORIENTATIONS)), st.data())
def test_stored_box_maps_back_to_the_same_pixels(
    width: int, height: int, orientation: int, data: st.DataObject
) -> None:
    """The inverse mapping (an upload's bands are turned upright one by one and placed)."""
    stored = _numbered(width, height)
    upright = make_upright(stored, orientation)
    left = data.draw(st.integers(0, width - 1))
    top = data.draw(st.integers(0, height - 1))
    right = data.draw(st.integers(left + 1, width))
    bottom = data.draw(st.integers(top + 1, height))
    box = stored_box_to_upright((left, top, right, bottom), (width, height), orientation)
    region = upright.crop(tuple(int(v) for v in box))  # type: ignore[arg-type]
    expected = make_upright(stored.crop((left, top, right, bottom)), orientation)
    assert region.tobytes() == expected.tobytes()
    assert upright_box_to_stored(box, (width, height), orientation) == (left, top, right, bottom)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_make_upright_matches_imageops(orientation: int) -> None:
    stored = corpus.corner_marked(30, 20)
    stored.info["exif"] = corpus.exif_bytes(orientation)
    expected = ImageOps.exif_transpose(stored)
    assert make_upright(stored, orientation).tobytes() == expected.tobytes()


@pytest.mark.parametrize("value", [None, 0, 9, -1, "6", 6.0, True])
def test_odd_orientation_values_mean_as_stored(value: object) -> None:
    assert normalise_orientation(value) == 1


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_corner_lands_where_it_should(fmt: str, orientation: int) -> None:
    upright = corpus.corner_marked(60, 40)  # red top-left, blue top-right, white elsewhere
    stored = corpus.stored_for_orientation(upright, orientation)
    params: dict[str, object] = {"exif": corpus.exif_bytes(orientation)}
    if fmt in ("JPEG", "WEBP"):
        params["quality"] = 95
    source = open_image(corpus.encode(stored, fmt, **params))
    assert (source.width, source.height) == (60, 40)
    picture = source.upright()
    assert picture.size == (60, 40)
    _assert_near(picture.getpixel((4, 3)), corpus.RED)
    _assert_near(picture.getpixel((56, 3)), corpus.BLUE)
    _assert_near(picture.getpixel((4, 36)), corpus.WHITE)
    _assert_near(picture.getpixel((56, 36)), corpus.WHITE)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_square_crop_uses_upright_coordinates_on_the_fast_path(orientation: int) -> None:
    # Big enough that the JPEG decoder shrinks while decoding (side 600 -> 32: 1/8 scale).
    upright = corpus.corner_marked(1600, 1200)  # red: x < 400, y < 300; blue: x >= 1200
    stored = corpus.stored_for_orientation(upright, orientation)
    data = corpus.encode(stored, "JPEG", quality=92, exif=corpus.exif_bytes(orientation))
    source = open_image(data)
    red = prepare_edit_upload(source, Square(0, 0, 280), 32)
    blue = prepare_edit_upload(source, Square(1300, 10, 280), 32)
    white = prepare_edit_upload(source, Square(600, 600, 500), 32)
    for upload, colour in ((red, corpus.RED), (blue, corpus.BLUE), (white, corpus.WHITE)):
        with Image.open(io.BytesIO(upload.data)) as decoded:
            rgb = decoded.convert("RGB")
            for point in ((2, 2), (29, 2), (2, 29), (29, 29), (16, 16)):
                _assert_near(rgb.getpixel(point), colour)


def _assert_near(actual: object, expected: tuple[int, int, int], tolerance: int = 40) -> None:
    assert isinstance(actual, tuple)
    assert all(abs(a - e) <= tolerance for a, e in zip(actual[:3], expected, strict=True)), (
        actual,
        expected,
    )
