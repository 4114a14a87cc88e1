"""Opening pictures: every supported kind, colour handling, and clear refusals."""

from __future__ import annotations

import gzip
import hashlib
import io
import random
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageCms, ImageDraw

from desktop_app.core.imaging import ImageRejected, SourceImage, open_image
from desktop_app.core.imaging.streaming import decode_shrunk

from . import corpus


def _near(actual: object, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    assert isinstance(actual, tuple), actual
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def _rejected(data: bytes | Path | str) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        open_image(data)
    message = str(caught.value)
    assert message and message[0].isupper() and message.endswith("."), message
    assert "Traceback" not in message and "PIL" not in message
    return caught.value


# ----------------------------------------------------------------------------- accepted kinds


def test_png_from_path_and_bytes(tmp_path: Path) -> None:
    data = corpus.encode(Image.new("RGB", (30, 20), corpus.GREEN), "PNG")
    path = tmp_path / "holiday.png"
    path.write_bytes(data)
    for source, name in ((path, "holiday.png"), (str(path), "holiday.png"), (data, "pasted image")):
        image = open_image(source)
        assert (image.format, image.width, image.height, image.name) == ("PNG", 30, 20, name)
        assert image.data_sha256 == hashlib.sha256(data).hexdigest()
        assert image.has_alpha is False
    assert open_image(data, name="clipboard.png").name == "clipboard.png"


def test_wrong_extension_is_detected_from_the_bytes(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(corpus.encode(Image.new("RGB", (8, 8), corpus.RED), "PNG"))
    assert open_image(path).format == "PNG"
    webp_named_png = tmp_path / "image.png"
    webp_named_png.write_bytes(corpus.encode(Image.new("RGB", (8, 8)), "WEBP"))
    assert open_image(webp_named_png).format == "WEBP"


@pytest.mark.parametrize(
    ("fmt", "params", "expected_format"),
    [
        ("JPEG", {"quality": 95}, "JPEG"),
        ("JPEG", {"quality": 95, "progressive": True}, "JPEG"),
        ("WEBP", {"lossless": True}, "WEBP"),
        ("WEBP", {"quality": 90}, "WEBP"),
        ("BMP", {}, "BMP"),
        ("TIFF", {}, "TIFF"),
        ("TIFF", {"compression": "tiff_lzw"}, "TIFF"),
        ("GIF", {}, "GIF"),
        ("PNG", {}, "PNG"),
    ],
)
def test_each_supported_kind_keeps_its_colour(
    fmt: str, params: dict[str, object], expected_format: str
) -> None:
    picture = Image.new("RGB", (64, 48), corpus.RED)
    ImageDraw.Draw(picture).rectangle((32, 0, 63, 47), fill=corpus.BLUE)
    image = open_image(corpus.encode(picture, fmt, **params))
    assert image.format == expected_format
    upright = image.upright()
    assert upright.mode == "RGB" and upright.size == (64, 48)
    assert _near(upright.getpixel((8, 24)), corpus.RED, 20)
    assert _near(upright.getpixel((56, 24)), corpus.BLUE, 20)


def test_heic() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    picture = corpus.corner_marked(64, 48)
    data = corpus.encode(picture, "HEIF", quality=95)
    image = open_image(data)
    assert image.format == "HEIF" and (image.width, image.height) == (64, 48)
    upright = image.upright()
    assert _near(upright.getpixel((4, 4)), corpus.RED, 40)
    assert _near(upright.getpixel((60, 4)), corpus.BLUE, 40)


def test_heic_rotation_is_applied_once() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    upright = corpus.corner_marked(64, 48)
    stored = corpus.stored_for_orientation(upright, 6)
    image = open_image(corpus.encode(stored, "HEIF", quality=95, exif=corpus.exif_bytes(6)))
    assert (image.width, image.height) == (64, 48)
    assert _near(image.upright().getpixel((4, 4)), corpus.RED, 40)


def test_cmyk_jpeg_comes_out_red() -> None:
    data = corpus.encode(Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "JPEG", quality=95)
    image = open_image(data)
    pixel = image.upright().getpixel((16, 16))
    assert isinstance(pixel, tuple)
    assert pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60, pixel


def test_cmyk_tiff_comes_out_red() -> None:
    data = corpus.encode(Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "TIFF")
    pixel = open_image(data).upright().getpixel((8, 8))
    assert _near(pixel, (255, 0, 0), 10)


def test_greyscale_jpeg_becomes_grey_rgb() -> None:
    data = corpus.encode(Image.new("L", (16, 16), 100), "JPEG", quality=95)
    upright = open_image(data).upright()
    assert upright.mode == "RGB"
    red, green, blue = upright.getpixel((8, 8))  # type: ignore[misc]
    assert red == green == blue and abs(red - 100) <= 2


def test_mpo_first_picture_is_used() -> None:
    left = Image.new("RGB", (64, 48), corpus.RED)
    right = Image.new("RGB", (64, 48), corpus.BLUE)
    data = corpus.encode(left, "MPO", save_all=True, append_images=[right], quality=95)
    image = open_image(data)
    assert image.format == "MPO"
    assert _near(image.upright().getpixel((32, 24)), corpus.RED, 20)
    # The fast path (decode at reduced scale) works on MPO too.
    assert _near(image.upright(max_side=8).getpixel((4, 3)), corpus.RED, 20)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animation_first_frame_is_used(fmt: str) -> None:
    frames = [Image.new("RGB", (16, 16), colour) for colour in (corpus.RED, corpus.GREEN)]
    data = corpus.encode(
        frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    assert _near(open_image(data).upright().getpixel((8, 8)), corpus.RED, 25)


def test_palette_with_transparency_keeps_alpha() -> None:
    picture = Image.new("P", (16, 16), 1)
    picture.putpalette([0, 0, 0, *corpus.RED] + [0] * 762)
    ImageDraw.Draw(picture).rectangle((0, 0, 7, 15), fill=0)
    image = open_image(corpus.encode(picture, "PNG", transparency=0))
    assert image.has_alpha is True
    upright = image.upright()
    assert upright.mode == "RGBA"
    assert upright.getpixel((2, 8))[3] == 0  # type: ignore[index]
    assert upright.getpixel((12, 8)) == (*corpus.RED, 255)


def test_gif_transparency_keeps_alpha() -> None:
    picture = Image.new("P", (16, 16), 1)
    picture.putpalette([0, 0, 0, *corpus.GREEN] + [0] * 762)
    ImageDraw.Draw(picture).rectangle((0, 0, 7, 15), fill=0)
    image = open_image(corpus.encode(picture, "GIF", transparency=0))
    assert image.has_alpha is True
    assert image.upright().getpixel((2, 2))[3] == 0  # type: ignore[index]


def test_la_with_real_alpha_and_without() -> None:
    real = Image.new("LA", (8, 8), (200, 255))
    real.putpixel((0, 0), (200, 0))
    image = open_image(corpus.encode(real, "PNG"))
    assert image.has_alpha is True and image.upright().mode == "RGBA"
    assert image.upright().getpixel((4, 4)) == (200, 200, 200, 255)
    opaque = open_image(corpus.encode(Image.new("LA", (8, 8), (200, 255)), "PNG"))
    assert opaque.has_alpha is False and opaque.upright().mode == "RGB"


def test_rgba_fully_opaque_drops_alpha_and_real_alpha_is_kept() -> None:
    opaque = open_image(corpus.encode(Image.new("RGBA", (8, 8), (*corpus.BLUE, 255)), "PNG"))
    assert opaque.has_alpha is False
    assert opaque.upright().mode == "RGB"
    half = Image.new("RGBA", (8, 8), (*corpus.BLUE, 255))
    half.putpixel((7, 7), (*corpus.BLUE, 128))
    image = open_image(corpus.encode(half, "PNG"))
    assert image.has_alpha is True
    assert image.upright().getpixel((7, 7)) == (*corpus.BLUE, 128)


def test_rgb_png_with_transparent_colour() -> None:
    picture = Image.new("RGB", (8, 8), corpus.RED)
    picture.putpixel((0, 0), (1, 2, 3))
    image = open_image(corpus.encode(picture, "PNG", transparency=(1, 2, 3)))
    assert image.has_alpha is True
    assert image.upright().getpixel((0, 0))[3] == 0  # type: ignore[index]


def test_bmp_with_unused_zero_alpha_is_opaque() -> None:
    image = open_image(corpus.bmp_bgra(8, 8, (30, 20, 230, 0)))  # BGRA: red, alpha 0
    assert image.has_alpha is False
    assert _near(image.upright().getpixel((4, 4)), corpus.RED, 2)


def test_bmp_with_real_alpha_keeps_it() -> None:
    image = open_image(corpus.bmp_bgra(8, 8, (30, 20, 230, 128)))
    assert image.has_alpha is True
    assert image.upright().getpixel((4, 4))[3] == 128  # type: ignore[index]


def test_16_bit_grey_png_is_scaled_not_clipped() -> None:
    picture = Image.new("I;16", (4, 1))
    for x, value in enumerate((0, 1000, 32896, 65535)):
        picture.putpixel((x, 0), value)
    upright = open_image(corpus.encode(picture, "PNG")).upright()
    greys = [upright.getpixel((x, 0))[0] for x in range(4)]  # type: ignore[index]
    assert greys == [0, 3, 128, 255]


def test_16_bit_rgb_png() -> None:
    data = corpus.png_rgb16(8, 8, (65535, 32896, 0))
    assert _near(open_image(data).upright().getpixel((4, 4)), (255, 128, 0), 1)


def test_16_bit_tiff() -> None:
    picture = Image.new("I;16", (8, 8), 32896)
    assert _near(
        open_image(corpus.encode(picture, "TIFF")).upright().getpixel((1, 1)), (128, 128, 128), 1
    )


def test_float_and_int_tiffs() -> None:
    floats = Image.new("F", (8, 8), 0.5)
    assert _near(
        open_image(corpus.encode(floats, "TIFF")).upright().getpixel((1, 1)), (128, 128, 128), 1
    )
    ints = Image.new("I", (8, 8), 40000)
    ints.putpixel((0, 0), 0)
    assert _near(
        open_image(corpus.encode(ints, "TIFF")).upright().getpixel((1, 1)), (156, 156, 156), 1
    )


def test_one_bit_png() -> None:
    picture = Image.new("1", (8, 8), 0)
    picture.putpixel((7, 7), 1)
    upright = open_image(corpus.encode(picture, "PNG")).upright()
    assert upright.getpixel((0, 0)) == (0, 0, 0) and upright.getpixel((7, 7)) == (255,) * 3


def test_lab_tiff() -> None:
    lab = Image.new("LAB", (8, 8), (255, 128, 128))  # L* 100, neutral: white
    assert _near(
        open_image(corpus.encode(lab, "TIFF")).upright().getpixel((1, 1)), (255, 255, 255), 6
    )


# ----------------------------------------------------------------------------- colour profiles


@pytest.mark.parametrize("profile", [corpus.display_p3_profile, corpus.adobe_rgb_profile])
def test_wide_gamut_profile_is_converted_to_srgb(profile: object) -> None:
    assert callable(profile)
    picture = Image.new("RGB", (8, 8), (180, 120, 120))
    for fmt in ("PNG", "JPEG", "WEBP", "TIFF"):
        params: dict[str, object] = {"icc_profile": profile()}
        if fmt in ("JPEG", "WEBP"):
            params["quality"] = 100
        pixel = open_image(corpus.encode(picture, fmt, **params)).upright().getpixel((4, 4))
        assert isinstance(pixel, tuple)
        # The same numbers in a wider space are a more saturated colour: in sRGB red rises
        # and moves further from green and blue (60 apart before).
        assert pixel[0] >= 186, (fmt, pixel)
        assert pixel[0] - max(pixel[1], pixel[2]) >= 70, (fmt, pixel)


def test_srgb_profile_changes_nothing() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture = Image.new("RGB", (8, 8), (180, 120, 90))
    data = corpus.encode(picture, "PNG", icc_profile=srgb)
    assert open_image(data).upright().getpixel((4, 4)) == (180, 120, 90)


def test_broken_profile_is_ignored_not_fatal() -> None:
    picture = Image.new("RGB", (8, 8), (180, 120, 90))
    data = corpus.encode(picture, "PNG", icc_profile=b"not a profile at all" * 10)
    assert open_image(data).upright().getpixel((4, 4)) == (180, 120, 90)


def test_profile_applies_to_the_fast_path_and_crops_too() -> None:
    picture = Image.new("RGB", (800, 600), (180, 120, 120))
    data = corpus.encode(picture, "JPEG", quality=100, icc_profile=corpus.display_p3_profile())
    image = open_image(data)
    small = image.upright(max_side=100)
    assert small.size == (100, 75)
    pixel = small.getpixel((50, 37))
    assert isinstance(pixel, tuple) and pixel[0] >= 186 and pixel[1] <= 119


# ----------------------------------------------------------------------------- sizes


def test_tiny_pictures() -> None:
    for size in ((1, 1), (2, 3)):
        image = open_image(corpus.encode(Image.new("RGB", size, corpus.RED), "PNG"))
        assert (image.width, image.height) == size
        assert image.upright(max_side=1).size in ((1, 1), (1, 2))


def test_extreme_aspect_ratio() -> None:
    image = open_image(corpus.encode(Image.new("RGB", (10000, 10), corpus.GREEN), "PNG"))
    preview = image.upright(max_side=500)
    assert preview.size == (500, 1)


def _recording_decodes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The size of every image Pillow decodes from here on: what a check costs, without a clock."""
    from PIL import ImageFile

    decoded: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def recording_load(self: ImageFile.ImageFile) -> object:
        decoded.append(self.size)
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)

    def recording_shrinking_decode(data: bytes, image: ImageFile.ImageFile, *rest: Any) -> object:
        decoded.append(image.size)  # the size it decodes at (drafted), shrunk while decoding
        return decode_shrunk(data, image, *rest)

    monkeypatch.setattr(
        "desktop_app.core.imaging.loading.decode_shrunk", recording_shrinking_decode
    )
    return decoded


def test_a_huge_photo_previews_from_a_reduced_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Quick because its pixels are decoded at 1/8 scale, never all 48 MP (the time itself is
    for the benchmark, ``bench_prepare``)."""
    picture = Image.new("RGB", (8000, 6000), corpus.BLUE)
    ImageDraw.Draw(picture).ellipse((1000, 1000, 7000, 5000), fill=corpus.RED)
    data = corpus.encode(picture, "JPEG", quality=85)
    decoded = _recording_decodes(monkeypatch)
    preview = open_image(data).upright(max_side=1024)
    assert preview.size == (1024, 768)
    assert _near(preview.getpixel((512, 384)), corpus.RED, 25)
    assert decoded and max(w * h for w, h in decoded) <= 2000 * 1500, decoded


def test_upright_max_side_never_enlarges() -> None:
    image = open_image(corpus.encode(Image.new("RGB", (40, 30)), "PNG"))
    assert image.upright(max_side=4000).size == (40, 30)
    with pytest.raises(ValueError):
        image.upright(max_side=0)


# ----------------------------------------------------------------------------- refusals


def test_empty(tmp_path: Path) -> None:
    assert _rejected(b"").reason == "empty"
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    assert _rejected(path).reason == "empty"


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert _rejected(tmp_path / "nope.png").reason == "unreadable_file"
    assert _rejected(tmp_path).reason == "unreadable_file"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated(fmt: str, keep: float, photo_scene: Image.Image) -> None:
    data = corpus.encode(photo_scene.resize((256, 192)), fmt)
    error = _rejected(data[: int(len(data) * keep)])
    assert error.reason == "truncated"
    assert "incomplete" in str(error)


def test_progressive_jpeg_cut_between_scans() -> None:
    picture = corpus.photo_like(128, 96, seed=3)
    data = corpus.encode(picture, "JPEG", quality=90, progressive=True)
    scans = [i for i in range(len(data)) if data[i : i + 2] == b"\xff\xda"]
    assert len(scans) > 2
    assert _rejected(data[: scans[len(scans) // 2]]).reason == "truncated"


def test_random_garbage() -> None:
    rng = random.Random(5)
    garbage = bytes(rng.randrange(256) for _ in range(5000))
    assert _rejected(garbage).reason == "unsupported_format"
    assert _rejected(b"hello, this is a text file\n" * 20).reason == "unsupported_format"


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>', "SVG"),
        (b'\xef\xbb\xbf  <svg width="10" height="10"></svg>', "SVG"),
        ("<svg></svg>".encode("utf-16"), "SVG"),
        (gzip.compress(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "SVG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "EPS"),
        (b"\xc5\xd0\xd3\xc6" + bytes(40), "EPS"),
        (b"\xd7\xcd\xc6\x9a" + bytes(40), "WMF"),
        (b"\x01\x00\x00\x00" + bytes(36) + b" EMF" + bytes(40), "EMF"),
    ],
)
def test_vector_files_are_named(data: bytes, word: str) -> None:
    error = _rejected(data)
    assert error.reason == "vector"
    assert word in str(error) and "PNG, JPEG" in str(error)


def test_other_picture_formats_are_named() -> None:
    avif = corpus.encode(Image.new("RGB", (8, 8)), "AVIF")
    error = _rejected(avif)
    assert error.reason == "unsupported_format" and "AVIF" in str(error)
    jp2 = corpus.encode(Image.new("RGB", (8, 8)), "JPEG2000")
    assert "JPEG 2000" in str(_rejected(jp2))
    assert "ICO" in str(_rejected(corpus.encode(Image.new("RGB", (16, 16)), "ICO")))
    assert "PSD" in str(_rejected(b"8BPS" + bytes(40)))


def test_decompression_bomb_is_refused_fast_and_cheaply(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = _recording_decodes(monkeypatch)
    for width, height in ((30000, 30000), (12000, 9000), (100_000, 1500)):
        data = corpus.png_declaring(width, height)
        assert len(data) < 200_000
        error = _rejected(data)
        assert not decoded, "refused from its header, before a pixel is decoded"
        assert error.reason == "bomb", (width, height, error)
        assert f"{width}×{height}" in str(error) or "pixels" in str(error)


def test_too_many_pixels_in_a_plausible_file() -> None:
    # Enough real data that it isn't a "bomb": just bigger than the app handles.
    data = corpus.png_padded(corpus.png_declaring(12000, 9000), 200_000)
    error = _rejected(data)
    assert error.reason == "too_large"
    assert "megapixels" in str(error)


def test_source_image_is_reusable_and_immutable_in_use(photo_jpeg: bytes) -> None:
    image = open_image(photo_jpeg)
    first = image.upright(max_side=200)
    second = image.upright(max_side=200)
    assert first.tobytes() == second.tobytes()
    full = image.upright()
    assert full.size == (image.width, image.height)
    assert isinstance(image, SourceImage) and "SourceImage(" in repr(image)
    assert full.info == {}


def test_between_pillows_warning_and_our_limit_no_warning_escapes() -> None:
    # 95 MP: above Pillow's DecompressionBombWarning threshold (89.5 MP), below our JPEG cap.
    # The suite runs with warnings as errors, so any warning that escaped would fail here.
    picture = Image.new("L", (10000, 9500), 90)
    data = corpus.encode(picture, "JPEG", quality=50)
    del picture
    image = open_image(data)
    assert (image.width, image.height) == (10000, 9500)
    assert image.upright(max_side=100).size == (100, 95)
    assert image.upright(max_side=100).getpixel((50, 50)) == (90, 90, 90)


def test_formats_decoded_whole_have_a_lower_pixel_cap() -> None:
    # A 60 MP PNG would take several seconds to decode; the same pixels as JPEG decode scaled.
    png = corpus.encode(Image.new("L", (10000, 6000), 90), "PNG", compress_level=1)
    rejected = _rejected(png)
    assert rejected.reason == "too_large" and "50 megapixels" in str(rejected)
    jpeg = corpus.encode(Image.new("L", (10000, 6000), 90), "JPEG", quality=50)
    assert open_image(jpeg).width == 10000


def test_oversized_bytes_are_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.core.imaging import loading

    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 1000)
    data = corpus.encode(Image.new("RGB", (64, 64)), "BMP")
    assert _rejected(data).reason == "too_large"


def test_a_file_over_the_limit_is_refused_and_one_under_it_read_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tracemalloc

    from desktop_app.core.imaging import loading

    path = tmp_path / "photo.bmp"
    path.write_bytes(corpus.encode(Image.new("RGB", (64, 64)), "BMP"))
    tracemalloc.start()
    try:
        assert open_image(path).width == 64
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # what the file holds, not a buffer of the 256 MB limit
    monkeypatch.setattr(loading, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ImageRejected) as refused:
        open_image(path)
    assert refused.value.reason == "too_large"


def test_the_core_never_imports_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, desktop_app.core.imaging as m\n"
        "m.open_image(bytes.fromhex('89504e470d0a1a0a')) if False else None\n"
        "bad = [n for n in sys.modules if n.startswith(('PySide6', 'shiboken6', 'PyQt'))]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize(
    ("size", "kind", "shown"),
    [
        ((4000, 3000), "JPEG", (2000, 1500)),  # half scale: decoded so, no resampling
        ((4001, 3001), "JPEG", (2000, 1500)),
        ((6000, 4000), "JPEG", (2048, 1365)),  # half is 3000: larger than asked, resampled
        ((3000, 4000), "PNG", (1500, 2000)),  # the same rule, whatever the format
        ((800, 600), "JPEG", (800, 600)),  # never enlarged
    ],
)
def test_a_preview_is_a_size_the_decoder_reaches_by_itself(
    size: tuple[int, int], kind: str, shown: tuple[int, int]
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", size, (90, 140, 200)).save(buffer, kind)
    assert open_image(buffer.getvalue()).preview(2048).size == shown
