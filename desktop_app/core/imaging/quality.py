"""Measuring how close a lossy picture stays to the original."""

from __future__ import annotations

import math

from PIL import Image, ImageChops, ImageStat

_ROWS_AT_A_TIME = 128


def psnr(a: Image.Image, b: Image.Image) -> float:
    """Peak signal-to-noise ratio in dB over R, G and B (inf when identical).

    40 dB is where differences stop being visible on photos at 100 % zoom; it is the bar
    the lossy uploads must clear.
    """
    if a.size != b.size:
        raise ValueError(f"sizes differ: {a.size} vs {b.size}")
    return _psnr_from(_squared_error(a, b), a.width * a.height)


def chroma_subsampling_psnr(*images: Image.Image) -> float:
    """PSNR left after halving colour resolution (JPEG 4:2:0, and all of lossy WebP).

    Lossy WebP always stores colour at half resolution, so this is a ceiling on the PSNR it
    can reach: pictures with fine coloured detail (foliage, fabric) can't get to 40 dB with
    it at any quality, and trying would only cost time. Several images (samples of one
    picture) are measured separately, so no smoothing runs across their seams, and pooled.
    """
    total_error = 0.0
    total_pixels = 0
    for image in images:
        luma, blue, red = _rgb(image).convert("YCbCr").split()
        size = image.size
        halved = [c.reduce(2).resize(size, Image.Resampling.BILINEAR) for c in (blue, red)]
        # Includes 8-bit YCbCr rounding (about 44 dB alone), which WebP pays as well.
        rebuilt = Image.merge("YCbCr", (luma, *halved)).convert("RGB")
        total_error += _squared_error(image, rebuilt)
        total_pixels += image.width * image.height
    return _psnr_from(total_error, total_pixels)


def _squared_error(a: Image.Image, b: Image.Image) -> float:
    a, b = _rgb(a), _rgb(b)
    total = 0.0  # sums of whole squares: exact in a float at any size we handle
    # A band of rows at a time: the difference of two 1024 px uploads whole is 4 MB more held
    # at the peak of preparing one.
    for top in range(0, a.height, _ROWS_AT_A_TIME):
        rows = (0, top, a.width, min(a.height, top + _ROWS_AT_A_TIME))
        difference = ImageChops.difference(a.crop(rows), b.crop(rows))
        total += sum(ImageStat.Stat(difference).sum2)  # per-channel sums of squares
    return total


def _psnr_from(squared_error: float, pixels: int) -> float:
    mse = squared_error / (pixels * 3)
    return math.inf if mse == 0 else 10 * math.log10(255 * 255 / mse)


def _rgb(image: Image.Image) -> Image.Image:
    return image if image.mode == "RGB" else image.convert("RGB")
