"""Frame arithmetic for the non-square shapes and zoom out: properties over all sizes, and the
square case kept exactly as it was before shapes."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.imaging import (
    Frame,
    ImageRejected,
    Square,
    clamp_frame,
    clamp_square,
    fit_frame,
    frame_for_upload,
    largest_centred_frame,
    largest_centred_square,
    zoom_placement,
)

sizes = st.integers(min_value=1, max_value=20_000)
coords = st.integers(min_value=-50_000, max_value=50_000)
ratios = st.tuples(st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=40))


def _inside(frame: Frame, width: int, height: int) -> bool:
    return (
        frame.width >= 1
        and frame.height >= 1
        and 0 <= frame.x <= width - frame.width
        and 0 <= frame.y <= height - frame.height
    )


def _ratio_holds(frame: Frame, ratio: tuple[int, int]) -> bool:
    """Within a pixel of rounding (or clipped by a picture too thin for the ratio)."""
    across, down = ratio
    return (
        abs(frame.width - frame.height * across / down) <= 1
        or abs(frame.height - frame.width * down / across) <= 1
    )


@given(sizes, sizes, ratios)
def test_largest_centred_frame_fills_one_side_and_keeps_the_ratio(
    width: int, height: int, ratio: tuple[int, int]
) -> None:
    frame = largest_centred_frame(width, height, ratio)
    assert _inside(frame, width, height)
    assert frame.width == width or frame.height == height  # as large as it can be
    assert _ratio_holds(frame, ratio) or min(frame.width, frame.height) == 1
    left, right = frame.x, width - frame.x - frame.width
    top, bottom = frame.y, height - frame.y - frame.height
    assert abs(left - right) <= 1 and abs(top - bottom) <= 1


@given(sizes, sizes)
def test_a_square_ratio_gives_the_largest_centred_square(width: int, height: int) -> None:
    assert largest_centred_frame(width, height, (1, 1)) == Frame.of_square(
        largest_centred_square(width, height)
    )


@pytest.mark.parametrize(
    ("size", "ratio", "expected"),
    [
        ((3000, 2000), (3, 2), Frame(0, 0, 3000, 2000)),
        ((3000, 3000), (3, 2), Frame(0, 500, 3000, 2000)),
        ((3000, 1000), (16, 9), Frame(611, 0, 1778, 1000)),
        ((1000, 3000), (9, 16), Frame(0, 611, 1000, 1778)),
    ],
)
def test_largest_centred_frame_examples(
    size: tuple[int, int], ratio: tuple[int, int], expected: Frame
) -> None:
    assert largest_centred_frame(*size, ratio) == expected


@given(coords, coords, st.integers(1, 50_000), st.integers(1, 50_000), sizes, sizes)
def test_clamp_frame_always_inside_and_idempotent(
    x: int, y: int, frame_width: int, frame_height: int, width: int, height: int
) -> None:
    clamped = clamp_frame(Frame(x, y, frame_width, frame_height), width, height)
    assert _inside(clamped, width, height)
    assert clamp_frame(clamped, width, height) == clamped


def test_an_oversized_frame_shrinks_keeping_its_ratio() -> None:
    assert clamp_frame(Frame(-40, -40, 6000, 4000), 3000, 3000) == Frame(0, 0, 3000, 2000)
    assert clamp_frame(Frame(2900, 2900, 300, 200), 3000, 3000) == Frame(2700, 2800, 300, 200)


@pytest.mark.parametrize(
    "frame",
    [
        Frame(0, 0, 0, 10),
        Frame(0, 0, 10, -1),
        Frame(math.nan, 0, 10, 10),  # type: ignore[arg-type]
        Frame(0, 0, math.inf, 10),  # type: ignore[arg-type]
        Frame("1", 0, 10, 10),  # type: ignore[arg-type]
        Frame(0, False, 10, 10),
    ],
)
def test_meaningless_frames_are_refused_clearly(frame: Frame) -> None:
    with pytest.raises(ImageRejected) as caught:
        clamp_frame(frame, 100, 100)
    assert caught.value.reason == "bad_crop"
    assert str(caught.value).endswith(".")


@given(coords, coords, st.integers(1, 30_000), st.integers(1, 30_000), sizes, sizes, ratios)
def test_fit_frame_gives_the_ratio_inside_the_picture_and_is_stable(
    x: int,
    y: int,
    frame_width: int,
    frame_height: int,
    width: int,
    height: int,
    ratio: tuple[int, int],
) -> None:
    clamped = clamp_frame(Frame(x, y, frame_width, frame_height), width, height)
    fitted = fit_frame(clamped, ratio, width, height)
    assert _inside(fitted, width, height)
    largest = largest_centred_frame(width, height, ratio)
    assert _ratio_holds(fitted, ratio) or fitted.width * fitted.height == (
        largest.width * largest.height
    )
    assert fit_frame(fitted, ratio, width, height) == fitted


def test_fit_frame_keeps_centre_and_area_when_there_is_room() -> None:
    # A 3:2 frame drawn in the window, sent as 16:9 (1360x768): a hair wider, as large.
    fitted = fit_frame(Frame(1000, 1000, 1500, 1000), (1360, 768), 5000, 5000)
    assert fitted == Frame(935, 1040, 1630, 920)
    assert abs(fitted.width * fitted.height - 1500 * 1000) < 2000
    assert (fitted.x + fitted.width / 2, fitted.y + fitted.height / 2) == (1750, 1500)
    assert fit_frame(Frame(10, 10, 300, 200), (1248, 832), 400, 400) == Frame(10, 10, 300, 200)


@given(coords, coords, st.integers(1, 30_000), sizes, sizes)
def test_a_square_for_a_square_upload_is_the_clamped_square_as_before(
    x: int, y: int, side: int, width: int, height: int
) -> None:
    square = Square(x, y, side)
    frame = frame_for_upload(square, width, height, (1024, 1024))
    assert frame == Frame.of_square(clamp_square(square, width, height))


def test_frame_for_upload_without_a_crop_is_the_largest_centred_frame() -> None:
    assert frame_for_upload(None, 4000, 3000, (1360, 768)) == largest_centred_frame(
        4000, 3000, (1360, 768)
    )
    assert frame_for_upload(None, 900, 600, (1024, 1024)) == Frame(150, 0, 600, 600)


@pytest.mark.parametrize(
    ("size", "zoom", "expected"),
    [
        ((1024, 1024), 2, Frame(256, 256, 512, 512)),
        ((1248, 832), 2, Frame(312, 208, 624, 416)),
        ((1248, 832), 1.5, Frame(208, 138, 832, 555)),
        ((1024, 1024), 1, Frame(0, 0, 1024, 1024)),
    ],
)
def test_zoom_placement_centres_the_smaller_picture(
    size: tuple[int, int], zoom: float, expected: Frame
) -> None:
    assert zoom_placement(*size, zoom) == expected


@pytest.mark.parametrize("zoom", [0.5, math.nan, math.inf, True])
def test_zoom_placement_refuses_meaningless_factors(zoom: float) -> None:
    with pytest.raises(ValueError):
        zoom_placement(1024, 1024, zoom)
