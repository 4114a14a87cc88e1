"""Reading what the Images API answered: a JSON result, an event stream, or a model list.

Everything here distrusts the answer. It may be cut off, not JSON, nested absurdly deep, hold
base64 that is not, or bytes behind a PNG signature that are no picture. Each of those becomes
a TransportError that says whether it was paid for (a result is, once the server produced it),
never a crash and never a broken file saved as a success. The fuzzer in
tests/fuzz/test_response_parsers.py drives this module through the real client.
"""

from __future__ import annotations

import binascii
import io
import json
import logging
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import httpx
import pybase64

from desktop_app.core import downloads
from desktop_app.core._event_stream import StreamEvent, StreamTooLarge, read_events
from desktop_app.core._inline_images import Encoded, decode_span, load_answer, load_event
from desktop_app.core.errors import (
    ApiError,
    ErrorBody,
    TransportError,
    TransportErrorKind,
    parse_error_body,
    response_request_id,
)
from desktop_app.core.http import BodyTooLarge, read_capped
from desktop_app.core.results import (
    EventSink,
    GeneratedImage,
    ImageArrived,
    PartialArrived,
    PartialImage,
    Phase,
    PhaseChanged,
    RunResult,
    Usage,
    sniff_format,
)

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 512 * 1024 * 1024  # ten 4K PNGs in base64 fit with room to spare
MAX_MODEL_LIST_BYTES = 4 * 1024 * 1024
# An event stream is held to the same total as a JSON answer, and each event to what one
# finished 4K PNG in base64 needs with room to spare: a server that streams one endless event
# (or endless lines without the blank line that ends an event) is cut off, not kept in memory.
MAX_STREAM_BYTES = MAX_RESPONSE_BYTES
MAX_EVENT_BYTES = 64 * 1024 * 1024

# Fetches a ``url`` result; raises downloads.DownloadFailed (the client knows the limits).
Download = Callable[[str], Awaitable[bytes]]


def is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


async def read_answer(response: httpx.Response, limit: int) -> bytes:
    """The whole body, refused past ``limit``: no result is that large, so it is not one."""
    try:
        return await read_capped(response, limit)
    except BodyTooLarge:
        raise _unusable(
            "the answer is larger than any result should be",
            response_request_id(response.headers),
        ) from None


async def read_model_entries(response: httpx.Response) -> list[Mapping[str, Any]]:
    """The ``data`` entries of a model list (nothing is billed for listing)."""
    request_id = response_request_id(response.headers)
    try:
        raw = await read_answer(response, MAX_MODEL_LIST_BYTES)
    except httpx.HTTPError as exc:  # cut off mid-body: nothing was billed
        raise TransportError(
            TransportErrorKind.BAD_RESPONSE,
            may_have_been_billed=False,
            detail=f"the model list broke off ({type(exc).__name__})",
            request_id=request_id,
        ) from None
    try:
        document = json.loads(raw)
        entries = document["data"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):  # deep nesting: not JSON to us
        raise TransportError(
            TransportErrorKind.BAD_RESPONSE,
            may_have_been_billed=False,
            detail="the model list is not JSON",
            request_id=request_id,
        ) from None
    return [e for e in entries if isinstance(e, Mapping)]


