"""Pictures dragged from a web browser as links: fetched like a stranger would, with no key."""

from __future__ import annotations

import asyncio
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

import httpx

from desktop_app.core.http import BodyTooLarge, read_capped, stranger_client, system_ssl_context

MAX_PICTURE_BYTES = 100 * 1024 * 1024


class FetchFailed(Exception):
    """The link could not be fetched; ``str()`` says why in plain words."""


def name_from_url(url: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or "downloaded image"


async def fetch_picture(
    url: str, *, max_bytes: int = MAX_PICTURE_BYTES, deadline: float = 60.0
) -> tuple[bytes, str]:
    """The bytes behind an http(s) link and a file name for them. No cookies, no credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchFailed("Only web links (http or https) can be opened.")
    try:
        async with (
            asyncio.timeout(deadline),
            stranger_client(system_ssl_context(), max_redirects=5, timeout=20.0) as client,
            client.stream("GET", url, headers={"Accept": "image/*"}) as response,
        ):
            if response.status_code != 200:
                raise FetchFailed(
                    f"The web server answered HTTP {response.status_code} for this link."
                )
            data = await read_capped(response, max_bytes)
    except BodyTooLarge:
        raise FetchFailed("The linked file is too large to be a picture.") from None
    except TimeoutError:
        raise FetchFailed("Fetching the link took too long.") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"The link could not be fetched ({type(exc).__name__}).") from None
    return data, name_from_url(url)
