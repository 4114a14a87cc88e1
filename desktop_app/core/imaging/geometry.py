"""Square-crop arithmetic, in the upright picture's pixel coordinates (EXIF already applied)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ImageRejected


@dataclass(frozen=True)
class Square:
    """A square region: top-left corner (x, y) and side length, in upright pixels."""

    x: int
    y: int
    side: int


def largest_centred_square(width: int, height: int) -> Square:
    """The biggest square that fits, centred (rounded down when the slack is odd)."""
    _check_picture_size(width, height)
    side = min(width, height)
    return Square(x=(width - side) // 2, y=(height - side) // 2, side=side)


def clamp_square(square: Square, width: int, height: int) -> Square:
    """Move ``square`` inside a width x height picture, shrinking it if it can't fit.

    The UI may hand over a square dragged partly off the picture or bigger than it; the
    intent is still clear, so it is adjusted rather than refused. Only a square that has no
    sensible meaning (side below one pixel, NaN, infinity, not a number) is refused.
    """
    _check_picture_size(width, height)
    values = (square.x, square.y, square.side)
    # bool is an int subclass but never a coordinate; strings etc. would fail later anyway.
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise ImageRejected("bad_crop", "The crop square has coordinates that aren't numbers.")
    if not all(math.isfinite(v) for v in values):
        raise ImageRejected("bad_crop", "The crop square has coordinates that aren't finite.")
    if square.side < 1:
        raise ImageRejected("bad_crop", "The crop square must be at least one pixel wide.")
    side = min(round(square.side), width, height)
    side = max(side, 1)
    x = min(max(round(square.x), 0), width - side)
    y = min(max(round(square.y), 0), height - side)
    return Square(x=x, y=y, side=side)


def _check_picture_size(width: int, height: int) -> None:
    # Pictures always have at least one pixel; anything else is a programming error.
    if isinstance(width, bool) or isinstance(height, bool) or width < 1 or height < 1:
        raise ValueError(f"picture size must be at least 1x1, got {width}x{height}")
