"""Successful answers of each endpoint, built from validated requests."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from PIL import Image

from .answers import Answer, ApiError, json_answer
from .faults import Fault
from .files_store import FileStore, file_url
from .multipart_form import Form
from .results import (
    DECODE_ERRORS,
    INDEX_KEY,
    PARTIAL_KEY,
    SOURCE_KEY,
    base_canvas,
    encode,
    open_image,
    preview,
    sha256_hex,
    variant,
)
from .usage import usage
from .validation import EditRequest, VariationRequest

Pause = Callable[[float], None]  # sleeps, but returns early on release_stalls and raises on stop

KEEPALIVE = b": keep-alive\n\n"
DONE = b"data: [DONE]\n\n"
# One unknown field in every JSON answer, so clients that choke on extras fail here first.
EXTRA_FIELD = ("x_fake", True)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _sse(event: str, payload: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


# ---- models ----------------------------------------------------------------------------


def models_answer(models: list[dict[str, Any]]) -> Answer:
    return json_answer(200, {"object": "list", "data": models})


def model_answer(models: list[dict[str, Any]], model_id: str) -> Answer:
    for model in models:
        if model.get("id") == model_id:
            return json_answer(200, model)
    raise ApiError(
        404,
        f"The model '{model_id}' does not exist or you do not have access to it.",
        param="model",
        code="model_not_found",
    )


# ---- edits -----------------------------------------------------------------------------


def _provenance(req: EditRequest | VariationRequest, index: int) -> dict[str, str]:
    return {SOURCE_KEY: req.source_sha256, INDEX_KEY: str(index)}


def _edit_results(req: EditRequest) -> Iterator[tuple[int, Image.Image]]:
    canvas = base_canvas(
        req.source, (req.width, req.height), transparent=req.background == "transparent"
    )
    for index in range(req.n):
        yield index, variant(canvas, index)


def _edit_usage(req: EditRequest, images: int) -> dict[str, Any]:
    return usage(
        prompt=req.prompt,
        input_images=len(req.images) + int(req.has_mask),
        quality=req.quality,
        width=req.width,
        height=req.height,
        images=images,
        partial_images=req.partial_images,
    )


def edit_answer(req: EditRequest) -> Answer:
    data = [
        {"b64_json": _b64(encode(image, req.output_format, _provenance(req, index),
                                 compression=req.output_compression))}
        for index, image in _edit_results(req)
    ]  # fmt: skip
    payload = {
        "created": int(time.time()),
        "data": data,
        "background": req.background,
        "output_format": req.output_format,
        "quality": req.quality,
        "size": req.size,
        "usage": _edit_usage(req, req.n),
    }
    payload[EXTRA_FIELD[0]] = EXTRA_FIELD[1]
    return json_answer(200, payload)


def _event_common(req: EditRequest) -> dict[str, Any]:
    return {
        "created_at": int(time.time()),
        "size": req.size,
        "quality": req.quality,
        "background": req.background,
        "output_format": req.output_format,
    }


def _edit_events(req: EditRequest) -> Iterator[tuple[str, dict[str, Any]]]:
    # Lazy, so the first partial leaves before the last image is even made (like the service).
    for index, final in _edit_results(req):
        for partial_index in range(req.partial_images):
            provenance = {**_provenance(req, index), PARTIAL_KEY: str(partial_index)}
            data = encode(preview(final, partial_index), req.output_format, provenance,
                          compression=req.output_compression)  # fmt: skip
            yield (
                "image_edit.partial_image",
                {
                    "type": "image_edit.partial_image",
                    "b64_json": _b64(data),
                    "partial_image_index": partial_index,
                    **_event_common(req),
                },
            )
        data = encode(final, req.output_format, _provenance(req, index),
                      compression=req.output_compression)  # fmt: skip
        yield (
            "image_edit.completed",
            {
                "type": "image_edit.completed",
                "b64_json": _b64(data),
                **_event_common(req),
                "usage": _edit_usage(req, 1),
            },
        )


def sse_answer(
    events: Iterator[tuple[str, dict[str, Any]]],
    *,
    event_count: int,
    pause: Pause,
    delay: float,
    keepalive: bool,
    done_marker: bool,
) -> Answer:
    def chunks() -> Iterator[bytes]:
        for position, (name, payload) in enumerate(events):
            if position:
                # The keep-alive goes out mid-wait, as a server does while the model works.
                pause(delay / 2)
                if keepalive:
                    yield KEEPALIVE
                pause(delay / 2)
            yield _sse(name, payload)
        if done_marker:
            yield DONE

    return Answer(
        status=200,
        content_type="text/event-stream; charset=utf-8",
        headers=[("cache-control", "no-cache")],
        chunks=chunks(),
        content_length=None,
        expected_chunks=event_count * (2 if keepalive else 1) + 1,
    )


def edit_stream_answer(
    req: EditRequest, *, pause: Pause, delay: float, keepalive: bool, done_marker: bool
) -> Answer:
    return sse_answer(
        _edit_events(req),
        event_count=req.n * (req.partial_images + 1),
        pause=pause,
        delay=delay,
        keepalive=keepalive,
        done_marker=done_marker,
    )


ENDLESS_PIECE = 64 * 1024


def endless_event_answer(req: EditRequest, *, total_bytes: int, seconds: float) -> Answer:
    """The "endless_event" fault: the first image's events, then one event that never ends.

    Its data line grows without a line break until ``total_bytes`` of it left or ``seconds``
    passed, whichever comes first; then the stream simply ends (no blank line, no [DONE])."""
    first: list[tuple[str, dict[str, Any]]] = []
    for name, payload in _edit_events(req):
        first.append((name, payload))
        if name.endswith("completed"):
            break

    def chunks() -> Iterator[bytes]:
        for name, payload in first:
            yield _sse(name, payload)
        yield b'event: image_edit.completed\ndata: {"type":"image_edit.completed","b64_json":"'
        piece = b"A" * ENDLESS_PIECE
        sent, ends = 0, time.monotonic() + seconds
        while sent < total_bytes and time.monotonic() < ends:
            yield piece[: total_bytes - sent]
            sent += min(ENDLESS_PIECE, total_bytes - sent)

    return Answer(
        status=200,
        content_type="text/event-stream; charset=utf-8",
        headers=[("cache-control", "no-cache")],
        chunks=chunks(),
        content_length=None,
        expected_chunks=len(first) + 1 + total_bytes // ENDLESS_PIECE,
    )


def stream_error_answer(form: Form, *, pause: Pause, delay: float, keepalive: bool) -> Answer:
    """The "stream_error" fault: one partial image, then an error event, then the end."""
    source_bytes = next((f.data for f in form.files if f.field != "mask"), b"")
    try:
        source = open_image(source_bytes)
    except DECODE_ERRORS:
        source = Image.new("RGB", (64, 64), (128, 128, 128))
    output_format = (form.fields.get("output_format") or ["png"])[-1]
    output_format = output_format if output_format in ("png", "jpeg", "webp") else "png"
    final = variant(base_canvas(source, (1024, 1024), transparent=False), 0)
    provenance = {SOURCE_KEY: sha256_hex(source_bytes), INDEX_KEY: "0", PARTIAL_KEY: "0"}
    common = {"created_at": int(time.time()), "size": "1024x1024", "quality": "medium",
              "background": "opaque", "output_format": output_format}  # fmt: skip

    def events() -> Iterator[tuple[str, dict[str, Any]]]:
        yield (
            "image_edit.partial_image",
            {
                "type": "image_edit.partial_image",
                "b64_json": _b64(encode(preview(final, 0), output_format, provenance)),
                "partial_image_index": 0,
                **common,
            },
        )
        yield (
            "error",
            {
                "type": "error",
                "error": {
                    "message": "The server had an error while processing your request. "
                    "Sorry about that!",
                    "type": "server_error",
                    "param": None,
                    "code": "server_error",
                },
            },
        )

    return sse_answer(
        events(), event_count=2, pause=pause, delay=delay, keepalive=keepalive, done_marker=False
    )


# ---- variations ------------------------------------------------------------------------


def variation_answer(
    req: VariationRequest, *, store: FileStore, files_origin: str, url_fault: Fault | None
) -> Answer:
    canvas = base_canvas(req.source, (req.width, req.height), transparent=False)
    data: list[dict[str, str]] = []
    for index in range(req.n):
        png = encode(variant(canvas, index), "png", _provenance(req, index))
        if req.response_format == "b64_json":
            data.append({"b64_json": _b64(png)})
            continue
        stored = store.put(
            png,
            expired=url_fault is not None and url_fault.kind == "expired_url",
            oversized=url_fault if url_fault is not None and url_fault.kind == "oversized_url"
            else None,
        )  # fmt: skip
        data.append({"url": file_url(files_origin, stored)})
    payload: dict[str, Any] = {"created": int(time.time()), "data": data}
    payload[EXTRA_FIELD[0]] = EXTRA_FIELD[1]
    return json_answer(200, payload)


def variations_retired() -> ApiError:
    """What OpenAI itself answers on /v1/images/variations since dall-e-2 was retired."""
    return ApiError(
        404,
        "The model 'dall-e-2' does not exist or you do not have access to it. It was retired "
        "on 2026-05-12; use POST /v1/images/edits with a GPT Image model instead.",
        code="model_not_found",
    )
