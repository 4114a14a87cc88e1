"""Inputs the fuzzers found that make desktop_app fail in ways it must not, one test each.

Each test holds the (shrunk) failing input inline and states the documented outcome. They
fail until desktop_app is fixed; the fix proposed for each is in the test's docstring.
"""

from __future__ import annotations

import base64
import json
import math

import pytest

from desktop_app.core.client import ImagesClient
from desktop_app.core.errors import (
    ApiError,
    ErrorBody,
    TransportError,
    TransportErrorKind,
    parse_error_body,
)
from desktop_app.core.imaging import ImageRejected, open_image
from desktop_app.core.results import RetryScheduled, RunEvent, RunResult
from desktop_app.core.retry import server_wait

from ..mutations import HEADER_FIELDS, set_field
from ..payloads import RESULT_PNG, Answer
from ..seeds import seeds_by_format
from ..test_response_parsers import (
    ScriptedService,
    _classic,
    _edit,
    _edit_streamed,
    _models,
    scripted_client,
)

DEEP = b"[" * 100_000 + b"]" * 100_000
B64 = base64.b64encode(RESULT_PNG).decode()


def _run(service: ScriptedService, call: object) -> tuple[object, list[RunEvent]]:
    events: list[RunEvent] = []
    with scripted_client(service) as (client, runner):
        assert isinstance(client, ImagesClient)
        try:
            return runner.run(call(client, events.append)), events  # type: ignore[operator]
        except (TransportError, ApiError) as error:  # the documented outcomes
            return error, events


def test_deeply_nested_error_body_is_an_empty_error_body() -> None:
    """RecursionError escaped parse_error_body (errors.py: json.loads). Fix: catch
    RecursionError next to ValueError there (and in every json.loads of client.py)."""
    assert parse_error_body(DEEP) == ErrorBody()


def test_deeply_nested_result_body_is_a_bad_response() -> None:
    """RecursionError escaped ImagesClient._read_json_result. Fix: catch RecursionError
    beside (ValueError, KeyError, TypeError)."""
    service = ScriptedService()
    service.api = Answer(body=DEEP, headers={"content-type": "application/json"})
    outcome, _ = _run(service, _edit)
    assert isinstance(outcome, TransportError)
    assert outcome.kind is TransportErrorKind.BAD_RESPONSE


def test_deeply_nested_event_is_skipped() -> None:
    """RecursionError escaped _read_stream (it catches only ValueError around json.loads).
    Fix: catch RecursionError there too, so the line is skipped like other junk."""
    service = ScriptedService()
    completed = json.dumps({"type": "image_edit.completed", "b64_json": B64})
    body = b"data: " + DEEP + b"\n\ndata: " + completed.encode() + b"\n\n"
    service.api = Answer(body=body, headers={"content-type": "text/event-stream"})
    outcome, _ = _run(service, _edit_streamed)
    assert isinstance(outcome, RunResult) and len(outcome.images) == 1


@pytest.mark.parametrize("data", [b"5", b"1.5", b"true"])
def test_model_list_whose_data_is_not_a_list_is_a_bad_response(data: bytes) -> None:
    """TypeError ('int' object is not iterable) escaped list_models. Fix: check
    ``isinstance(entries, list)`` inside the try, as _read_json_result does."""
    service = ScriptedService()
    service.models = Answer(body=b'{"data": ' + data + b"}")
    outcome, _ = _run(service, _models)
    assert isinstance(outcome, TransportError)


def test_model_list_cut_off_mid_body_is_a_transport_error() -> None:
    """httpx.RemoteProtocolError escaped list_models (its _read_limited re-raises httpx
    errors), also out of a 404 model_not_found answer, whose _replacement_for catches only
    ApiError/TransportError. Fix: wrap the read in list_models like _read_json_result does
    (``except httpx.HTTPError: raise _broken_answer(...)``)."""
    service = ScriptedService()
    service.models = Answer(body=b'{"object": "list", "data": []}', chunks=(8,), break_after=1)
    outcome, _ = _run(service, _models)
    assert isinstance(outcome, TransportError)


