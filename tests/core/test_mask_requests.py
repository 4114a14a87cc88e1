"""Region masks on the wire: the real client over real sockets against the local API server.

API.md section 4: ``mask`` is an optional PNG under 4 MB with an alpha channel, the same size as
the (first) image; alpha 0 marks where the picture may change. A masked run must send exactly
that, refuse a bad mask before paying, and never be retried without its mask (that would vary
the whole picture and bill for it).
"""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

from desktop_app.core import requests as requests_module
from desktop_app.core.adaptation import MaskRefused, ServerRules
from desktop_app.core.capabilities import CONSERVATIVE
from desktop_app.core.client import ImagesClient
from desktop_app.core.config import ClientConfig
from desktop_app.core.dialects import ServerKind
from desktop_app.core.errors import ApiErrorKind
from desktop_app.core.imaging import Upload
from desktop_app.core.keystore import ApiKey
from desktop_app.core.requests import EditRequest, InvalidRequest
from desktop_app.core.results import ParameterAdjusted, RunEvent, RunResult
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import FAST_RETRIES, config_for, edit_request, png_upload, run
from tests.fake_openai import FakeOpenAI
from tests.fake_openai.validation import Gateway

EDITS = "/v1/images/edits"
REGION = (8, 16, 40, 48)  # left, top, right, bottom: the part of the picture that may change


