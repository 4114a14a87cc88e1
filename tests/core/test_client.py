"""The real client over real sockets against the local API server: results, streams, urls."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import os

import pytest

from desktop_app.core.errors import ApiError, ApiErrorKind
from desktop_app.core.models import ModelInfo
from desktop_app.core.results import (
    ImageArrived,
    PartialArrived,
    Phase,
    PhaseChanged,
    RunEvent,
    RunResult,
    UploadProgress,
)
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import (
    classic_request,
    edit_request,
    make_client,
    png_upload,
    provenance,
    run,
    sha256,
)
from tests.fake_openai import FakeOpenAI

EDITS = "/v1/images/edits"
VARIATIONS = "/v1/images/variations"


def test_models_lists_image_models_with_shutdown_dates(api_server: FakeOpenAI) -> None:
    async def go() -> list[ModelInfo]:
        async with make_client(api_server) as client:
            return await client.list_models()

    models = run(go)
    ids = [m.id for m in models]
    assert "gpt-image-2.6-sunburst" in ids and "gpt-image-1.5" in ids
    assert not [i for i in ids if not i.startswith(("gpt-image-", "chatgpt-image-", "dall-e-"))]
    retiring = {m.id: m.shutdown_date for m in models}
    assert retiring["gpt-image-1.5"] == dt.date(2026, 12, 1)
    assert retiring["gpt-image-2"] is None
    request = api_server.requests[-1]
    assert request.headers["authorization"] == f"Bearer {CANARY_KEY}"


def test_edit_returns_every_image_made_from_the_upload(api_server: FakeOpenAI) -> None:
    upload = png_upload()
    events: list[RunEvent] = []

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(
                edit_request(image=upload, n=3, output_format="jpeg"), events.append
            )

    result = run(go)
    assert [image.index for image in result.images] == [0, 1, 2]
    assert {image.format for image in result.images} == {"jpeg"}
    for image in result.images:
        stamp = provenance(image.data)
        assert sha256(upload.data) in stamp.values()
    assert result.request_id and result.request_id.startswith("req_")
    assert result.usage is not None and result.usage.output_tokens > 0
    phases = [e.phase for e in events if isinstance(e, PhaseChanged)]
    assert (
        phases.index(Phase.UPLOADING) < phases.index(Phase.WAITING) < phases.index(Phase.RECEIVING)
    )
    progress = [e for e in events if isinstance(e, UploadProgress)]
    assert progress and progress[-1].sent == progress[-1].total
    assert len([e for e in events if isinstance(e, ImageArrived)]) == 3

    sent = api_server.requests[-1]
    assert sent.path == EDITS and api_server.count(EDITS) == 1
    assert "response_format" not in sent.fields
    assert sent.fields["model"] == ["gpt-image-2.6-sunburst"]
    assert sent.fields["n"] == ["3"]
    (part,) = sent.files
    assert (part.field, part.filename, part.content_type) == ("image", "source.png", "image/png")
    assert part.data == upload.data


def test_input_fidelity_is_sent_to_no_2x_model(api_server: FakeOpenAI) -> None:
    # gpt-image-2 refuses it (invalid_input_fidelity_model) and nothing documents it for 2.5
    # or 2.6: the capability table leaves it out, so not even a first, refused try is made.
    async def go(model: str) -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(model=model, input_fidelity="high"))

    for model in ("gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-flare"):
        result = run(functools.partial(go, model))
        assert result.adjustments == ()
        assert "input_fidelity" not in api_server.requests[-1].fields
    assert api_server.count(EDITS) == 3


def test_stream_hands_out_partials_before_each_finished_image(api_server: FakeOpenAI) -> None:
    events: list[RunEvent] = []

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(
                edit_request(n=3, stream=True, partial_images=2), events.append
            )

    result = run(go)
    assert len(result.images) == 3
    arrivals = [e for e in events if isinstance(e, PartialArrived | ImageArrived)]
    assert isinstance(arrivals[0], PartialArrived)
    finished = [e.image.index for e in arrivals if isinstance(e, ImageArrived)]
    assert finished == [0, 1, 2]
    partials = [e.image for e in arrivals if isinstance(e, PartialArrived)]
    assert {p.index for p in partials} == {0, 1, 2}
    assert {p.partial_index for p in partials} == {0, 1}
    assert result.usage is not None and result.usage.output_tokens > 0
    assert api_server.requests[-1].fields["stream"] == ["true"]


def test_stream_without_done_marker_or_keepalives_still_completes(api_server: FakeOpenAI) -> None:
    api_server.stream_done_marker = False
    api_server.stream_keepalive = False

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(n=2, stream=True, partial_images=1))

    assert len(run(go).images) == 2


def test_classic_against_openai_today_says_model_gone_and_offers_a_live_one(
    api_server: FakeOpenAI,
) -> None:
    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.classic_variations(classic_request())

    try:
        run(go)
    except ApiError as error:
        assert error.kind is ApiErrorKind.MODEL_NOT_FOUND
        assert error.suggested_model is not None
        assert error.suggested_model.startswith("gpt-image-")
        assert error.suggested_model in str(error)
        assert "GPT Image variation mode" in str(error)
        assert error.request_id and error.request_id in error.details().values()
    else:
        raise AssertionError("the classic endpoint should be gone")
    assert api_server.count(VARIATIONS) == 1


def test_classic_url_results_are_downloaded_without_the_key(legacy_server: FakeOpenAI) -> None:
    upload = png_upload()
    events: list[RunEvent] = []

    async def go() -> RunResult:
        async with make_client(legacy_server) as client:
            return await client.classic_variations(
                classic_request(image=upload, n=2, response_format="url"), events.append
            )

    result = run(go)
    assert len(result.images) == 2
    assert all(image.format == "png" for image in result.images)
    assert all(
        image.source_url and image.source_url.startswith(legacy_server.files_origin)
        for image in result.images
    )
    assert sha256(upload.data) in provenance(result.images[0].data).values()
    assert len(legacy_server.file_requests) == 2
    for fetched in legacy_server.file_requests:
        assert "authorization" not in fetched.headers
        assert CANARY_KEY not in str(fetched.headers)
    assert PhaseChanged(Phase.DOWNLOADING) in events


def test_classic_b64_results(legacy_server: FakeOpenAI) -> None:
    async def go() -> RunResult:
        async with make_client(legacy_server) as client:
            return await client.classic_variations(classic_request(n=1))

    (image,) = run(go).images
    assert image.format == "png" and image.source_url is None
    assert legacy_server.requests[-1].fields["response_format"] == ["b64_json"]


def test_organisation_and_project_headers_go_to_the_api(api_server: FakeOpenAI) -> None:
    from dataclasses import replace

    from desktop_app.core.client import ImagesClient
    from desktop_app.core.keystore import ApiKey
    from tests.core.client_helpers import config_for

    config = replace(config_for(api_server), organization="org-123", project="proj_456")

    async def go() -> list[ModelInfo]:
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True) as client:
            return await client.list_models()

    run(go)
    headers = api_server.requests[-1].headers
    assert headers["openai-organization"] == "org-123"
    assert headers["openai-project"] == "proj_456"


@pytest.mark.parametrize("size", [0, 1, 2, 3, 196_607, 196_608, 196_609, 1_000_003])
def test_large_base64_decodes_exactly(size: int) -> None:
    from desktop_app.core._answers import b64decode_strictly

    raw = os.urandom(size)
    assert b64decode_strictly(base64.b64encode(raw).decode()) == raw


def test_base64_is_refused_as_the_standard_library_refuses_it() -> None:
    from desktop_app.core._answers import b64decode_strictly

    good = base64.b64encode(os.urandom(600_000)).decode()
    padded_in_the_middle = good[:262_142] + "==" + good[262_144:]
    for bad in (
        good[:-1],
        good[:5] + "!" + good[6:],
        padded_in_the_middle,
        good[:8] + "\n" + good[8:],
    ):
        with pytest.raises(binascii.Error):
            base64.b64decode(bad, validate=True)  # the standard library refuses it...
        with pytest.raises(binascii.Error):
            b64decode_strictly(bad)  # ...and so do we
