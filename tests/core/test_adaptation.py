"""A server that refuses a parameter gets one more request without it, and is remembered.

Against the local server in its stricter modes (API.md sections 4, 6 and 8): gpt-image-2 refuses
input_fidelity, relays refuse stream=true or custom sizes, some do not know a field at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop_app.core.adaptation import (
    Adjustment,
    ServerRules,
    adjustment_for,
    apply_rules,
    names_mask,
    nearest_standard_size,
    refuses_mask,
)
from desktop_app.core.client import ImagesClient
from desktop_app.core.errors import ApiError, ApiErrorKind, ErrorBody
from desktop_app.core.keystore import ApiKey
from desktop_app.core.results import ParameterAdjusted, RunEvent, RunResult
from desktop_app.core.variation import Mode, VariationSettings, build_request
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import config_for, edit_request, png_upload, run
from tests.fake_openai import FakeOpenAI
from tests.fake_openai.validation import Gateway

EDITS = "/v1/images/edits"
LIVE_2X = (
    "gpt-image-2",
    "gpt-image-2.5-sunburst",
    "gpt-image-2.5-flare",
    "gpt-image-2.6-sunburst",
    "gpt-image-2.6-flare",
)


def _edit(
    server: FakeOpenAI, rules: ServerRules, events: list[RunEvent] | None = None, **changes: object
) -> RunResult:
    async def go() -> RunResult:
        client = ImagesClient(config_for(server), ApiKey(CANARY_KEY), verify=True, rules=rules)
        async with client:
            sink = events.append if events is not None else None
            return await client.edit(edit_request(**changes), sink)

    return run(go)


def _error(status: int, message: str, **body: str) -> ApiError:
    return ApiError(status=status, body=ErrorBody(message=message, **body), request_id="req_1")


@pytest.mark.parametrize("model", LIVE_2X)
@pytest.mark.parametrize("strength", ["subtle", "balanced", "strong"])
def test_a_default_run_sends_no_input_fidelity_and_is_accepted(
    api_server: FakeOpenAI, model: str, strength: str
) -> None:
    from desktop_app.core.prompts import Strength

    settings = VariationSettings(mode=Mode.EDIT, strength=Strength(strength))
    request = build_request(png_upload(), settings, model)

    async def go() -> RunResult:
        async with ImagesClient(config_for(api_server), ApiKey(CANARY_KEY), verify=True) as c:
            return await c.edit(request)  # type: ignore[arg-type]

    result = run(go)
    assert len(result.images) == 1 and result.adjustments == ()
    assert api_server.count(EDITS) == 1
    assert "input_fidelity" not in api_server.requests[-1].fields


def test_the_server_refuses_input_fidelity_on_every_2x_model(api_server: FakeOpenAI) -> None:
    for model in LIVE_2X:
        # Sent by hand, past the capability table: the strict double must still refuse it.
        with pytest.raises(ApiError) as caught:
            _forced_field(api_server, model, "input_fidelity", "high")
        assert caught.value.code == "invalid_input_fidelity_model"
        assert caught.value.type == "image_generation_user_error"
        assert caught.value.kind is ApiErrorKind.UNSUPPORTED_PARAMETER  # not "moderation"


def _forced_field(server: FakeOpenAI, model: str, name: str, value: str) -> None:
    import httpx

    response = httpx.post(
        server.base_url + "/images/edits",
        headers={"Authorization": f"Bearer {CANARY_KEY}"},
        data={"model": model, "prompt": "vary", name: value},
        files={"image": ("a.png", png_upload().data, "image/png")},
    )
    from desktop_app.core.errors import parse_error_body

    if response.status_code >= 400:
        raise ApiError(
            status=response.status_code,
            body=parse_error_body(response.content),
            request_id=response.headers.get("x-request-id"),
        )


def test_a_refused_parameter_is_dropped_once_and_remembered(api_server: FakeOpenAI) -> None:
    api_server.gateway = Gateway(unknown_parameters=frozenset({"safety_identifier"}))
    rules = ServerRules.in_memory()
    events: list[RunEvent] = []

    result = _edit(api_server, rules, events, safety_identifier="user-42")

    assert len(result.images) == 1
    first, second = api_server.requests
    assert first.fields["safety_identifier"] == ["user-42"]
    assert "safety_identifier" not in second.fields
    adjusted = [e for e in events if isinstance(e, ParameterAdjusted)]
    assert [e.learnt for e in adjusted] == [True]
    assert "safety_identifier" in adjusted[0].description
    assert result.adjustments == (adjusted[0].description,)

    # The next run knows: one request, without the parameter.
    _edit(api_server, rules, safety_identifier="user-42")
    assert api_server.count(EDITS) == 3
    assert "safety_identifier" not in api_server.requests[-1].fields


def test_a_server_refusing_stream_gets_a_plain_request(api_server: FakeOpenAI) -> None:
    api_server.gateway = Gateway(refuse_stream=True)
    rules = ServerRules.in_memory()

    result = _edit(api_server, rules, stream=True, partial_images=2, n=2)

    assert len(result.images) == 2
    refused, plain = api_server.requests
    assert refused.fields["stream"] == ["true"]
    assert "stream" not in plain.fields and "partial_images" not in plain.fields
    _edit(api_server, rules, stream=True, partial_images=2)
    assert api_server.count(EDITS) == 3 and "stream" not in api_server.requests[-1].fields


def test_a_refused_custom_size_becomes_the_preset_of_its_orientation(
    api_server: FakeOpenAI,
) -> None:
    api_server.gateway = Gateway(standard_sizes_only=True)
    rules = ServerRules.in_memory()

    _edit(api_server, rules, model="gpt-image-2", size="2048x1152")
    assert [r.fields["size"] for r in api_server.requests] == [["2048x1152"], ["1536x1024"]]

    # Learnt as "no custom sizes here": another custom size goes out as a preset at once.
    _edit(api_server, rules, model="gpt-image-2", size="1152x2048")
    assert api_server.count(EDITS) == 3 and api_server.requests[-1].fields["size"] == ["1024x1536"]
    # ...and the presets themselves are untouched.
    _edit(api_server, rules, model="gpt-image-2", size="1024x1024")
    assert api_server.count(EDITS) == 4 and api_server.requests[-1].fields["size"] == ["1024x1024"]


def test_rules_are_kept_per_server_and_model(api_server: FakeOpenAI) -> None:
    api_server.gateway = Gateway(refuse_stream=True)
    rules = ServerRules.in_memory()
    _edit(api_server, rules, stream=True, model="gpt-image-2")
    assert api_server.count(EDITS) == 2
    api_server.gateway = Gateway()
    _edit(api_server, rules, stream=True, model="gpt-image-2.5-flare")
    assert api_server.count(EDITS) == 3 and api_server.requests[-1].fields["stream"] == ["true"]


def test_a_refusal_that_persists_after_the_change_is_reported(api_server: FakeOpenAI) -> None:
    # n=4 becomes n=1, which this gateway refuses too: one adjusted try, then its error.
    api_server.gateway = Gateway(unknown_parameters=frozenset({"n"}))
    with pytest.raises(ApiError) as caught:
        _edit(api_server, ServerRules.in_memory(), n=4)
    assert caught.value.param == "n" and not caught.value.may_have_been_billed
    assert [r.fields["n"] for r in api_server.requests] == [["4"], ["1"]]


def test_several_refusals_are_each_adjusted_once(api_server: FakeOpenAI) -> None:
    api_server.gateway = Gateway(
        refuse_stream=True, unknown_parameters=frozenset({"safety_identifier"})
    )
    result = _edit(api_server, ServerRules.in_memory(), stream=True, safety_identifier="u")
    assert len(result.images) == 1 and len(result.adjustments) == 2
    assert api_server.count(EDITS) == 3


def test_moderation_is_never_adjusted() -> None:
    blocked = _error(
        400,
        "Your request was rejected by the safety system.",
        code="moderation_blocked",
        type="image_generation_user_error",
        param="prompt",
    )
    assert adjustment_for(blocked, [("prompt", "x"), ("stream", "true")]) is None
    no_code = _error(400, "Image rejected.", type="image_generation_user_error")
    assert no_code.kind is ApiErrorKind.MODERATION
    assert adjustment_for(no_code, [("prompt", "x"), ("stream", "true")]) is None


@pytest.mark.parametrize(
    ("error", "form", "expected"),
    [
        (
            _error(
                400,
                "Input fidelity is not supported for this model.",
                code="invalid_input_fidelity_model",
                type="image_generation_user_error",
            ),
            [("input_fidelity", "high")],
            Adjustment("input_fidelity", "high", None, "*"),
        ),
        (
            _error(400, "Transparent background is not supported for this model."),
            [("background", "transparent"), ("output_format", "png")],
            Adjustment("background", "transparent", None, "transparent"),
        ),
        (
            _error(400, "Invalid value: 'max'.", param="quality", code="invalid_value"),
            [("quality", "max")],
            Adjustment("quality", "max", "high", "max"),
        ),
        (
            _error(400, "Unknown parameter: 'complexity'.", code="unknown_parameter"),
            [("complexity", "high")],
            Adjustment("complexity", "high", None, "*"),
        ),
        (
            _error(400, "n must be 1 on this server"),
            [("n", "4")],
            Adjustment("n", "4", "1", "*"),
        ),
    ],
)
def test_the_parameter_is_found_in_code_param_or_message(
    error: ApiError, form: list[tuple[str, str]], expected: Adjustment
) -> None:
    assert adjustment_for(error, form) == expected


def test_errors_that_name_nothing_changeable_are_not_adjusted() -> None:
    form = [("prompt", "x"), ("model", "m"), ("output_format", "png")]
    assert adjustment_for(_error(400, "Invalid 'prompt'.", param="prompt"), form) is None
    assert adjustment_for(_error(401, "bad key", code="invalid_api_key"), form) is None
    assert adjustment_for(_error(400, "The image is not square.", param="image"), form) is None
    assert adjustment_for(_error(400, "output_format png", param="output_format"), form) is None
    assert adjustment_for(_error(500, "Unknown parameter: 'n'", param="n"), [("n", "2")]) is None


def test_nearest_standard_size_keeps_the_orientation() -> None:
    assert nearest_standard_size("2048x1152") == "1536x1024"
    assert nearest_standard_size("1152x2048") == "1024x1536"
    assert nearest_standard_size("2880x2880") == "1024x1024"


def test_rules_survive_a_restart_and_can_be_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "server_rules.json"
    first = ServerRules(path)
    first.learn("http://gw/v1/", "gpt-image-2", Adjustment("stream", "true", None, "*"))
    first.learn("http://other/v1", "gpt-image-2", Adjustment("complexity", "low", None, "*"))

    again = ServerRules(path)
    (rule,) = again.for_request("http://gw/v1", "gpt-image-2")
    assert (rule.parameter, rule.scope) == ("stream", "*")
    assert rule.describe() == "gpt-image-2: no streamed results"
    form, made = apply_rules([rule], [("prompt", "p"), ("stream", "true"), ("partial_images", "2")])
    assert form == [("prompt", "p")] and [m.parameter for m in made] == ["stream"]

    again.forget("http://gw/v1")
    assert ServerRules(path).for_request("http://gw/v1", "gpt-image-2") == []
    assert len(ServerRules(path).known()) == 1
    again.forget()
    assert ServerRules(path).known() == []


def test_a_damaged_rules_file_counts_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "server_rules.json"
    path.write_text("{not json")
    assert ServerRules(path).known() == []
    path.write_text(json.dumps({"rules": [{"server": "x"}]}))
    assert ServerRules(path).known() == []


@pytest.mark.parametrize(
    "error",
    [
        _error(400, "Unknown parameter: 'mask'.", param="mask", code="unknown_parameter"),
        _error(400, "Invalid mask image format - mask size does not match image size."),
        _error(400, "Masks are not supported with this model", code="unsupported_parameter"),
        _error(400, "Unsupported value", code="invalid_mask_model"),
    ],
)
def test_a_refusal_about_the_mask_never_changes_another_parameter(error: ApiError) -> None:
    # "mask size does not match" names `size`, but dropping size (or anything) and sending
    # again would vary what the person did not choose: the run stops instead (client.py).
    form = [("prompt", "x"), ("size", "1536x1024"), ("stream", "true"), ("n", "2")]
    assert names_mask(error) and refuses_mask(error)
    assert adjustment_for(error, form) is None


def test_only_mask_refusals_and_server_failures_stop_a_masked_run() -> None:
    assert refuses_mask(_error(500, "litellm.InternalServerError: OpenAIException"))
    assert refuses_mask(_error(502, ""))
    streaming = _error(400, "Streaming is not supported for image edits.")
    assert not refuses_mask(streaming)
    assert adjustment_for(streaming, [("stream", "true")]) is not None
    assert not names_mask(_error(400, "Unknown parameter: 'masked_thing'.", param="masked_thing"))
    # Errors with their own sentence keep it, even when their message mentions the mask.
    moderated = _error(
        400, "The mask was rejected by the safety system.", code="moderation_blocked"
    )
    assert moderated.kind is ApiErrorKind.MODERATION and not refuses_mask(moderated)
    limited = _error(429, "Too many requests with a mask.", code="rate_limit_exceeded")
    assert not refuses_mask(limited)
