"""The Images API client (async httpx), as ../shared/API.md describes the service.

One ``ImagesClient`` per event loop. Callers pass an ``EventSink`` to watch a run: phases,
upload progress, retry countdowns, partial and finished images. Cancelling the task that awaits
a call stops it at once, also while the server has not sent headers yet.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import datetime as dt
import json
import logging
import ssl
import struct
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx
import truststore
from httpx_sse import EventSource, SSEError

from desktop_app import __version__
from desktop_app.core import downloads
from desktop_app.core.adaptation import ServerRules, adjustment_for, apply_rules
from desktop_app.core.config import ClientConfig
from desktop_app.core.dialects import Dialect, Endpoint, dialect_for
from desktop_app.core.errors import (
    ApiError,
    ApiErrorKind,
    ErrorBody,
    TransportError,
    TransportErrorKind,
    parse_error_body,
    response_request_id,
)
from desktop_app.core.keystore import ApiKey
from desktop_app.core.models import ModelInfo, suggest_replacement
from desktop_app.core.requests import ClassicRequest, EditRequest, FormFields, InvalidRequest
from desktop_app.core.results import (
    GeneratedImage,
    ImageArrived,
    ParameterAdjusted,
    PartialArrived,
    PartialImage,
    Phase,
    PhaseChanged,
    RetryScheduled,
    RunEvent,
    RunResult,
    UploadProgress,
    Usage,
    sniff_format,
)
from desktop_app.core.retry import server_wait, should_retry_status

if TYPE_CHECKING:
    from desktop_app.core.imaging import Upload

log = logging.getLogger(__name__)

EventSink = Callable[[RunEvent], None]
MAX_RESPONSE_BYTES = 512 * 1024 * 1024  # ten 4K PNGs in base64 fit with room to spare
MAX_ERROR_BYTES = 256 * 1024
UPLOAD_CHUNK = 64 * 1024
# Each adjusted retry changes a different parameter, so a server that refuses two things
# (stream and a custom size) still gets its run; the bound keeps a confused server cheap.
MAX_ADJUSTMENTS = 3


def _ignore(_event: RunEvent) -> None:
    return None


def system_ssl_context() -> ssl.SSLContext:
    """TLS verification always on, against the operating system's trust store."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


@dataclass
class _Attempt:
    """What one attempt got as far as; decides whether a failure may have been billed."""

    body_sent: bool = False


