"""Azure OpenAI and OpenRouter as the fake imitates them (API.md section 8).

Both are translated into the OpenAI request they stand for and then checked by the same
validation (validation.validate_edit) and answered by the same image generation (endpoints), so
the fake stays one server with three front doors. Each front door checks what that service
checks, and a little more where being stricter costs nothing:

- Azure: ``api-key`` equal to the key, and no Authorization header at all (the real service
  ignores one; refusing it proves the client never sends an OpenAI-style key to Azure);
  ``api-version`` required, old ones 404 on edits; ``model`` must name a deployment.
- OpenRouter: Bearer auth; ``POST /api/v1/images`` with a JSON body whose fields the chosen model
  must list in its ``supported_parameters``; the picture as a data URL of a real image;
  ``GET /api/v1/images/models``; no ``/images/edits``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .answers import Answer, ApiError, json_answer
from .endpoints import edit_answer
from .multipart_form import Form
from .recording import UploadedFile
from .validation import SUPPORTED_MIMETYPES, validate_edit

if TYPE_CHECKING:
    from .server import FakeOpenAI

AZURE = "azure"
OPENROUTER = "openrouter"
DIALECTS = ("openai", AZURE, OPENROUTER)

# ---- Azure -------------------------------------------------------------------------------

AZURE_V1_EDITS = "/openai/v1/images/edits"
AZURE_V1_MODELS = "/openai/v1/models"
_AZURE_DEPLOYMENT_EDITS = re.compile(r"^/openai/deployments/([^/]+)/images/edits$")
AZURE_V1_VERSIONS = ("preview", "latest")
AZURE_FIRST_EDITS_VERSION = "2025-04-01-preview"
_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
# deployment name -> the model it runs
DEFAULT_DEPLOYMENTS = {"images-sunburst": "gpt-image-2.6-sunburst"}


class AzureError(ApiError):
    """Azure's envelope: a string code, no type or param."""

    def envelope(self) -> dict[str, Any]:
        return {"error": {"code": self.code or str(self.status), "message": self.message}}


_NOT_FOUND = AzureError(404, "Resource not found", code="404")


def azure_edit_form(
    owner: FakeOpenAI,
    method: str,
    path: str,
    query: Mapping[str, list[str]],
    headers: Mapping[str, str],
    form: Form,
) -> Form:
    """The OpenAI edit a valid Azure edit stands for (``model`` becomes the deployment's model)."""
    _check_azure_auth(owner, headers)
    if path == AZURE_V1_MODELS:
        if (query.get("api-version") or [""])[-1] not in AZURE_V1_VERSIONS:
            raise _NOT_FOUND
        return form  # the caller answers it as OpenAI's model list
    deployment_in_path = _AZURE_DEPLOYMENT_EDITS.match(path)
    if path != AZURE_V1_EDITS and deployment_in_path is None:
        raise _NOT_FOUND
    if method != "POST":
        raise AzureError(405, f"Method {method} not allowed", code="405")
    version = (query.get("api-version") or [""])[-1]
    if not version:
        raise _NOT_FOUND
    if deployment_in_path is None and version not in AZURE_V1_VERSIONS:
        raise AzureError(400, "API version not supported", code="BadRequest")
    if deployment_in_path is not None:
        if not _DATED.match(version):
            raise AzureError(400, "API version not supported", code="BadRequest")
        if version[:10] < AZURE_FIRST_EDITS_VERSION[:10]:
            raise _NOT_FOUND  # older versions have no image edits (API.md section 8)
    sent = (form.fields.get("model") or [""])[-1]
    deployment = deployment_in_path.group(1) if deployment_in_path else sent
    if deployment not in owner.deployments:
        raise AzureError(
            404,
            "The API deployment for this resource does not exist. If you created the "
            "deployment within the last 5 minutes, please wait a moment and try again.",
            code="DeploymentNotFound",
        )
    if deployment_in_path is not None and sent and sent != deployment:
        raise AzureError(400, f"model {sent!r} is not this deployment", code="BadRequest")
    fields = dict(form.fields)
    fields["model"] = [owner.deployments[deployment]]
    return replace(form, fields=fields)


