"""Crop arithmetic: properties over all sizes, and clear refusals of meaningless squares."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.imaging import ImageRejected, Square, clamp_square, largest_centred_square

sizes = st.integers(min_value=1, max_value=20_000)
coords = st.integers(min_value=-50_000, max_value=50_000)


@given(sizes, sizes)
def test_largest_centred_square_is_maximal_and_centred(width: int, height: int) -> None:
    square = largest_centred_square(width, height)
    assert square.side == min(width, height)
    left, right = square.x, width - square.x - square.side
    top, bottom = square.y, height - square.y - square.side
    assert min(left, right, top, bottom) >= 0
    assert abs(left - right) <= 1 and abs(top - bottom) <= 1


@given(coords, coords, st.integers(min_value=1, max_value=50_000), sizes, sizes)
def test_clamp_square_always_inside_and_idempotent(
    x: int, y: int, side: int, width: int, height: int
) -> None:
    clamped = clamp_square(Square(x, y, side), width, height)
    assert 1 <= clamped.side <= min(width, height)
    assert 0 <= clamped.x <= width - clamped.side
    assert 0 <= clamped.y <= height - clamped.side
    assert clamp_square(clamped, width, height) == clamped


@given(sizes, sizes, st.data())
def test_clamp_square_keeps_a_square_that_already_fits(
    width: int, height: int, data: st.DataObject
) -> None:
    side = data.draw(st.integers(min_value=1, max_value=min(width, height)))
    x = data.draw(st.integers(min_value=0, max_value=width - side))
    y = data.draw(st.integers(min_value=0, max_value=height - side))
    assert clamp_square(Square(x, y, side), width, height) == Square(x, y, side)


@given(
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.floats(min_value=1.0, max_value=1e6),
    sizes,
    sizes,
)
def test_clamp_square_accepts_float_coordinates(
    x: float, y: float, side: float, width: int, height: int
) -> None:
    clamped = clamp_square(Square(x, y, side), width, height)  # type: ignore[arg-type]
    assert all(isinstance(v, int) for v in (clamped.x, clamped.y, clamped.side))
    assert 0 <= clamped.x <= width - clamped.side
    assert 0 <= clamped.y <= height - clamped.side


def test_oversized_square_shrinks_to_the_picture() -> None:
    assert clamp_square(Square(-40, -40, 10_000), 300, 200) == Square(0, 0, 200)
    assert clamp_square(Square(250, 150, 100), 300, 200) == Square(200, 100, 100)


@pytest.mark.parametrize(
    "square",
    [
        Square(0, 0, 0),
        Square(0, 0, -5),
        Square(0, 0, 0.5),  # type: ignore[arg-type]
        Square(math.nan, 0, 10),  # type: ignore[arg-type]
        Square(0, math.inf, 10),  # type: ignore[arg-type]
        Square(0, 0, math.inf),  # type: ignore[arg-type]
        Square("1", 0, 10),  # type: ignore[arg-type]
        Square(True, 0, 10),
    ],
)
def test_meaningless_squares_are_refused_clearly(square: Square) -> None:
    with pytest.raises(ImageRejected) as caught:
        clamp_square(square, 100, 100)
    assert caught.value.reason == "bad_crop"
    assert str(caught.value).endswith(".")


@pytest.mark.parametrize("size", [(0, 10), (10, 0), (-1, 5)])
def test_a_picture_without_pixels_is_a_programming_error(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError):
        largest_centred_square(*size)