class ImagesClient:
    def __init__(
        self,
        config: ClientConfig,
        api_key: ApiKey,
        *,
        verify: ssl.SSLContext | bool | None = None,
        today: Callable[[], dt.date] = dt.date.today,
        rules: ServerRules | None = None,
    ) -> None:
        self._config = config
        # How this kind of server spells each call (auth header, path, body); see dialects.py.
        self._dialect = dialect_for(config)
        # What this server refused before; the caller shares one store between runs.
        self._rules = rules if rules is not None else ServerRules.in_memory()
        self._key = api_key
        self._today = today
        context = verify if verify is not None else system_ssl_context()
        timeouts = config.timeouts
        # No auth here: the key is added per request, only to requests for the API itself.
        self._http = httpx.AsyncClient(
            base_url=config.base_url + "/",
            verify=context,
            timeout=httpx.Timeout(
                connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=5.0
            ),
            follow_redirects=False,
            headers={"User-Agent": f"ImageVariations/{__version__}"},
        )
        self._downloads = downloads.make_download_client(context)

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def __aenter__(self) -> ImagesClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._downloads.aclose()

    # -- public calls -------------------------------------------------------------------------

    async def list_models(self) -> list[ModelInfo]:
        """The image models the server lists (listed does not mean allowed)."""
        endpoint = self._dialect.models_endpoint()
        if endpoint is None:
            return self._dialect.models_from(())
        async with asyncio.timeout(self._config.timeouts.deadline):
            response = await self._send_with_retries(
                lambda attempt: self._http.build_request(
                    "GET", endpoint.path, params=endpoint.params, headers=self._auth_headers()
                ),
                sink=_ignore,
            )
            async with _closing(response):
                try:
                    raw = await _read_limited(response, MAX_ERROR_BYTES * 16)
                except httpx.HTTPError as exc:  # cut off mid-body: nothing was billed
                    raise TransportError(
                        TransportErrorKind.BAD_RESPONSE,
                        may_have_been_billed=False,
                        detail=f"the model list broke off ({type(exc).__name__})",
                        request_id=response_request_id(response.headers),
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
                request_id=response_request_id(response.headers),
            ) from None
        return self._dialect.models_from(e for e in entries if isinstance(e, Mapping))

    async def edit(self, request: EditRequest, sink: EventSink | None = None) -> RunResult:
        """A GPT Image variation through ``/images/edits`` (streamed when asked)."""
        return await self._adapting_call(self._dialect.edit_endpoint(), request, sink or _ignore)

    async def classic_variations(
        self, request: ClassicRequest, sink: EventSink | None = None
    ) -> RunResult:
        """The classic ``/images/variations`` endpoint (dall-e-2 on servers that serve it)."""
        endpoint = self._dialect.variations_endpoint()
        if endpoint is None:
            raise InvalidRequest(
                "This kind of server has no classic variations; use GPT Image variation."
            )
        return await self._adapting_call(endpoint, request, sink or _ignore)

    async def _adapting_call(
        self, endpoint: Endpoint, request: EditRequest | ClassicRequest, sink: EventSink
    ) -> RunResult:
        """Sends what this server is known to accept; a refused parameter (an unbilled 400) is
        changed, tried once more and remembered for this server and model."""
        server, model = self._config.base_url, request.model
        fields = request.form()
        if isinstance(request, EditRequest):
            fields = self._dialect.edit_form(fields)
        form, known = apply_rules(self._rules.for_request(server, model), fields)
        said = [change.describe() for change in known]
        for sentence in said:
            sink(ParameterAdjusted(sentence, learnt=False))
        changed: set[str] = set()
        while True:
            try:
                result = await self._images_call(
                    endpoint,
                    form,
                    request.image,
                    sink,
                    stream=dict(form).get("stream") == "true",
                    model=model,
                    n=request.n,
                )
            except ApiError as error:
                change = adjustment_for(error, form)
                if change is None or change.parameter in changed or len(changed) >= MAX_ADJUSTMENTS:
                    raise
                changed.add(change.parameter)
                log.info("%s refused %s=%s; trying once more", model, *change.refused_pair())
                self._rules.learn(server, model, change)
                said.append(change.describe())
                sink(ParameterAdjusted(change.describe(), learnt=True))
                form = change.apply(form)
                continue
            return dataclasses.replace(result, adjustments=tuple(said)) if said else result

    # -- the request cycle --------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        return self._dialect.auth_headers(self._key.reveal())

    async def _images_call(
        self,
        endpoint: Endpoint,
        form: FormFields,
        upload: Upload,
        sink: EventSink,
        *,
        stream: bool,
        model: str,
        n: int,
    ) -> RunResult:
        body, content_type = self._dialect.encode(self._http, endpoint, form, upload)
        attempt_state = _Attempt()

        def build(attempt: _Attempt) -> httpx.Request:
            nonlocal attempt_state
            attempt_state = attempt
            headers = self._auth_headers()
            headers["Content-Type"] = content_type
            headers["Content-Length"] = str(len(body))
            if stream:
                headers["Accept"] = "text/event-stream"
            return self._http.build_request(
                "POST",
                endpoint.path,
                params=endpoint.params,
                headers=headers,
                content=_upload_chunks(body, sink),
                extensions={"trace": _tracer(attempt, sink)},
            )

        try:
            async with asyncio.timeout(self._config.timeouts.deadline):
                response = await self._send_with_retries(build, sink, model=model)
                async with _closing(response):
                    sink(PhaseChanged(Phase.RECEIVING))
                    request_id = response_request_id(response.headers)
                    if stream and _is_event_stream(response):
                        return await _read_stream(response, sink, request_id, n)
                    return await self._read_json_result(response, sink, request_id)
        except TimeoutError:
            raise TransportError(
                TransportErrorKind.DEADLINE,
                may_have_been_billed=attempt_state.body_sent,
                detail=f"no result within {self._config.timeouts.deadline:g} s",
            ) from None

    async def _send_with_retries(
        self,
        build: Callable[[_Attempt], httpx.Request],
        sink: EventSink,
        *,
        model: str | None = None,
    ) -> httpx.Response:
        """Sends until an answer worth reading arrives; raises the final error otherwise."""
        policy = self._config.retry
        attempts = 0
        while True:
            attempts += 1
            attempt = _Attempt()
            retries_done = attempts - 1
            sink(PhaseChanged(Phase.CONNECTING))
            try:
                response = await self._http.send(build(attempt), stream=True)
            except httpx.HTTPError as exc:
                failure = _transport_failure(exc, attempt, attempts)
                if failure.may_have_been_billed or retries_done >= policy.max_retries:
                    raise failure from None
                wait = policy.backoff(retries_done)
                log.info("connection failed (%s); retrying in %.1f s", failure.kind.value, wait)
                sink(RetryScheduled(wait, attempts + 1, "connection failed"))
                await asyncio.sleep(wait)
                continue

            if response.status_code < 400:
                log.info(
                    "%s %s -> %s %s",
                    response.request.method,
                    response.request.url.path,
                    response.status_code,
                    response_request_id(response.headers) or "",
                )
                return response

            async with _closing(response):
                raw = await _read_limited(response, MAX_ERROR_BYTES, truncate=True)
            body = parse_error_body(raw)
            error = ApiError(
                status=response.status_code,
                body=body,
                request_id=response_request_id(response.headers),
                model=model,
                attempts=attempts,
            )
            log.info(
                "%s -> %s %s %s",
                response.request.url.path,
                error.status,
                error.code or "",
                error.request_id or "",
            )
            if error.kind is ApiErrorKind.MODEL_NOT_FOUND and model:
                error.with_suggestion(await self._replacement_for(model))
            headers = response.headers
            if retries_done >= policy.max_retries or not should_retry_status(
                error.status, error.code, headers
            ):
                raise error
            asked = server_wait(headers)
            if asked is not None and asked > policy.max_server_wait:
                raise error  # waiting that long would look like a hang; say so instead
            wait = asked if asked is not None else policy.backoff(retries_done)
            reason = "rate limit" if error.status == 429 else f"server error {error.status}"
            sink(RetryScheduled(wait, attempts + 1, reason))
            await asyncio.sleep(wait)

    async def _replacement_for(self, model: str) -> str | None:
        try:
            listed = await self.list_models()
        except (ApiError, TransportError):
            return None
        return suggest_replacement(listed, model, self._today())

    async def _read_json_result(
        self, response: httpx.Response, sink: EventSink, request_id: str | None
    ) -> RunResult:
        try:
            raw = await _read_limited(response, MAX_RESPONSE_BYTES)
        except httpx.HTTPError as exc:
            raise _broken_answer(exc, request_id) from None
        try:
            document = json.loads(raw)
            entries = document["data"]
            if not isinstance(entries, list):
                raise TypeError
        except (ValueError, KeyError, TypeError, RecursionError):
            raise TransportError(
                TransportErrorKind.BAD_RESPONSE,
                may_have_been_billed=True,
                detail="the answer is not the JSON the API documents",
                request_id=request_id,
            ) from None
        images: list[GeneratedImage] = []
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            image = await self._image_from_entry(entry, len(images), sink, request_id, images)
            images.append(image)
            sink(ImageArrived(image))
        if not images:
            raise TransportError(
                TransportErrorKind.BAD_RESPONSE,
                may_have_been_billed=True,
                detail="the answer held no images",
                request_id=request_id,
            )
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
        self,
        entry: Mapping[str, Any],
        index: int,
        sink: EventSink,
        request_id: str | None,
        so_far: list[GeneratedImage],
    ) -> GeneratedImage:
        revised = _str_or_none(entry.get("revised_prompt"))
        encoded = entry.get("b64_json")
        if isinstance(encoded, str):
            data = _decode_b64(encoded, request_id, so_far)
            return GeneratedImage(index, data, _picture_format(data, request_id, so_far), revised)
        url = entry.get("url")
        if not isinstance(url, str):
            raise TransportError(
                TransportErrorKind.BAD_RESPONSE,
                may_have_been_billed=True,
                detail="a result has neither b64_json nor url",
                request_id=request_id,
                results=so_far,
            )
        sink(PhaseChanged(Phase.DOWNLOADING))
        try:
            data = await downloads.download(
                self._downloads,
                url,
                max_bytes=self._config.max_download_bytes,
                deadline=self._config.download_deadline,
            )
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