def _check_azure_auth(owner: FakeOpenAI, headers: Mapping[str, str]) -> None:
    denied = AzureError(
        401,
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
        "provide a valid key for an active subscription and use a correct regional API "
        "endpoint for your resource.",
        code="401",
    )
    if "authorization" in headers:
        raise denied  # stricter than Azure: an Authorization header means a misconfigured client
    key = headers.get("api-key", "").strip()
    if not key or (owner.api_key is not None and key != owner.api_key):
        raise denied


# ---- OpenRouter --------------------------------------------------------------------------

OPENROUTER_IMAGES = "/api/v1/images"
OPENROUTER_MODELS = "/api/v1/images/models"
_ENUM = "enum"
_ALL_PARAMETERS: dict[str, dict[str, Any]] = {
    "n": {"type": "integer", "min": 1, "max": 10},
    "size": {"type": "string"},
    "quality": {"type": _ENUM, "values": ["low", "medium", "high", "auto"]},
    "background": {"type": _ENUM, "values": ["auto", "transparent", "opaque"]},
    "output_format": {"type": _ENUM, "values": ["png", "jpeg", "webp"]},
    "output_compression": {"type": "integer", "min": 0, "max": 100},
    "input_references": {"type": "array", "max_items": 16},
}
# id -> (the OpenAI model that draws it here, input modalities, supported_parameters)
OPENROUTER_CATALOG: dict[str, tuple[str, list[str], dict[str, dict[str, Any]]]] = {
    "openai/gpt-image-2.6-sunburst": ("gpt-image-2.6-sunburst", ["text", "image"], _ALL_PARAMETERS),
    # Single-image, few knobs: a client sending n or quality gets a 400 naming it.
    "bytedance-seed/seedream-4.5": (
        "gpt-image-2",
        ["text", "image"],
        {
            "size": {"type": "string"},
            "output_format": {"type": _ENUM, "values": ["png", "jpeg"]},
            "input_references": {"type": "array", "max_items": 10},
            "seed": {"type": "integer"},
        },
    ),
    "black-forest-labs/flux-text-only": ("gpt-image-2", ["text"], {"size": {"type": "string"}}),
}
_KNOWN_FIELDS = frozenset(
    {"model", "prompt", "n", "size", "quality", "background", "output_format",
     "output_compression", "input_references", "aspect_ratio", "resolution", "seed", "stream"}
)  # fmt: skip
_OPENAI_FIELDS = ("n", "size", "quality", "background", "output_format", "output_compression")
_DATA_URL = re.compile(r"^data:([a-z]+/[a-z0-9.+-]+);base64,(.*)$", re.DOTALL)


class OpenRouterError(ApiError):
    """OpenRouter's envelope: a numeric code and a message."""

    def envelope(self) -> dict[str, Any]:
        return {"error": {"code": self.status, "message": self.message}}


def openrouter_models_answer() -> Answer:
    data = [
        {
            "id": model_id,
            "name": model_id.split("/")[-1],
            "description": "A model of the fake OpenRouter.",
            "created": 1764547200,
            "architecture": {"input_modalities": inputs, "output_modalities": ["image"]},
            "supported_parameters": parameters,
            "supports_streaming": False,
            "endpoints": f"/api/v1/images/models/{model_id}/endpoints",
        }
        for model_id, (_model, inputs, parameters) in OPENROUTER_CATALOG.items()
    ]
    return json_answer(200, {"data": data})


