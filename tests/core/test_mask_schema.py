"""A masked edit, as the client puts it on the wire, fits OpenAI's published request schema.

The facts below are copied from OpenAI's OpenAPI description, github.com/openai/openai-openapi,
file ``openapi.yaml`` at commit f85dbe223d40e1a31cba812ab2d755c7e98a92a3 (2026-08-21):
``paths./images/edits.post.requestBody.content`` has ``multipart/form-data`` with schema
``#/components/schemas/CreateImageEditRequest``, whose properties and ``required`` list are
summarised in ``SCHEMA`` / ``REQUIRED`` (``PartialImages``: integer 0..3, ``InputFidelity``:
enum high, low). Only the few facts the test needs are kept, so it needs no network.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.client_helpers import edit_request, make_client, png_upload, run
from tests.core.test_mask_requests import mask_upload
from tests.fake_openai import FakeOpenAI, RecordedRequest

CONTENT_TYPE = "multipart/form-data"
BINARY = {"type": "string", "format": "binary"}
# CreateImageEditRequest.properties (types; enum values where the schema lists them).
SCHEMA: dict[str, dict[str, Any]] = {
    # anyOf: a binary string, or an array (maxItems 16) of binary strings
    "image": BINARY,
    "prompt": {"type": "string"},
    # "An additional image whose fully transparent areas (e.g. where alpha is zero) indicate
    # where `image` should be edited. [...] Must be a valid PNG file, less than 4MB, and have the
    # same dimensions as `image`."
    "mask": BINARY,
    "background": {"type": "string", "enum": ["transparent", "opaque", "auto"]},
    "model": {"type": "string"},
    "n": {"type": "integer", "minimum": 1, "maximum": 10},
    "size": {"type": "string"},
    "response_format": {"type": "string", "enum": ["url", "b64_json"]},
    "output_format": {"type": "string", "enum": ["png", "jpeg", "webp"]},
    "output_compression": {"type": "integer"},
    "user": {"type": "string"},
    "input_fidelity": {"type": "string", "enum": ["high", "low"]},
    "stream": {"type": "boolean"},
    "partial_images": {"type": "integer", "minimum": 0, "maximum": 3},
    "quality": {"type": "string", "enum": ["standard", "low", "medium", "high", "auto"]},
}
REQUIRED = ("prompt", "image")
# Documented after that snapshot (API.md section 4): safety_identifier replaces `user`, and
# 2.6 takes `complexity`. Allowed here with their documented types, nothing else.
LATER_FIELDS: dict[str, dict[str, Any]] = {
    "safety_identifier": {"type": "string"},
    "complexity": {"type": "string", "enum": ["low", "medium", "high"]},
}
# The schema says GPT Image models always answer base64: response_format is dall-e-2 only
# (API.md: 400 unknown_parameter), so the client must never send it to the edits endpoint.
NEVER_SENT_FOR_GPT_IMAGE = ("response_format",)


def _check_against_schema(sent: RecordedRequest) -> None:
    assert sent.headers["content-type"].split(";")[0].strip() == CONTENT_TYPE
    properties = {**SCHEMA, **LATER_FIELDS}
    for name in REQUIRED:
        assert name in sent.fields or any(p.field == name for p in sent.files), name
    for part in sent.files:
        assert properties.get(part.field) == BINARY, f"{part.field} is no binary field"
        assert part.filename, f"{part.field} has no filename"
        assert part.content_type in ("image/png", "image/jpeg", "image/webp")
    for name, values in sent.fields.items():
        assert name in properties, f"{name} is not in CreateImageEditRequest"
        assert name not in NEVER_SENT_FOR_GPT_IMAGE
        rule = properties[name]
        assert rule != BINARY, f"{name} must be a file part"
        (value,) = values  # each field once
        if rule["type"] == "integer":
            number = int(value)
            assert rule.get("minimum", number) <= number <= rule.get("maximum", number)
        elif rule["type"] == "boolean":
            assert value in ("true", "false")
        elif "enum" in rule:
            assert value in rule["enum"], (name, value)


def _send(server: FakeOpenAI, **changes: object) -> RecordedRequest:
    async def go() -> None:
        async with make_client(server) as client:
            await client.edit(edit_request(**changes))

    run(go)
    return server.requests[-1]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({}, id="defaults"),
        pytest.param(
            {
                "model": "gpt-image-2.6-sunburst",
                "n": 2,
                "size": "1536x1024",
                "quality": "high",
                "background": "opaque",
                "output_format": "webp",
                "output_compression": 80,
                "stream": True,
                "partial_images": 2,
                "complexity": "high",
                "safety_identifier": "user-hash",
            },
            id="every-field",
        ),
    ],
)
def test_a_masked_edit_fits_create_image_edit_request(
    api_server: FakeOpenAI, changes: dict[str, object]
) -> None:
    upload = png_upload(64)
    sent = _send(api_server, image=upload, mask=mask_upload(64, 64), **changes)
    _check_against_schema(sent)
    mask = sent.mask
    assert mask is not None
    # The schema's own words for mask: a valid PNG of the same dimensions as `image`.
    assert (mask.filename, mask.content_type) == ("mask.png", "image/png")
    decoded = sent.mask_image()
    assert decoded.format == "PNG" and decoded.size == (upload.width, upload.height)
    assert len(mask.data) < 4 * 1024 * 1024


def test_the_schema_check_catches_what_the_schema_forbids(api_server: FakeOpenAI) -> None:
    # The check must be able to fail: a mask sent as text, an unknown field, a bad enum value.
    sent = _send(api_server, mask=mask_upload())
    broken = RecordedRequest(
        sent.method,
        sent.path,
        sent.headers,
        {**sent.fields, "mask": ["not a file"]},
        [p for p in sent.files if p.field != "mask"],
        True,
        sent.request_id,
    )
    with pytest.raises(AssertionError, match="mask must be a file part"):
        _check_against_schema(broken)
    unknown = RecordedRequest(
        sent.method, sent.path, sent.headers, {**sent.fields, "masks": ["x"]}, sent.files, True, ""
    )
    with pytest.raises(AssertionError, match="masks is not in CreateImageEditRequest"):
        _check_against_schema(unknown)
    bad_value = RecordedRequest(
        sent.method, sent.path, sent.headers, {**sent.fields, "quality": ["ultra"]}, sent.files,
        True, "",
    )  # fmt: skip
    with pytest.raises(AssertionError):
        _check_against_schema(bad_value)
