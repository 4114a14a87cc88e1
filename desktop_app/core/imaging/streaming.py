"""Shrinking a big JPEG while it is still being decoded, on the machine's second core.

Decoding a camera JPEG is mostly entropy (Huffman) decoding, which is strictly sequential:
a noisy 24 MP photo spends ~100 ms there even when drafted to 1/8 scale. The LANCZOS shrink
that follows took another ~60 ms of CPU. Here the decoder is fed the file a chunk at a time
on the calling thread (Pillow releases the GIL while decoding), and each band of output rows
whose input rows are all decoded is resized on the helper thread meanwhile, so only the last
band is left when the decoder finishes.

Knowing which rows are done: the picture is decoded into an RGBX canvas whose first column's
X byte starts at 0; Pillow's RGB unpacker writes 255 there with every decoded row. (Were that
ever to change, no band would look ready and all would be resized at the end: slower, same.)

Each band is an ordinary ``resize`` of the full decoded canvas with the band's slice of the
box, cut at the same fraction as its rows (see ``resampling._banded_resize``), so the bands
join seamlessly and match a single pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from PIL import Image, ImageFile

from .decoded import plain_rgb_jpeg
from .orientation import Box, make_upright, stored_box_to_upright, upright_size
from .resampling import REDUCING_GAP, shared_pool

_CHUNK_BYTES = 128 * 1024  # decoder feed: ~20 input rows of a noisy 3000 px wide half-draft
_MIN_BAND_ROWS = 32  # output rows per band handed to the helper (fewer: overhead dominates)
_MIN_TAIL_ROWS = 8  # the rows left when decoding ends are shared out down to this many
_BAND_EDGE = 64  # bands start and end at multiples of this many output rows (see _edge)
_SHRINK_BAND_ROWS = 2 * _BAND_EDGE  # shrink_decoded's: ~1 MB of intermediate each at 1024 px
_MIN_PIXELS = 512 * 512  # smaller outputs: too little resizing to be worth the bookkeeping
_LANCZOS_SUPPORT = 3.0

_T = TypeVar("_T")


def decode_shrunk(
    data: bytes,
    image: ImageFile.ImageFile,
    box: Box,
    size: tuple[int, int],
    finish: Callable[[Image.Image], Image.Image],
    orientation: int,
) -> Image.Image | None:
    """``box`` of the drafted, not yet loaded RGB JPEG ``image`` (opened from ``data``)
    resampled with LANCZOS to ``size``, each band then passed through ``finish`` (a per-pixel
    conversion of RGB) and turned upright by ``orientation``: the upright picture. None when
    this path doesn't apply (not a plain RGB JPEG, not a shrink by 1-6x, a small output, a
    single core); the caller then decodes and resizes as usual. Decoding errors raise as
    Pillow's do (OSError).
    """
    pool = shared_pool()
    if pool is None or not applies(image, box, size):
        return None
    tile = image.tile[0]
    height = image.size[1]
    canvas = Image.new("RGBX", image.size, None)  # uninitialised: the decoder fills it
    canvas.paste((0, 0, 0, 0), (0, 0, 1, height))  # the "row decoded" flags, cleared
    decoder = Image._getdecoder("RGBX", "jpeg", tile.args, image.decoderconfig)

    def band(top: int, bottom: int) -> tuple[Image.Image, Box]:
        return _finished_band(canvas, box, size, (top, bottom), finish, orientation)

    bands: list[tuple[tuple[int, int], Future[tuple[Image.Image, Box]]]] = []
    row_height = (box[3] - box[1]) / size[1]
    view = memoryview(data)
    try:
        decoder.setimage(canvas.im, tile.extents)
        position, wanted, decoded, submitted = tile.offset, _CHUNK_BYTES, 0, 0
        while True:
            chunk = view[position : position + wanted]
            consumed, error = decoder.decode(chunk)
            while decoded < height and canvas.getpixel((0, decoded))[3] == 255:  # type: ignore[index]
                decoded += 1
            if consumed < 0:  # done: every row is out (libjpeg pads a short scan itself)
                if error < 0:
                    raise OSError(f"decoder error {error}")
                break
            if consumed == 0:  # the decoder needs more than this chunk to go on
                if position + len(chunk) >= len(data):
                    raise OSError(f"image file is truncated ({decoded} of {height} rows decoded)")
                wanted *= 2
                continue
            position, wanted = position + consumed, _CHUNK_BYTES
            ready = _edge(_rows_ready(decoded, box[1], row_height, size[1]))
            if ready - submitted >= _MIN_BAND_ROWS:
                rows = (submitted, ready)
                bands.append((rows, pool.submit(band, *rows)))
                submitted = ready
        middle = _edge((submitted + size[1]) // 2)
        if middle - submitted >= _MIN_TAIL_ROWS:  # the tail: about half to each core
            bands.append(((submitted, middle), pool.submit(band, submitted, middle)))
            submitted = middle
        if submitted < size[1]:
            bands.append(((submitted, size[1]), _done(band(submitted, size[1]))))
        result = Image.new("RGB", upright_size(size, orientation))
        for rows, future in bands:
            # Bands the helper hasn't started yet are done here: both cores finish the tail.
            pixels, place = band(*rows) if future.cancel() else future.result()
            result.paste(pixels, (round(place[0]), round(place[1])))
        return result
    finally:
        decoder.cleanup()
        for _, future in bands:  # on an error: nothing may still read the canvas afterwards
            if not future.cancel():
                future.exception()


def shrink_decoded(
    canvas: Image.Image,
    box: Box,
    size: tuple[int, int],
    finish: Callable[[Image.Image], Image.Image],
    orientation: int,
) -> Image.Image:
    """What ``decode_shrunk`` makes, from a ``canvas`` decoded before (the window's preview,
    decoded.py). A band of rows at a time, as there: one pass would hold its intermediate (the
    output's width by the box's height) beside its result, 10 MB for a 1024 px upload. Bands
    of a power of two rows: for a 1024 px side their edges are exact in binary, and they join
    into the single pass exactly (elsewhere at most a level apart)."""
    result = Image.new("RGB", upright_size(size, orientation))
    for top in range(0, size[1], _SHRINK_BAND_ROWS):
        rows = (top, min(size[1], top + _SHRINK_BAND_ROWS))
        pixels, place = _finished_band(canvas, box, size, rows, finish, orientation)
        result.paste(pixels, (round(place[0]), round(place[1])))
    return result


def _finished_band(
    canvas: Image.Image,
    box: Box,
    size: tuple[int, int],
    rows: tuple[int, int],
    finish: Callable[[Image.Image], Image.Image],
    orientation: int,
) -> tuple[Image.Image, Box]:
    """Output rows ``rows`` finished and upright, and where they go in the upright result."""
    pixels = _band(canvas, box, size, *rows).convert("RGB")
    place = stored_box_to_upright((0, rows[0], size[0], rows[1]), size, orientation)
    return make_upright(finish(pixels), orientation), place


def _edge(rows: int) -> int:
    """``rows`` rounded down to where a band may end. Pillow's resize of a band that starts
    at some other rows differs from the single pass by up to 13 levels (measured on a 1024 px
    square of a 3200 x 2400 JPEG, in the bands starting at rows 985 and 1004); bands starting
    at multiples of 64 rows matched it."""
    return rows // _BAND_EDGE * _BAND_EDGE


def _done(value: _T) -> Future[_T]:
    future: Future[_T] = Future()
    future.set_result(value)
    return future


def applies(image: ImageFile.ImageFile, box: Box, size: tuple[int, int]) -> bool:
    """Whether ``decode_shrunk`` (or ``shrink_decoded``) makes ``box`` of the drafted, opened
    ``image`` at ``size``, single core aside."""
    if not plain_rgb_jpeg(image):
        return False
    if size[0] * size[1] < _MIN_PIXELS or size[1] < 2 * _MIN_BAND_ROWS:
        return False
    ratio_x, ratio_y = (box[2] - box[0]) / size[0], (box[3] - box[1]) / size[1]
    # resize_region uses LANCZOS only when shrinking, and box-reduces first past 2 gaps.
    return max(ratio_x, ratio_y) > 1.0 and max(ratio_x, ratio_y) < 2 * REDUCING_GAP


def _rows_ready(decoded: int, box_top: float, row_height: float, out_height: int) -> int:
    """How many output rows have every input row their filter reads already decoded.

    Output row r is centred on input row box_top + (r + 0.5) * row_height and reads
    LANCZOS's support (3 input rows per output row when shrinking) either side of it.
    """
    reach = _LANCZOS_SUPPORT * max(1.0, row_height) + 2  # +2: Pillow's rounding, and slack
    rows = math.floor((decoded - reach - box_top) / row_height - 0.5) + 1
    return max(0, min(out_height, rows))


def _band(
    canvas: Image.Image, box: Box, size: tuple[int, int], top: int, bottom: int
) -> Image.Image:
    """Output rows top..bottom of the single-pass resize of ``box`` to ``size``."""
    row_height = (box[3] - box[1]) / size[1]
    band_bottom = box[3] if bottom == size[1] else box[1] + bottom * row_height
    band_box = (box[0], box[1] + top * row_height, box[2], band_bottom)
    return canvas.resize((size[0], bottom - top), Image.Resampling.LANCZOS, box=band_box)
