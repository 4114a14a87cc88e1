"""Region masks made from real pixels: a PNG of exactly the upload's size, alpha 0 exactly where
the region lands after the crop and the resize (and a zoom-out's placement), 255 elsewhere;
regions that change nothing or everything are refused before paying."""

from __future__ import annotations

import io
import math

import pytest
from PIL import Image

from desktop_app.core.imaging import (
    Frame,
    ImageRejected,
    SourceImage,
    Square,
    Upload,
    frame_for_upload,
    mask_for,
    open_image,
    prepare_edit_upload,
    region_from_mask_file,
    region_from_rectangle,
    zoom_placement,
)

from . import corpus

GREY = (128, 128, 128)


def _source(
    width: int, height: int, painted: tuple[int, int, int, int] | None = None
) -> SourceImage:
    """A grey picture; ``painted`` (left, top, right, bottom) is red, to find it in uploads."""
    image = Image.new("RGB", (width, height), GREY)
    if painted is not None:
        image.paste(corpus.RED, painted)
    return open_image(corpus.encode(image, "PNG"), name="picture.png")


def _upload_of(width: int, height: int) -> Upload:
    """Only the upload's size matters to its mask."""
    return Upload(b"", "picture.png", "image/png", width, height, "png")


def _alpha(mask: Upload) -> Image.Image:
    """The mask's alpha, after checking it is the promised PNG and strictly two-valued."""
    assert mask.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (mask.filename, mask.mime_type, mask.format) == ("mask.png", "image/png", "png")
    with Image.open(io.BytesIO(mask.data)) as decoded:
        assert decoded.format == "PNG" and decoded.mode == "RGBA"
        assert decoded.size == (mask.width, mask.height)
        alpha = decoded.getchannel("A")
    histogram = alpha.histogram()
    assert histogram[0] + histogram[255] == alpha.width * alpha.height  # nothing in between
    return alpha


def _changing(alpha: Image.Image) -> Image.Image:
    return alpha.point(lambda value: 255 if value == 0 else 0)


def test_a_region_is_mapped_through_a_frame_crop_and_a_halving() -> None:
    # A 2496 x 1664 frame at (100, 50) of a 2700 x 1800 picture, sent as 1248 x 832: halved.
    region = region_from_rectangle(2700, 1800, 500, 150, 400, 400)
    upload = _upload_of(1248, 832)
    mask = mask_for(region, Frame(100, 50, 2496, 1664), (2700, 1800), upload)
    assert (mask.width, mask.height) == (1248, 832)
    changing = _changing(_alpha(mask))
    assert changing.getbbox() == (200, 50, 400, 250)  # (500 - 100) / 2, (150 - 50) / 2, ...
    assert changing.histogram()[255] == 200 * 200  # every pixel of the box, none outside


def test_every_mask_pixel_follows_the_source_pixel_at_its_centre() -> None:
    # An uneven scale (1800 -> 1248) and an odd region: the reference is computed here, pixel
    # by pixel, from the centre of each upload pixel, independently of how Pillow resizes.
    width, height = 1800, 1600
    box = (181, 233, 181 + 347, 233 + 155)
    region = region_from_rectangle(width, height, box[0], box[1], 347, 155)
    upload = _upload_of(1248, 832)
    frame = frame_for_upload(None, width, height, (1248, 832))
    assert frame == Frame(0, 200, 1800, 1200)
    alpha = _alpha(mask_for(region, None, (width, height), upload))
    scale_x, scale_y = frame.width / upload.width, frame.height / upload.height
    expected = 0
    for v in range(upload.height):
        source_y = frame.y + math.floor((v + 0.5) * scale_y)
        inside_y = box[1] <= source_y < box[3]
        for u in range(upload.width):
            source_x = frame.x + math.floor((u + 0.5) * scale_x)
            inside = inside_y and box[0] <= source_x < box[2]
            if inside:
                expected += 1
                assert alpha.getpixel((u, v)) == 0, (u, v)
    assert alpha.histogram()[0] == expected > 0


def test_the_mask_lies_over_the_same_pixels_as_the_upload() -> None:
    # The region is exactly the red patch: in the real upload (a 16:9 frame, downscaled) the
    # red pixels and the mask's alpha-0 pixels must be the same place, to a pixel of blur.
    patch = (1200, 700, 1800, 1100)
    source = _source(4000, 3000, painted=patch)
    crop = Frame(400, 300, 3200, 1800)
    upload = prepare_edit_upload(source, crop, (1360, 768))
    region = region_from_rectangle(4000, 3000, 1200, 700, 600, 400)
    mask = mask_for(region, crop, (4000, 3000), upload)
    with Image.open(io.BytesIO(upload.data)) as decoded:
        assert decoded.size == (1360, 768)
        red = decoded.convert("RGB").point(lambda value: 255 if value > 190 else 0).getchannel("R")
        green = decoded.convert("RGB").getchannel("G").point(lambda value: 255 if value < 60 else 0)
    red_box = Image.composite(red, Image.new("L", red.size, 0), green).getbbox()
    mask_box = _changing(_alpha(mask)).getbbox()
    assert red_box is not None and mask_box is not None
    assert all(abs(a - b) <= 1 for a, b in zip(red_box, mask_box, strict=True)), (red_box, mask_box)
    frame = frame_for_upload(crop, 4000, 3000, (1360, 768))  # the 16:9 crop, refitted by a hair
    assert mask_box[2] - mask_box[0] == pytest.approx(600 * 1360 / frame.width, abs=1)


