"""History in the real window: it never widens the window (a narrow window gets it floating,
inside the screen), Show in folder finds a picture saved from it, and a varied result's source
is named after its parent."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QRect, QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from desktop_app.ui.history.panel import HistoryPanel
from desktop_app.ui.main_window import MainWindow
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory, _generate, _jpeg, _load

HERE = Path(__file__).parent
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support raise\(\)")


def settle() -> None:
    """Delivers what the window posted to itself (a layout request is how a dock widens it)."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()


def available(window: MainWindow) -> QRect:
    screen = window.screen()
    assert screen is not None
    return screen.availableGeometry()


def open_history(qtbot: QtBot, window: MainWindow) -> HistoryPanel:
    window.commands.history.trigger()
    dock = window.history_dock
    qtbot.waitUntil(lambda: dock.isVisible() and dock.panel is not None, timeout=30_000)
    assert dock.panel is not None
    panel = dock.panel
    qtbot.waitUntil(panel.model().is_loaded, timeout=30_000)
    settle()
    return panel


def test_history_floats_over_a_window_too_narrow_for_it(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI
) -> None:
    window = make_window(api_server, size=(700, 600))
    settle()
    size = window.size()
    open_history(qtbot, window)
    dock = window.history_dock
    assert window.size() == size, "showing History resized the window"
    assert dock.isFloating()
    assert available(window).contains(window.frameGeometry())
    assert available(window).contains(dock.frameGeometry()), dock.frameGeometry()
    assert dock.minimumSizeHint().width() <= 320


def test_history_docks_in_a_window_wide_enough_for_it(tmp_path: Path) -> None:
    """In a process of its own, on a 1366 × 768 screen (this one's offscreen screen is 800 px
    wide, too narrow for the window and History side by side): see ``wide_screen.py``."""
    config = tmp_path / "screen.json"
    config.write_text(
        '{"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,'
        ' "logicalDpi": 96, "dpr": 1}]}'
    )
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}"}
    command = [sys.executable, "-m", "pytest", str(HERE / "wide_screen.py"), "-q"]
    command += ["-p", "no:randomly", "-p", "no:cacheprovider"]
    done = subprocess.run(
        command, env=env, cwd=HERE.parents[2], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]


def test_show_in_folder_opens_the_folder_a_run_was_saved_to_from_history(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[QUrl] = []

    def record(url: QUrl) -> bool:
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", record)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 1)
    panel = open_history(qtbot, window)
    kept = panel.selected_run()
    assert kept is not None and kept.results

    panel.folder_button.click()  # not saved yet: where the library keeps it
    assert opened == [QUrl.fromLocalFile(str(kept.results[0].path.parent))]

    with qtbot.waitSignal(window.session.saved, timeout=30_000) as saved:
        panel.save_button.click()
    folder = saved.args[0][0].parent
    qtbot.waitUntil(lambda: "saved" in panel.folder_button.toolTip(), timeout=30_000)
    panel.folder_button.click()
    assert opened[-1] == QUrl.fromLocalFile(str(folder))
    assert folder == tmp_path / "saved"


def test_a_varied_result_is_a_source_named_after_its_parent(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 1)
    panel = open_history(qtbot, window)
    first = panel.selected_run()
    assert first is not None and first.source_name == "photo.jpg"

    def source_label() -> str | None:
        picture = window.session.picture
        return picture.label if picture is not None and window.session.waiting() == 0 else None

    panel.vary_button.click()  # "Vary this" on the kept result: the second generation
    qtbot.waitUntil(lambda: source_label() == "photo-v2.png", timeout=30_000)
    qtbot.waitUntil(lambda: window.session.prepared is not None, timeout=30_000)
    _generate(qtbot, window, 1)
    qtbot.waitUntil(lambda: panel.model().rowCount() == 2, timeout=30_000)
    second = panel.model().row_at(0)
    assert second is not None and second.source_name == "photo-v2.png"  # not "00.png"
    title = panel.model().data(panel.model().index(0))
    assert isinstance(title, str) and title.startswith("photo-v2.png · ")

    window.results.varyRequested.emit(0)  # "Vary" in the grid: the third generation
    qtbot.waitUntil(lambda: source_label() == "photo-v3.png", timeout=30_000)