async def read_json_result(
    response: httpx.Response, sink: EventSink, request_id: str | None, download: Download
) -> RunResult:
    """A whole JSON answer: each image (inline base64 or a link to fetch) told to the sink."""
    try:
        raw = await read_answer(response, MAX_RESPONSE_BYTES)
    except httpx.HTTPError as exc:
        raise _broken_answer(exc, request_id) from None
    try:
        document = load_answer(raw)  # the base64 pictures stay in ``raw`` until decoded
        entries = document["data"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError, RecursionError):
        raise _unusable("the answer is not the JSON the API documents", request_id) from None
    images: list[GeneratedImage] = []
    entries = [entry for entry in entries if isinstance(entry, Mapping)]
    for number, entry in enumerate(entries):
        image = await _image_from_entry(entry, len(images), sink, request_id, images, download)
        images.append(image)
        # Inline images come together: the library may store them in one go. One to download
        # first is not "at once".
        following = entries[number + 1] if number + 1 < len(entries) else None
        more = following is not None and isinstance(following.get("b64_json"), str | Encoded)
        sink(ImageArrived(image, more=more))
    if not images:
        raise _unusable("the answer held no images", request_id)
    return RunResult(
        images=tuple(images),
        request_id=request_id,
        usage=Usage.from_json(document.get("usage")),
        created=_int_or_none(document.get("created")),
        size=_str_or_none(document.get("size")),
        quality=_str_or_none(document.get("quality")),
        output_format=_str_or_none(document.get("output_format")),
        background=_str_or_none(document.get("background")),
    )


async def _image_from_entry(
    entry: Mapping[str, Any],
    index: int,
    sink: EventSink,
    request_id: str | None,
    so_far: list[GeneratedImage],
    download: Download,
) -> GeneratedImage:
    revised = _str_or_none(entry.get("revised_prompt"))
    encoded = entry.get("b64_json")
    if isinstance(encoded, str | Encoded):
        data = _decode_b64(encoded, request_id, so_far)
        return GeneratedImage(index, data, _picture_format(data, request_id, so_far), revised)
    url = entry.get("url")
    if not isinstance(url, str):
        raise _unusable("a result has neither b64_json nor url", request_id, so_far)
    sink(PhaseChanged(Phase.DOWNLOADING))
    try:
        data = await download(url)
    except downloads.DownloadFailed as exc:
        raise TransportError(
            TransportErrorKind.DOWNLOAD,
            may_have_been_billed=True,
            detail=str(exc),
            request_id=request_id,
            results=so_far,
        ) from None
    fmt = _picture_format(data, request_id, so_far)
    return GeneratedImage(index, data, fmt, revised, source_url=url)


async def read_stream(
    response: httpx.Response, sink: EventSink, request_id: str | None, expected: int
) -> RunResult:
    """Server-Sent Events: partial previews, then each finished image, in any interleaving."""
    images: list[GeneratedImage] = []
    usage: Usage | None = None
    last: Mapping[str, Any] = {}
    try:
        async for event in bounded_events(response):
            if event.data.strip() == b"[DONE]":
                break
            if not event.data:
                continue  # keep-alive
            try:
                payload = load_event(event.data)  # a picture stays in the event's bytes
            except (ValueError, RecursionError):
                continue  # a line we do not understand is not worth losing the run for
            if not isinstance(payload, Mapping):
                continue
            if isinstance(payload.get("error"), Mapping) or payload.get("type") == "error":
                raise _stream_error(payload, request_id, tuple(images))
            kind = _str_or_none(payload.get("type")) or event.event
            encoded = payload.get("b64_json")
            if not isinstance(encoded, str | Encoded):
                continue
            if kind.endswith("partial_image"):
                data = _decode_b64(encoded, request_id, images)
                index = _int_or_none(payload.get("image_index"))
                partial = PartialImage(
                    index=index if index is not None else len(images),
                    partial_index=_int_or_none(payload.get("partial_image_index")) or 0,
                    data=data,
                )
                sink(PartialArrived(partial))
            elif kind.endswith("completed"):
                data = _decode_b64(encoded, request_id, images)
                image = GeneratedImage(len(images), data, _picture_format(data, request_id, images))
                images.append(image)
                sink(ImageArrived(image))
                last = payload
                more = Usage.from_json(payload.get("usage"))
                if more is not None:
                    usage = more if usage is None else usage + more
    except StreamTooLarge as exc:
        raise _unusable(str(exc), request_id, images) from None
    except httpx.HTTPError as exc:
        raise _broken_answer(exc, request_id, tuple(images)) from None
    if not images:
        raise TransportError(
            TransportErrorKind.NO_ANSWER,
            may_have_been_billed=True,
            detail="the event stream ended without an image",
            request_id=request_id,
        )
    if len(images) < expected:
        log.warning("stream ended with %d of %d images (%s)", len(images), expected, request_id)
    return RunResult(
        images=tuple(images),
        request_id=request_id,
        usage=usage,
        size=_str_or_none(last.get("size")),
        quality=_str_or_none(last.get("quality")),
        output_format=_str_or_none(last.get("output_format")),
        background=_str_or_none(last.get("background")),
    )


