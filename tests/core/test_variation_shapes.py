"""Shapes, zoom out and masks through the shared use case (core/variation.py): the size asked
for follows the shape and the model, the upload has that size's ratio, a zoom-out sends a
transparent border with a matching mask, and the local API server accepts all of it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from desktop_app.core.capabilities import capabilities_for
from desktop_app.core.client import ImagesClient
from desktop_app.core.cost import PriceTable
from desktop_app.core.imaging import (
    Frame,
    Shape,
    SourceImage,
    Square,
    open_image,
    region_from_rectangle,
)
from desktop_app.core.keystore import ApiKey
from desktop_app.core.requests import EditRequest, InvalidRequest
from desktop_app.core.variation import (
    Mode,
    VariationSettings,
    build_request,
    estimate_cost,
    prepare_mask,
    prepare_upload,
    requested_size,
    upload_fits,
    upload_size,
    upload_warnings,
)
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import config_for, run
from tests.fake_openai import FakeOpenAI
from tests.fake_openai.catalog import default_models

EDITS = "/v1/images/edits"
CUSTOM = "gpt-image-2"
UNKNOWN = "gpt-image-3-preview"  # not in the capability table: the three standard sizes


def _decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def _sides(size: str) -> tuple[int, int]:
    width, height = size.split("x")
    return int(width), int(height)


@pytest.fixture(scope="module")
def picture() -> SourceImage:
    """A 3000 x 2000 picture: grey, a blue left third, a red patch near the middle."""
    image = Image.new("RGB", (3000, 2000), (128, 128, 128))
    image.paste((20, 90, 220), (0, 0, 1000, 2000))
    image.paste((230, 20, 30), (1400, 900, 1600, 1100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return open_image(buffer.getvalue(), name="scene.png")


# ---- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        (VariationSettings(mode=Mode.CLASSIC, shape=Shape.LANDSCAPE), "square only"),
        (VariationSettings(mode=Mode.CLASSIC, shape=Shape.PICTURE), "Whole picture"),
        (VariationSettings(mode=Mode.CLASSIC, zoom_out=2), "cannot zoom out"),
        (VariationSettings(zoom_out=3), "1.5× or 2×"),
        (VariationSettings(zoom_out=1), "1.5× or 2×"),
        (VariationSettings(zoom_out=True), "1.5× or 2×"),
    ],
)
def test_impossible_combinations_are_refused_plainly(
    settings: VariationSettings, says: str
) -> None:
    with pytest.raises(InvalidRequest, match=says):
        settings.check()


def test_possible_combinations_pass() -> None:
    for settings in (
        VariationSettings(shape=Shape.WIDE, zoom_out=1.5),
        VariationSettings(shape=Shape.PICTURE, size="2048x1152", zoom_out=2),
        VariationSettings(mode=Mode.CLASSIC),
    ):
        settings.check()


def test_a_square_keeps_the_size_chosen_as_before_shapes() -> None:
    for size in (None, "auto", "1536x1024", "2048x2048"):
        settings = VariationSettings(size=size)
        assert requested_size(settings, CUSTOM) == settings.effective_size
        assert requested_size(settings, UNKNOWN) == settings.effective_size
    classic = VariationSettings(mode=Mode.CLASSIC, size="512x512")
    assert requested_size(classic, "dall-e-2") == "512x512"
    assert upload_size(classic, "512x512") == (512, 512)
    assert upload_size(VariationSettings(), "2048x1152") == (2048, 2048)  # square, as before


@pytest.mark.parametrize(
    ("shape", "model", "size", "upload"),
    [
        (Shape.LANDSCAPE, CUSTOM, "1248x832", (1248, 832)),
        (Shape.WIDE, CUSTOM, "1360x768", (1360, 768)),
        (Shape.TALL, "gpt-image-2.6-sunburst", "768x1360", (768, 1360)),
        (Shape.PICTURE, CUSTOM, "1248x832", (1248, 832)),  # the picture is 3:2
        (Shape.WIDE, UNKNOWN, "1536x1024", (1536, 1024)),
        (Shape.PORTRAIT, UNKNOWN, "1024x1536", (1024, 1536)),
    ],
)
def test_the_size_and_upload_follow_the_shape_and_the_model(
    shape: Shape, model: str, size: str, upload: tuple[int, int]
) -> None:
    settings = VariationSettings(shape=shape)
    assert requested_size(settings, model, (3000, 2000)) == size
    assert capabilities_for(model).accepts_size(size)
    assert upload_size(settings, size) == upload


def test_a_large_size_keeps_its_ratio_in_a_smaller_upload() -> None:
    settings = VariationSettings(shape=Shape.WIDE, size="3840x2160")
    assert requested_size(settings, CUSTOM) == "3840x2160"
    assert upload_size(settings, "3840x2160") == (2048, 1152)
    tall = VariationSettings(shape=Shape.TALL, size="2880x2880")
    width, height = upload_size(tall, requested_size(tall, CUSTOM))
    assert height == 2048 and abs(width / height - 9 / 16) < 0.005


# ---- uploads of real pixels ----------------------------------------------------------------


@pytest.mark.parametrize("model", [CUSTOM, UNKNOWN])
@pytest.mark.parametrize("shape", [Shape.LANDSCAPE, Shape.TALL, Shape.WIDE, Shape.PICTURE])
def test_each_shape_uploads_a_picture_of_the_requested_ratio(
    picture: SourceImage, shape: Shape, model: str
) -> None:
    settings = VariationSettings(shape=shape)
    upload = prepare_upload(picture, None, settings, model)
    size = requested_size(settings, model, (picture.width, picture.height))
    width, height = _sides(size)
    decoded = _decoded(upload.data)
    assert decoded.size == (upload.width, upload.height)
    assert abs(upload.width - upload.height * width / height) <= 1  # the size's ratio
    assert upload_fits(upload, settings, size)
    request = build_request(upload, settings, model, picture=(picture.width, picture.height))
    assert isinstance(request, EditRequest) and request.size == size


def test_the_upload_shows_the_frame_asked_for(picture: SourceImage) -> None:
    # A 3:2 frame on the right two thirds: no blue in it, the red patch in its middle.
    settings = VariationSettings(shape=Shape.LANDSCAPE)
    upload = prepare_upload(picture, Frame(1000, 333, 2000, 1333), settings, CUSTOM)
    pixels = _decoded(upload.data).convert("RGB")
    assert pixels.size == (1248, 832)
    blue = pixels.getchannel("B").point(lambda value: 255 if value > 180 else 0)
    assert blue.getbbox() is None
    red = pixels.getchannel("R").point(lambda value: 255 if value > 200 else 0)
    box = red.getbbox()
    assert box is not None
    # (1400 - 1000) * 1248 / 2000 = 249.6 ... (1600 - 1000) * 0.624 = 374.4
    assert all(abs(a - b) <= 2 for a, b in zip(box, (250, 354, 374, 479), strict=True)), box


def test_a_square_given_for_a_shape_is_refitted_to_it(picture: SourceImage) -> None:
    # The window of before shapes hands over a Square: it becomes a 3:2 frame of its area.
    settings = VariationSettings(shape=Shape.LANDSCAPE)
    upload = prepare_upload(picture, Square(1000, 500, 1000), settings, CUSTOM)
    assert (upload.width, upload.height) == (1248, 832)


def test_a_zoom_out_sends_a_transparent_border_and_a_matching_mask(picture: SourceImage) -> None:
    settings = VariationSettings(shape=Shape.LANDSCAPE, zoom_out=2)
    upload = prepare_upload(picture, None, settings, CUSTOM)
    assert upload.format in ("png", "webp")  # lossless: the alpha must arrive exactly
    decoded = _decoded(upload.data)
    assert decoded.size == (1248, 832) and decoded.mode == "RGBA"
    opaque = decoded.getchannel("A").point(lambda value: 255 if value == 255 else 0)
    assert opaque.getbbox() == (312, 208, 936, 624)  # the picture, halved and centred
    assert opaque.histogram()[255] == 624 * 416
    assert decoded.getchannel("A").histogram()[0] == 1248 * 832 - 624 * 416  # the border
    # The picture inside is the whole 3:2 picture, halved: its blue third is on the left.
    inside = decoded.convert("RGB").crop((312, 208, 936, 624))
    assert inside.getpixel((50, 200)) == pytest.approx((20, 90, 220), abs=3)
    assert inside.getpixel((500, 50)) == pytest.approx((128, 128, 128), abs=3)

    mask = prepare_mask(picture, None, upload, settings)
    assert mask is not None and (mask.width, mask.height) == (1248, 832)
    alpha = _decoded(mask.data).getchannel("A")
    assert alpha.histogram()[0] + alpha.histogram()[255] == 1248 * 832
    assert alpha.tobytes() == decoded.getchannel("A").tobytes()  # the border is alpha 0

    request = build_request(upload, settings, CUSTOM, mask)
    assert isinstance(request, EditRequest) and request.mask is mask


def test_a_zoom_out_with_a_region_adds_it_inside(picture: SourceImage) -> None:
    settings = VariationSettings(zoom_out=1.5)
    upload = prepare_upload(picture, None, settings, CUSTOM)
    assert (upload.width, upload.height) == (1024, 1024)  # "auto": a square, as before
    region = region_from_rectangle(3000, 2000, 500, 0, 2000, 1000)  # the top half of the square
    mask = prepare_mask(picture, None, upload, settings, region)
    assert mask is not None
    alpha = _decoded(mask.data).getchannel("A")
    kept = alpha.point(lambda value: 255 if value == 255 else 0)
    # The picture sits at 170..853 (683 px: 1024 / 1.5); its lower half is kept.
    assert kept.getbbox() == (170, 512, 853, 853)


def test_without_region_or_zoom_there_is_no_mask(picture: SourceImage) -> None:
    settings = VariationSettings(shape=Shape.WIDE)
    upload = prepare_upload(picture, None, settings, CUSTOM)
    assert prepare_mask(picture, None, upload, settings) is None
    with pytest.raises(InvalidRequest, match="region"):
        prepare_mask(
            picture,
            None,
            upload,
            VariationSettings(mode=Mode.CLASSIC),
            region_from_rectangle(3000, 2000, 0, 0, 10, 10),
        )


def test_a_region_mask_follows_the_frame_and_downscale(picture: SourceImage) -> None:
    settings = VariationSettings(shape=Shape.WIDE, size="3840x2160")
    crop = Frame(0, 0, 3000, 1688)
    upload = prepare_upload(picture, crop, settings, CUSTOM)
    assert (upload.width, upload.height) == (2048, 1152)
    region = region_from_rectangle(3000, 2000, 1400, 900, 200, 200)  # the red patch
    mask = prepare_mask(picture, crop, upload, settings, region)
    assert mask is not None
    alpha = _decoded(mask.data).getchannel("A")
    changing = alpha.point(lambda value: 255 if value == 0 else 0)
    scale = 2048 / 3000
    expected = (1400 * scale, 900 * scale, 1600 * scale, 1100 * scale)
    box = changing.getbbox()
    assert box is not None
    assert all(abs(a - b) <= 1 for a, b in zip(box, expected, strict=True))
    red = _decoded(upload.data).convert("RGB").getchannel("G")
    red_box = red.point(lambda value: 255 if value < 60 else 0).getbbox()  # only red is low
    assert red_box is not None
    assert all(abs(a - b) <= 1 for a, b in zip(red_box, box, strict=True))


# ---- requests ------------------------------------------------------------------------------


def test_a_zoom_out_needs_its_mask_and_never_asks_for_transparency(picture: SourceImage) -> None:
    settings = VariationSettings(zoom_out=2, keep_transparency=True)
    upload = prepare_upload(picture, None, settings, "gpt-image-2.5-flare")
    with pytest.raises(InvalidRequest, match="mask"):
        build_request(upload, settings, "gpt-image-2.5-flare")
    mask = prepare_mask(picture, None, upload, settings)
    request = build_request(upload, settings, "gpt-image-2.5-flare", mask)
    assert isinstance(request, EditRequest) and request.background is None


def test_an_upload_made_for_another_models_size_is_not_sent(picture: SourceImage) -> None:
    # Prepared before the model was known (the standard 1536x1024), sent to gpt-image-2 which
    # is asked for 1360x768: it would arrive stretched, so it is refused; prepared again, fine.
    settings = VariationSettings(shape=Shape.WIDE)
    early = prepare_upload(picture, None, settings)
    assert (early.width, early.height) == (1536, 1024)
    assert not upload_fits(early, settings, requested_size(settings, CUSTOM))
    with pytest.raises(InvalidRequest, match="1360x768"):
        build_request(early, settings, CUSTOM)
    again = prepare_upload(picture, None, settings, CUSTOM)
    assert build_request(again, settings, CUSTOM).size == "1360x768"


def test_the_whole_picture_needs_the_pictures_size_to_build_the_request() -> None:
    # Its ratio cannot be read back from a downscaled upload: 8934 x 4857 asks gpt-image-2 for
    # 2064x1120, sent as 2048 x 1111, whose own best size would be 2096x1136.
    buffer = io.BytesIO()
    Image.new("RGB", (8934, 4857), (90, 90, 90)).save(buffer, "PNG")
    wide = open_image(buffer.getvalue(), name="wide.png")
    settings = VariationSettings(shape=Shape.PICTURE, size="2048x1152")
    upload = prepare_upload(wide, None, settings, CUSTOM)
    assert (upload.width, upload.height) == (2048, 1111)
    request = build_request(upload, settings, CUSTOM, picture=(8934, 4857))
    assert request.size == "2064x1120"
    with pytest.raises(ValueError, match="picture's size"):
        build_request(upload, settings, CUSTOM)


def test_the_cost_follows_the_size_asked_for() -> None:
    prices = PriceTable.load()
    wide = VariationSettings(shape=Shape.WIDE, size="3840x2160", quality="high")
    estimate = estimate_cost(wide, CUSTOM, prices)
    direct = prices.estimate(
        CUSTOM,
        mode="edit",
        n=1,
        size="3840x2160",
        quality="high",
        prompt=wide.effective_prompt,
    )
    square = estimate_cost(VariationSettings(quality="high"), CUSTOM, prices)
    assert estimate is not None and direct is not None and square is not None
    assert estimate.usd == direct.usd > square.usd
    picture = VariationSettings(shape=Shape.PICTURE)
    wide_picture = estimate_cost(picture, "gpt-image-2", prices, (6000, 1000))
    assert wide_picture is not None
    three_to_one = prices.estimate(
        CUSTOM, mode="edit", n=1, size="1776x592", quality="auto", prompt=picture.effective_prompt
    )
    assert three_to_one is not None and wide_picture.usd == three_to_one.usd


def test_warnings_name_a_small_frame() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 10, 10)).save(buffer, "PNG")
    small = open_image(buffer.getvalue(), name="small.png")
    settings = VariationSettings(shape=Shape.LANDSCAPE)
    upload = prepare_upload(small, None, settings, CUSTOM)
    assert upload_warnings(small, None, settings, upload) == [
        "The frame is only 300 × 200 px; it will be enlarged to 1248 × 832 px, so details may "
        "look soft."
    ]
    square = VariationSettings()
    upload = prepare_upload(small, None, square, CUSTOM)
    assert upload_warnings(small, None, square, upload) == [
        "The square is only 200 px wide; it will be enlarged to 1024 px, so details may look soft."
    ]


# ---- on the wire ---------------------------------------------------------------------------


def _send(server: FakeOpenAI, request: EditRequest) -> None:
    async def go() -> Any:
        async with ImagesClient(config_for(server), ApiKey(CANARY_KEY), verify=True) as client:
            return await client.edit(request, None)

    run(go)


@pytest.fixture(scope="module")
def server() -> Any:
    models = [*default_models(legacy_gateway=False), {"id": UNKNOWN, "object": "model"}]
    fake = FakeOpenAI(api_key=CANARY_KEY, models=models).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.mark.parametrize("model", [CUSTOM, "gpt-image-2.6-sunburst", UNKNOWN])
@pytest.mark.parametrize(
    ("shape", "zoom"),
    [(Shape.SQUARE, None), (Shape.LANDSCAPE, None), (Shape.TALL, 2.0), (Shape.PICTURE, 1.5)],
)
def test_the_server_accepts_each_shape_with_an_upload_of_its_ratio(
    server: FakeOpenAI, picture: SourceImage, shape: Shape, zoom: float | None, model: str
) -> None:
    server.reset()
    settings = VariationSettings(shape=shape, zoom_out=zoom, n=1)
    upload = prepare_upload(picture, None, settings, model)
    mask = prepare_mask(picture, None, upload, settings)
    request = build_request(upload, settings, model, mask, picture=(3000, 2000))
    assert isinstance(request, EditRequest)
    _send(server, request)  # a size or mask the server refuses fails here with its 400
    (sent,) = [r for r in server.requests if r.path == EDITS]
    size = sent.value("size")
    assert size == request.size
    image_part = next(part for part in sent.files if part.field == "image")
    sent_picture = _decoded(image_part.data)
    if size != "auto":
        width, height = _sides(str(size))
        assert abs(sent_picture.width - sent_picture.height * width / height) <= 1
    if zoom is None:
        assert sent.mask is None
    else:
        sent_mask = sent.mask_image()
        assert sent_mask.size == sent_picture.size
        alpha = sent_mask.getchannel("A").tobytes()
        assert alpha == sent_picture.getchannel("A").tobytes()
