"""EXIF orientation: which way the camera was held, and how upright boxes map to stored pixels.

Cameras store the sensor's pixels as read out and record in EXIF how to turn them. We crop
and resize in the STORED orientation (so the JPEG decoder can shrink while decoding and we
rotate only the small result), which needs the user's upright square mapped back.
"""

from __future__ import annotations

from PIL import Image

Box = tuple[float, float, float, float]  # left, top, right, bottom

# EXIF value -> the transpose that turns stored pixels upright (same table as ImageOps).
_TRANSPOSE: dict[int, Image.Transpose] = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def normalise_orientation(value: object) -> int:
    """EXIF orientation as 1..8; anything odd (missing, 0, 9, garbage) means 'as stored'."""
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return 1


def swaps_axes(orientation: int) -> bool:
    """Orientations 5-8 turn the picture a quarter, so width and height trade places."""
    return orientation >= 5


def upright_size(stored: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (stored[1], stored[0]) if swaps_axes(orientation) else stored


def make_upright(image: Image.Image, orientation: int) -> Image.Image:
    method = _TRANSPOSE.get(orientation)
    return image if method is None else image.transpose(method)


def stored_box_to_upright(box: Box, stored: tuple[int, int], orientation: int) -> Box:
    """Map a box in stored coordinates to the same pixels in upright coordinates."""
    # Each turn undoes itself except the quarter turns, which undo each other (6 <-> 8).
    inverse = {6: 8, 8: 6}.get(orientation, orientation)
    return upright_box_to_stored(box, upright_size(stored, orientation), inverse)


def upright_box_to_stored(box: Box, stored: tuple[int, int], orientation: int) -> Box:
    """Map a box in upright coordinates to the same pixels in stored coordinates.

    Works on continuous coordinates (pixel edges), so a box of whole pixels maps to whole
    pixels. Each case is the inverse of the transpose in _TRANSPOSE.
    """
    w, h = stored
    left, top, right, bottom = box

    def to_stored(u: float, v: float) -> tuple[float, float]:
        if orientation == 2:
            return w - u, v
        if orientation == 3:
            return w - u, h - v
        if orientation == 4:
            return u, h - v
        if orientation == 5:
            return v, u
        if orientation == 6:
            return v, h - u
        if orientation == 7:
            return w - v, h - u
        if orientation == 8:
            return w - v, u
        return u, v

    x0, y0 = to_stored(left, top)
    x1, y1 = to_stored(right, bottom)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
