"""Hostile bytes: mutated valid pictures may be refused, but only ever with ImageRejected."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from desktop_app.core.imaging import ImageRejected, open_image, prepare_edit_upload

from . import corpus

pytestmark = pytest.mark.slow  # pytest -m 'not slow' leaves it out


@cache
def seeds() -> tuple[bytes, ...]:
    """Small valid files of every supported kind, with the features parsers trip on."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    picture = corpus.photo_like(40, 30, seed=9)
    rgba = picture.convert("RGBA")
    ImageDraw.Draw(rgba).rectangle((0, 0, 9, 9), fill=(0, 0, 0, 0))
    palette = picture.convert("P")
    frames = [picture, picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    exif = corpus.exif_bytes(6)
    return (
        corpus.encode(picture, "PNG", exif=exif),
        corpus.encode(palette, "PNG", transparency=3),
        corpus.encode(rgba, "PNG", icc_profile=corpus.display_p3_profile()),
        corpus.encode(picture, "JPEG", quality=80, exif=exif),
        corpus.encode(picture, "JPEG", quality=80, progressive=True),
        corpus.encode(Image.new("CMYK", (24, 16), (0, 200, 200, 0)), "JPEG"),
        corpus.encode(picture, "MPO", save_all=True, append_images=frames[1:]),
        corpus.encode(frames[0], "GIF", save_all=True, append_images=frames[1:], loop=0),
        corpus.encode(rgba, "WEBP", quality=70),
        corpus.encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True),
        corpus.encode(picture, "BMP"),
        corpus.bmp_bgra(12, 8, (10, 20, 30, 40)),
        corpus.encode(picture, "TIFF", compression="tiff_lzw", exif=exif),
        corpus.encode(Image.new("I;16", (20, 10), 30000), "TIFF"),
        corpus.encode(picture, "HEIF", quality=60),
    )


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds())))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete", "splice"]))
        where = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            # Header fields are where parsers are fragile: favour extreme values.
            value = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]))
            data[where] = value
        elif kind == "cut":
            del data[where:]
        elif kind == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[where : where + draw(st.integers(1, 64))]
        elif kind == "splice":
            other = draw(st.sampled_from(seeds()))
            start = draw(st.integers(0, len(other) - 1))
            data[where : where + 32] = other[start : start + 32]
    return bytes(data)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
@given(mutated())
def test_mutated_files_are_either_usable_or_rejected(data: bytes) -> None:
    try:
        image = open_image(data)
        _ = image.has_alpha
        image.upright(max_side=24)
        upload = prepare_edit_upload(image, None, 16)
        assert len(upload.data) > 0
    except ImageRejected as rejected:
        assert rejected.reason in {
            "empty",
            "unsupported_format",
            "vector",
            "truncated",
            "corrupt",
            "too_large",
            "bomb",
            "too_small",
        }
        assert str(rejected)


def test_every_seed_is_valid() -> None:
    for data in seeds():
        image = open_image(data)
        assert prepare_edit_upload(image, None, 16).width == 16
