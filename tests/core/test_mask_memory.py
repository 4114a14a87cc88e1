"""A server that refused region masks is remembered, like any refused parameter (adaptation.py).

A masked run is never sent without its mask; so once a server and model refused masks (a 400
naming the mask, or LiteLLM's 500 on every masked edit, API.md section 8) the next masked run
to them is refused before sending, with a sentence saying how to forget it, and the rule shows
in Settings, "What this server accepts", like the others.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_app.core import requests as requests_module
from desktop_app.core.adaptation import (
    FORGET_HINT,
    MaskRefused,
    MasksRefusedBefore,
    ServerRules,
    apply_rules,
    remembers_mask_refusal,
)
from desktop_app.core.client import ImagesClient
from desktop_app.core.errors import ApiError, ErrorBody
from desktop_app.core.imaging import SourceImage, open_image, region_from_rectangle
from desktop_app.core.keystore import ApiKey
from desktop_app.core.requests import EditRequest, InvalidRequest
from desktop_app.core.results import RunResult
from desktop_app.core.run import RunOutcome, VariationRun
from desktop_app.core.variation import VariationSettings
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import FAST_RETRIES, config_for, edit_request, run
from tests.core.test_mask_requests import mask_upload
from tests.fake_openai import FakeOpenAI
from tests.fake_openai.validation import Gateway

EDITS = "/v1/images/edits"
MODEL = "gpt-image-2.6-sunburst"  # edit_request's model


def _edit(server: FakeOpenAI, request: EditRequest, rules: ServerRules) -> RunResult:
    async def go() -> RunResult:
        config = config_for(server)
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True, rules=rules) as client:
            return await client.edit(request)

    return run(go)


def _masked(**changes: object) -> EditRequest:
    return edit_request(mask=mask_upload(), **changes)


def test_a_refused_mask_is_remembered_and_the_next_masked_run_is_not_sent(
    api_server: FakeOpenAI, tmp_path: Path
) -> None:
    api_server.gateway = Gateway(unknown_parameters=frozenset({"mask"}))
    rules = ServerRules(tmp_path / "server_rules.json")

    with pytest.raises(MaskRefused) as refused:
        _edit(api_server, _masked(), rules)
    assert "does not accept a region mask" in str(refused.value)
    assert f"This is remembered for this server ({FORGET_HINT}" in str(refused.value)
    assert api_server.count(EDITS) == 1

    with pytest.raises(InvalidRequest) as caught:
        _edit(api_server, _masked(), rules)
    sentence = str(caught.value)
    assert isinstance(caught.value, MasksRefusedBefore)
    assert f"refused a region mask for {MODEL} before, so nothing was sent" in sentence
    assert "Settings → What this server accepts → Forget" in sentence
    assert api_server.count(EDITS) == 1  # refused before sending

    # Known in Settings, across restarts, like every other rule.
    (rule,) = ServerRules(tmp_path / "server_rules.json").known(api_server.base_url)
    assert rule.describe() == f"{MODEL}: no region masks (masked runs are not sent)"

    _edit(api_server, edit_request(), rules)  # the whole picture still goes
    assert api_server.count(EDITS) == 2
    api_server.gateway = Gateway()
    _edit(api_server, _masked(model="gpt-image-2"), rules)  # per model: another one is asked
    assert api_server.count(EDITS) == 3

    rules.forget(api_server.base_url)  # Settings → Forget: the server is asked again
    _edit(api_server, _masked(), rules)
    assert api_server.count(EDITS) == 4 and api_server.requests[-1].mask is not None


def test_a_server_failing_on_masks_is_not_paid_again(api_server: FakeOpenAI) -> None:
    api_server.gateway = Gateway(mask_fails=True)  # LiteLLM's 500, possibly billed each time
    rules = ServerRules.in_memory()
    with pytest.raises(MaskRefused) as caught:
        _edit(api_server, _masked(), rules)
    assert caught.value.status == 500 and caught.value.remembered
    tries = FAST_RETRIES.max_retries + 1
    assert api_server.count(EDITS) == tries

    with pytest.raises(MasksRefusedBefore):
        _edit(api_server, _masked(), rules)
    assert api_server.count(EDITS) == tries


def test_a_bad_mask_file_is_not_taken_for_a_server_without_masks(
    api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The client's own check switched off, so the server refuses this one mask's size.
    monkeypatch.setattr(requests_module, "check_mask", lambda mask, image: None)
    rules = ServerRules.in_memory()
    with pytest.raises(MaskRefused) as caught:
        _edit(api_server, edit_request(mask=mask_upload(48, 48)), rules)
    assert not caught.value.remembered and "remembered" not in str(caught.value)
    assert rules.known() == []
    _edit(api_server, _masked(), rules)  # a good mask is sent
    assert api_server.count(EDITS) == 2


def _error(status: int, message: str, **body: str) -> ApiError:
    return ApiError(status=status, body=ErrorBody(message=message, **body), request_id="req_1")


def test_which_mask_refusals_are_remembered() -> None:
    assert remembers_mask_refusal(_error(500, "litellm.InternalServerError"))
    assert remembers_mask_refusal(
        _error(400, "Unknown parameter: 'mask'.", param="mask", code="unknown_parameter")
    )
    assert remembers_mask_refusal(
        _error(400, "Masks are not supported with this model", code="unsupported_parameter")
    )
    assert remembers_mask_refusal(_error(400, "Unsupported value", code="invalid_mask_model"))
    # Passing trouble, and a mask file that broke a rule, say nothing about masks as such.
    assert not remembers_mask_refusal(_error(503, "overloaded"))
    assert not remembers_mask_refusal(_error(502, ""))
    assert not remembers_mask_refusal(
        _error(400, "Invalid mask image format - mask size does not match image size.")
    )
    assert not remembers_mask_refusal(_error(400, "The mask is not a PNG.", param="mask"))


def test_a_mask_rule_never_changes_a_form(api_server: FakeOpenAI) -> None:
    rules = ServerRules.in_memory()
    rules.refuse_masks(api_server.base_url, MODEL)
    form = [("prompt", "p"), ("size", "1024x1024"), ("mask", "x")]
    assert apply_rules(rules.for_request(api_server.base_url, MODEL), form) == (form, [])


def test_a_masked_run_is_refused_before_sending(api_server: FakeOpenAI, tmp_path: Path) -> None:
    """The window's and the command line's path: the run's region becomes a mask, and the
    client refuses it before anything is sent."""
    from PIL import Image

    path = tmp_path / "photo.png"
    Image.new("RGB", (600, 400), (90, 90, 90)).save(path)
    source: SourceImage = open_image(path)
    rules = ServerRules.in_memory()
    rules.refuse_masks(api_server.base_url, "gpt-image-2")
    variation = VariationRun(
        source,
        None,
        None,
        VariationSettings(model="gpt-image-2"),
        library=None,
        prices=None,
        region=region_from_rectangle(600, 400, 10, 10, 100, 100),
    )

    async def go() -> RunOutcome:
        config = config_for(api_server)
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True, rules=rules) as client:
            return await variation.execute(client, lambda event: None)

    with pytest.raises(MasksRefusedBefore):
        run(go)
    assert api_server.count(EDITS) == 0
