"""Lossy encoding at the lowest quality that keeps PSNR >= 40 dB, in two full encodes at most.

JPEG here is not encoded with the usual "quality" setting. Those tables are perceptually
weighted (coarse for fine detail, fine for smooth areas); our bar is PSNR, a mean squared
error, and for that one quantiser step shared by all frequencies is the rate-optimal choice
at these rates. Measured at 40 dB on 1024x1024 squares (photo-like scenes of four kinds and
two real photos): 9-25 % fewer bytes than the best standard quality, most on typical photos.
Colour is kept at full resolution (4:4:4): halving it, as 4:2:0 JPEG and every lossy WebP
do, alone costs pictures with coloured detail 35-41 dB.

The search: two quick probes on a small sample of rows fit this picture's PSNR curve
(PSNR is close to linear in log(step) for JPEG and in quality for WebP: 4-5 dB per
doubling of the step, 0.3-0.5 dB per WebP quality point), the full square is encoded once
at the predicted setting and checked, and only if that misses is it encoded once more,
assuming the flattest curve measured so the retry lands above the bar.

Time (a noisy 1024 px square: ~27 ms): Pillow holds the GIL while encoding but not while
decoding, so threads help little here. The two probes run side by side and skip Huffman
optimisation (same pixels, and their files are thrown away); the full file's optimisation
(8 % smaller on noisy pictures) costs 15 ms and its check 9 ms, which stay.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from PIL import Image, ImageFile

from .quality import psnr
from .resampling import on_helper

Codec = Literal["jpeg", "webp"]

TARGET_PSNR = 40.0
_MARGIN_DB = 0.05  # aim a hair above the bar: the sample is not the whole square
_STRIP_ROWS = 32  # 16-aligned, so strip seams fall on JPEG and WebP block edges
_STRIPS = 4
_PSNR_CAP = 99.0
_T = TypeVar("_T")


@dataclass(frozen=True)
class _Knob:
    """One codec's quality setting as an integer, and how PSNR depends on it."""

    probes: tuple[int, int]
    bounds: tuple[int, int]
    better: int  # +1 if larger settings mean higher quality, -1 if smaller do
    curve: Callable[[float], float]  # PSNR is about linear in curve(setting)
    slopes: tuple[float, float]  # plausible |dB per unit of curve| (measured, with slack)


# JPEG setting: the quantiser step in eighths (8 = step 1, the finest). PSNR fell 4.0-5.4 dB
# per doubling of the step in our measurements: 13-18 dB per decade.
_JPEG = _Knob(
    probes=(40, 80), bounds=(8, 255 * 8), better=-1, curve=math.log10, slopes=(10.0, 25.0)
)
# WebP setting: its quality 0-100; 0.25-0.5 dB per point measured between 85 and 94.
_WEBP = _Knob(probes=(85, 94), bounds=(50, 100), better=+1, curve=float, slopes=(0.2, 1.0))
_KNOBS: dict[Codec, _Knob] = {"jpeg": _JPEG, "webp": _WEBP}


def smallest_lossy(pixels: Image.Image, sample: Image.Image, codec: Codec) -> tuple[bytes, bool]:
    """The file at the lowest setting found to keep 40 dB, and whether it does."""
    return lossy_file(pixels, codec, first_guess(sample, codec))


def first_guess(sample: Image.Image, codec: Codec) -> int:
    """The setting this picture's ``sample`` predicts to just keep 40 dB (two quick probes,
    one on the helper thread)."""
    knob = _KNOBS[codec]
    x_a, x_b = knob.probes
    # Each thread saves its own copy: Image.save keeps its options on the image meanwhile.
    helpers_sample = sample.copy()
    p_a, p_b = _side_by_side(
        lambda: _encode_and_measure(helpers_sample, codec, x_a, compact=False)[1],
        lambda: _encode_and_measure(sample, codec, x_b, compact=False)[1],
    )
    fitted = abs(p_b - p_a) / abs(knob.curve(x_b) - knob.curve(x_a))
    slope = min(knob.slopes[1], max(knob.slopes[0], fitted))
    return _setting_for(knob, x_b, p_b, TARGET_PSNR + _MARGIN_DB, slope)


def lossy_file(pixels: Image.Image, codec: Codec, setting: int) -> tuple[bytes, bool]:
    """The file at ``setting`` if it keeps 40 dB, else at a safer one; and whether it does."""
    knob = _KNOBS[codec]
    data, achieved = _encode_and_measure(pixels, codec, setting)
    if achieved >= TARGET_PSNR or setting == _best(knob):
        return data, achieved >= TARGET_PSNR
    # The sample was kinder than the whole square: go further, assuming the flattest curve.
    retry = _setting_for(knob, setting, achieved, TARGET_PSNR + _MARGIN_DB, knob.slopes[0])
    if retry == setting:
        retry = _clamp(knob, setting + knob.better)
    second, second_psnr = _encode_and_measure(pixels, codec, retry)
    if second_psnr >= achieved:
        return second, second_psnr >= TARGET_PSNR
    return data, False


