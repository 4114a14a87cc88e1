"""The shape of a variation (Square, 3:2, 2:3, 16:9, 9:16, the whole picture) and the size to
ask the model for it.

A shape is a wish; the size is what the model can make (API.md section 4, read through the one
capability table): GPT Image 2.x takes any WxH with sides divisible by 16, aspect 1:3..3:1 and
655,360..8,294,400 pixels, so the shape is met to a hair; other models, and unknown ones to be
safe, make 1024x1024, 1536x1024 and 1024x1536 only, so the nearest of those is asked for. The
frame and the upload then follow the size asked for, never the preset: what is sent and what
comes back have the same ratio. No Pillow here: the window computes sizes at start-up.
"""

from __future__ import annotations

import enum
import functools
import math
import re

from desktop_app.core.capabilities import (
    MAX_LONG_EDGE,
    MAX_PIXELS,
    MIN_PIXELS,
    capabilities_for,
    custom_size_is_valid,
)

from .geometry import Ratio

DEFAULT_AREA = 1024 * 1024  # what "auto" and the square preset ask for
STANDARD_RATIO_SIZES = ("1024x1024", "1536x1024", "1024x1536")
_STEP = 16  # custom sizes: both sides divisible by 16
_MAX_ASPECT = 3  # custom sizes: from 1:3 to 3:1
# A ratio that is off crops the picture visibly; an area that is off only moves the cost and
# the detail a little. So the ratio weighs ten times the area when a size is chosen.
_AREA_WEIGHT = 0.1
_SIZE = re.compile(r"^([1-9][0-9]{0,4})x([1-9][0-9]{0,4})$")


class Shape(enum.Enum):
    """The framing tool's presets; the value is what the command line and the records say."""

    SQUARE = "1:1"
    LANDSCAPE = "3:2"
    PORTRAIT = "2:3"
    WIDE = "16:9"
    TALL = "9:16"
    PICTURE = "picture"  # the picture's own ratio

    @property
    def label(self) -> str:
        """The preset's name for people."""
        return {Shape.SQUARE: "Square", Shape.PICTURE: "Whole picture"}.get(self, self.value)

    def ratio(self, picture: tuple[int, int] | None = None) -> Ratio:
        """Width:height; the whole picture's is ``picture``'s (width, height), and 1:1 while
        there is no picture to take it from."""
        if self is Shape.PICTURE:
            if picture is None:
                return (1, 1)
            width, height = picture
            if width < 1 or height < 1:
                raise ValueError(f"a picture has at least one pixel, not {width}x{height}")
            common = math.gcd(width, height)
            return (width // common, height // common)
        across, down = self.value.split(":")
        return (int(across), int(down))

    @classmethod
    def parse(cls, text: str) -> Shape:
        """A shape from the command line: 1:1, 3:2, 2:3, 16:9, 9:16 or picture (also "square"
        and "whole"); ValueError with a plain sentence for anything else."""
        word = text.strip().lower()
        aliases = {"square": cls.SQUARE, "whole": cls.PICTURE, "whole picture": cls.PICTURE}
        if word in aliases:
            return aliases[word]
        for shape in cls:
            if shape.value == word:
                return shape
        names = ", ".join(shape.value for shape in cls)
        raise ValueError(f"{text!r} is not a shape; use one of {names}.")


def size_for_ratio(ratio: Ratio, model: str, chosen: str | None = None) -> str:
    """The WxH to request for a picture of ``ratio`` from ``model``.

    Models with custom sizes get the valid size nearest the ratio (clamped to 1:3..3:1) at
    about the area of ``chosen`` (the size the person picked; None or "auto": 1024x1024).
    Every other model, and an unknown one, gets the nearest of the three standard sizes.
    """
    across, down = ratio
    if across < 1 or down < 1:
        raise ValueError(f"a ratio is two whole numbers of at least 1, got {ratio!r}")
    target = math.log(across / down)
    if not capabilities_for(model).custom_sizes:
        return min(STANDARD_RATIO_SIZES, key=lambda size: abs(_log_ratio(size) - target))
    limit = math.log(_MAX_ASPECT)
    return _custom_size(min(max(target, -limit), limit), _area_of(chosen))


def standard_size_for_ratio(ratio: Ratio) -> str:
    """The nearest of the three standard sizes (what a conservative model is asked for)."""
    return size_for_ratio(ratio, "")


def _area_of(chosen: str | None) -> int:
    match = _SIZE.match(chosen or "")
    if match is None:
        return DEFAULT_AREA
    area = int(match.group(1)) * int(match.group(2))
    return min(max(area, MIN_PIXELS), MAX_PIXELS)


@functools.lru_cache(maxsize=256)
def _custom_size(log_ratio: float, area: int) -> str:
    """The valid custom size best meeting ``log_ratio`` (weighted first) and ``area``.

    Every width on the 16-pixel grid is tried with the two grid heights nearest its ratio: a
    few hundred candidates, each checked by the same rule the rest of the app uses.
    """
    best: tuple[float, str] | None = None
    ratio = math.exp(log_ratio)
    for width in range(_STEP, MAX_LONG_EDGE + 1, _STEP):
        exact = width / ratio / _STEP
        for height in sorted({math.floor(exact) * _STEP, math.ceil(exact) * _STEP}):
            size = f"{width}x{height}"
            if height < _STEP or not custom_size_is_valid(size):
                continue
            cost = abs(math.log(width / height) - log_ratio) + _AREA_WEIGHT * abs(
                math.log(width * height / area)
            )
            if best is None or cost < best[0]:
                best = (cost, size)
    if best is None:  # cannot happen: 1024x1024 is valid and within 1:3..3:1
        raise ValueError(f"no custom size for ratio {ratio:.3f} and {area} pixels")
    return best[1]


def _log_ratio(size: str) -> float:
    width, height = size.split("x")
    return math.log(int(width) / int(height))