def test_a_zoom_out_mask_is_the_border_plus_the_mapped_region() -> None:
    upload = _upload_of(1248, 832)
    inner = zoom_placement(1248, 832, 2)
    border_only = _alpha(mask_for(None, None, (2496, 1664), upload, zoom_out=2))
    kept = border_only.point(lambda value: 255 if value == 255 else 0)
    assert kept.getbbox() == inner.box == (312, 208, 936, 624)
    assert kept.histogram()[255] == 624 * 416  # the picture's place is kept, all else changes

    region = region_from_rectangle(2496, 1664, 0, 0, 400, 200)  # top-left of the picture
    alpha = _alpha(mask_for(region, None, (2496, 1664), upload, zoom_out=2))
    # The region, quartered (frame 2496 -> 624 on the canvas), at the picture's corner.
    region_in_place = alpha.crop(inner.box)
    assert _changing(region_in_place).getbbox() == (0, 0, 100, 50)
    assert alpha.histogram()[0] == 1248 * 832 - 624 * 416 + 100 * 50


def test_a_region_in_classic_square_terms_is_unchanged() -> None:
    # The square crop of before shapes: the centred square of 900 x 600, enlarged to 1024.
    region = region_from_rectangle(900, 600, 300, 0, 150, 300)
    mask = mask_for(region, Square(150, 0, 600), (900, 600), _upload_of(1024, 1024))
    assert _changing(_alpha(mask)).getbbox() == (256, 0, 512, 512)


# ---- mask files ----------------------------------------------------------------------------


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_mask_file_with_alpha_marks_change_by_alpha_0() -> None:
    drawn = Image.new("RGBA", (300, 200), (255, 255, 255, 255))
    drawn.paste((255, 255, 255, 0), (10, 20, 60, 80))
    drawn.paste((0, 0, 0, 128), (100, 100, 120, 120))  # half transparent: kept, not changed
    region = region_from_mask_file(_png(drawn), 300, 200)
    assert region.mode == "L" and region.size == (300, 200)
    assert region.getbbox() == (10, 20, 60, 80)
    assert region.histogram()[255] == 50 * 60


def test_a_mask_file_without_alpha_marks_change_by_white() -> None:
    drawn = Image.new("L", (300, 200), 0)
    drawn.paste(255, (10, 20, 60, 80))
    drawn.paste(100, (100, 100, 120, 120))  # dark grey: kept
    region = region_from_mask_file(_png(drawn.convert("RGB")), 300, 200)
    assert region.getbbox() == (10, 20, 60, 80)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"not a picture", "not a picture that can be read"),
        (b"", "not a picture that can be read"),
        (_png(Image.new("RGBA", (200, 300))), "must be the picture's size, 300 × 200"),
        (_png(Image.new("L", (150, 100))), "must be the picture's size"),
    ],
)
def test_bad_mask_files_are_refused_plainly(data: bytes, says: str) -> None:
    with pytest.raises(ImageRejected) as caught:
        region_from_mask_file(data, 300, 200)
    assert caught.value.reason == "bad_mask"
    assert says in str(caught.value) and str(caught.value).endswith(".")


# ---- regions that cannot be sent -----------------------------------------------------------


@pytest.mark.parametrize(
    ("rectangle", "crop", "zoom", "says"),
    [
        ((0, 0, 100, 100), None, None, "empty inside the square"),  # left of the centred square
        ((0, 0, 100, 600), Frame(200, 0, 600, 400), None, "empty inside the frame"),
        ((0, 0, 900, 600), None, None, "covers the whole square"),
        ((0, 0, 900, 600), Frame(0, 0, 900, 600), None, "covers the whole frame"),
        ((0, 0, 900, 600), None, 2.0, "covers the whole square"),  # border and all
        ((0, 0, 100, 100), None, 1.5, "empty inside the square"),
    ],
)
def test_regions_changing_nothing_or_everything_are_refused(
    rectangle: tuple[int, int, int, int], crop: Frame | None, zoom: float | None, says: str
) -> None:
    region = region_from_rectangle(900, 600, *rectangle)
    upload = _upload_of(1024, 1024) if crop is None else _upload_of(1248, 832)
    with pytest.raises(ImageRejected) as caught:
        mask_for(region, crop, (900, 600), upload, zoom_out=zoom)
    assert caught.value.reason == "bad_mask" and says in str(caught.value)


def test_an_empty_mask_file_is_refused_before_paying() -> None:
    region = region_from_mask_file(_png(Image.new("RGBA", (900, 600), (0, 0, 0, 255))), 900, 600)
    with pytest.raises(ImageRejected, match="empty"):
        mask_for(region, None, (900, 600), _upload_of(1024, 1024))


@pytest.mark.parametrize("rectangle", [(950, 0, 10, 10), (0, 0, 0, 10), (-20, -20, 10, 10)])
def test_rectangles_off_the_picture_are_refused(rectangle: tuple[int, int, int, int]) -> None:
    with pytest.raises(ImageRejected, match="not on the picture"):
        region_from_rectangle(900, 600, *rectangle)


def test_a_region_of_another_size_is_refused() -> None:
    with pytest.raises(ImageRejected, match="the picture is 900 × 600"):
        mask_for(Image.new("L", (90, 60), 255), None, (900, 600), _upload_of(1024, 1024))


def test_any_non_zero_region_value_may_change() -> None:
    region = Image.new("L", (900, 600), 0)
    region.paste(1, (150, 0, 450, 600))  # the left half of the centred square, faintly
    alpha = _alpha(mask_for(region, None, (900, 600), _upload_of(600, 600)))
    assert _changing(alpha).getbbox() == (0, 0, 300, 600)
