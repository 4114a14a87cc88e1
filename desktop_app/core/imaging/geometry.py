"""Crop arithmetic, in the upright picture's pixel coordinates (EXIF already applied).

A ``Square`` is what the framing tool has always handed over; a ``Frame`` is its rectangular
generalisation for the non-square shapes (3:2, 16:9, the whole picture...) and for zoom out.
Everything that crops (the upload, its mask, the warnings) goes through ``frame_for_upload``,
so the picture and its mask are always cut from the very same pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ImageRejected

# A shape's ratio as whole numbers, width:height (3:2 is (3, 2); an upload's is its pixel size):
# integers compare exactly, where a float 16/9 would not.
Ratio = tuple[int, int]


@dataclass(frozen=True)
class Square:
    """A square region: top-left corner (x, y) and side length, in upright pixels."""

    x: int
    y: int
    side: int


@dataclass(frozen=True)
class Frame:
    """A rectangular region: top-left corner (x, y), width and height, in upright pixels."""

    x: int
    y: int
    width: int
    height: int

    @property
    def box(self) -> tuple[int, int, int, int]:
        """Left, top, right, bottom: the form Pillow crops by."""
        return (self.x, self.y, self.x + self.width, self.y + self.height)

    @classmethod
    def of_square(cls, square: Square) -> Frame:
        return cls(square.x, square.y, square.side, square.side)


def largest_centred_square(width: int, height: int) -> Square:
    """The biggest square that fits, centred (rounded down when the slack is odd)."""
    _check_picture_size(width, height)
    side = min(width, height)
    return Square(x=(width - side) // 2, y=(height - side) // 2, side=side)


def largest_centred_frame(width: int, height: int, ratio: Ratio) -> Frame:
    """The biggest frame of ``ratio`` that fits, centred as ``largest_centred_square`` is.

    Its sides are whole pixels, so its ratio is ``ratio`` to within a pixel of rounding.
    """
    _check_picture_size(width, height)
    across, down = _check_ratio(ratio)
    if width * down >= height * across:  # the picture is wider than the ratio: full height
        frame_height = height
        frame_width = min(width, max(1, round(height * across / down)))
    else:
        frame_width = width
        frame_height = min(height, max(1, round(width * down / across)))
    return Frame(
        x=(width - frame_width) // 2,
        y=(height - frame_height) // 2,
        width=frame_width,
        height=frame_height,
    )


def clamp_square(square: Square, width: int, height: int) -> Square:
    """Move ``square`` inside a width x height picture, shrinking it if it can't fit.

    The UI may hand over a square dragged partly off the picture or bigger than it; the
    intent is still clear, so it is adjusted rather than refused. Only a square that has no
    sensible meaning (side below one pixel, NaN, infinity, not a number) is refused.
    """
    _check_picture_size(width, height)
    _check_numbers((square.x, square.y, square.side), "square")
    if square.side < 1:
        raise ImageRejected("bad_crop", "The crop square must be at least one pixel wide.")
    side = min(round(square.side), width, height)
    side = max(side, 1)
    x = min(max(round(square.x), 0), width - side)
    y = min(max(round(square.y), 0), height - side)
    return Square(x=x, y=y, side=side)


def clamp_frame(frame: Frame, width: int, height: int) -> Frame:
    """Move ``frame`` inside a width x height picture; one too big shrinks, keeping its ratio.

    The same tolerance as ``clamp_square``: only a frame without a sensible meaning (a side
    below one pixel, NaN, infinity, not a number) is refused.
    """
    _check_picture_size(width, height)
    _check_numbers((frame.x, frame.y, frame.width, frame.height), "frame")
    if frame.width < 1 or frame.height < 1:
        raise ImageRejected("bad_crop", "The crop frame must be at least one pixel each way.")
    shrink = min(1.0, width / frame.width, height / frame.height)
    frame_width = min(width, max(1, round(frame.width * shrink)))
    frame_height = min(height, max(1, round(frame.height * shrink)))
    x = min(max(round(frame.x), 0), width - frame_width)
    y = min(max(round(frame.y), 0), height - frame_height)
    return Frame(x=x, y=y, width=frame_width, height=frame_height)


def fit_frame(frame: Frame, ratio: Ratio, width: int, height: int) -> Frame:
    """``frame`` (already inside the picture) given exactly ``ratio``.

    The requested size decides the ratio, and it is rounded to what the model makes (16:9 is
    sent as 1392x784), so the frame drawn for a preset is adjusted by a hair: same centre, same
    area, moved or shrunk to stay inside the picture. A frame already of that ratio (to within
    a pixel) is kept as it is, so fitting twice changes nothing.
    """
    across, down = _check_ratio(ratio)
    if _has_ratio(frame.width, frame.height, across, down):
        return frame
    area = frame.width * frame.height
    fitted_height = math.sqrt(area * down / across)
    fitted_width = fitted_height * across / down
    largest = largest_centred_frame(width, height, ratio)
    if fitted_width >= largest.width or fitted_height >= largest.height:
        frame_width, frame_height = largest.width, largest.height
    else:
        frame_width = max(1, round(fitted_width))
        frame_height = max(1, round(fitted_height))
    centre_x = frame.x + frame.width / 2
    centre_y = frame.y + frame.height / 2
    x = min(max(round(centre_x - frame_width / 2), 0), width - frame_width)
    y = min(max(round(centre_y - frame_height / 2), 0), height - frame_height)
    return Frame(x=x, y=y, width=frame_width, height=frame_height)


def frame_for_upload(
    crop: Square | Frame | None, width: int, height: int, upload_size: tuple[int, int]
) -> Frame:
    """The part of a width x height picture an upload of ``upload_size`` is made from.

    ``crop`` is what the framing tool handed over: None (the largest centred frame of the
    upload's ratio, as the largest centred square has always been), a ``Square`` (a square
    upload gets exactly ``clamp_square``'s square, as before shapes) or a ``Frame``. Both the
    upload and its mask call this, so they cut the same pixels.
    """
    if crop is None:
        return largest_centred_frame(width, height, upload_size)
    if isinstance(crop, Square):
        clamped = Frame.of_square(clamp_square(crop, width, height))
    else:
        clamped = clamp_frame(crop, width, height)
    return fit_frame(clamped, upload_size, width, height)


def zoom_placement(width: int, height: int, zoom_out: float) -> Frame:
    """Where the picture goes on a width x height zoom-out canvas: scaled by 1 / ``zoom_out``
    and centred; everything around it is the border the model fills."""
    if isinstance(zoom_out, bool) or not math.isfinite(zoom_out) or zoom_out < 1:
        raise ValueError(f"zoom out must be a finite factor of at least 1, got {zoom_out!r}")
    inner_width = max(1, round(width / zoom_out))
    inner_height = max(1, round(height / zoom_out))
    return Frame(
        x=(width - inner_width) // 2,
        y=(height - inner_height) // 2,
        width=inner_width,
        height=inner_height,
    )


def _has_ratio(frame_width: int, frame_height: int, across: int, down: int) -> bool:
    """Whether a frame's sides are ``across:down`` to within a pixel of rounding.

    One side is measured against the other; either way will do, so that a frame whose sides
    were each rounded from an exact ratio always passes (fitting twice changes nothing).
    """
    return (
        abs(frame_width - frame_height * across / down) <= 1
        or abs(frame_height - frame_width * down / across) <= 1
    )


def _check_numbers(values: tuple[object, ...], what: str) -> None:
    # bool is an int subclass but never a coordinate; strings etc. would fail later anyway.
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise ImageRejected("bad_crop", f"The crop {what} has coordinates that aren't numbers.")
    if not all(math.isfinite(v) for v in values):  # type: ignore[arg-type]
        raise ImageRejected("bad_crop", f"The crop {what} has coordinates that aren't finite.")


def _check_ratio(ratio: Ratio) -> Ratio:
    across, down = ratio
    if isinstance(across, bool) or isinstance(down, bool) or across < 1 or down < 1:
        raise ValueError(f"a ratio is two whole numbers of at least 1, got {ratio!r}")
    return across, down


def _check_picture_size(width: int, height: int) -> None:
    # Pictures always have at least one pixel; anything else is a programming error.
    if isinstance(width, bool) or isinstance(height, bool) or width < 1 or height < 1:
        raise ValueError(f"picture size must be at least 1x1, got {width}x{height}")
