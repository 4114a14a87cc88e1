"""The story inside saved files: written, read back, stripped, and never at the pixels' expense."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from desktop_app.core.metadata import STORY_CHUNK, MalformedImageError, embed, read, strip

PROMPT = 'Un chat 🐱 « été » 日本語 עברית\nline two & <tags> "quotes" \x01 \ufffe end'
STORY = {
    "app": "Image Variations",
    "app_version": "0.1.0",
    "model": "gpt-image-2.6-sunburst",
    "prompt": PROMPT,
    "parameters": '{"n": 2, "quality": "high", "size": "1024x1024"}',
    "request_id": "req_0123456789abcdef",
    "time": "2026-11-25T10:15:00+00:00",
    "source_sha256": "9f" * 32,
}
GPS_IFD = ExifTags.IFD.GPSInfo


def _picture(mode: str, size: tuple[int, int] = (48, 32)) -> Image.Image:
    """Noisy pixels, so that a change to any of them would show."""
    rng = random.Random(7)
    image = Image.new(mode, size)
    bands = len(image.getbands())
    image.frombytes(bytes(rng.randrange(256) for _ in range(size[0] * size[1] * bands)))
    return image


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


SAMPLES: dict[str, Callable[[], bytes]] = {
    "png-rgba": lambda: _encode(_picture("RGBA"), "PNG"),
    "png-palette": lambda: _encode(_picture("P"), "PNG"),
    "jpeg": lambda: _encode(_picture("RGB"), "JPEG", quality=90),
    "jpeg-progressive": lambda: _encode(_picture("RGB"), "JPEG", progressive=True),
    "webp-lossless": lambda: _encode(_picture("RGBA"), "WEBP", lossless=True),
    "webp-lossy": lambda: _encode(_picture("RGB"), "WEBP", quality=80),
    "webp-lossy-alpha": lambda: _encode(_picture("RGBA"), "WEBP", quality=80),
}


def _format(sample: str) -> str:
    return sample.split("-")[0]


def _pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.mode, image.size, image.tobytes()


def _exif_jpeg(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 22.0, 12.5)
    return _encode(_picture("RGB"), "JPEG", exif=exif, comment=b"shot at home")


# -- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_story_round_trips(sample: str) -> None:
    assert read(embed(SAMPLES[sample](), _format(sample), STORY)) == STORY


@pytest.mark.parametrize("sample", SAMPLES)
def test_embedding_and_stripping_leave_every_pixel_alone(sample: str) -> None:
    original = SAMPLES[sample]()
    written = embed(original, _format(sample), STORY)
    assert written != original
    assert _pixels(written) == _pixels(original)
    assert _pixels(strip(written, _format(sample))) == _pixels(original)


@pytest.mark.parametrize("sample", SAMPLES)
def test_strip_removes_the_story_and_writing_twice_keeps_one(sample: str) -> None:
    fmt = _format(sample)
    first = embed(SAMPLES[sample](), fmt, {**STORY, "prompt": "old"})
    second = embed(first, fmt, STORY)
    assert read(second) == STORY
    assert second.count(b"req_0123456789abcdef") == first.count(b"req_0123456789abcdef")
    stripped = strip(second, fmt)
    assert read(stripped) == {}
    assert b"req_0123456789abcdef" not in stripped
    assert b"Image Variations" not in stripped


def test_png_strip_gives_back_the_original_file() -> None:
    original = SAMPLES["png-rgba"]()
    assert strip(embed(original, "png", STORY), "png") == original


def test_a_file_without_a_story_reads_as_empty() -> None:
    for sample in SAMPLES.values():
        assert read(sample()) == {}


def test_png_fields_other_programs_show() -> None:
    with Image.open(io.BytesIO(embed(SAMPLES["png-rgba"](), "png", STORY))) as image:
        image.load()
        text = image.text  # type: ignore[attr-defined]
    assert text["Description"] == PROMPT
    assert text["Software"] == "Image Variations 0.1.0"
    assert text["Creation Time"] == "2026-11-25T10:15:00+00:00"
    assert STORY_CHUNK in text


def test_jpeg_fields_other_programs_show() -> None:
    with Image.open(io.BytesIO(embed(SAMPLES["jpeg"](), "jpeg", STORY))) as image:
        exif = image.getexif()
        xmp = image.info["xmp"]
    # EXIF text is written as UTF-8; Pillow hands it back as Latin-1.
    assert exif[ExifTags.Base.ImageDescription].encode("latin-1").decode("utf-8") == PROMPT
    assert exif[ExifTags.Base.Software] == "Image Variations 0.1.0"
    assert b"<xmp:CreatorTool>Image Variations 0.1.0</xmp:CreatorTool>" in xmp
    assert "日本語".encode() in xmp


def test_webp_fields_other_programs_show() -> None:
    with Image.open(io.BytesIO(embed(SAMPLES["webp-lossless"](), "webp", STORY))) as image:
        exif = image.getexif()
        xmp = image.info["xmp"]
    assert exif[ExifTags.Base.Software] == "Image Variations 0.1.0"
    assert b"<xmp:CreateDate>2026-11-25T10:15:00+00:00</xmp:CreateDate>" in xmp


def test_a_simple_webp_becomes_extended_with_the_right_flags() -> None:
    original = SAMPLES["webp-lossless"]()
    assert original[12:16] == b"VP8L"  # Pillow wrote a simple lossless file with alpha
    written = embed(original, "webp", STORY)
    assert written[12:16] == b"VP8X"
    assert written[20] == 0x10 | 0x08 | 0x04  # alpha, EXIF, XMP
    assert written[24:30] == (47).to_bytes(3, "little") + (31).to_bytes(3, "little")  # 48x32
    assert strip(written, "webp")[20] == 0x10


def test_a_story_without_a_prompt_or_app_still_round_trips() -> None:
    story = {"model": "dall-e-2", "request_id": "req_1"}
    for sample, make in SAMPLES.items():
        assert read(embed(make(), _format(sample), story)) == story


def test_the_longest_prompt_fits_a_jpeg_whole() -> None:
    story = {**STORY, "prompt": "a" * 32_000}
    assert read(embed(SAMPLES["jpeg"](), "jpeg", story)) == story


def test_a_jpeg_too_small_for_the_story_keeps_a_shortened_prompt_and_says_so() -> None:
    prompt = "日本語の" * 7_500  # 30,000 characters, 90,000 bytes: more than a JPEG segment
    written = embed(SAMPLES["jpeg"](), "jpeg", {**STORY, "prompt": prompt})
    story = read(written)
    assert story.pop("prompt_truncated") == "true"
    assert prompt.startswith(story.pop("prompt"))
    assert story == {k: v for k, v in STORY.items() if k != "prompt"}
    assert _pixels(written) == _pixels(SAMPLES["jpeg"]())


# -- stripping what others wrote -------------------------------------------------------------


def test_strip_removes_gps_and_comments_from_a_jpeg() -> None:
    original = _exif_jpeg()
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get_ifd(GPS_IFD)  # the test photo really carries a location
    stripped = strip(original, "jpeg")
    with Image.open(io.BytesIO(stripped)) as image:
        assert dict(image.getexif()) == {}
        assert "comment" not in image.info
    assert b"PhoneCo" not in stripped
    assert b"shot at home" not in stripped
    assert _pixels(stripped) == _pixels(original)


def test_strip_keeps_a_jpeg_the_right_way_up() -> None:
    stripped = strip(_exif_jpeg(orientation=6), "jpeg")
    with Image.open(io.BytesIO(stripped)) as image:
        exif = image.getexif()
    assert dict(exif) == {ExifTags.Base.Orientation: 6}
    assert exif.get_ifd(GPS_IFD) == {}


def test_embed_replaces_foreign_exif_but_keeps_the_orientation() -> None:
    written = embed(_exif_jpeg(orientation=8), "jpeg", STORY)
    with Image.open(io.BytesIO(written)) as image:
        exif = image.getexif()
    assert exif[ExifTags.Base.Orientation] == 8
    assert exif.get_ifd(GPS_IFD) == {}
    assert read(written) == STORY


def test_strip_keeps_colour_profiles() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for fmt in ("PNG", "JPEG", "WEBP"):
        original = _encode(_picture("RGB"), fmt, icc_profile=profile)
        written = embed(original, fmt.lower(), STORY)
        with Image.open(io.BytesIO(strip(written, fmt.lower()))) as image:
            assert image.info.get("icc_profile") == profile, fmt


def test_strip_removes_every_kind_of_png_text_and_exif() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Doe")
    info.add_text("Comment", "compressed secret", zip=True)
    info.add_itxt("Location", "Zürich", lang="de")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    original = _encode(_picture("RGB"), "PNG", pnginfo=info, exif=exif)
    stripped = strip(original, "png")
    for secret in (b"Jane Doe", b"Author", b"Comment", b"Location", b"PhoneCo", b"eXIf"):
        assert secret not in stripped
    assert _pixels(stripped) == _pixels(original)


def test_strip_removes_exif_and_xmp_from_a_webp_but_keeps_its_orientation() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 3
    exif.get_ifd(GPS_IFD)[ExifTags.GPS.GPSLatitudeRef] = "S"
    original = _encode(_picture("RGB"), "WEBP", lossless=True, exif=exif, xmp=b"<x>secret</x>")
    stripped = strip(original, "webp")
    with Image.open(io.BytesIO(stripped)) as image:
        assert dict(image.getexif()) == {ExifTags.Base.Orientation: 3}
        assert "xmp" not in image.info
    assert b"secret" not in stripped
    assert _pixels(stripped) == _pixels(original)


# -- malformed input -------------------------------------------------------------------------

PNG = SAMPLES["png-rgba"]()
JPEG = SAMPLES["jpeg"]()
WEBP = SAMPLES["webp-lossless"]()

MALFORMED = {
    "empty": (b"", "png", "not a PNG"),
    "text": (b"hello, world", "jpeg", "not a JPEG"),
    "png cut short": (PNG[:-20], "png", "cut short"),
    "png huge chunk": (PNG[:8] + b"\xff\xff\xff\xf0IHDR" + PNG[16:], "png", "damaged or cut short"),
    "png without pixels": (PNG[:33] + PNG[-12:], "png", "no header or no image data"),
    "jpeg without scan": (b"\xff\xd8\xff\xe0\x00\x04ab\xff\xd9", "jpeg", "no image data"),
    "jpeg cut short": (JPEG[:30], "jpeg", "damaged or cut short"),
    "jpeg zero length": (b"\xff\xd8\xff\xe1\x00\x00" + JPEG[2:], "jpeg", "damaged or cut short"),
    "webp cut short": (WEBP[:-10], "webp", "cut short"),
    "webp no image": (b"RIFF\x0c\x00\x00\x00WEBPJUNK\x00\x00\x00\x00", "webp", "no image data"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_input_is_a_clear_value_error(case: str) -> None:
    data, fmt, message = MALFORMED[case]
    with pytest.raises(MalformedImageError, match=f"(?i){message}"):
        embed(data, fmt, STORY)
    with pytest.raises(MalformedImageError, match=f"(?i){message}"):
        strip(data, fmt)
    with pytest.raises(MalformedImageError):
        read(data)


def test_malformed_image_error_is_a_value_error() -> None:
    assert issubclass(MalformedImageError, ValueError)


def test_a_format_that_is_not_the_bytes_is_refused() -> None:
    with pytest.raises(MalformedImageError, match="not a JPEG image"):
        embed(PNG, "jpeg", STORY)
    with pytest.raises(ValueError, match="not 'gif'"):
        strip(PNG, "gif")
    assert read(embed(JPEG, "JPG", STORY)) == STORY  # "jpg" and any case are fine


def test_a_story_must_be_text() -> None:
    with pytest.raises(ValueError, match="text values"):
        embed(PNG, "png", {"n": 2})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="not valid Unicode"):
        embed(PNG, "png", {"prompt": "half a pair \ud800"})


def _png_with_story_text(text: bytes, *, compressed: bool = False) -> bytes:
    body = STORY_CHUNK.encode() + b"\0" + bytes((int(compressed), 0)) + b"\0\0" + text
    chunk = struct.pack(">I", len(body)) + b"iTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + body))
    return PNG[:33] + chunk + PNG[33:]


def test_a_damaged_story_is_reported_not_guessed() -> None:
    with pytest.raises(MalformedImageError, match="damaged"):
        read(_png_with_story_text(b'{"prompt": "cut'))
    with pytest.raises(MalformedImageError, match="not a story of text fields"):
        read(_png_with_story_text(b'{"n": 2}'))


def test_a_compressed_text_bomb_is_refused() -> None:
    bomb = zlib.compress(b"{" + b" " * (20 * 1024 * 1024) + b"}", 9)
    with pytest.raises(MalformedImageError, match="size limit"):
        read(_png_with_story_text(bomb, compressed=True))


def test_compressed_story_text_is_read() -> None:
    text = b'{"prompt": "compressed"}'
    assert read(_png_with_story_text(zlib.compress(text), compressed=True)) == {
        "prompt": "compressed"
    }


@settings(max_examples=300)
@given(
    sample=st.sampled_from(sorted(SAMPLES)),
    cut=st.integers(min_value=0, max_value=4000),
    flips=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=4),
)
def test_damaged_files_give_a_result_or_a_value_error_quickly(
    sample: str, cut: int, flips: list[tuple[int, int]]
) -> None:
    fmt = _format(sample)
    data = bytearray(embed(SAMPLES[sample](), fmt, STORY))
    for position, value in flips:
        if position < len(data):
            data[position] = value
    damaged = bytes(data[: len(data) - cut % len(data)])
    with contextlib.suppress(ValueError):
        embed(damaged, fmt, STORY)
    with contextlib.suppress(ValueError):
        strip(damaged, fmt)
    with contextlib.suppress(ValueError):
        read(damaged)


def test_importing_the_metadata_module_does_not_load_pillow() -> None:
    script = "import sys, desktop_app.core.metadata; print('PIL' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