def bounded_events(
    response: httpx.Response, *, max_event: int | None = None, max_total: int | None = None
) -> AsyncIterator[StreamEvent]:
    """The events of an event stream (``_event_stream``) within the module's caps (read at
    call time, so tests can lower them); the body is counted decompressed."""
    return read_events(
        response.aiter_bytes(),
        max_event=MAX_EVENT_BYTES if max_event is None else max_event,
        max_total=MAX_STREAM_BYTES if max_total is None else max_total,
    )


def _stream_error(
    payload: Mapping[str, Any], request_id: str | None, images: tuple[GeneratedImage, ...]
) -> ApiError:
    error = payload.get("error")
    body = parse_error_body(json.dumps({"error": error}).encode()) if error else ErrorBody()
    status = 400 if body.code == "moderation_blocked" else 500
    return ApiError(
        status=status,
        body=body,
        request_id=request_id,
        results=images,
        may_have_been_billed=True,
    )


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _unusable(
    detail: str, request_id: str | None, so_far: Sequence[GeneratedImage] = ()
) -> TransportError:
    """A paid-for answer that holds no usable result; the images before it are still handed on."""
    return TransportError(
        TransportErrorKind.BAD_RESPONSE,
        may_have_been_billed=True,
        detail=detail,
        request_id=request_id,
        results=so_far,
    )


def _broken_answer(
    exc: BaseException, request_id: str | None, results: tuple[GeneratedImage, ...] = ()
) -> TransportError:
    return TransportError(
        TransportErrorKind.NO_ANSWER,
        may_have_been_billed=True,
        detail=f"the answer broke off ({type(exc).__name__})",
        request_id=request_id,
        results=results,
    )


def b64decode_strictly(encoded: str) -> bytes:
    """A base64 str (an event's JSON), strictly (see ``_inline_images.decode_span``)."""
    return pybase64.b64decode(encoded, validate=True)


def _picture_format(
    data: bytes, request_id: str | None, so_far: list[GeneratedImage] | tuple[()] = ()
) -> str:
    """The format of result bytes that really are a picture.

    A result that is not one (junk behind a PNG signature, a cut-off file) is refused here: it
    was paid for, so the user must hear of it, not find a broken ".png" saved as a success.
    Pillow's ``verify`` checks a PNG's chunk checksums and the other formats' headers without
    decoding the pixels (the window decodes them anyway, for thumbnails).
    """
    from PIL import Image  # on first use: importing Pillow costs the window's start time

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (
        OSError,  # includes UnidentifiedImageError
        SyntaxError,  # Pillow's "broken PNG file" and friends
        ValueError,
        EOFError,
        IndexError,
        KeyError,
        TypeError,
        struct.error,
        Image.DecompressionBombError,
    ):
        raise _unusable("a result is not a readable picture", request_id, so_far) from None
    return sniff_format(data)


def _decode_b64(
    encoded: str | Encoded, request_id: str | None, so_far: list[GeneratedImage] | tuple[()] = ()
) -> bytes:
    try:
        if isinstance(encoded, Encoded):
            return decode_span(encoded)
        return b64decode_strictly(encoded)
    except (binascii.Error, ValueError):
        raise _unusable("an image in the answer is not valid base64", request_id, so_far) from None
