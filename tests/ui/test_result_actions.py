"""Saving from the window: Save (Ctrl+S) and Save all keep to one remembered folder, the message
names it, and "Show in folder" opens it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.core.preferences import PreferencesStore
from desktop_app.ui.main_window import MainWindow
from tests.ui.conftest import _generate, _jpeg, _load

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def _status(window: MainWindow) -> str:
    return window.run_status.phase_label.text()


def test_save_and_save_all_keep_to_one_remembered_folder(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = tmp_path / "saved"  # the output folder the window starts with
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    asked: list[str] = []

    def pick_folder(parent: QWidget, caption: str, start: str, *args: object) -> str:
        asked.append(start)
        return str(chosen)

    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(pick_folder))
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=30_000)

    # Ctrl+S: into the output folder, and the message says which file went where.
    window.results.select(0)
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_S, CTRL)
    [first] = _files(default)
    assert _status(window) == f"Saved {first.name} in {default}"

    # Save all: asks, starting in that folder; the folder chosen becomes the output folder.
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_S, CTRL_SHIFT)
    assert asked == [str(default)]
    assert len(_files(chosen)) == 2
    assert _status(window) == f"Saved 2 variations in {chosen}"
    assert window.preferences.output_folder() == chosen

    # So the next Ctrl+S, and the next Save all's question, go there too.
    window.results.select(1)
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        qtbot.keyClick(window, Qt.Key.Key_S, CTRL)
    assert len(_files(chosen)) == 3
    assert _files(default) == [first]
    assert _status(window).endswith(f" in {chosen}")
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        window.save_all_button.click()
    assert asked == [str(default), str(chosen)]

    # Remembered past a restart: the preferences are written when the window closes.
    window.close()
    assert PreferencesStore(tmp_path / "settings.json").load().output_folder() == chosen


def test_show_in_folder_opens_the_folder_of_the_last_save(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(opened.append))
    button = window.result_actions.show_folder_button
    assert not button.isVisible()  # nothing saved yet: nothing to show
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    window.results.select(1)
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        window.commands.save.trigger()
    assert button.isVisible()
    assert button.text() == "Show in folder"
    assert str(tmp_path / "saved") in button.toolTip()
    button.click()
    assert opened == [QUrl.fromLocalFile(str(tmp_path / "saved"))]

    # The offer belongs to the "Saved …" line: the next news takes it away.
    window.result_actions.on_copy(0)
    qtbot.waitUntil(lambda: "Copied variation 1" in _status(window), timeout=30_000)
    assert not button.isVisible()
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        window.commands.save.trigger()
    assert button.isVisible()
    window.parameters.count.setValue(1)
    window.generate_button.click()
    assert not button.isVisible()  # a new run started
    qtbot.waitUntil(lambda: not window.session.running, timeout=30_000)


def test_a_result_saved_from_its_cell_goes_to_the_same_folder(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *args: str(chosen))
    )
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 1)
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        window.commands.save_all.trigger()
    with qtbot.waitSignal(window.session.saved, timeout=30_000):
        window.results.saveRequested.emit(0)  # the cell's own Save button
    assert len(_files(chosen)) == 2
    assert not (tmp_path / "saved").exists()
    assert window.result_actions.show_folder_button.isVisible()