def test_stream_event_whose_type_is_not_text_is_skipped() -> None:
    """AttributeError ('dict' object has no attribute 'endswith') escaped _read_stream:
    ``kind = payload.get("type") or event.event`` trusts the JSON type. Fix: use the type only
    when it is a str (``_str_or_none(payload.get("type")) or event.event``)."""
    service = ScriptedService()
    odd = json.dumps({"type": {"x": 1}, "b64_json": B64})
    completed = json.dumps({"type": "image_edit.completed", "b64_json": B64})
    body = f"data: {odd}\n\ndata: {completed}\n\n".encode()
    service.api = Answer(body=body, headers={"content-type": "text/event-stream"})
    outcome, _ = _run(service, _edit_streamed)
    assert isinstance(outcome, RunResult) and len(outcome.images) == 1


@pytest.mark.parametrize("url", ["https://cdn.example/r\ud800.png", "https://a\x00b.example/r.png"])
def test_unusable_result_url_is_a_download_error(url: str) -> None:
    """UnicodeEncodeError (a lone surrogate, from a JSON ``\\ud800`` escape) and httpx.InvalidURL
    escaped downloads.download, which catches only httpx.HTTPError. Fix: in download(), also
    turn ``httpx.InvalidURL`` and ``UnicodeError`` into DownloadFailed (or validate the URL
    with ``httpx.URL(url)`` inside check_result_url)."""
    service = ScriptedService()
    body = json.dumps({"created": 1, "data": [{"url": url}]}).encode()
    service.api = Answer(body=body, headers={"content-type": "application/json"})
    outcome, _ = _run(service, _classic)
    assert isinstance(outcome, TransportError)
    assert outcome.kind is TransportErrorKind.DOWNLOAD


def test_retry_after_nan_is_ignored() -> None:
    """server_wait returned NaN for ``retry-after: nan``; the client then announced
    RetryScheduled(nan) and the window's ``round(event.seconds)`` raises ValueError. Fix: in
    server_wait, accept only finite values (``math.isfinite``), else fall through/None."""
    wait = server_wait({"retry-after": "nan"})
    assert wait is None or math.isfinite(wait)
    service = ScriptedService()
    service.api = Answer(
        status=429,
        body=b'{"error": {"message": "slow down", "code": "rate_limit_exceeded"}}',
        headers={"content-type": "application/json", "retry-after": "nan"},
    )
    _, events = _run(service, _edit)
    waits = [e.seconds for e in events if isinstance(e, RetryScheduled)]
    assert all(math.isfinite(w) and w >= 0 for w in waits), waits


@pytest.mark.xfail(
    strict=True,
    reason="policy proposal: pixels-per-byte bomb check only applies above the pixel cap",
)
def test_tiny_progressive_jpeg_claiming_70_megapixels_is_refused_as_a_bomb() -> None:
    """Not a crash but the slowest input found: 782 bytes of progressive JPEG whose SOF2
    claims 10001 x 7072 (70.7 MP, under the 100 MP JPEG cap) is accepted, and the first
    preview takes ~1.9 s and ~270 MB here (libjpeg buffers every coefficient of a
    progressive image). Proposed fix in loading._check_size: apply the pixels-per-byte test
    (_BOMB_PIXELS_PER_BYTE) to scaled-decode formats (JPEG/MPO) above a floor of, say, 8 MP
    too, not only above the cap (real JPEGs hold far fewer than 1000 pixels per byte)."""
    progressive = seeds_by_format()["JPEG"][1]
    data = bytearray(progressive)
    sof2_height, sof2_width = HEADER_FIELDS["JPEG"][3], HEADER_FIELDS["JPEG"][4]
    set_field(data, sof2_height, 7072, 0)
    set_field(data, sof2_width, 10001, 0)
    with pytest.raises(ImageRejected) as rejected:
        open_image(bytes(data))
    assert rejected.value.reason == "bomb"
