"""A finished variation can be dragged out of the window: as the library's file for a file
manager, and as the picture itself for another app."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.results import drag_out
from desktop_app.ui.results.cell import ResultCell
from tests.ui.conftest import _generate, _jpeg, _load

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


class _RecordedDrag:
    """Stands in for QDrag, whose exec would wait for a real drop."""

    made: ClassVar[list[_RecordedDrag]] = []

    def __init__(self, source: QWidget) -> None:
        self.source = source
        self.mime: QMimeData | None = None
        self.pixmap: QPixmap | None = None
        _RecordedDrag.made.append(self)

    def setMimeData(self, mime: QMimeData) -> None:
        self.mime = mime

    def setPixmap(self, pixmap: QPixmap) -> None:
        self.pixmap = pixmap

    def exec(self, _action: Qt.DropAction) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


def _drag(cell: ResultCell) -> None:
    start = QPointF(cell.rect().center())
    end = start + QPointF(QApplication.startDragDistance() * 3, 0)
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    for kind, at, buttons in (
        (QMouseEvent.Type.MouseButtonPress, start, left),
        (QMouseEvent.Type.MouseMove, end, left),
    ):
        button = left if kind == QMouseEvent.Type.MouseButtonPress else Qt.MouseButton.NoButton
        event = QMouseEvent(kind, at, cell.mapToGlobal(at), button, buttons, none)
        QApplication.sendEvent(cell, event)


def test_a_dragged_variation_carries_its_file_and_its_bytes(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drag_out, "QDrag", _RecordedDrag)
    _RecordedDrag.made.clear()
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    _generate(qtbot, window, 2)
    qtbot.waitUntil(lambda: window.session.result_file(1) is not None, timeout=30_000)
    qtbot.waitUntil(lambda: window.results.thumbnail(1) is not None, timeout=30_000)
    cell = next(c for c in window.results.findChildren(ResultCell) if c.index == 1)
    _drag(cell)
    (drag,) = _RecordedDrag.made
    assert drag.mime is not None and drag.pixmap is not None
    path = window.session.result_file(1)
    assert path is not None
    assert [url.toLocalFile() for url in drag.mime.urls()] == [str(path)]
    image = window.session.results[1]
    assert bytes(drag.mime.data(f"image/{image.format}").data()) == image.data


def test_a_cell_still_waiting_is_not_dragged(qtbot: QtBot) -> None:
    cell = ResultCell(0, "1")
    qtbot.addWidget(cell)
    cell.set_waiting()
    with qtbot.assertNotEmitted(cell.dragStarted):
        _drag(cell)
