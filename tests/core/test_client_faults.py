"""Every failure of API.md section 6 and the transport faults, counting what the server received.

The rule under test: an error answer may be retried when the API allows it, but a request whose
body reached the server is never sent again silently, because it may have been billed.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
import traceback
from collections.abc import AsyncIterator, Callable

import pytest

from desktop_app.core.client import ImagesClient
from desktop_app.core.config import ClientConfig, Timeouts
from desktop_app.core.errors import (
    ApiError,
    ApiErrorKind,
    TransportError,
    TransportErrorKind,
    VariationError,
)
from desktop_app.core.keystore import ApiKey
from desktop_app.core.results import (
    EventSink,
    RetryScheduled,
    RunEvent,
    RunResult,
)
from desktop_app.core.runner import CancellableRun, RunRecorder
from tests.conftest import CANARY_KEY
from tests.core.client_helpers import (
    FAST_RETRIES,
    classic_request,
    edit_request,
    make_client,
    png_upload,
    run,
)
from tests.fake_openai import FakeOpenAI, Fault

EDITS = "/v1/images/edits"
# A stall far longer than any wait under test: a bound of half of it is no judge of speed.
STALL = 60


def _edit(server: FakeOpenAI, sink: EventSink | None = None, /, **timeouts: float) -> RunResult:
    async def go() -> RunResult:
        async with make_client(server, **timeouts) as client:
            return await client.edit(edit_request(), sink)

    return run(go)


def _failure(server: FakeOpenAI, **timeouts: float) -> VariationError:
    with pytest.raises(VariationError) as caught:
        _edit(server, **timeouts)
    return caught.value


@pytest.mark.parametrize(
    ("fault", "kind", "words"),
    [
        ("invalid_api_key", ApiErrorKind.BAD_KEY, "Settings"),
        ("org_not_verified", ApiErrorKind.ORG_NOT_VERIFIED, "verified"),
        ("moderation_blocked", ApiErrorKind.MODERATION, "safety system"),
        ("unsupported_file_mimetype", ApiErrorKind.BAD_UPLOAD, "did not accept the picture"),
        ("invalid_image_file", ApiErrorKind.BAD_UPLOAD, "did not accept the picture"),
        ("unknown_parameter", ApiErrorKind.UNKNOWN_PARAMETER, "report it"),
        ("insufficient_quota", ApiErrorKind.QUOTA, "billing"),
    ],
)
def test_refusals_are_explained_and_never_retried(
    api_server: FakeOpenAI, fault: str, kind: ApiErrorKind, words: str
) -> None:
    api_server.inject(Fault(fault), path=EDITS, times=3)
    error = _failure(api_server)
    assert isinstance(error, ApiError)
    assert error.kind is kind
    assert words in str(error)
    assert error.request_id and error.request_id == api_server.requests[-1].request_id
    assert not error.may_have_been_billed
    assert api_server.count(EDITS) == 1


def test_model_not_found_names_a_live_replacement(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("model_not_found"), path=EDITS)
    error = _failure(api_server)
    assert isinstance(error, ApiError) and error.kind is ApiErrorKind.MODEL_NOT_FOUND
    assert error.suggested_model and error.suggested_model != "gpt-image-2.6-sunburst"
    assert error.suggested_model in str(error)
    assert api_server.count(EDITS) == 1


def test_a_retired_model_is_refused_with_a_replacement(api_server: FakeOpenAI) -> None:
    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(model="gpt-image-1"))

    with pytest.raises(ApiError) as caught:
        run(go)
    assert caught.value.kind is ApiErrorKind.MODEL_NOT_FOUND
    assert caught.value.suggested_model == "gpt-image-2.6-sunburst"


def test_rate_limit_waits_as_asked_then_succeeds(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("rate_limit", retry_after="3", retry_after_ms="150"), path=EDITS)
    events: list[RunEvent] = []
    started = time.monotonic()
    result = _edit(api_server, events.append)
    assert len(result.images) == 1
    waits = [e for e in events if isinstance(e, RetryScheduled)]
    assert [(w.seconds, w.attempt, w.reason) for w in waits] == [(0.15, 2, "rate limit")]
    assert time.monotonic() - started >= 0.15
    assert api_server.count(EDITS) == 2


def test_rate_limit_honours_retry_after_seconds(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("rate_limit", retry_after="0"), path=EDITS)
    events: list[RunEvent] = []
    _edit(api_server, events.append)
    assert [e.seconds for e in events if isinstance(e, RetryScheduled)] == [0.0]


def test_a_rate_limit_wait_beyond_the_cap_gives_up_at_once(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("rate_limit", retry_after="3600"), path=EDITS)
    started = time.monotonic()
    error = _failure(api_server)
    assert isinstance(error, ApiError) and error.kind is ApiErrorKind.RATE_LIMIT
    assert time.monotonic() - started < 600  # not the hour asked for
    assert api_server.count(EDITS) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_twice_then_reported(api_server: FakeOpenAI, status: int) -> None:
    api_server.inject(Fault("server_error", status=status), path=EDITS, times=5)
    error = _failure(api_server)
    assert isinstance(error, ApiError) and error.kind is ApiErrorKind.SERVER
    assert f"({status}) after 3 tries" in str(error)
    assert api_server.count(EDITS) == 3


def test_one_server_error_then_success(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("server_error", status=503), path=EDITS)
    assert len(_edit(api_server).images) == 1
    assert api_server.count(EDITS) == 2


def test_x_should_retry_false_forbids_the_retry(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("server_error", status=500, x_should_retry="false"), path=EDITS)
    _failure(api_server)
    assert api_server.count(EDITS) == 1


def test_no_answer_after_the_upload_is_reported_as_possibly_billed(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("stall_before_headers", seconds=30), path=EDITS)
    error = _failure(api_server, read=0.5)
    assert isinstance(error, TransportError) and error.kind is TransportErrorKind.NO_ANSWER
    assert error.may_have_been_billed
    assert "may have been billed" in str(error) and "not sent again" in str(error)
    assert api_server.count(EDITS) == 1


@pytest.mark.parametrize("fault", ["reset_mid_body", "truncated_body"])
def test_a_broken_answer_is_not_sent_again(api_server: FakeOpenAI, fault: str) -> None:
    api_server.inject(Fault(fault, after_bytes=100), path=EDITS)
    error = _failure(api_server)
    assert isinstance(error, TransportError)
    assert error.may_have_been_billed
    assert api_server.count(EDITS) == 1


def test_a_reset_during_the_upload_is_retried_because_nothing_was_billed(
    api_server: FakeOpenAI,
) -> None:
    # Noise does not compress: several megabytes outlast the kernel's socket buffers, so the
    # reset arrives while the client is still writing.
    big = png_upload(1400, noise=True)
    assert len(big.data) > 4_000_000
    api_server.inject(Fault("reset_during_upload", after_bytes=64 * 1024), path=EDITS)

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(image=big))

    assert len(run(go).images) == 1
    attempts = [r for r in api_server.requests if r.path == EDITS]
    assert len(attempts) == 2
    assert [r.body_complete for r in attempts] == [False, True]


def test_a_slow_trickle_still_arrives(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("slow_trickle", seconds=1.0), path=EDITS)
    assert len(_edit(api_server).images) == 1


def test_an_error_inside_the_stream_keeps_what_arrived(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("stream_error"), path=EDITS)

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(stream=True, partial_images=1))

    with pytest.raises(ApiError) as caught:
        run(go)
    assert caught.value.may_have_been_billed
    assert api_server.count(EDITS) == 1


def test_an_endless_event_is_cut_off_and_keeps_the_image_that_arrived(
    api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.core import _answers

    monkeypatch.setattr(_answers, "MAX_EVENT_BYTES", 2 * 1024 * 1024)
    api_server.inject(Fault("endless_event", total_bytes=16 * 1024 * 1024, seconds=20), path=EDITS)
    arrived: list[RunEvent] = []

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(stream=True, n=2), arrived.append)

    with pytest.raises(TransportError) as caught:
        run(go)
    error = caught.value
    assert error.kind is TransportErrorKind.BAD_RESPONSE
    assert error.may_have_been_billed and "may have been billed" in str(error)
    assert len(error.results) == 1 and "1 image(s) that had arrived were kept" in str(error)
    assert "larger than any result" in error.details()["detail"]
    assert api_server.count(EDITS) == 1


def test_a_stream_past_its_total_limit_is_cut_off(
    api_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.core import _answers

    monkeypatch.setattr(_answers, "MAX_STREAM_BYTES", 1024 * 1024)
    api_server.inject(Fault("endless_event", total_bytes=8 * 1024 * 1024, seconds=20), path=EDITS)

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(stream=True, n=2))

    with pytest.raises(TransportError) as caught:
        run(go)
    assert caught.value.kind is TransportErrorKind.BAD_RESPONSE
    assert "event stream is larger" in caught.value.details()["detail"]
    assert caught.value.may_have_been_billed


def test_bounded_events_reads_what_httpx_sse_reads() -> None:
    """Same events as the library's own reader, split anywhere, CR, CRLF or LF."""
    import httpx
    from httpx_sse import EventSource

    from desktop_app.core._answers import bounded_events

    body = (
        b": keep-alive\r\n\r\nevent: a\r\ndata: 1\r\ndata: 2\r\n\r\n"
        b'id: 7\ndata: {"x": "\xc3\xa9"}\n\n'
        b"event: b\rdata: three\r\rdata: unterminated"
    )

    async def events(reader: str, size: int) -> list[tuple[str, str, str]]:
        pieces = [body[i : i + size] for i in range(0, len(body), size)]

        async def stream() -> AsyncIterator[bytes]:
            for piece in pieces:
                yield piece

        response = httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=stream()
        )
        if reader == "bounded":
            return [
                (e.event, e.data.decode("utf-8", "replace"), e.id)
                async for e in bounded_events(response)
            ]
        return [(e.event, e.data, e.id) async for e in EventSource(response).aiter_sse()]

    for size in (1, 2, 3, 7, len(body)):
        mine = asyncio.run(events("bounded", size))
        assert mine == asyncio.run(events("httpx-sse", size)), size
        assert len(mine) == 3


