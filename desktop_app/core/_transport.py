"""Sending one API request until an answer worth reading arrives: retries, and the billing rule.

The rule that shapes this module: once the last byte of a request body has left, the server may
have started (and billed) the work, so a failure after that is never retried and is reported as
"may have been billed". httpcore's trace hook tells the moment the body left; each attempt keeps
it in an :class:`Attempt`. Rate limits and server errors are retried as ``core/retry.py`` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from desktop_app.core.causes import exception_chain
from desktop_app.core.errors import (
    ApiError,
    ApiErrorKind,
    TransportError,
    TransportErrorKind,
    parse_error_body,
    response_request_id,
)
from desktop_app.core.http import read_capped
from desktop_app.core.results import (
    CONNECTION_FAILED,
    RATE_LIMITED,
    EventSink,
    Phase,
    PhaseChanged,
    RetryScheduled,
    UploadProgress,
)
from desktop_app.core.retry import server_wait, should_retry_status

if TYPE_CHECKING:
    from desktop_app.core.retry import RetryPolicy

log = logging.getLogger(__name__)

MAX_ERROR_BYTES = 256 * 1024
UPLOAD_CHUNK = 64 * 1024


@dataclass
class Attempt:
    """What one attempt got as far as; decides whether a failure may have been billed."""

    body_sent: bool = False


async def upload_chunks(body: bytes, sink: EventSink) -> AsyncIterator[bytes]:
    """The body in slices, so the sink can show upload progress as they leave."""
    total = len(body)
    for start in range(0, total, UPLOAD_CHUNK):
        chunk = body[start : start + UPLOAD_CHUNK]
        yield chunk
        sink(UploadProgress(min(start + len(chunk), total), total))


def tracer(attempt: Attempt, sink: EventSink) -> Callable[[str, dict[str, Any]], Any]:
    """httpcore's trace hook: the moment the last body byte left is the moment billing can start."""

    async def trace(name: str, info: dict[str, Any]) -> None:
        if name.endswith("send_request_headers.started"):
            sink(PhaseChanged(Phase.UPLOADING))
        elif name.endswith("send_request_body.complete"):
            attempt.body_sent = True
            sink(PhaseChanged(Phase.WAITING))

    return trace


async def send_with_retries(
    http: httpx.AsyncClient,
    build: Callable[[Attempt], httpx.Request],
    sink: EventSink,
    *,
    policy: RetryPolicy,
    model: str | None = None,
    suggest: Callable[[str], Awaitable[str | None]] | None = None,
) -> httpx.Response:
    """Sends until an answer worth reading arrives; raises the final error otherwise.

    ``suggest`` names a replacement when the server does not know ``model`` (it lists models,
    which the caller owns)."""
    attempts = 0
    while True:
        attempts += 1
        attempt = Attempt()
        retries_done = attempts - 1
        sink(PhaseChanged(Phase.CONNECTING))
        try:
            response = await http.send(build(attempt), stream=True)
        except httpx.HTTPError as exc:
            failure = transport_failure(exc, attempt, attempts)
            if failure.may_have_been_billed or retries_done >= policy.max_retries:
                raise failure from None
            wait = policy.backoff(retries_done)
            log.info("connection failed (%s); retrying in %.1f s", failure.kind.value, wait)
            sink(RetryScheduled(wait, attempts + 1, CONNECTION_FAILED))
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

        error = await _error_from(response, model, attempts)
        if error.kind is ApiErrorKind.MODEL_NOT_FOUND and model and suggest is not None:
            error.with_suggestion(await suggest(model))
        headers = response.headers
        if retries_done >= policy.max_retries or not should_retry_status(
            error.status, error.code, headers
        ):
            raise error
        asked = server_wait(headers)
        if asked is not None and asked > policy.max_server_wait:
            raise error  # waiting that long would look like a hang; say so instead
        wait = asked if asked is not None else policy.backoff(retries_done)
        reason = RATE_LIMITED if error.status == 429 else f"server error {error.status}"
        sink(RetryScheduled(wait, attempts + 1, reason))
        await asyncio.sleep(wait)


async def _error_from(response: httpx.Response, model: str | None, attempts: int) -> ApiError:
    # Any part of an error body beats none, so a long or broken one is cut, not refused.
    async with contextlib.aclosing(response):
        raw = await read_capped(response, MAX_ERROR_BYTES, truncate=True)
    error = ApiError(
        status=response.status_code,
        body=parse_error_body(raw),
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
    return error


def transport_failure(exc: httpx.HTTPError, attempt: Attempt, attempts: int) -> TransportError:
    """The plain-words kind of a connection failure, and whether it may have been billed."""
    sent = attempt.body_sent
    text = " | ".join(f"{type(e).__name__}: {e}" for e in exception_chain(exc))
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) and not sent:
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSLCertVerificationError" in text:
            kind = TransportErrorKind.TLS
        elif "Name or service not known" in text or "gaierror" in text or "nodename" in text:
            kind = TransportErrorKind.DNS
        else:
            kind = TransportErrorKind.CONNECT
    elif sent:  # the body left: whatever broke, the server may be working on it
        kind = TransportErrorKind.NO_ANSWER
    else:
        kind = TransportErrorKind.CONNECT
    return TransportError(
        kind, may_have_been_billed=sent, detail=type(exc).__name__, attempts=attempts
    )
