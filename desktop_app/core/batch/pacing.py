"""How many requests a batch keeps out at once: polite to a server that says "too many".

Additive increase, multiplicative decrease (as TCP does): a rate limit halves the number allowed
at once and holds new starts for the wait the server asked for; every few successes give one
back, up to the number the person chose. Pure arithmetic on a clock, so it is tested without
sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

DEFAULT_WAIT = 5.0  # seconds to hold new starts after a rate limit that named no wait


class Pacer:
    def __init__(
        self,
        most: int,
        clock: Callable[[], float] = time.monotonic,
        default_wait: float = DEFAULT_WAIT,
    ) -> None:
        if most < 1:
            raise ValueError(f"at least one request at a time, not {most}")
        self.most = most
        self.limit = most
        self.default_wait = default_wait
        self._clock = clock
        self._not_before = -math.inf
        self._successes = 0

    def wait_before_start(self, running: int) -> float:
        """0 when one more request may start now; else how long to wait (math.inf: until a
        request in flight ends)."""
        held = self._not_before - self._clock()
        if held > 0:
            return held
        return 0.0 if running < self.limit else math.inf

    def rate_limited(self, wait: float | None) -> None:
        """The server said "too many": fewer at once, and nothing new for ``wait`` seconds."""
        self.limit = max(1, self.limit // 2)
        self._successes = 0
        pause = self.default_wait if wait is None or not math.isfinite(wait) else max(wait, 0.0)
        self._not_before = max(self._not_before, self._clock() + pause)

    def succeeded(self) -> None:
        """A request went through: after as many as are allowed at once, one more is allowed."""
        self._successes += 1
        if self.limit < self.most and self._successes >= self.limit:
            self.limit += 1
            self._successes = 0

    @property
    def slowed(self) -> bool:
        return self.limit < self.most or self._not_before > self._clock()
