"""The real ImagesClient reading hostile answers: JSON bodies, error bodies, event streams.

Answers come from an in-process ``httpx.MockTransport`` (installed while the client builds
its HTTP clients, so the client's own configuration is kept): at thousands of examples a
loopback server would spend the time budget on sockets, and parsing is what is fuzzed here.
The only exceptions allowed out are the client's documented ones, ApiError and
TransportError; every sink event must be well formed (a retry countdown is a finite,
non-negative number of seconds, since the window rounds it).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from desktop_app.core.client import ImagesClient
from desktop_app.core.config import ClientConfig, Timeouts
from desktop_app.core.errors import ApiError, ErrorBody, TransportError, parse_error_body
from desktop_app.core.imaging import Upload
from desktop_app.core.keystore import ApiKey
from desktop_app.core.models import ModelInfo
from desktop_app.core.requests import ClassicRequest, EditRequest
from desktop_app.core.results import (
    GeneratedImage,
    ImageArrived,
    PartialArrived,
    PhaseChanged,
    RetryScheduled,
    RunEvent,
    RunResult,
    UploadProgress,
    Usage,
)
from desktop_app.core.retry import RetryPolicy, server_wait

from .conftest import EXAMPLES
from .payloads import (
    HOSTS_API,
    JSON_VALUES,
    RESULT_PNG,
    Answer,
    answers,
    classic_result_document,
    damaged_bytes,
    edit_result_document,
    error_document,
    error_headers,
    event_stream_answers,
    json_bodies,
    models_document,
)

pytestmark = pytest.mark.slow  # pytest -m 'not slow' leaves it out

# A backstop against a parser that spins, never a speed check: a test runs a fixed number of
# examples (about a minute here for the slowest), and a busy 2-core CI machine may take
# several times that. Hypothesis's own per-example deadline is off for the same reason.
PER_TEST_TIMEOUT = 900
CONFIG = ClientConfig(
    base_url=f"https://{HOSTS_API}/v1",
    timeouts=Timeouts(deadline=20.0),  # a stalled answer ends as a documented DEADLINE error
    retry=RetryPolicy(max_retries=1, base_delay=0.001, max_delay=0.001, max_server_wait=0.02),
    max_download_bytes=64 * 1024,
    download_deadline=20.0,
)
UPLOAD = Upload(
    data=RESULT_PNG,
    filename="source.png",
    mime_type="image/png",
    width=4,
    height=4,
    format="png",
)
SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


class ScriptedService:
    """The API and a result CDN in one in-process handler, answering from a per-example script."""

    def __init__(self) -> None:
        self.api = Answer(body=b"{}")
        self.models = Answer(body=b"{}")
        self.download = Answer(body=RESULT_PNG, headers={"content-type": "image/png"})

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.url.host == HOSTS_API:
            return _response(self.models if path.endswith("/models") else self.api, request)
        if path.startswith("/status/"):
            return httpx.Response(int(path.rsplit("/", 1)[1]))
        if path == "/redirect":
            return httpx.Response(302, headers={"location": "http://insecure.example/r.png"})
        if path == "/big":
            return httpx.Response(200, content=b"\0" * (CONFIG.max_download_bytes + 1))
        if path == "/broken":
            raise httpx.ReadError("connection reset", request=request)
        return _response(self.download, request)


def _response(answer: Answer, request: httpx.Request) -> httpx.Response:
    if not answer.chunks and answer.break_after is None:
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body)

    async def pieces() -> AsyncIterator[bytes]:
        body = answer.body
        sizes = answer.chunks or (len(body) or 1,)
        sent = 0
        while body:
            if answer.break_after is not None and sent >= answer.break_after:
                raise httpx.RemoteProtocolError("peer closed mid-body", request=request)
            size = sizes[sent % len(sizes)]
            yield body[:size]
            body = body[size:]
            sent += 1

    return httpx.Response(answer.status, headers=answer.headers, content=pieces())


@contextlib.contextmanager
def scripted_client(service: ScriptedService) -> Iterator[tuple[ImagesClient, asyncio.Runner]]:
    """A real ImagesClient whose HTTP clients (API and downloads) talk to ``service``."""
    transport = httpx.MockTransport(service.handle)
    real_client = httpx.AsyncClient

    class RoutedClient(real_client):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.pop("verify", None)
            super().__init__(*args, transport=transport, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(httpx, "AsyncClient", RoutedClient)
        client = ImagesClient(CONFIG, ApiKey("sk-fuzz-0123456789"), verify=True)
    with asyncio.Runner() as runner:
        try:
            yield client, runner
        finally:
            runner.run(client.aclose())


Call = Callable[[ImagesClient, Callable[[RunEvent], None]], Coroutine[Any, Any, object]]


def settle(client: ImagesClient, runner: asyncio.Runner, call: Call) -> str:
    """Run one call; only a well-formed result or a documented error may come out."""
    events: list[RunEvent] = []
    try:
        result = runner.run(call(client, events.append))
    except (ApiError, TransportError) as error:
        check_error(error)
        outcome = f"{type(error).__name__}:{error.kind.value}"
    else:
        check_result(result)
        outcome = "ok"
    for event in events:
        check_event(event)
    return outcome


def check_error(error: ApiError | TransportError) -> None:
    assert str(error).strip()
    details = error.details()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in details.items())
    assert isinstance(error.may_have_been_billed, bool)
    assert all(isinstance(image, GeneratedImage) for image in error.results)
    assert "sk-fuzz-0123456789" not in str(error) + repr(details)


def check_result(result: object) -> None:
    if isinstance(result, list):  # list_models
        assert all(isinstance(m, ModelInfo) and isinstance(m.id, str) and m.id for m in result)
        return
    assert isinstance(result, RunResult)
    assert result.images and all(isinstance(i, GeneratedImage) for i in result.images)
    assert all(isinstance(i.data, bytes) for i in result.images)
    assert result.usage is None or isinstance(result.usage, Usage)
    for value in (result.size, result.quality, result.output_format, result.background):
        assert value is None or isinstance(value, str)
    assert result.created is None or isinstance(result.created, int)


def check_event(event: RunEvent) -> None:
    assert isinstance(
        event, PhaseChanged | UploadProgress | RetryScheduled | PartialArrived | ImageArrived
    )
    if isinstance(event, RetryScheduled):
        # The window shows round(seconds) as a countdown; NaN or infinity would crash it.
        assert math.isfinite(event.seconds) and event.seconds >= 0, event
    if isinstance(event, PartialArrived):
        assert isinstance(event.image.index, int) and isinstance(event.image.data, bytes)


def run_fuzz(
    key: str, strategy: st.SearchStrategy[Any], examples: int, body: Callable[[Any], None]
) -> None:
    @seed(zlib.crc32(key.encode()))
    @settings(max_examples=examples, **SETTINGS)
    @given(strategy)
    def fuzz(value: Any) -> None:
        EXAMPLES[key] += 1
        body(value)

    before = EXAMPLES[key]
    fuzz()
    assert EXAMPLES[key] - before >= examples


# -- through the real client ------------------------------------------------------------------


async def _edit(client: ImagesClient, sink: Callable[[RunEvent], None]) -> object:
    request = EditRequest(image=UPLOAD, prompt="A variation.", model="gpt-image-2.6-sunburst", n=2)
    return await client.edit(request, sink)


async def _edit_streamed(client: ImagesClient, sink: Callable[[RunEvent], None]) -> object:
    request = EditRequest(
        image=UPLOAD,
        prompt="A variation.",
        model="gpt-image-2.6-sunburst",
        n=2,
        stream=True,
        partial_images=2,
    )
    return await client.edit(request, sink)


async def _classic(client: ImagesClient, sink: Callable[[RunEvent], None]) -> object:
    return await client.classic_variations(ClassicRequest(image=UPLOAD, n=2, size="256x256"), sink)


async def _models(client: ImagesClient, sink: Callable[[RunEvent], None]) -> object:
    return await client.list_models()


CLIENT_TARGETS: dict[str, tuple[Call, st.SearchStrategy[Answer], int]] = {
    "edit-json": (_edit, answers(edit_result_document(), content_type="application/json"), 700),
    "classic-json": (
        _classic,
        answers(classic_result_document(), content_type="application/json"),
        500,
    ),
    "models-json": (_models, answers(models_document(), content_type="application/json"), 400),
    "edit-event-stream": (_edit_streamed, event_stream_answers(), 900),
}


@pytest.mark.timeout(PER_TEST_TIMEOUT)
@pytest.mark.parametrize("target", sorted(CLIENT_TARGETS))
def test_client_answers_hostile_responses_only_with_documented_errors(target: str) -> None:
    call, strategy, examples = CLIENT_TARGETS[target]
    service = ScriptedService()
    models_answers = answers(models_document(), content_type="application/json")
    with scripted_client(service) as (client, runner):

        def one(scripts: tuple[Answer, Answer]) -> None:
            service.api, service.models = scripts
            settle(client, runner, call)

        run_fuzz(f"response:{target}", st.tuples(strategy, models_answers), examples, one)


# -- the parsers on their own (cheap, so many more examples) ----------------------------------


@pytest.mark.timeout(PER_TEST_TIMEOUT)
def test_error_bodies_always_parse_to_an_error_body() -> None:
    def one(raw: bytes) -> None:
        body = parse_error_body(raw)
        assert isinstance(body, ErrorBody) and isinstance(body.message, str)

    bodies = json_bodies(error_document()) | st.binary(max_size=64).flatmap(damaged_bytes)
    run_fuzz("parser:error-body", bodies, 1500, one)


@pytest.mark.timeout(PER_TEST_TIMEOUT)
def test_retry_headers_give_a_finite_wait_or_none() -> None:
    def one(headers: dict[str, str]) -> None:
        wait = server_wait(headers, now=1_700_000_000.0)
        assert wait is None or (math.isfinite(wait) and wait >= 0), (headers, wait)

    run_fuzz("parser:retry-headers", error_headers(), 500, one)


@pytest.mark.timeout(PER_TEST_TIMEOUT)
def test_usage_and_model_entries_accept_any_json() -> None:
    def one(value: Any) -> None:
        usage = Usage.from_json(value)
        assert usage is None or all(isinstance(v, int) for v in usage._values())
        if isinstance(value, dict):
            model = ModelInfo.from_json(value)
            assert model is None or (isinstance(model.id, str) and model.id)

    run_fuzz("parser:usage-and-models", JSON_VALUES, 600, one)
