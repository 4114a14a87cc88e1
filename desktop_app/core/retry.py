"""When to try a request again, and how long to wait first (OpenAI's SDK is the reference).

The rule that matters most: a request whose body reached the server may have been billed, so a
broken connection after that point is reported, never silently sent again.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    max_server_wait: float = 120.0  # a retry-after beyond this: give up rather than hang
    base_delay: float = 0.5
    max_delay: float = 8.0

    def backoff(self, retries_done: int, rng: random.Random | None = None) -> float:
        """``min(0.5 * 2**n, 8)`` seconds less up to 25 % jitter."""
        delay = min(self.base_delay * 2**retries_done, self.max_delay)
        jitter = 1 - 0.25 * (rng or random).random()
        return float(delay * jitter)


def server_wait(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """The wait the server asks for: ``retry-after-ms`` first, then ``retry-after``."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            value = float(millis) / 1000
        except ValueError:
            value = -1
        if value >= 0 and math.isfinite(value):  # "nan" and "inf" parse as floats too
            return value
    after = headers.get("retry-after")
    if not after:
        return None
    try:
        seconds = float(after)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    import email.utils  # only for the rare HTTP-date form; it costs ~20 ms at start-up

    try:
        moment = email.utils.parsedate_to_datetime(after)
    except (TypeError, ValueError, IndexError):
        return None
    return max(moment.timestamp() - (now if now is not None else time.time()), 0.0)


def should_retry_status(status: int, code: str | None, headers: Mapping[str, str]) -> bool:
    """Whether an error answer may be tried again (it made no image, so nothing was billed)."""
    verdict = headers.get("x-should-retry", "").lower()
    if verdict == "false":
        return False
    if code and ("quota" in code or code == "moderation_blocked"):
        return False
    if verdict == "true":
        return status not in (400, 401, 403, 404)
    return status in RETRYABLE_STATUSES
