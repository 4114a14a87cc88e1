"""Resizing a region of a big picture to a small size, fast and with good quality.

Quality: LANCZOS for shrinking, BICUBIC for enlarging (LANCZOS rings when enlarging), and
alpha premultiplied so transparent pixels don't bleed dark fringes (Pillow does that inside
resize() too, but per call, and we call it per band).

Speed: a region far bigger than the target is first box-reduced by an integer factor
(Pillow's ``reducing_gap`` idea, done once here), and the final pass is split into
horizontal bands resized on two threads: Pillow releases the GIL while resampling and
each output row depends only on the box, so the bands join seamlessly (bit-identical).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from PIL import Image

from .orientation import Box

# Shrinking by more than this factor first does an integer box reduction; 3 is where
# Pillow documents the result as indistinguishable from a full LANCZOS pass.
REDUCING_GAP = 3.0
# Below this many output pixels, threads cost more than they save.
_MIN_PARALLEL_PIXELS = 256 * 256
_LANCZOS_SUPPORT = 3.0

_PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}

_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def resize_region(image: Image.Image, box: Box, size: tuple[int, int]) -> Image.Image:
    """Resample ``box`` of ``image`` (continuous coordinates) to exactly ``size``."""
    full = (0.0, 0.0, float(image.width), float(image.height))
    if size == image.size and tuple(map(float, box)) == full:
        return image
    premultiplied = _PREMULTIPLIED.get(image.mode)
    work = image if premultiplied is None else image.convert(premultiplied)
    scale = max((box[2] - box[0]) / size[0], (box[3] - box[1]) / size[1])
    shrinking = scale > 1.0
    if shrinking:
        work, box = _pre_reduce(work, box, size)
    filt = Image.Resampling.LANCZOS if shrinking else Image.Resampling.BICUBIC
    result = _banded_resize(work, box, size, filt)
    return result if premultiplied is None else result.convert(image.mode)


def safe_box(
    image_size: tuple[int, int], box: Box, size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """Whole-pixel box around ``box`` holding every pixel the filter may read."""
    margin_x = _LANCZOS_SUPPORT * max(1.0, (box[2] - box[0]) / size[0]) + 1
    margin_y = _LANCZOS_SUPPORT * max(1.0, (box[3] - box[1]) / size[1]) + 1
    return (
        max(0, math.floor(box[0] - margin_x)),
        max(0, math.floor(box[1] - margin_y)),
        min(image_size[0], math.ceil(box[2] + margin_x)),
        min(image_size[1], math.ceil(box[3] + margin_y)),
    )


def _pre_reduce(image: Image.Image, box: Box, size: tuple[int, int]) -> tuple[Image.Image, Box]:
    fx = int((box[2] - box[0]) / size[0] / REDUCING_GAP) or 1
    fy = int((box[3] - box[1]) / size[1] / REDUCING_GAP) or 1
    if fx == 1 and fy == 1:
        return image, box
    outer = safe_box(image.size, box, size)
    reduced = image.reduce((fx, fy), box=outer)
    return reduced, (
        (box[0] - outer[0]) / fx,
        (box[1] - outer[1]) / fy,
        (box[2] - outer[0]) / fx,
        (box[3] - outer[1]) / fy,
    )


def _banded_resize(
    image: Image.Image, box: Box, size: tuple[int, int], filt: Image.Resampling
) -> Image.Image:
    width, height = size
    pool = shared_pool()
    if pool is None or width * height < _MIN_PARALLEL_PIXELS or height < 2:
        return image.resize(size, filt, box=box)
    split = height // 2
    # Output row r samples around box_top + (r + 0.5) * row_height, so cutting the box at
    # the same fraction as the rows gives both halves exactly the rows of a single pass.
    row_height = (box[3] - box[1]) / height
    cut = box[1] + split * row_height
    top: Future[Image.Image] = pool.submit(
        image.resize, (width, split), filt, (box[0], box[1], box[2], cut)
    )
    bottom = image.resize((width, height - split), filt, box=(box[0], cut, box[2], box[3]))
    result = Image.new(image.mode, size)
    result.paste(top.result(), (0, 0))
    result.paste(bottom, (0, split))
    return result


_T = TypeVar("_T")


def on_helper(work: Callable[[], _T]) -> Future[_T]:
    """``work`` started on the helper thread (done at once, here, without one). Work run on the
    helper must not itself wait for the helper: it has a single thread."""
    pool = shared_pool()
    if pool is not None:
        return pool.submit(work)
    done: Future[_T] = Future()
    done.set_result(work())
    return done


def shared_pool() -> ThreadPoolExecutor | None:
    """One helper thread for the whole process (None on single-core machines)."""
    global _pool
    if (os.cpu_count() or 1) < 2:
        return None
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="imaging-resize")
        return _pool