def _setting_for(knob: _Knob, x0: int, p0: float, wanted: float, slope: float) -> int:
    """Setting expected to give ``wanted`` dB, rounded towards quality, within bounds."""
    # PSNR rises by ``slope`` per unit of curve() in the ``better`` direction.
    target_curve = knob.curve(x0) + knob.better * (wanted - p0) / slope
    inverse = 10**target_curve if knob.curve is math.log10 else target_curve
    rounded = math.ceil(inverse) if knob.better > 0 else math.floor(inverse)
    return _clamp(knob, rounded)


def _clamp(knob: _Knob, setting: int) -> int:
    return min(knob.bounds[1], max(knob.bounds[0], setting))


def _best(knob: _Knob) -> int:
    return knob.bounds[1] if knob.better > 0 else knob.bounds[0]


def _encode_and_measure(
    pixels: Image.Image, codec: Codec, setting: int, *, compact: bool = True
) -> tuple[bytes, float]:
    """The file and its PSNR; ``compact=False`` for probes, whose file is thrown away."""
    data = encode_lossy(pixels, codec, setting, compact=compact)
    decoded = Image.open(io.BytesIO(data))
    # Decoded in one call, which runs without the GIL from start to end (Pillow's 64 KB
    # steps would stop for it each time), so the helper thread gets on with its own work.
    decoded.decodermaxblock = max(len(data), ImageFile.MAXBLOCK)
    # Identical pixels (flat colours) measure infinite; cap so the curve fit stays finite.
    return data, min(_PSNR_CAP, psnr(pixels, decoded))


def _side_by_side(first: Callable[[], _T], second: Callable[[], _T]) -> tuple[_T, _T]:
    """Both results, ``first`` computed on the helper thread meanwhile (when there is one)."""
    pending = on_helper(first)
    other = second()
    return pending.result(), other


def encode_lossy(pixels: Image.Image, codec: Codec, setting: int, *, compact: bool = True) -> bytes:
    """``pixels`` as a JPEG or WebP file at ``setting``.

    ``compact=False`` skips JPEG's Huffman optimisation: the same pixels decode from it (only
    the entropy coding differs), for files that are only measured.
    """
    buffer = io.BytesIO()
    pixels.info = {}  # no EXIF, ICC or comments may ride along
    if codec == "jpeg":
        tables = _flat_tables(setting / 8)
        # optimize: Huffman tables fitted to this picture, ~4 % smaller for ~3-9 ms per MP.
        try:
            pixels.save(buffer, "JPEG", qtables=tables, subsampling=0, optimize=compact)
        except OSError:
            # Pillow sizes the optimising encoder's buffer at 2 bytes per pixel; noise-like
            # pictures at fine steps need more. The plain encoder streams and always works.
            buffer = io.BytesIO()
            pixels.save(buffer, "JPEG", qtables=tables, subsampling=0)
    else:
        # method 0: the fastest; higher methods gained under 3 % at 2-3x the time.
        pixels.save(buffer, "WEBP", quality=setting, method=0)
    return buffer.getvalue()


def _flat_tables(step: float) -> list[list[int]]:
    """One quantiser step for every frequency; fractional steps by mixing two neighbours.

    A step of 6.25 puts 7 on the highest-frequency quarter of the coefficients and 6 on the
    rest, giving the search finer control than whole steps (1.3 dB apart near 40 dB).
    """
    whole = max(1, min(255, int(step)))
    coarser = 0 if whole == 255 else round((step - whole) * 64)
    table = [whole] * 64
    for index in _HIGH_FREQUENCIES_FIRST[:coarser]:
        table[index] = whole + 1
    return [table, list(table)]


# Natural (row-major) positions ordered from the highest frequency to the lowest.
_HIGH_FREQUENCIES_FIRST = sorted(range(64), key=lambda i: (-(i // 8 + i % 8), i))


def sample_rows(pixels: Image.Image) -> Image.Image:
    """Evenly spread bands of rows (an eighth of a big picture) stacked, for quick probes."""
    strips = strips_of(pixels)
    if len(strips) == 1:
        return strips[0]
    sample = Image.new(pixels.mode, (pixels.width, _STRIP_ROWS * len(strips)))
    for index, strip in enumerate(strips):
        sample.paste(strip, (0, index * _STRIP_ROWS))
    return sample


def strips_of(pixels: Image.Image) -> list[Image.Image]:
    """The bands themselves (the whole picture when it is small)."""
    if pixels.height < _STRIPS * _STRIP_ROWS * 2:
        return [pixels]
    step = (pixels.height - _STRIP_ROWS) // (_STRIPS - 1) // 16 * 16
    return [
        pixels.crop((0, top, pixels.width, top + _STRIP_ROWS))
        for top in range(0, step * _STRIPS, step)
    ]
