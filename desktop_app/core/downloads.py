"""Fetching ``url`` results: another host, so never with the API key, and never without limits."""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

import httpx

from desktop_app.core.config import is_loopback_host
from desktop_app.core.http import BodyTooLarge, read_capped, stranger_client


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


def make_download_client(verify: ssl.SSLContext | bool) -> httpx.AsyncClient:
    """A stranger's client (no key, no cookies) that re-checks the address of every hop."""

    async def check_hop(request: httpx.Request) -> None:
        check_result_url(str(request.url))

    return stranger_client(verify, max_redirects=3, timeout=30.0, on_request=check_hop)


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
        try:
            return await read_capped(response, max_bytes)
        except BodyTooLarge:
            raise DownloadFailed(
                "A result is larger than any image should be; it was not saved."
            ) from None