def test_connection_refused_is_retried_and_said_plainly() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = ClientConfig(base_url=f"http://127.0.0.1:{port}/v1", retry=FAST_RETRIES)
    events: list[RunEvent] = []

    async def go() -> RunResult:
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True) as client:
            return await client.edit(edit_request(), events.append)

    with pytest.raises(TransportError) as caught:
        run(go)
    assert caught.value.kind is TransportErrorKind.CONNECT
    assert not caught.value.may_have_been_billed
    assert "Nothing was billed" in str(caught.value)
    assert len([e for e in events if isinstance(e, RetryScheduled)]) == 2


def test_the_overall_deadline_ends_a_stalled_request(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("stall_before_headers", seconds=STALL), path=EDITS)
    started = time.monotonic()
    error = _failure(api_server, deadline=0.7)
    assert time.monotonic() - started < STALL / 2  # ended by the deadline, not the server
    assert isinstance(error, TransportError) and error.kind is TransportErrorKind.DEADLINE
    assert error.may_have_been_billed


def test_an_expired_result_link_is_reported_as_billed(legacy_server: FakeOpenAI) -> None:
    legacy_server.inject(Fault("expired_url"), path="/v1/images/variations")

    async def go() -> RunResult:
        async with make_client(legacy_server) as client:
            return await client.classic_variations(classic_request(response_format="url"))

    with pytest.raises(TransportError) as caught:
        run(go)
    assert caught.value.kind is TransportErrorKind.DOWNLOAD
    assert caught.value.may_have_been_billed
    assert "expired" in caught.value.details()["detail"]
    assert legacy_server.count("/v1/images/variations") == 1


