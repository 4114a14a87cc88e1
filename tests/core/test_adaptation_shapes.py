"""A shaped run on a server that takes only the standard sizes (API.md sections 4 and 8).

The client swaps a refused custom size for the preset of its orientation (adaptation.py); a
shaped upload was made at the custom size's ratio, so it (and its mask) must be framed again
for the preset before it is sent (reframing.py, run.py), whether the refusal is learnt now or
remembered. Against the local API server in its "standard sizes only" gateway mode.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from desktop_app.core.adaptation import Adjustment, ServerRules
from desktop_app.core.client import ImagesClient
from desktop_app.core.imaging import Shape, SourceImage, Upload, open_image, region_from_rectangle
from desktop_app.core.keystore import ApiKey
from desktop_app.core.reframing import ReframeNeeded, check_size_kept, has_ratio
from desktop_app.core.requests import InvalidRequest
from desktop_app.core.results import RunResult
from desktop_app.core.run import RunOutcome, VariationRun
from desktop_app.core.variation import VariationSettings, prepare_upload
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import config_for, edit_request, run
from tests.fake_openai import FakeOpenAI
from tests.fake_openai.validation import Gateway

EDITS = "/v1/images/edits"
MODEL = "gpt-image-2"  # makes custom sizes; the gateway in front of it does not
RED_PATCH = (1400, 900, 200, 200)  # x, y, width, height in the picture


@pytest.fixture(scope="module")
def picture() -> SourceImage:
    """A 3000 x 2000 picture: grey with a red patch near the middle."""
    image = Image.new("RGB", (3000, 2000), (128, 128, 128))
    image.paste((230, 20, 30), (1400, 900, 1600, 1100))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return open_image(buffer.getvalue(), name="scene.png")


@pytest.fixture
def gateway(api_server: FakeOpenAI) -> FakeOpenAI:
    api_server.gateway = Gateway(standard_sizes_only=True)
    return api_server


def _decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def _execute(server: FakeOpenAI, variation: VariationRun, rules: ServerRules) -> RunOutcome:
    async def go() -> RunOutcome:
        config = config_for(server)
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True, rules=rules) as client:
            return await variation.execute(client, lambda event: None)

    return run(go)


def _variation(
    picture: SourceImage, settings: VariationSettings, *, region: bool = False
) -> VariationRun:
    return VariationRun(
        picture,
        None,
        None,
        settings,
        library=None,
        prices=None,
        region=region_from_rectangle(3000, 2000, *RED_PATCH) if region else None,
    )


def _no_custom_sizes(server: FakeOpenAI) -> ServerRules:
    rules = ServerRules.in_memory()
    rules.learn(server.base_url, MODEL, Adjustment("size", "2048x1152", "1536x1024", "custom"))
    return rules


def _red_box(data: bytes) -> tuple[int, int, int, int] | None:
    green = _decoded(data).convert("RGB").getchannel("G")
    return green.point(lambda value: 255 if value < 60 else 0).getbbox()  # only red is low


def _changing_box(mask: Image.Image) -> tuple[int, int, int, int] | None:
    return mask.getchannel("A").point(lambda value: 255 if value == 0 else 0).getbbox()


def test_a_refused_custom_size_frames_the_picture_and_mask_again(
    gateway: FakeOpenAI, picture: SourceImage
) -> None:
    rules = ServerRules.in_memory()
    variation = _variation(picture, VariationSettings(model=MODEL, shape=Shape.WIDE), region=True)

    outcome = _execute(gateway, variation, rules)

    assert len(outcome.images) == 1
    refused, sent = gateway.requests
    assert refused.value("size") == "1360x768" and refused.status == 400
    assert _decoded(refused.files[0].data).size == (1360, 768)
    # Sent for the preset, at the preset's ratio: never a 16:9 picture asked to become 3:2.
    assert sent.value("size") == "1536x1024"
    assert _decoded(sent.files[0].data).size == (1536, 1024)
    mask = sent.mask_image()
    assert mask.size == (1536, 1024)
    # The mask still marks the red patch where it is in the picture framed again.
    red, changing = _red_box(sent.files[0].data), _changing_box(mask)
    assert red is not None and changing is not None
    assert all(abs(a - b) <= 1 for a, b in zip(red, changing, strict=True))
    assert any("size=1360x768" in note and "1536x1024" in note for note in outcome.notes)
    assert any("framed again as 1536 × 1024" in note for note in outcome.notes)
    assert [(r.parameter, r.scope) for r in rules.known()] == [("size", "custom")]


@pytest.mark.parametrize("shape", [Shape.TALL, Shape.PICTURE, Shape.WIDE])
def test_a_remembered_rule_frames_the_picture_for_the_preset_before_sending(
    gateway: FakeOpenAI, picture: SourceImage, shape: Shape
) -> None:
    settings = VariationSettings(model=MODEL, shape=shape, size="2048x2048")
    # The window hands over the upload it shows, made for the custom size.
    shown = prepare_upload(picture, None, settings, MODEL)
    variation = VariationRun(picture, None, shown, settings, library=None, prices=None)

    outcome = _execute(gateway, variation, _no_custom_sizes(gateway))

    (sent,) = gateway.requests  # nothing refused, nothing wasted
    size = sent.value("size")
    assert size in ("1536x1024", "1024x1536")
    width, height = (int(side) for side in size.split("x"))
    upload = _decoded(sent.files[0].data)
    # The ratio to the half pixel that rounding a downscaled upload leaves.
    assert abs(upload.width * height - upload.height * width) <= (width + height) / 2
    if (shown.width, shown.height) != upload.size:
        assert any("framed again" in note for note in outcome.notes)


def test_a_square_run_is_sent_as_before(gateway: FakeOpenAI, picture: SourceImage) -> None:
    # A square's upload is square whatever size it asks for: a swap never reframes it.
    rules = ServerRules.in_memory()
    variation = _variation(picture, VariationSettings(model=MODEL, size="2048x1152"))

    outcome = _execute(gateway, variation, rules)

    refused, sent = gateway.requests
    assert (refused.value("size"), sent.value("size")) == ("2048x1152", "1536x1024")
    assert sent.files[0].data == refused.files[0].data
    assert _decoded(sent.files[0].data).size == (2048, 2048)
    assert not any("framed again" in note for note in outcome.notes)


def test_a_3_2_shape_keeps_its_upload_when_the_preset_has_its_ratio(
    gateway: FakeOpenAI, picture: SourceImage
) -> None:
    variation = _variation(picture, VariationSettings(model=MODEL, shape=Shape.LANDSCAPE))
    outcome = _execute(gateway, variation, ServerRules.in_memory())
    refused, sent = gateway.requests
    assert (refused.value("size"), sent.value("size")) == ("1248x832", "1536x1024")
    assert sent.files[0].data == refused.files[0].data  # 3:2 both: nothing to frame again
    assert not any("framed again" in note for note in outcome.notes)


def _wide_upload() -> Upload:
    image = Image.new("RGB", (170, 96), (30, 120, 200))  # 16:9, the ratio of 1360x768
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return Upload(buffer.getvalue(), "source.png", "image/png", 170, 96, "png")


def _edit(server: FakeOpenAI, rules: ServerRules) -> RunResult:
    request = edit_request(image=_wide_upload(), model=MODEL, size="1360x768")

    async def go() -> RunResult:
        config = config_for(server)
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True, rules=rules) as client:
            return await client.edit(request)

    return run(go)


def test_a_caller_that_cannot_frame_again_gets_a_plain_refusal(gateway: FakeOpenAI) -> None:
    rules = ServerRules.in_memory()
    with pytest.raises(InvalidRequest) as caught:
        _edit(gateway, rules)
    sentence = str(caught.value)
    assert isinstance(caught.value, ReframeNeeded) and caught.value.size == "1536x1024"
    assert "Nothing was billed" in sentence and "Choose Square, 3:2 or 2:3" in sentence
    # The refused request only: the 16:9 picture never went out asking for 1536x1024.
    assert [r.value("size") for r in gateway.requests] == ["1360x768"]

    with pytest.raises(ReframeNeeded):  # remembered: refused before sending anything
        _edit(gateway, rules)
    assert gateway.count(EDITS) == 1


def test_only_a_new_size_of_another_ratio_needs_a_reframe() -> None:
    wide = _wide_upload()
    asked = [("size", "1360x768")]
    assert has_ratio(wide, "1360x768") and not has_ratio(wide, "1536x1024")
    assert has_ratio(Upload(b"", "a.png", "image/png", 2048, 1152, "png"), "3840x2160")
    assert not has_ratio(wide, "auto")
    check_size_kept(wide, asked, [], MODEL, [])  # dropped: the server follows the picture
    check_size_kept(wide, asked, [("size", "auto")], MODEL, [])
    check_size_kept(wide, asked, [("size", "2720x1536")], MODEL, [])  # the same ratio
    with pytest.raises(ReframeNeeded):
        check_size_kept(wide, asked, [("size", "1536x1024")], MODEL, [])
    square = edit_request().image  # a square's upload never had the size's ratio
    check_size_kept(square, [("size", "2048x1152")], [("size", "1536x1024")], MODEL, [])