def openrouter_answer(
    owner: FakeOpenAI, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> Answer:
    owner._check_auth(headers)
    if path == OPENROUTER_MODELS and method in ("GET", "HEAD"):
        return openrouter_models_answer()
    if path != OPENROUTER_IMAGES:
        raise OpenRouterError(404, f"Not Found ({method} {path})")
    if method != "POST":
        raise OpenRouterError(405, f"Method {method} not allowed")
    form = _openrouter_form(headers, body)
    try:
        edit = validate_edit(form, {form.fields["model"][0]}, owner.gateway)
    except ApiError as error:  # the same rule, in OpenRouter's envelope
        raise OpenRouterError(error.status, error.message) from None
    openai = json.loads(edit_answer(edit).body)
    used = openai.get("usage", {})
    payload = {
        "created": openai["created"],
        "data": [{"b64_json": item["b64_json"]} for item in openai["data"]],
        "usage": {
            "prompt_tokens": used.get("input_tokens", 0),
            "completion_tokens": used.get("output_tokens", 0),
            "total_tokens": used.get("total_tokens", 0),
            "cost": 0.04 * edit.n,
        },
        "x_fake": True,  # an unknown field, as in every answer of the fake
    }
    return json_answer(200, payload)


def _openrouter_form(headers: Mapping[str, str], body: bytes) -> Form:
    """The multipart edit this JSON request stands for, after OpenRouter's own checks."""
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise OpenRouterError(400, f"Expected a JSON body, got {media_type or 'none'}")
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        raise OpenRouterError(400, "The body is not valid JSON") from None
    if not isinstance(request, dict):
        raise OpenRouterError(400, "The body must be a JSON object")
    for name in request:
        if name not in _KNOWN_FIELDS:
            raise OpenRouterError(400, f"Unknown parameter: '{name}'")
    model_id = request.get("model")
    if not isinstance(model_id, str) or not model_id:
        raise OpenRouterError(400, "'model' is required")
    if model_id not in OPENROUTER_CATALOG:
        raise OpenRouterError(404, f"Model '{model_id}' not found")
    drawn_by, _inputs, supported = OPENROUTER_CATALOG[model_id]
    prompt = request.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise OpenRouterError(400, "'prompt' is required and must be a non-empty string")
    for name in request:
        if name in ("model", "prompt") or name in supported:
            continue
        if name == "n" and request[name] == 1:
            continue  # single-image providers reject only n > 1 (OpenRouter's documentation)
        raise OpenRouterError(400, f"Parameter '{name}' is not supported by {model_id}")
    references = request.get("input_references")
    if not isinstance(references, list) or not references:
        # The real API draws from text alone; this fake only imitates variations.
        raise OpenRouterError(400, "The fake OpenRouter needs 'input_references' (a variation)")
    fields: dict[str, list[str]] = {"prompt": [prompt], "model": [drawn_by]}
    for name in _OPENAI_FIELDS:
        if name not in request:
            continue
        value = request[name]
        wanted = int if name in ("n", "output_compression") else str
        if isinstance(value, bool) or not isinstance(value, wanted):
            raise OpenRouterError(400, f"Invalid type for '{name}'")
        fields[name] = [str(value)]
    files = [_reference(index, item) for index, item in enumerate(references)]
    return Form(fields=fields, files=files, is_multipart=True, content_type="multipart/form-data")


def _reference(index: int, item: object) -> UploadedFile:
    where = f"input_references[{index}]"
    url = None
    if isinstance(item, dict) and item.get("type") == "image_url":
        image_url = item.get("image_url")
        url = image_url.get("url") if isinstance(image_url, dict) else None
    if not isinstance(url, str):
        raise OpenRouterError(400, f"'{where}' must be {{type: image_url, image_url: {{url}}}}")
    match = _DATA_URL.match(url)
    if match is None:
        # Real OpenRouter fetches http(s) URLs; this fake does not fetch, so it refuses them.
        raise OpenRouterError(400, f"'{where}' must be a base64 data URL")
    mime, encoded = match.groups()
    if mime not in SUPPORTED_MIMETYPES:
        raise OpenRouterError(400, f"'{where}' has unsupported type {mime}")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise OpenRouterError(400, f"'{where}' is not valid base64") from None
    extension = mime.split("/")[1]
    return UploadedFile("image", f"reference-{index}.{extension}", mime, data)
