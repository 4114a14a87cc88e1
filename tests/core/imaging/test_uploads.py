"""Uploads: sizes, formats, fidelity, and bytes that say what they are."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from desktop_app.core.capabilities import CLASSIC_SIDES
from desktop_app.core.imaging import (
    CLASSIC_MAX_BYTES,
    ImageRejected,
    SourceImage,
    Square,
    Upload,
    open_image,
    prepare_classic_upload,
    prepare_edit_upload,
    psnr,
)
from desktop_app.core.imaging.encoding import square_pixels
from desktop_app.core.imaging.lossy import encode_lossy

from . import corpus

PILLOW_FORMAT = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
EXTENSION = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}


def _check_upload(upload: Upload, side: int) -> Image.Image:
    """Everything an upload promises: the bytes are what the name and MIME type say."""
    with Image.open(io.BytesIO(upload.data)) as decoded:
        assert decoded.format == PILLOW_FORMAT[upload.format]
        assert upload.mime_type == Image.MIME[decoded.format]
        assert upload.filename.endswith(EXTENSION[upload.format])
        assert upload.filename.isascii() and "/" not in upload.filename
        assert decoded.size == (side, side) == (upload.width, upload.height)
        assert not decoded.getexif(), "no EXIF (so no rotation tag) may remain"
        assert "exif" not in decoded.info and "icc_profile" not in decoded.info
        decoded.load()
        return decoded.copy()


@pytest.fixture(scope="module")
def photo(photo_jpeg: bytes) -> SourceImage:
    return open_image(photo_jpeg, name="Ferien am Meer – 2024.jpg")


@pytest.mark.parametrize("side", CLASSIC_SIDES)
def test_classic_png_at_each_size(photo: SourceImage, side: int) -> None:
    upload = prepare_classic_upload(photo, None, side)
    assert upload.format == "png" and upload.mime_type == "image/png"
    assert len(upload.data) < CLASSIC_MAX_BYTES
    decoded = _check_upload(upload, side)
    assert decoded.mode in ("RGB", "RGBA")
    assert upload.filename == "Ferien-am-Meer-2024.png"


def test_classic_noise_with_alpha_still_fits_under_4_mb() -> None:
    bands = [Image.effect_noise((1024, 1024), 120) for _ in range(3)]
    alpha = Image.effect_noise((1024, 1024), 120).point(lambda v: min(v, 254))
    noisy = Image.merge("RGBA", (*bands, alpha))
    image = open_image(corpus.encode(noisy, "PNG", compress_level=1))
    upload = prepare_classic_upload(image, None, 1024)
    assert len(upload.data) < CLASSIC_MAX_BYTES
    decoded = _check_upload(upload, 1024)
    assert decoded.mode == "RGBA"
    assert decoded.getchannel("A").tobytes() == alpha.tobytes()  # alpha is never degraded


@pytest.mark.parametrize("side", [0, 100, 2048, True])
def test_classic_refuses_sizes_the_endpoint_does_not_offer(photo: SourceImage, side: int) -> None:
    with pytest.raises(ValueError):
        prepare_classic_upload(photo, None, side)


@pytest.mark.parametrize("style", ["scene", "muted", "smooth"])
def test_edit_upload_of_a_photo_is_lossy_faithful_and_small(style: str) -> None:
    picture = corpus.photo_like(2000, 1500, seed=7, style=style)
    image = open_image(corpus.encode(picture, "JPEG", quality=95))
    upload = prepare_edit_upload(image, None, 1024)
    assert upload.format in ("jpeg", "webp")
    decoded = _check_upload(upload, 1024)
    lossless = square_pixels(image, None, 1024)
    assert psnr(lossless, decoded) >= 40.0
    png_size = len(corpus.encode(lossless, "PNG"))
    assert len(upload.data) <= 0.25 * png_size, len(upload.data) / png_size


def test_edit_upload_keeps_40_db_even_on_dense_detail() -> None:
    picture = corpus.photo_like(1600, 1600, seed=3, style="foliage")
    image = open_image(corpus.encode(picture, "PNG"))
    upload = prepare_edit_upload(image, None, 768)
    decoded = _check_upload(upload, 768)
    assert psnr(square_pixels(image, None, 768), decoded) >= 40.0


def test_edit_upload_of_pure_noise_falls_back_to_lossless() -> None:
    noise = Image.merge("RGB", [Image.effect_noise((256, 256), 200) for _ in range(3)])
    image = open_image(corpus.encode(noise, "PNG"))
    upload = prepare_edit_upload(image, None, 256)
    decoded = _check_upload(upload, 256)
    assert psnr(square_pixels(image, None, 256), decoded) >= 40.0


def test_edit_upload_keeps_real_transparency() -> None:
    picture = corpus.photo_like(600, 600, seed=2).convert("RGBA")
    mask = Image.new("L", picture.size, 0)
    ImageDraw.Draw(mask).ellipse((50, 50, 550, 550), fill=255)
    picture.putalpha(mask)
    image = open_image(corpus.encode(picture, "PNG"))
    upload = prepare_edit_upload(image, None, 512)
    assert upload.format in ("png", "webp")
    decoded = _check_upload(upload, 512).convert("RGBA")
    lossless = square_pixels(image, None, 512)
    assert lossless.mode == "RGBA"
    assert decoded.getchannel("A").tobytes() == lossless.getchannel("A").tobytes()
    # Colour is exact wherever it can be seen.
    visible = Image.composite(decoded, Image.new("RGBA", decoded.size), lossless.getchannel("A"))
    expected = Image.composite(lossless, Image.new("RGBA", decoded.size), lossless.getchannel("A"))
    assert visible.tobytes() == expected.tobytes()


def test_transparent_picture_cropped_to_an_opaque_part_goes_lossy(photo_scene: Image.Image) -> None:
    picture = photo_scene.convert("RGBA")
    picture.putpixel((0, 0), (0, 0, 0, 0))
    image = open_image(corpus.encode(picture, "PNG"))
    assert image.has_alpha
    upload = prepare_edit_upload(image, Square(1000, 500, 800), 512)
    assert upload.format in ("jpeg", "webp")


def test_flat_graphics_go_png_and_exact() -> None:
    screenshot = Image.new("RGB", (900, 700), (245, 245, 245))
    draw = ImageDraw.Draw(screenshot)
    for row in range(0, 700, 28):
        draw.rectangle((20, row + 6, 20 + (row * 7) % 600 + 100, row + 18), fill=(40, 40, 60))
    draw.rectangle((0, 0, 899, 40), fill=(30, 90, 200))
    image = open_image(corpus.encode(screenshot, "PNG"))
    upload = prepare_edit_upload(image, None, 700)
    assert upload.format == "png"
    decoded = _check_upload(upload, 700)
    assert decoded.convert("RGB").tobytes() == square_pixels(image, None, 700).tobytes()


def test_square_outside_the_picture_is_clamped(photo: SourceImage) -> None:
    clamped = prepare_edit_upload(photo, Square(-500, -500, 100_000), 256)
    centred = prepare_edit_upload(photo, Square(0, 0, photo.height), 256)
    assert clamped.data == centred.data


def test_default_square_is_the_largest_centred_one(photo: SourceImage) -> None:
    side = min(photo.width, photo.height)
    explicit = Square((photo.width - side) // 2, (photo.height - side) // 2, side)
    assert (
        prepare_classic_upload(photo, None, 256).data
        == prepare_classic_upload(photo, explicit, 256).data
    )


def test_meaningless_square_is_refused(photo: SourceImage) -> None:
    with pytest.raises(ImageRejected) as caught:
        prepare_edit_upload(photo, Square(0, 0, 0), 256)
    assert caught.value.reason == "bad_crop"


@pytest.mark.parametrize("side", [0, -1, 5000, 1.5, True])
def test_edit_refuses_nonsense_sides(photo: SourceImage, side: object) -> None:
    with pytest.raises(ValueError):
        prepare_edit_upload(photo, None, side)  # type: ignore[arg-type]


def test_small_crop_is_enlarged_to_the_requested_side() -> None:
    image = open_image(corpus.encode(Image.new("RGB", (2, 3), corpus.RED), "PNG"))
    for upload in (prepare_edit_upload(image, None, 256), prepare_classic_upload(image, None, 256)):
        decoded = _check_upload(upload, 256)
        pixel = decoded.convert("RGB").getpixel((128, 128))
        assert isinstance(pixel, tuple) and pixel[0] > 200 and pixel[1] < 40


def test_extreme_aspect_ratio_upload() -> None:
    image = open_image(corpus.encode(Image.new("RGB", (10000, 10), corpus.GREEN), "PNG"))
    _check_upload(prepare_edit_upload(image, None, 512), 512)


def test_exif_and_profile_never_reach_the_upload() -> None:
    picture = corpus.photo_like(900, 600, seed=4)
    data = corpus.encode(
        picture,
        "JPEG",
        quality=95,
        exif=corpus.exif_bytes(6),
        icc_profile=corpus.display_p3_profile(),
    )
    image = open_image(data, name="IMG_0001.JPG")
    assert (image.width, image.height) == (600, 900)
    for upload in (prepare_edit_upload(image, None, 512), prepare_classic_upload(image, None, 512)):
        _check_upload(upload, 512)
        assert upload.filename.startswith("IMG_0001.")


def test_render_refuses_regions_outside_the_picture(photo: SourceImage) -> None:
    with pytest.raises(ValueError):
        photo.render((-1, 0, 10, 10), (4, 4))
    with pytest.raises(ValueError):
        photo.render((0, 0, 10, 10), (0, 4))


def test_file_name_fallback() -> None:
    image = open_image(corpus.encode(Image.new("RGB", (8, 8)), "PNG"), name="日本.png")
    assert prepare_classic_upload(image, None, 256).filename == "image.png"


@pytest.mark.parametrize("size", [(0, 10), (10, 5000), (True, 10), (10.5, 10)])
def test_edit_refuses_nonsense_frame_sizes(photo: SourceImage, size: object) -> None:
    with pytest.raises(ValueError):
        prepare_edit_upload(photo, None, size)  # type: ignore[arg-type]


def test_a_frame_upload_has_its_own_width_and_height(photo: SourceImage) -> None:
    upload = prepare_edit_upload(photo, None, (640, 360))
    with Image.open(io.BytesIO(upload.data)) as decoded:
        assert decoded.size == (640, 360) == (upload.width, upload.height)
        assert decoded.mode == "RGB"  # an opaque photo stays opaque (lossy allowed)


@pytest.mark.parametrize("setting", [8, 40, 55, 200])
def test_probe_files_decode_to_the_pixels_of_the_file_sent(
    photo_scene: Image.Image, setting: int
) -> None:
    """Probes skip Huffman optimisation: it changes the bytes, never a pixel, so what they
    measure is what the upload at that setting would measure."""
    pixels = photo_scene.crop((0, 0, 512, 384))
    sent = encode_lossy(pixels, "jpeg", setting)
    probe = encode_lossy(pixels, "jpeg", setting, compact=False)
    assert len(probe) > len(sent)
    assert Image.open(io.BytesIO(probe)).tobytes() == Image.open(io.BytesIO(sent)).tobytes()
