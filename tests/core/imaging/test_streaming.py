"""A big JPEG shrunk band by band while it decodes gives exactly the pixels of decoding it
whole and then resizing, and fails the same way when the file is damaged."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from desktop_app.core.imaging import Frame, ImageRejected, Square, open_image
from desktop_app.core.imaging.encoding import frame_pixels
from desktop_app.core.imaging.loading import SourceImage
from desktop_app.core.imaging.streaming import decode_shrunk

from . import corpus


@pytest.fixture(scope="module")
def noisy_picture() -> Image.Image:
    """Noisy enough that its JPEG arrives in many chunks and decodes slowly."""
    picture = corpus.photo_like(2400, 1800, seed=5, style="foliage")
    noise = Image.effect_noise(picture.size, 40).convert("RGB")
    return Image.blend(picture, noise, 0.25)


@pytest.fixture(scope="module")
def noisy_jpeg(noisy_picture: Image.Image) -> bytes:
    return _jpeg(noisy_picture, 1)


def _jpeg(picture: Image.Image, orientation: int) -> bytes:
    return corpus.encode(picture, "JPEG", quality=95, exif=corpus.exif_bytes(orientation))


def _both_ways(
    monkeypatch: pytest.MonkeyPatch, image: SourceImage, crop: Square | Frame | None, size: int
) -> tuple[Image.Image, Image.Image, int]:
    calls: list[Image.Image | None] = []

    def counting(*args: object) -> Image.Image | None:
        result = decode_shrunk(*args)  # type: ignore[arg-type]
        calls.append(result)
        return result

    monkeypatch.setattr("desktop_app.core.imaging.loading.decode_shrunk", counting)
    streamed = frame_pixels(image, crop, (size, size))
    used = sum(result is not None for result in calls)
    monkeypatch.setattr("desktop_app.core.imaging.loading.decode_shrunk", lambda *args: None)
    whole = frame_pixels(image, crop, (size, size))
    return streamed, whole, used


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
@pytest.mark.parametrize("crop", [None, Square(x=310, y=95, side=1405)])
def test_bands_join_into_the_single_pass_pixels(
    monkeypatch: pytest.MonkeyPatch,
    noisy_picture: Image.Image,
    orientation: int,
    crop: Square | None,
) -> None:
    image = open_image(_jpeg(noisy_picture, orientation), name="photo.jpg")
    streamed, whole, used = _both_ways(monkeypatch, image, crop, 640)
    assert used == 1  # the streamed path really ran
    assert streamed.mode == whole.mode == "RGB"
    assert streamed.size == whole.size == (640, 640)
    assert streamed.tobytes() == whole.tobytes()


def test_a_progressive_jpeg_gives_the_same_pixels_too(
    monkeypatch: pytest.MonkeyPatch, noisy_picture: Image.Image
) -> None:
    """Progressive files give no row before their last scan: all bands wait, still exact."""
    data = corpus.encode(noisy_picture, "JPEG", quality=90, progressive=True)
    streamed, whole, used = _both_ways(monkeypatch, open_image(data), None, 640)
    assert used == 1
    assert streamed.tobytes() == whole.tobytes()


def test_an_embedded_profile_is_applied_band_by_band_as_to_the_whole(
    monkeypatch: pytest.MonkeyPatch, noisy_picture: Image.Image
) -> None:
    data = corpus.encode(
        noisy_picture,
        "JPEG",
        quality=90,
        icc_profile=corpus.display_p3_profile(),
        exif=corpus.exif_bytes(6),
    )
    streamed, whole, used = _both_ways(monkeypatch, open_image(data), None, 640)
    assert used == 1
    assert streamed.tobytes() == whole.tobytes()


def test_small_outputs_and_enlargements_take_the_ordinary_path(
    monkeypatch: pytest.MonkeyPatch, noisy_jpeg: bytes
) -> None:
    image = open_image(noisy_jpeg, name="photo.jpg")
    for size in (256, 1800):  # too few pixels to be worth it; not a shrink after the draft
        streamed, whole, used = _both_ways(monkeypatch, image, None, size)
        assert used == 0
        assert streamed.tobytes() == whole.tobytes()


def test_a_damaged_middle_is_rejected_as_when_decoded_whole(
    monkeypatch: pytest.MonkeyPatch, noisy_jpeg: bytes
) -> None:
    """Bytes lost mid-file (the end-of-image marker still there): same outcome both ways."""
    cut = len(noisy_jpeg) // 2
    damaged = noisy_jpeg[:cut] + noisy_jpeg[cut + 200_000 :]
    image = open_image(damaged, name="photo.jpg")
    outcomes = []
    for streamed in (True, False):
        if not streamed:
            monkeypatch.setattr("desktop_app.core.imaging.loading.decode_shrunk", lambda *a: None)
        try:
            outcomes.append(frame_pixels(image, None, (640, 640)).tobytes())
        except ImageRejected as rejected:
            outcomes.append(rejected.reason.encode())
    assert outcomes[0] == outcomes[1]


def test_a_file_ending_early_fails_as_truncated(noisy_jpeg: bytes) -> None:
    """Bytes that end before the picture does (open_image refuses such files, but bytes may
    be cut afterwards): an error saying so, which render() turns into "truncated"."""
    half = noisy_jpeg[: len(noisy_jpeg) // 2]
    image = Image.open(io.BytesIO(half))
    image.draft("RGB", (1200, 900))
    with pytest.raises(OSError, match="truncated"):
        decode_shrunk(half, image, (0.0, 0.0, 900.0, 900.0), (640, 640), lambda band: band, 1)


def test_bands_end_where_pillow_resizes_them_as_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1024 px square of a 3200 x 2400 photo: bands that started at rows 985 and 1004 came
    out up to 13 levels off the single pass (Pillow's resize of such a band); their edges now
    fall on multiples of 64 rows."""
    photo = corpus.encode(corpus.photo_like(3200, 2400, seed=12, style="scene"), "JPEG")
    streamed, whole, used = _both_ways(monkeypatch, open_image(photo), None, 1024)
    assert used == 1
    assert streamed.tobytes() == whole.tobytes()
