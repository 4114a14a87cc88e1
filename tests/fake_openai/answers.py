"""What a handler decides to send, independent of how the transport then delivers it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    # A streamed body (server-sent events, huge downloads) instead of `body`.
    chunks: Iterable[bytes] | None = None
    # For `chunks`: the total length to announce, or None to use chunked transfer-encoding.
    content_length: int | None = None
    # For `chunks`: how many chunks to expect, so a "slow_trickle" can spread its time evenly.
    expected_chunks: int = 1


def to_json(payload: Any) -> bytes:
    # The real service pretty-prints its JSON answers; clients must not care, but imitate it.
    return json.dumps(payload, indent=2).encode("utf-8") + b"\n"


def json_answer(status: int, payload: Any, headers: list[tuple[str, str]] | None = None) -> Answer:
    return Answer(status=status, body=to_json(payload), headers=list(headers or []))


class ApiError(Exception):
    """An error answer in OpenAI's envelope; raised anywhere while handling a request."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.extra = extra or {}
        self.headers = headers or []

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.type,
            "param": self.param,
            "code": self.code,
        }
        error.update(self.extra)
        return {"error": error}

    def answer(self) -> Answer:
        return json_answer(self.status, self.envelope(), self.headers)