def test_an_oversized_result_download_is_cut_off(legacy_server: FakeOpenAI) -> None:
    from dataclasses import replace

    from tests.core.client_helpers import config_for

    legacy_server.inject(Fault("oversized_url"), path="/v1/images/variations")
    config = replace(config_for(legacy_server), max_download_bytes=2 * 1024 * 1024)

    async def go() -> RunResult:
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True) as client:
            return await client.classic_variations(classic_request(response_format="url"))

    with pytest.raises(TransportError) as caught:
        run(go)
    assert caught.value.kind is TransportErrorKind.DOWNLOAD


# -- cancellation ---------------------------------------------------------------------------------


def _cancel_when(run_: CancellableRun[object], ready: Callable[[], bool]) -> threading.Thread:
    """Cancels from another thread once the run has reached the point under test (ordered by
    what the run and the server have seen, not by a sleep that a slow machine would outrun)."""

    def cancel_later() -> None:
        wait_until = time.monotonic() + 60
        while not ready() and time.monotonic() < wait_until:
            time.sleep(0.01)
        run_.cancel()

    thread = threading.Thread(target=cancel_later)
    thread.start()
    return thread


def test_cancel_from_another_thread_stops_a_stalled_request_without_waiting_for_it(
    api_server: FakeOpenAI,
) -> None:
    api_server.inject(Fault("stall_before_headers", seconds=STALL), path=EDITS)
    recorder = RunRecorder()

    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(), recorder)

    job: CancellableRun[object] = CancellableRun(go)
    canceller = _cancel_when(job, lambda: recorder.request_sent and api_server.count(EDITS) == 1)
    started = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        job.run()
    canceller.join()
    assert time.monotonic() - started < STALL / 2  # stopped, not waited out
    assert recorder.cancelled().may_have_been_billed
    assert "may have been billed" in str(recorder.cancelled())
    assert api_server.count(EDITS) == 1


