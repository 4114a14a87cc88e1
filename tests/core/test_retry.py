from __future__ import annotations

import email.utils
import random

from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.retry import RetryPolicy, server_wait, should_retry_status


def test_retry_after_ms_wins_over_seconds() -> None:
    assert server_wait({"retry-after-ms": "250", "retry-after": "9"}) == 0.25


def test_retry_after_in_seconds_and_as_a_date() -> None:
    assert server_wait({"retry-after": "7"}) == 7.0
    moment = email.utils.formatdate(1_000_030, usegmt=True)
    assert server_wait({"retry-after": moment}, now=1_000_000) == 30.0


def test_unreadable_or_missing_waits_are_none() -> None:
    assert server_wait({}) is None
    assert server_wait({"retry-after": "soon"}) is None
    assert server_wait({"retry-after-ms": "x"}) is None


@given(st.integers(min_value=0, max_value=20), st.integers())
def test_backoff_stays_within_the_sdk_bounds(retries: int, seed: int) -> None:
    policy = RetryPolicy()
    delay = policy.backoff(retries, random.Random(seed))
    ceiling = min(0.5 * 2**retries, 8.0)
    assert 0.75 * ceiling <= delay <= ceiling


def test_which_answers_may_be_retried() -> None:
    assert should_retry_status(503, None, {})
    assert should_retry_status(429, "rate_limit_exceeded", {})
    assert not should_retry_status(429, "insufficient_quota", {})
    assert not should_retry_status(400, "moderation_blocked", {"x-should-retry": "true"})
    for status in (400, 401, 403, 404):
        assert not should_retry_status(status, None, {})
        assert not should_retry_status(status, None, {"x-should-retry": "true"})
    assert not should_retry_status(500, None, {"x-should-retry": "false"})
