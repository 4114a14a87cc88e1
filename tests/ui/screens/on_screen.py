"""The window on one screen, run by ``test_screens`` in a process of its own whose offscreen
platform pretends to be that screen (size and scale); read from the environment.

Not collected on its own (no ``test_`` prefix): a window cannot change the screen it was made
on, so each screen needs its own process.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desktop_app.ui import window_state
from desktop_app.ui.main_window import MainWindow
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory, _generate, _jpeg, _load

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

COUNTS = [int(n) for n in os.environ.get("IMAGE_VARIATIONS_COUNTS", "1,4").split(",")]
# What the offscreen screen does not have but a real desktop takes: a panel (40 px) and a
# title bar (40 px). The window must still fit when both are there.
DESKTOP_SHARE = 80


def _available(window: MainWindow) -> QRect:
    screen = window.screen()
    assert screen is not None
    return screen.availableGeometry()


def _assert_inside(window: MainWindow, when: str) -> None:
    available, frame = _available(window), window.frameGeometry()
    assert available.contains(frame), f"{when}: {frame} is not inside {available}"
    least = window.minimumSizeHint()
    room = available.adjusted(0, 0, 0, -DESKTOP_SHARE).size()
    assert least.width() <= room.width() and least.height() <= room.height(), (
        f"{when}: the window needs at least {least}, more than the {room} a desktop leaves"
    )


def _assert_history_inside(window: MainWindow, when: str) -> None:
    """Docked, History is inside the window; floating (no room beside the panels), it is a
    drawer that must itself be on the screen, at a width its rows read whole at."""
    dock = window.history_dock
    if dock.isFloating():
        assert _available(window).contains(dock.frameGeometry()), f"{when}: History off screen"
    assert dock.width() >= dock.sizeHint().width() - 1, f"{when}: History narrower than its rows"


def test_first_start_restart_and_history_stay_inside_the_screen(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    QSettings().remove(window_state.GEOMETRY)
    QSettings().remove(window_state.HISTORY_SHOWN)
    first = make_window(api_server)
    _assert_inside(first, "first start")
    _load(qtbot, first, _jpeg(tmp_path / "photo.jpg"))
    first.commands.region.trigger()  # the region tool's bar, its two rows shown
    overlay = first.source.region
    assert overlay.is_painting()
    middle = overlay.rect().center()
    QTest.mousePress(overlay, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, middle)
    QTest.mouseRelease(overlay, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, middle)
    assert overlay.region() is not None  # a stroke: Undo is live
    _assert_inside(first, "the region tool open")
    first.source.region.set_painting(False)
    size = first.size()
    first.commands.history.trigger()
    qtbot.waitUntil(lambda: first.history_dock.isVisible(), timeout=30_000)
    qtbot.wait(50)  # let the dock's layout settle before measuring
    assert first.size() == size, "showing History resized the window"
    _assert_inside(first, "History open")
    _assert_history_inside(first, "History open")
    first.banner.show_message(
        "A long message, as errors are: the server refused the request because the picture "
        "is too large, and nothing was billed. Try a smaller size.",
        level="error",
    )
    _assert_inside(first, "a message shown")
    first.close()

    second = make_window(api_server)  # a restart: the geometry and History come back
    qtbot.waitUntil(lambda: second.history_dock.isVisible(), timeout=30_000)
    _assert_inside(second, "after a restart, History open")
    _assert_history_inside(second, "after a restart, History open")


@pytest.mark.parametrize("count", COUNTS)
def test_every_variation_of_a_run_is_in_view(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path, count: int
) -> None:
    QSettings().remove(window_state.GEOMETRY)
    QSettings().remove(window_state.HISTORY_SHOWN)
    window = make_window(api_server)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, count)
    grid = window.results
    qtbot.waitUntil(lambda: all(grid.shows_result(i) for i in range(count)), timeout=30_000)
    visible = grid.visible_rect()
    on_screen = QRect(grid.mapToGlobal(visible.topLeft()), visible.size())
    assert _available(window).contains(on_screen), (on_screen, _available(window))
    for index in range(count):
        rect = grid.cell_rect(index)
        assert visible.contains(rect), f"variation {index + 1}: {rect} outside {visible}"
    folder = os.environ.get("IMAGE_VARIATIONS_SCREENSHOTS")
    if folder:
        name = os.environ.get("IMAGE_VARIATIONS_SCREEN_NAME", "screen")
        window.grab().save(str(Path(folder) / f"{name}-{count}.png"))
