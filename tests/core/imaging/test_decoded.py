"""A photo's preview decoded straight into a buffer: the very pixels of ``preview``, kept for
the upload's resize, which then gives the same bytes without decoding the file again."""

from __future__ import annotations

import pytest
from PIL import Image, ImageFile

from desktop_app.core.imaging import Square, open_image
from desktop_app.core.imaging.encoding import frame_pixels
from desktop_app.core.imaging.loading import SourceImage
from desktop_app.core.variation import VariationSettings, prepare_upload

from . import corpus

PREVIEW_SIDE = 1200  # a 2400 px photo: its preview is the decoder's half scale, 1200 x 900


@pytest.fixture(scope="module")
def photo() -> bytes:
    picture = corpus.photo_like(2400, 1800, seed=11, style="scene")
    return corpus.encode(picture, "JPEG", quality=92)


def _no_second_decode(monkeypatch: pytest.MonkeyPatch) -> list[Image.Image]:
    """Records every decode of the file from here on (none may happen from the kept pixels).
    Shrinking while decoding is turned off, so that every decode goes through ``_load``."""
    decodes: list[Image.Image] = []
    original = SourceImage._load

    def load(self: SourceImage, image: ImageFile.ImageFile) -> Image.Image:
        decodes.append(image)
        return original(self, image)

    monkeypatch.setattr("desktop_app.core.imaging.loading.decode_shrunk", lambda *args: None)
    monkeypatch.setattr(SourceImage, "_load", load)
    return decodes


def test_the_pixels_are_those_of_the_preview(photo: bytes) -> None:
    image = open_image(photo, name="photo.jpg")
    decoded = image.decoded_preview(PREVIEW_SIDE)
    assert decoded is not None
    assert (decoded.size, decoded.scale, decoded.stride) == ((1200, 900), 2, 4800)
    assert len(decoded.buffer) == 1200 * 900 * 4
    expected = open_image(photo, name="photo.jpg").preview(PREVIEW_SIDE)
    assert decoded.image().convert("RGB").tobytes() == expected.tobytes()
    assert set(decoded.buffer[3::4]) == {255}  # RGBX with X opaque: Qt's RGBX8888 as it is


def test_the_image_is_the_buffer_itself_not_a_copy(photo: bytes) -> None:
    decoded = open_image(photo).decoded_preview(PREVIEW_SIDE)
    assert decoded is not None
    decoded.buffer[0:3] = b"\x01\x02\x03"
    assert decoded.image().getpixel((0, 0))[:3] == (1, 2, 3)  # type: ignore[index]


@pytest.mark.parametrize("crop", [None, Square(x=300, y=100, side=2100)])
def test_the_upload_made_from_them_is_byte_for_byte_the_same(
    monkeypatch: pytest.MonkeyPatch, crop: Square | None
) -> None:
    """A 1024 px upload of 2100 px and more of the picture is made at the decoder's half
    scale: the preview's. The same bytes as decoding the whole picture and resizing it."""
    photo = corpus.encode(corpus.photo_like(3200, 2400, seed=12, style="scene"), "JPEG")
    image = open_image(photo, name="photo.jpg")
    assert image.decoded_preview(1600) is not None
    decodes = _no_second_decode(monkeypatch)
    settings = VariationSettings(model="gpt-image-1", size="1024x1024")
    plain = prepare_upload(open_image(photo, name="photo.jpg"), crop, settings)
    decodes.clear()
    shared = prepare_upload(image, crop, settings)
    assert decodes == []  # resized from the kept pixels, the file not decoded again
    assert (shared.data, shared.format) == (plain.data, plain.format)


def test_they_serve_one_render_then_are_let_go_of(
    monkeypatch: pytest.MonkeyPatch, photo: bytes
) -> None:
    image = open_image(photo, name="photo.jpg")
    image.decoded_preview(PREVIEW_SIDE)
    decodes = _no_second_decode(monkeypatch)
    first = frame_pixels(image, None, (640, 640))
    assert decodes == []
    again = frame_pixels(image, None, (640, 640))
    assert decodes  # decoded from the file this time: nothing holds the 4 MB any more
    assert again.tobytes() == first.tobytes()


def test_forgotten_they_serve_nothing(monkeypatch: pytest.MonkeyPatch, photo: bytes) -> None:
    image = open_image(photo, name="photo.jpg")
    image.decoded_preview(PREVIEW_SIDE)
    image.forget_decoded()
    decodes = _no_second_decode(monkeypatch)
    frame_pixels(image, None, (640, 640))
    assert decodes


def test_a_render_at_another_scale_decodes_and_leaves_them(
    monkeypatch: pytest.MonkeyPatch, photo: bytes
) -> None:
    """A tight crop needs every pixel (scale 1): the kept half-scale pixels cannot serve it,
    and stay for the render that they can."""
    image = open_image(photo, name="photo.jpg")
    image.decoded_preview(PREVIEW_SIDE)
    decodes = _no_second_decode(monkeypatch)
    frame_pixels(image, Square(x=0, y=0, side=800), (640, 640))
    assert len(decodes) == 1
    frame_pixels(image, None, (640, 640))
    assert len(decodes) == 1


@pytest.mark.parametrize(
    "made",
    [
        pytest.param(lambda p: corpus.encode(p, "JPEG", exif=corpus.exif_bytes(6)), id="rotated"),
        pytest.param(
            lambda p: corpus.encode(p, "JPEG", icc_profile=corpus.display_p3_profile()),
            id="profile",
        ),
        pytest.param(lambda p: corpus.encode(p.convert("L"), "JPEG"), id="grey"),
        pytest.param(lambda p: corpus.encode(p, "PNG"), id="png"),
    ],
)
def test_only_a_plain_upright_rgb_jpeg_is_decoded_so(made) -> None:  # type: ignore[no-untyped-def]
    """Anything else needs converting or turning first: its preview is made as before."""
    picture = corpus.photo_like(1200, 900, seed=3, style="scene")
    image = open_image(made(picture))
    assert image.decoded_preview(PREVIEW_SIDE) is None
    assert image.preview(PREVIEW_SIDE).size[0] <= PREVIEW_SIDE


def test_a_preview_between_the_decoder_scales_is_made_as_before(photo: bytes) -> None:
    """1000 px asked of 2400: no scale of the decoder's gives 750 to 1000 px as it is."""
    assert open_image(photo).decoded_preview(1000) is None


def test_a_picture_smaller_than_asked_is_decoded_whole(photo: bytes) -> None:
    decoded = open_image(photo).decoded_preview(4096)
    assert decoded is not None and (decoded.size, decoded.scale) == ((2400, 1800), 1)
