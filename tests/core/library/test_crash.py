"""Crash injection: a recording process killed at random moments loses nothing it acknowledged.

The figures are printed with the test's output (and kept in ``FIGURES``); the longer campaign is
``python -m tests.core.library.crash_campaign --cycles 200``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktop_app.core.library import Library, Outcome
from tests.core.library import crash_campaign
from tests.core.library.conftest import DraftFactory, image_bytes

FIGURES: dict[str, crash_campaign.Figures] = {}

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL"),
    pytest.mark.slow,  # pytest -m 'not slow' leaves it out
]


def test_no_acknowledged_result_is_lost_when_killed_at_random(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = crash_campaign.run_campaign(tmp_path / "library", cycles=40, seed=4)
    FIGURES["campaign"] = figures
    with capsys.disabled():
        print(f"\ncrash injection: {figures.summary()} over {figures.cycles} cycles")
    assert figures.problems == []
    assert figures.lost == 0
    assert figures.kills == 40
    assert figures.acknowledged >= 40  # the kills came while results were being recorded
    assert figures.runs >= 20


def test_the_campaign_notices_a_child_that_acknowledges_too_early(tmp_path: Path) -> None:
    figures = crash_campaign.run_campaign(
        tmp_path / "library",
        cycles=6,
        seed=2,
        startup_kill_chance=0.0,
        child_env={"CRASH_CHILD_EARLY_ACK": "1"},
    )
    assert figures.lost > 0


def test_the_check_notices_a_lost_or_damaged_result(
    tmp_path: Path, make_draft: DraftFactory
) -> None:
    folder = tmp_path / "library"
    with Library.open(folder) as library:
        run_id = library.begin_run(make_draft())
        first = library.add_result(run_id, 0, image_bytes(), "png")
        second = library.add_result(run_id, 1, image_bytes(), "png")
        library.finish_run(run_id, Outcome.SUCCEEDED)
    acked = {first.id: first.sha256, second.id: second.sha256}
    assert crash_campaign.check_library(folder, {run_id}, acked) == (0, [])
    first.path.write_bytes(first.path.read_bytes()[:-1])  # cut short
    second.path.unlink()
    lost, problems = crash_campaign.check_library(folder, {run_id}, acked)
    assert lost == 2
    assert any("partial or missing" in p for p in problems)
    missing_run = "20260101-000000-000000000000"
    lost, problems = crash_campaign.check_library(folder, {missing_run}, {})
    assert problems == [f"acknowledged run {missing_run} is missing"]
