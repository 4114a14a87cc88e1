"""PSNR, measured a band of rows at a time, is the PSNR of the whole picture."""

from __future__ import annotations

import math

import pytest
from PIL import Image, ImageChops, ImageStat

from desktop_app.core.imaging.quality import psnr


def _whole_picture_psnr(a: Image.Image, b: Image.Image) -> float:
    squared = sum(ImageStat.Stat(ImageChops.difference(a, b)).sum2)
    mse = squared / (a.width * a.height * 3)
    return math.inf if mse == 0 else 10 * math.log10(255 * 255 / mse)


@pytest.mark.parametrize("height", [1, 127, 128, 129, 301])
def test_bands_add_up_to_the_whole_picture(height: int) -> None:
    """Heights around the band's 128 rows, and one band and a bit."""
    a = Image.effect_noise((257, height), 60).convert("RGB")
    b = Image.blend(a, Image.effect_noise((257, height), 90).convert("RGB"), 0.3)
    assert psnr(a, b) == _whole_picture_psnr(a, b)
    assert psnr(a, a) == math.inf
