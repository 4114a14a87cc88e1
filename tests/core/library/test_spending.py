"""What was spent per local day and month, and this month's total (for the budget cap)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop_app.core.library import Library, Outcome
from tests.core.library.conftest import DraftFactory


@pytest.fixture
def new_york_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time five hours behind UTC (a POSIX rule: no time zone database needed)."""
    if not hasattr(time, "tzset"):
        pytest.skip("the local time zone can only be changed on POSIX")
    monkeypatch.setenv("TZ", "EST5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _charge(library: Library, make_draft: DraftFactory, when: datetime, cost: float | None) -> str:
    run_id = library.begin_run(make_draft(), now=when)
    library.finish_run(run_id, Outcome.SUCCEEDED, cost=cost)
    return run_id


def _utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.usefixtures("new_york_time")
def test_spending_per_local_day_and_month(library: Library, make_draft: DraftFactory) -> None:
    _charge(library, make_draft, _utc(2026, 11, 30, 15), 0.25)
    # 02:00 UTC on 1 December is still 30 November in New York.
    _charge(library, make_draft, _utc(2026, 12, 1, 2), 0.5)
    _charge(library, make_draft, _utc(2026, 12, 1, 6), 1.0)
    _charge(library, make_draft, _utc(2026, 12, 7, 12), 2.0)
    _charge(library, make_draft, _utc(2026, 12, 7, 13), None)  # no cost known: not counted
    running = library.begin_run(make_draft(), now=_utc(2026, 12, 8))  # unfinished: no cost yet
    assert library.run(running) is not None

    assert library.spending("day") == [
        ("2026-12-07", 2.0),
        ("2026-12-01", 1.0),
        ("2026-11-30", 0.75),
    ]
    assert library.spending("day", limit=1) == [("2026-12-07", 2.0)]
    assert library.spending("month") == [("2026-12-01", 3.0), ("2026-11-01", 0.75)]


@pytest.mark.usefixtures("new_york_time")
def test_month_total_is_the_local_calendar_month(
    library: Library, make_draft: DraftFactory
) -> None:
    _charge(library, make_draft, _utc(2026, 12, 1, 2), 0.5)  # 30 November, local
    _charge(library, make_draft, _utc(2026, 12, 1, 6), 1.0)
    _charge(library, make_draft, _utc(2027, 1, 1, 4), 0.125)  # still 31 December, local
    _charge(library, make_draft, _utc(2027, 1, 1, 6), 4.0)
    assert library.month_total(_utc(2026, 12, 15)) == 1.125
    assert library.month_total(datetime(2026, 11, 3)) == 0.5  # naive: taken as local
    tokyo = timezone(timedelta(hours=9))
    # 1 January 10:00 in Tokyo is still 31 December in New York.
    assert library.month_total(datetime(2027, 1, 1, 10, tzinfo=tokyo)) == 1.125
    assert library.month_total(_utc(2027, 2, 1, 12)) == 0.0


def test_month_total_defaults_to_now(library: Library, make_draft: DraftFactory) -> None:
    _charge(library, make_draft, datetime.now(UTC), 0.75)
    _charge(library, make_draft, datetime.now(UTC) - timedelta(days=70), 5.0)
    assert library.month_total() == 0.75
    assert os.environ.get("TZ") != "EST5"  # the fixture above restored the zone