# -- helpers that need no client state ------------------------------------------------------


async def _upload_chunks(body: bytes, sink: EventSink) -> AsyncIterator[bytes]:
    total = len(body)
    for start in range(0, total, UPLOAD_CHUNK):
        chunk = body[start : start + UPLOAD_CHUNK]
        yield chunk
        sink(UploadProgress(min(start + len(chunk), total), total))


def _tracer(attempt: _Attempt, sink: EventSink) -> Callable[[str, dict[str, Any]], Any]:
    """httpcore's trace hook: the moment the last body byte left is the moment billing can start."""

    async def trace(name: str, info: dict[str, Any]) -> None:
        if name.endswith("send_request_headers.started"):
            sink(PhaseChanged(Phase.UPLOADING))
        elif name.endswith("send_request_body.complete"):
            attempt.body_sent = True
            sink(PhaseChanged(Phase.WAITING))

    return trace


def _transport_failure(exc: httpx.HTTPError, attempt: _Attempt, attempts: int) -> TransportError:
    sent = attempt.body_sent
    text = _exception_chain_text(exc)
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) and not sent:
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLCertVerificationError" in text:
            kind = TransportErrorKind.TLS
        elif "Name or service not known" in text or "gaierror" in text or "nodename" in text:
            kind = TransportErrorKind.DNS
        else:
            kind = TransportErrorKind.CONNECT
    elif (isinstance(exc, httpx.TimeoutException) and sent) or sent:
        kind = TransportErrorKind.NO_ANSWER
    else:
        kind = TransportErrorKind.CONNECT
    return TransportError(
        kind, may_have_been_billed=sent, detail=type(exc).__name__, attempts=attempts
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


def _exception_chain_text(exc: BaseException) -> str:
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts.append(f"{type(current).__name__}: {current}")
        current = current.__cause__ or current.__context__
    return " | ".join(parts)


class _closing:
    """``async with`` that closes a streamed response however the block ends."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    async def __aenter__(self) -> httpx.Response:
        return self._response

    async def __aexit__(self, *exc_info: object) -> None:
        await self._response.aclose()


async def _read_limited(response: httpx.Response, limit: int, *, truncate: bool = False) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                if truncate:
                    break
                raise TransportError(
                    TransportErrorKind.BAD_RESPONSE,
                    may_have_been_billed=True,
                    detail="the answer is larger than any result should be",
                    request_id=response_request_id(response.headers),
                )
            chunks.append(chunk)
    except httpx.HTTPError:
        if not truncate:
            raise
    return b"".join(chunks)


def _is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


# 256 KiB of base64 decodes in about 2 ms. One call on a whole 2 MB image holds the GIL for
# 15-35 ms, which freezes the window for as long; between slices the GUI thread gets its turn.
_B64_SLICE = 256 * 1024


def _b64decode_in_slices(encoded: str) -> bytes:
    if len(encoded) <= _B64_SLICE:
        return base64.b64decode(encoded, validate=True)
    if len(encoded) % 4 or "=" in encoded[:-2]:
        raise binascii.Error("Incorrect padding")
    # Slices are multiples of 4 characters, so each decodes on its own; only the last may
    # carry padding, and validate=True rejects padding anywhere else.
    return b"".join(
        base64.b64decode(encoded[start : start + _B64_SLICE], validate=True)
        for start in range(0, len(encoded), _B64_SLICE)
    )


def _picture_format(
    data: bytes, request_id: str | None, so_far: list[GeneratedImage] | tuple[()] = ()
) -> str:
    """The format of result bytes that really are a picture.

    A result that is not one (junk behind a PNG signature, a cut-off file) is refused here: it
    was paid for, so the user must hear of it, not find a broken ".png" saved as a success.
    Pillow's ``verify`` checks a PNG's chunk checksums and the other formats' headers without
    decoding the pixels (the window decodes them anyway, for thumbnails).
    """
    import io

    from PIL import Image

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
        raise TransportError(
            TransportErrorKind.BAD_RESPONSE,
            may_have_been_billed=True,
            detail="a result is not a readable picture",
            request_id=request_id,
            results=tuple(so_far),
        ) from None
    return sniff_format(data)


def _decode_b64(
    encoded: str, request_id: str | None, so_far: list[GeneratedImage] | tuple[()] = ()
) -> bytes:
    try:
        return _b64decode_in_slices(encoded)
    except (binascii.Error, ValueError):
        raise TransportError(
            TransportErrorKind.BAD_RESPONSE,
            may_have_been_billed=True,
            detail="an image in the answer is not valid base64",
            request_id=request_id,
            results=tuple(so_far),
        ) from None


async def _read_stream(
    response: httpx.Response, sink: EventSink, request_id: str | None, expected: int
) -> RunResult:
    """Server-Sent Events: partial previews, then each finished image, in any interleaving."""
    images: list[GeneratedImage] = []
    usage: Usage | None = None
    last: Mapping[str, Any] = {}
    try:
        async for event in EventSource(response).aiter_sse():
            if event.data.strip() == "[DONE]":
                break
            if not event.data:
                continue  # keep-alive
            try:
                payload = json.loads(event.data)
            except (ValueError, RecursionError):
                continue  # a line we do not understand is not worth losing the run for
            if not isinstance(payload, Mapping):
                continue
            if isinstance(payload.get("error"), Mapping) or payload.get("type") == "error":
                raise _stream_error(payload, request_id, tuple(images))
            kind = _str_or_none(payload.get("type")) or event.event
            encoded = payload.get("b64_json")
            if not isinstance(encoded, str):
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
    except (httpx.HTTPError, SSEError) as exc:
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
