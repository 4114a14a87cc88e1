"""The second origin's content: `url` results kept in memory and served like Azure blob storage
(signed, expiring URLs on another host that must be fetched without the API key)."""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import parse_qs, quote

from .answers import Answer
from .faults import Fault

URL_LIFETIME_SECONDS = 60 * 60  # API.md: URLs expire after 60 minutes
_FILE_PATH = re.compile(r"^/files/([A-Za-z0-9_-]+)\.png$")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class StoredFile:
    name: str
    data: bytes
    signature: str
    starts: float
    expires: float
    oversized: Fault | None  # "oversized_url": serve this much junk instead of `data`


class FileStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, StoredFile] = {}

    def put(self, data: bytes, *, expired: bool, oversized: Fault | None) -> StoredFile:
        now = time.time()
        # An "expired_url" fault backdates the window, so even the URL itself shows it expired.
        starts, expires = (
            (now - 2 * URL_LIFETIME_SECONDS, now - 60)
            if expired
            else (now - 300, now + URL_LIFETIME_SECONDS)
        )
        stored = StoredFile(
            name=f"img-{secrets.token_urlsafe(18)}",
            data=data,
            signature=secrets.token_urlsafe(32),
            starts=starts,
            expires=expires,
            oversized=oversized,
        )
        with self._lock:
            self._files[stored.name] = stored
        return stored

    def get(self, name: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(name)


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def file_url(origin: str, stored: StoredFile) -> str:
    query = "&".join(
        f"{key}={quote(value, safe='')}"
        for key, value in (
            ("st", _iso(stored.starts)),
            ("se", _iso(stored.expires)),
            ("sp", "r"),
            ("sv", "2021-08-06"),
            ("sr", "b"),
            ("rscd", "inline"),
            ("rsct", "image/png"),
            ("sig", stored.signature),
        )
    )
    return f"{origin}/files/{stored.name}.png?{query}"


def _azure_error(status: int, code: str, message: str, detail: str | None = None) -> Answer:
    request_id = str(uuid.uuid4())
    body = (
        '\ufeff<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>{message}\nRequestId:{request_id}\n"
        f"Time:{_iso(time.time())}</Message>"
        + (f"<AuthenticationErrorDetail>{detail}</AuthenticationErrorDetail>" if detail else "")
        + "</Error>"
    )
    return Answer(
        status=status,
        body=body.encode("utf-8"),
        content_type="application/xml",
        headers=[("x-ms-request-id", request_id), ("x-ms-error-code", code)],
    )


_AUTH_FAILED = (
    "Server failed to authenticate the request. Make sure the value of Authorization header "
    "is formed correctly including the signature."
)


def file_answer(store: FileStore, method: str, path: str, query: str) -> Answer:
    match = _FILE_PATH.match(path)
    stored = store.get(match[1]) if match else None
    if stored is None:
        return _azure_error(404, "BlobNotFound", "The specified blob does not exist.")
    if method not in ("GET", "HEAD"):
        return _azure_error(
            405, "UnsupportedHttpVerb", "The resource doesn't support specified Http Verb."
        )
    signature = parse_qs(query).get("sig", [""])[-1]
    if signature != stored.signature:
        return _azure_error(403, "AuthenticationFailed", _AUTH_FAILED, "Signature did not match.")
    now = time.time()
    if now > stored.expires:
        start, expiry, current = (
            formatdate(moment, usegmt=True) for moment in (stored.starts, stored.expires, now)
        )
        window = f"Start [{start}] - Expiry [{expiry}] - Current [{current}]"
        return _azure_error(
            403,
            "AuthenticationFailed",
            _AUTH_FAILED,
            f"Request has expired. Signed expiry time has passed: {window}",
        )
    blob_headers = [
        ("x-ms-request-id", str(uuid.uuid4())),
        ("x-ms-blob-type", "BlockBlob"),
        ("etag", f'"0x{secrets.token_hex(8).upper()}"'),
        ("last-modified", formatdate(stored.starts, usegmt=True)),
        ("content-disposition", "inline"),
    ]
    if stored.oversized is not None:
        total = stored.oversized.total_bytes
        return Answer(
            status=200,
            content_type="image/png",
            headers=blob_headers,
            chunks=_junk(total),
            content_length=None if stored.oversized.chunked else total,
            expected_chunks=max(1, total // _JUNK_CHUNK),
        )
    return Answer(status=200, body=stored.data, content_type="image/png", headers=blob_headers)


_JUNK_CHUNK = 1024 * 1024


def _junk(total: int) -> Iterator[bytes]:
    """PNG-looking junk, fast: one random megabyte repeated."""
    block = _PNG_SIGNATURE + secrets.token_bytes(_JUNK_CHUNK - len(_PNG_SIGNATURE))
    sent = 0
    while sent < total:
        piece = block[: min(_JUNK_CHUNK, total - sent)]
        sent += len(piece)
        yield piece
