"""How many requests a batch keeps out: halved and held by a rate limit, given back one by one."""

from __future__ import annotations

import math

import pytest

from desktop_app.core.batch.pacing import DEFAULT_WAIT, Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_up_to_the_chosen_number_at_once() -> None:
    pacer = Pacer(3, Clock())
    assert [pacer.wait_before_start(running) for running in range(4)] == [0, 0, 0, math.inf]


def test_a_rate_limit_halves_the_number_and_holds_new_starts_for_the_wait() -> None:
    clock = Clock()
    pacer = Pacer(4, clock)
    pacer.rate_limited(2.5)
    assert pacer.limit == 2 and pacer.slowed
    assert pacer.wait_before_start(0) == pytest.approx(2.5)
    clock.now += 2.5
    assert pacer.wait_before_start(1) == 0 and pacer.wait_before_start(2) == math.inf
    pacer.rate_limited(None)  # no wait named: the default
    assert pacer.limit == 1 and pacer.wait_before_start(0) == pytest.approx(DEFAULT_WAIT)
    pacer.rate_limited(float("inf"))  # nonsense from a server does not hold it forever
    assert pacer.wait_before_start(0) == pytest.approx(DEFAULT_WAIT)


def test_successes_give_back_one_at_a_time_up_to_the_chosen_number() -> None:
    clock = Clock()
    pacer = Pacer(4, clock)
    pacer.rate_limited(0)
    pacer.rate_limited(0)
    assert pacer.limit == 1
    limits = []
    for _ in range(12):
        pacer.succeeded()
        limits.append(pacer.limit)
    assert limits[0] == 2 and max(limits) == 4 and limits == sorted(limits)
    assert not pacer.slowed


def test_at_least_one() -> None:
    with pytest.raises(ValueError):
        Pacer(0)
