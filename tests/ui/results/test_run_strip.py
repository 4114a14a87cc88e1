"""The session's runs in a strip: a failed or a cancelled run is added to it and never takes
the earlier results out of reach; the results mood and the framing mood switch as UX.md says."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.core.results import Phase, PhaseChanged
from desktop_app.ui.main_window import MainWindow
from tests.fake_openai import FakeOpenAI, Fault
from tests.ui.conftest import _generate, _jpeg, _load

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")
EDITS = "/v1/images/edits"


def _texts(window: MainWindow) -> list[str]:
    strip = window.run_strip
    return [item.text() for item in (strip.item(row) for row in range(strip.count())) if item]


def _click_run(qtbot: QtBot, window: MainWindow, row: int) -> None:
    strip = window.run_strip
    item = strip.item(row)
    assert item is not None
    rect = strip.visualItemRect(item)
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_failed_and_cancelled_runs_leave_the_earlier_results_one_click_away(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, api_server: FakeOpenAI
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    assert window.moods.currentWidget() is window.source  # framing before the first run
    assert not window.run_strip.isVisible()
    _generate(qtbot, window, 2)
    assert window.moods.currentWidget() is window.results_panel  # the results own the window
    good = dict(window.session.results)
    assert _texts(window) == ["#1 · 2 made"]

    api_server.inject(Fault("stream_error"), path=EDITS)
    window.generate_button.click()
    qtbot.waitUntil(lambda: not window.session.running and window.run_strip.count() == 2,
                    timeout=30_000)  # fmt: skip
    qtbot.waitUntil(lambda: _texts(window)[0] == "#2 · Failed", timeout=30_000)

    api_server.inject(Fault("stall_before_headers", seconds=60), path=EDITS)
    events: list[object] = []
    window.session.runEvent.connect(events.append)
    window.generate_button.click()
    qtbot.waitUntil(lambda: PhaseChanged(Phase.WAITING) in events, timeout=30_000)
    window.on_cancel()
    qtbot.waitUntil(lambda: not window.session.running, timeout=30_000)
    assert _texts(window) == ["#3 · Cancelled", "#2 · Failed", "#1 · 2 made"]
    assert not window.results.has_result(0)  # the grid shows the cancelled run...

    _click_run(qtbot, window, 2)  # ...and one click brings the first run's back
    qtbot.waitUntil(
        lambda: window.results.has_result(0) and window.results.has_result(1), timeout=30_000
    )
    assert {i: r.data for i, r in window.session.results.items()} == {
        i: r.data for i, r in good.items()
    }
    assert window.moods.currentWidget() is window.results_panel
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=30_000)
    assert window.moods.currentWidget() is window.results_panel  # its source came back too


def test_back_to_framing_and_back_to_the_results(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 1)
    window.results_panel.back_button.click()
    assert window.moods.currentWidget() is window.source
    _click_run(qtbot, window, 0)  # the run on screen: just its results again, no reloading
    assert window.moods.currentWidget() is window.results_panel
    assert window.results.has_result(0)
