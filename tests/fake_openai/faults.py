"""Faults the tests can queue: error answers the real service gives, and transport failures."""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass

# Answers that replace the normal answer with an error envelope (API.md section 6).
ERROR_KINDS = frozenset(
    {
        "invalid_api_key",
        "org_not_verified",
        "model_not_found",
        "moderation_blocked",
        "unsupported_file_mimetype",
        "invalid_image_file",
        "unknown_parameter",
        "rate_limit",
        "insufficient_quota",
        "server_error",
    }
)
# Faults that damage the transport of an otherwise normal answer.
TRANSPORT_KINDS = frozenset(
    {
        "stall_before_headers",
        "reset_mid_body",
        "truncated_body",
        "reset_during_upload",
        "slow_trickle",
        "stream_error",
        "endless_event",
    }
)
# Faults that spoil the `url` results of a legacy variations answer; they only make sense there,
# so a fault queued for "any path" waits for the next variations request.
URL_KINDS = frozenset({"expired_url", "oversized_url"})
ALL_KINDS = ERROR_KINDS | TRANSPORT_KINDS | URL_KINDS

VARIATIONS_PATH = "/v1/images/variations"


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int | None = None  # for "server_error": 500/502/503/504 (default 500)
    retry_after: str | None = None  # "rate_limit": retry-after header value; None = omit
    retry_after_ms: str | None = None  # "rate_limit": retry-after-ms header value; None = omit
    seconds: float = 30.0  # stalls / trickle: how long
    after_bytes: int = 0  # reset_mid_body / truncated_body / reset_during_upload
    x_should_retry: str | None = None  # optional x-should-retry header on error answers
    # Additions for "oversized_url": how much junk to serve, and whether to omit Content-Length
    # (chunked), so a client's size cap can be tested both up front and while streaming.
    # "endless_event" (a streamed edit): after the first finished image, one event whose data
    # line never ends, until total_bytes of it were sent or `seconds` passed (it stops by itself).
    total_bytes: int = 64 * 1024 * 1024
    chunked: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ALL_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {sorted(ALL_KINDS)}")
        if self.status is not None and not 400 <= self.status <= 599:
            raise ValueError(f"fault status must be an HTTP error status, got {self.status}")


@dataclass
class _Pending:
    fault: Fault
    path: str | None
    remaining: int


class FaultQueue:
    """Thread-safe FIFO of injected faults, each good for a number of matching requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Pending] = []

    def add(self, fault: Fault, path: str | None, times: int) -> None:
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._pending.append(_Pending(fault, path, times))

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def take(self, *, api_origin: bool, path: str) -> Fault | None:
        """The fault to apply to this request, if any (consumes one use of it)."""
        with self._lock:
            for pending in self._pending:
                if _matches(pending, api_origin=api_origin, path=path):
                    pending.remaining -= 1
                    if pending.remaining == 0:
                        self._pending.remove(pending)
                    return pending.fault
        return None


def _matches(pending: _Pending, *, api_origin: bool, path: str) -> bool:
    if pending.path is None:
        # "Any path" means any API path; the files origin is only hit by explicit patterns.
        if not api_origin:
            return False
        return pending.fault.kind not in URL_KINDS or path == VARIATIONS_PATH
    # Patterns such as "/files/*" let tests break downloads whose random names they cannot know.
    return fnmatch.fnmatchcase(path, pending.path)
