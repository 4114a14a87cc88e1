"""Azure OpenAI and OpenRouter profiles through the real client, against the fake in each mode."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest

from desktop_app.core.adaptation import ServerRules
from desktop_app.core.client import ImagesClient
from desktop_app.core.config import ClientConfig
from desktop_app.core.dialects import ServerKind, api_version_problem, split_azure_url
from desktop_app.core.errors import ApiError, ApiErrorKind
from desktop_app.core.keystore import ApiKey
from desktop_app.core.models import ModelInfo
from desktop_app.core.requests import InvalidRequest
from desktop_app.core.results import RunResult
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import (
    FAST_RETRIES,
    classic_request,
    edit_request,
    png_upload,
    provenance,
    run,
    sha256,
)
from tests.fake_openai import FakeOpenAI

DEPLOYMENT = "images-sunburst"


@pytest.fixture
def azure_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=CANARY_KEY, dialect="azure") as server:
        yield server


@pytest.fixture
def openrouter_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=CANARY_KEY, dialect="openrouter") as server:
        yield server


def _client(server: FakeOpenAI, kind: ServerKind, **extras: str) -> ImagesClient:
    config = ClientConfig(base_url=server.base_url, kind=kind, retry=FAST_RETRIES, **extras)  # type: ignore[arg-type]
    return ImagesClient(config, ApiKey(CANARY_KEY), verify=True, rules=ServerRules.in_memory())


@pytest.mark.parametrize(
    ("api_version", "path"),
    [
        (None, "/openai/v1/images/edits"),
        ("2025-04-01-preview", f"/openai/deployments/{DEPLOYMENT}/images/edits"),
    ],
)
def test_azure_sends_api_key_and_api_version_and_no_authorization(
    azure_server: FakeOpenAI, api_version: str | None, path: str
) -> None:
    upload = png_upload()
    extras = {"deployment": DEPLOYMENT} | ({"api_version": api_version} if api_version else {})

    async def go() -> RunResult:
        async with _client(azure_server, ServerKind.AZURE, **extras) as client:
            # The window may have chosen a model name: on Azure the deployment is sent instead.
            return await client.edit(edit_request(image=upload, n=2))

    result = run(go)
    assert len(result.images) == 2
    assert all(sha256(upload.data) in provenance(i.data).values() for i in result.images)
    sent = azure_server.requests[-1]
    assert sent.path == path
    assert sent.query["api-version"] == [api_version or "preview"]
    assert sent.headers["api-key"] == CANARY_KEY
    assert "authorization" not in sent.headers
    assert not any(h.startswith("openai-") for h in sent.headers)
    assert sent.value("model") == DEPLOYMENT


def test_azure_lists_its_deployment_and_offers_no_classic_mode(azure_server: FakeOpenAI) -> None:
    async def go() -> tuple[list[ModelInfo], str | None]:
        async with _client(azure_server, ServerKind.AZURE, deployment=DEPLOYMENT) as client:
            models = await client.list_models()
            default = client.dialect.default_model(models, dt.date.today())
            with pytest.raises(InvalidRequest):
                await client.classic_variations(classic_request())
            return models, default

    models, default = run(go)
    assert [m.id for m in models] == [DEPLOYMENT] and default == DEPLOYMENT
    (asked,) = azure_server.requests  # proves the key; the deployment is the list
    assert asked.path == "/openai/v1/models" and asked.headers["api-key"] == CANARY_KEY
    assert "authorization" not in asked.headers


def test_azure_with_a_wrong_key_is_a_key_error(azure_server: FakeOpenAI) -> None:
    azure_server.api_key = "another-key"

    async def go() -> RunResult:
        async with _client(azure_server, ServerKind.AZURE, deployment=DEPLOYMENT) as client:
            return await client.edit(edit_request())

    with pytest.raises(ApiError) as caught:
        run(go)
    assert caught.value.kind is ApiErrorKind.BAD_KEY
    assert CANARY_KEY not in str(caught.value)


def test_openrouter_sends_json_with_a_data_url_and_gets_its_images(
    openrouter_server: FakeOpenAI,
) -> None:
    upload = png_upload()

    async def go() -> RunResult:
        async with _client(openrouter_server, ServerKind.OPENROUTER) as client:
            request = edit_request(
                image=upload, n=2, model="openai/gpt-image-2.6-sunburst", stream=True
            )
            return await client.edit(request)

    result = run(go)
    assert len(result.images) == 2
    assert all(sha256(upload.data) in provenance(i.data).values() for i in result.images)
    assert result.usage is not None and result.usage.total_tokens > 0
    sent = openrouter_server.requests[-1]
    assert sent.path == "/api/v1/images"
    assert sent.headers["authorization"] == f"Bearer {CANARY_KEY}"
    assert sent.headers["content-type"] == "application/json"
    body = sent.json
    assert body["model"] == "openai/gpt-image-2.6-sunburst" and body["n"] == 2
    assert "stream" not in body and "size" not in body  # not sent: OpenAI-only or "auto"
    (reference,) = body["input_references"]
    assert reference["type"] == "image_url"
    prefix = "data:image/png;base64,"
    assert reference["image_url"]["url"].startswith(prefix)
    assert base64.b64decode(reference["image_url"]["url"][len(prefix) :]) == upload.data


def test_openrouter_refusals_are_adapted_to_like_any_server(openrouter_server: FakeOpenAI) -> None:
    rules = ServerRules.in_memory()
    config = ClientConfig(
        base_url=openrouter_server.base_url, kind=ServerKind.OPENROUTER, retry=FAST_RETRIES
    )

    async def go() -> RunResult:
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True, rules=rules) as client:
            request = edit_request(model="bytedance-seed/seedream-4.5", n=2, quality="high")
            return await client.edit(request)

    result = run(go)
    assert len(result.images) == 1
    assert len(result.adjustments) == 2  # n and quality, each refused once and then left out
    last = openrouter_server.requests[-1].json
    assert last["n"] == 1 and "quality" not in last
    assert rules.known(openrouter_server.base_url)


def test_openrouter_lists_models_that_take_a_picture_with_their_parameters(
    openrouter_server: FakeOpenAI,
) -> None:
    async def go() -> tuple[list[ModelInfo], str | None]:
        async with _client(openrouter_server, ServerKind.OPENROUTER) as client:
            models = await client.list_models()
            return models, client.dialect.default_model(models, dt.date.today())

    models, default = run(go)
    by_id = {m.id: m for m in models}
    assert set(by_id) == {"openai/gpt-image-2.6-sunburst", "bytedance-seed/seedream-4.5"}
    assert "n" in by_id["openai/gpt-image-2.6-sunburst"].parameters
    assert "n" not in by_id["bytedance-seed/seedream-4.5"].parameters
    assert default == "openai/gpt-image-2.6-sunburst"
    assert openrouter_server.requests[-1].path == "/api/v1/images/models"


def test_pasted_azure_addresses_become_fields() -> None:
    pasted = (
        "https://res.openai.azure.com/openai/deployments/pics/images/edits"
        "?api-version=2025-04-01-preview"
    )
    address = split_azure_url(pasted)
    assert address.resource == "https://res.openai.azure.com"
    assert address.deployment == "pics" and address.api_version == "2025-04-01-preview"
    assert api_version_problem("preview") is None
    assert api_version_problem("2024-02-01") is not None
    assert api_version_problem("soon") is not None
