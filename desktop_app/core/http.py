"""What every HTTP read in the app shares: the system's trust store, a size cap, and a client
that talks to other hosts the way a stranger would.

httpx has no limit on a body's size; a hostile or broken server could send gigabytes. The API
client, the download of ``url`` results and the fetch of links dropped from a browser each read
through :func:`read_capped`, and the last two build their keyless, cookie-less client with
:func:`stranger_client`, so the rules live in one place.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from http.cookiejar import CookieJar, DefaultCookiePolicy

import httpx
import truststore

__all__ = ["BodyTooLarge", "read_capped", "stranger_client", "system_ssl_context"]

# httpcore reads an HTTP/1.1 answer 64 KiB at a time. Each read is an event-loop turn, a timeout
# scope and two h11 copies, and asyncio hands over up to 256 KiB per socket read, which anyio
# then splits (and copies) into 64 KiB pieces: ten 2 MB results in base64 (25 MB) took about
# 800 reads and ~45 ms of the client's CPU; in pieces of what arrived, ~100 reads and ~25 ms.
# A read asks for at most this much, it does not allocate it (anyio hands over what is queued).
# The knob is httpcore's class attribute, not an option: tests/core/test_http.py notices when a
# new httpcore drops it (reading then merely goes back to 64 KiB pieces).
READ_PIECE = 1024 * 1024


def _read_in_larger_pieces() -> None:
    from httpcore._async.http11 import AsyncHTTP11Connection

    if getattr(AsyncHTTP11Connection, "READ_NUM_BYTES", READ_PIECE) < READ_PIECE:
        AsyncHTTP11Connection.READ_NUM_BYTES = READ_PIECE


_read_in_larger_pieces()


class BodyTooLarge(Exception):
    """A body (declared or as read) is longer than the caller's limit."""


def system_ssl_context() -> ssl.SSLContext:
    """TLS verification always on, against the operating system's trust store."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


async def read_capped(response: httpx.Response, limit: int, *, truncate: bool = False) -> bytes:
    """The body of a streamed ``response``, at most ``limit`` bytes.

    Past the limit: BodyTooLarge, or with ``truncate`` the whole chunks that fit. A truncated
    read is a best effort (for error bodies, where any text beats none): a body that breaks off
    returns what arrived instead of raising httpx's error.
    """
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge  # refused before a byte of it is read
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                if truncate:
                    break
                raise BodyTooLarge
            chunks.append(chunk)
    except httpx.HTTPError:
        if not truncate:
            raise
    return b"".join(chunks)


def stranger_client(
    verify: ssl.SSLContext | bool,
    *,
    max_redirects: int,
    timeout: float,
    on_request: Callable[[httpx.Request], Awaitable[None]] | None = None,
) -> httpx.AsyncClient:
    """A client for hosts other than the API: no Authorization, no cookies, redirects bounded.

    ``on_request`` sees every hop (the first request and each redirect) and may raise to stop it.
    """
    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=max_redirects,
        verify=verify,
        timeout=httpx.Timeout(timeout),
        event_hooks={"request": [on_request]} if on_request is not None else {},
        # A jar that takes nothing: a cookie set by one answer (or its redirect) is never sent
        # with the next request.
        cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
    )