def test_cancel_during_a_rate_limit_wait_sends_nothing_more(api_server: FakeOpenAI) -> None:
    api_server.inject(Fault("rate_limit", retry_after="60"), path=EDITS)
    config = ClientConfig(base_url=api_server.base_url, timeouts=Timeouts())
    waiting = threading.Event()
    recorder = RunRecorder(lambda e: waiting.set() if isinstance(e, RetryScheduled) else None)

    async def go() -> RunResult:
        async with ImagesClient(config, ApiKey(CANARY_KEY), verify=True) as client:
            return await client.edit(edit_request(), recorder)

    job: CancellableRun[object] = CancellableRun(go)
    canceller = _cancel_when(job, waiting.is_set)
    started = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        job.run()
    canceller.join()
    assert time.monotonic() - started < 30  # the 60 s wait was cut short
    assert not recorder.cancelled().may_have_been_billed
    assert "nothing was billed" in str(recorder.cancelled())
    assert api_server.count(EDITS) == 1


def test_cancel_before_start_sends_nothing(api_server: FakeOpenAI) -> None:
    async def go() -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request())

    job: CancellableRun[object] = CancellableRun(go)
    job.cancel()
    with pytest.raises(asyncio.CancelledError):
        job.run()
    assert api_server.count(EDITS) == 0


# -- the key never leaks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("invalid_api_key"),
        Fault("server_error", status=502),
        Fault("stall_before_headers", seconds=5),
        Fault("reset_mid_body", after_bytes=10),
        Fault("moderation_blocked"),
    ],
    ids=lambda f: f.kind,
)
def test_the_key_appears_in_no_message_log_or_traceback(
    api_server: FakeOpenAI, caplog: pytest.LogCaptureFixture, fault: Fault
) -> None:
    caplog.set_level(logging.DEBUG)
    api_server.inject(fault, path=EDITS, times=3)
    error = _failure(api_server, read=0.5)
    texts = [
        str(error),
        repr(error),
        repr(error.details()),
        "".join(traceback.format_exception(error)),
        caplog.text,
        repr(ApiKey(CANARY_KEY)),
    ]
    for text in texts:
        assert CANARY_KEY not in text
    # And the canary was really used: the server saw it.
    assert api_server.requests[0].headers["authorization"] == f"Bearer {CANARY_KEY}"
