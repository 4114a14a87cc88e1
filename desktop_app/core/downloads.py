"""Fetching ``url`` results: another host, so never with the API key, and never without limits."""

from __future__ import annotations

import asyncio
from http.cookiejar import CookieJar, DefaultCookiePolicy
from urllib.parse import urlsplit

import httpx

from desktop_app.core.config import is_loopback_host


class DownloadFailed(Exception):
    """A result could not be fetched; ``str()`` is a plain sentence."""


def check_result_url(url: str) -> None:
    """Results come over https; plain http only from this machine (local test servers)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port that is not a number
    except ValueError:
        raise DownloadFailed("The server offered a result at an unusable address.") from None
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return
    raise DownloadFailed("The server offered a result over an insecure or unknown address.")


def make_download_client(verify: object) -> httpx.AsyncClient:
    """A bare client: no Authorization, no cookies shared with the API, each hop re-checked."""

    async def check_hop(request: httpx.Request) -> None:
        check_result_url(str(request.url))

    return httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=3,
        verify=verify,  # type: ignore[arg-type]
        timeout=httpx.Timeout(30.0),
        event_hooks={"request": [check_hop]},
        # A jar that takes nothing: a cookie set by one result link (or its redirect) is never
        # sent with the next download.
        cookies=CookieJar(DefaultCookiePolicy(allowed_domains=[])),
    )


async def download(
    client: httpx.AsyncClient, url: str, *, max_bytes: int, deadline: float
) -> bytes:
    check_result_url(url)
    try:
        async with asyncio.timeout(deadline):
            return await _fetch(client, url, max_bytes)
    except TimeoutError:
        raise DownloadFailed("Downloading a result took too long.") from None
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
        # InvalidURL and UnicodeError: a link with control characters or a lone surrogate.
        raise DownloadFailed(f"Downloading a result failed ({type(exc).__name__}).") from None


async def _fetch(client: httpx.AsyncClient, url: str, max_bytes: int) -> bytes:
    async with client.stream("GET", url) as response:
        if response.status_code in (401, 403, 404, 410):
            raise DownloadFailed(
                "The link to a result has expired or was refused "
                f"(HTTP {response.status_code}); result links last about an hour."
            )
        if response.status_code != 200:
            raise DownloadFailed(f"The result server answered HTTP {response.status_code}.")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise DownloadFailed("A result is larger than any image should be; it was not saved.")
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > max_bytes:
                raise DownloadFailed(
                    "A result is larger than any image should be; it was not saved."
                )
            chunks.append(chunk)
        return b"".join(chunks)