def mask_upload(
    width: int = 64,
    height: int = 64,
    *,
    region: tuple[int, int, int, int] = REGION,
    mode: str = "RGBA",
    image_format: str = "PNG",
    filename: str = "region.png",
    declared: tuple[int, int] | None = None,
) -> Upload:
    """A mask of ``region`` (alpha 0) on an opaque rest, encoded as ``image_format``."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    image.paste((0, 0, 0, 0), region)
    if mode != "RGBA":
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, image_format)
    fmt = "png" if image_format == "PNG" else "jpeg"
    shown_width, shown_height = declared or (width, height)
    return Upload(
        data=buffer.getvalue(),
        filename=filename,
        mime_type=f"image/{fmt}",
        width=shown_width,
        height=shown_height,
        format=fmt,  # type: ignore[arg-type]
    )


def _edit(
    server: FakeOpenAI,
    request: EditRequest,
    *,
    rules: ServerRules | None = None,
    events: list[RunEvent] | None = None,
    config: ClientConfig | None = None,
) -> RunResult:
    async def go() -> RunResult:
        client = ImagesClient(
            config or config_for(server), ApiKey(CANARY_KEY), verify=True, rules=rules
        )
        async with client:
            return await client.edit(request, events.append if events is not None else None)

    return run(go)


def _alpha_outside_and_inside(mask: Image.Image) -> tuple[set[object], set[object]]:
    """The alpha values met inside REGION and outside it."""
    alpha = mask.convert("RGBA").getchannel("A")
    left, top, right, bottom = REGION
    inside: set[object] = set()
    outside: set[object] = set()
    for y in range(mask.height):
        for x in range(mask.width):
            value = alpha.getpixel((x, y))
            (inside if left <= x < right and top <= y < bottom else outside).add(value)
    return inside, outside


# ---- what a masked run sends ---------------------------------------------------------------


def test_a_masked_edit_sends_the_mask_part_of_the_uploads_size(api_server: FakeOpenAI) -> None:
    upload = png_upload(64)
    mask = mask_upload(64, 64)
    result = _edit(api_server, edit_request(image=upload, mask=mask))
    assert len(result.images) == 1

    sent = api_server.requests[-1]
    assert api_server.count(EDITS) == 1
    assert [part.field for part in sent.files] == ["image", "mask"]
    assert sent.files[0].data == upload.data
    part = sent.mask
    assert part is not None
    assert (part.filename, part.content_type) == ("mask.png", "image/png")
    assert part.data == mask.data
    decoded = sent.mask_image()
    assert decoded.format == "PNG"
    assert decoded.size == (upload.width, upload.height)
    assert "A" in decoded.getbands()
    inside, outside = _alpha_outside_and_inside(decoded)
    assert inside == {0} and outside == {255}
    assert "mask" not in sent.fields  # a file part, never a text field


def test_a_mask_goes_with_a_jpeg_picture_and_a_custom_size(api_server: FakeOpenAI) -> None:
    picture = Image.new("RGB", (96, 64), (30, 120, 200))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG")
    upload = Upload(buffer.getvalue(), "source.jpg", "image/jpeg", 96, 64, "jpeg")
    mask = mask_upload(96, 64)
    _edit(api_server, edit_request(image=upload, mask=mask, size="1536x1024"))
    sent = api_server.requests[-1]
    assert sent.files[0].content_type == "image/jpeg"
    assert sent.mask_image().size == (96, 64)


def test_without_a_mask_no_mask_part_is_sent(api_server: FakeOpenAI) -> None:
    _edit(api_server, edit_request())
    sent = api_server.requests[-1]
    assert sent.mask is None and [part.field for part in sent.files] == ["image"]


def test_a_palette_mask_with_transparency_is_accepted(api_server: FakeOpenAI) -> None:
    image = Image.new("P", (64, 64), 1)
    image.putpalette([0, 0, 0, 255, 255, 255])
    image.paste(0, REGION)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", transparency=0)
    mask = Upload(buffer.getvalue(), "m.png", "image/png", 64, 64, "png")
    _edit(api_server, edit_request(mask=mask))
    inside, outside = _alpha_outside_and_inside(api_server.requests[-1].mask_image())
    assert inside == {0} and outside == {255}


# ---- bad masks are refused before anything is sent ------------------------------------------


@pytest.mark.parametrize(
    ("mask", "words"),
    [
        pytest.param(mask_upload(image_format="JPEG", mode="RGB"), "PNG", id="jpeg"),
        pytest.param(mask_upload(48, 48), "same size", id="smaller"),
        pytest.param(mask_upload(64, 32, region=(0, 0, 8, 8)), "same size", id="other-shape"),
        pytest.param(mask_upload(mode="RGB"), "alpha", id="no-alpha-rgb"),
        pytest.param(mask_upload(mode="L"), "alpha", id="no-alpha-grey"),
        pytest.param(mask_upload(48, 48, declared=(64, 64)), "claims", id="lying-size"),
        pytest.param(
            dataclasses.replace(mask_upload(), data=b"\x89PNG\r\n\x1a\nnot really"),
            "PNG",
            id="broken-png",
        ),
    ],
)
def test_bad_masks_are_refused_before_sending(
    api_server: FakeOpenAI, mask: Upload, words: str
) -> None:
    with pytest.raises(InvalidRequest, match=words):
        _edit(api_server, edit_request(image=png_upload(64), mask=mask))
    assert api_server.count(EDITS) == 0


def test_a_mask_of_4_mb_is_refused_before_sending(api_server: FakeOpenAI) -> None:
    big = dataclasses.replace(mask_upload(), data=mask_upload().data + b"\0" * (4 * 1024 * 1024))
    with pytest.raises(InvalidRequest, match="4 MB"):
        _edit(api_server, edit_request(mask=big))
    assert api_server.count(EDITS) == 0


def test_a_model_without_masks_refuses_one_before_sending(
    api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_masks = dataclasses.replace(CONSERVATIVE, masks=False)
    monkeypatch.setattr(requests_module, "capabilities_for", lambda model: no_masks)
    with pytest.raises(InvalidRequest, match="region mask"):
        _edit(api_server, edit_request(mask=mask_upload()))
    assert api_server.count(EDITS) == 0
    _edit(api_server, edit_request())  # the same model without a mask still runs
    assert api_server.count(EDITS) == 1


def test_openrouter_refuses_a_mask_before_sending() -> None:
    with FakeOpenAI(dialect="openrouter") as server:
        config = ClientConfig(
            base_url=server.base_url, kind=ServerKind.OPENROUTER, retry=FAST_RETRIES
        )
        request = edit_request(model="openai/gpt-image-2.6-sunburst", mask=mask_upload())
        with pytest.raises(InvalidRequest, match="no region mask"):
            _edit(server, request, config=config)
        assert server.requests == []


def test_the_server_refuses_a_bad_mask_with_400_and_nothing_is_retried(
    api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client's own check switched off, to prove the server's (API.md: same size).
    monkeypatch.setattr(requests_module, "check_mask", lambda mask, image: None)
    events: list[RunEvent] = []
    with pytest.raises(MaskRefused) as caught:
        _edit(api_server, edit_request(mask=mask_upload(48, 48)), events=events)
    error = caught.value
    assert (error.status, error.param, error.kind) == (400, "mask", ApiErrorKind.BAD_UPLOAD)
    assert "region mask" in str(error) and "size does not match" in str(error)
    assert not error.may_have_been_billed and "Nothing was billed" in str(error)
    assert api_server.count(EDITS) == 1
    assert not [e for e in events if isinstance(e, ParameterAdjusted)]


# ---- the adaptation never drops a mask ------------------------------------------------------


def test_a_server_that_does_not_know_mask_gets_no_request_without_it(
    api_server: FakeOpenAI,
) -> None:
    api_server.gateway = Gateway(unknown_parameters=frozenset({"mask"}))
    rules = ServerRules.in_memory()
    events: list[RunEvent] = []
    with pytest.raises(MaskRefused) as caught:
        _edit(api_server, edit_request(mask=mask_upload()), rules=rules, events=events)
    error = caught.value
    assert error.kind is ApiErrorKind.UNKNOWN_PARAMETER and error.param == "mask"
    sentence = str(error)
    assert "does not accept a region mask" in sentence and "Nothing was billed" in sentence
    assert api_server.count(EDITS) == 1  # refused once; no second try without the mask
    assert all(request.mask is not None for request in api_server.requests)
    # Nothing learnt that would drop it next time either: only that masks are refused here
    # (tests/core/test_mask_memory.py), which stops the next masked run before sending.
    assert [rule.parameter for rule in rules.known()] == ["mask"]
    assert not [e for e in events if isinstance(e, ParameterAdjusted)]


def test_another_refusal_is_adapted_and_the_retry_still_carries_the_mask(
    api_server: FakeOpenAI,
) -> None:
    api_server.gateway = Gateway(refuse_stream=True)
    mask = mask_upload()
    result = _edit(api_server, edit_request(mask=mask, stream=True, partial_images=1))
    assert len(result.images) == 1 and len(result.adjustments) == 1
    first, second = api_server.requests
    assert first.value("stream") == "true" and second.value("stream") is None
    for sent in (first, second):
        assert sent.mask is not None and sent.mask.data == mask.data


def test_a_server_that_fails_on_masks_says_so_and_never_sends_without_it(
    api_server: FakeOpenAI,
) -> None:
    api_server.gateway = Gateway(mask_fails=True)  # LiteLLM, API.md section 8
    with pytest.raises(MaskRefused) as caught:
        _edit(api_server, edit_request(mask=mask_upload()))
    error = caught.value
    assert error.status == 500 and error.kind is ApiErrorKind.SERVER
    assert "region mask" in str(error) and "LiteLLM" in str(error)
    # Retried as any 5xx is (API.md section 6), every time with the mask.
    assert api_server.count(EDITS) == FAST_RETRIES.max_retries + 1
    assert all(request.mask is not None for request in api_server.requests)
