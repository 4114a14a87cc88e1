"""This session's runs in a row, newest first: a thumbnail and a word each ("4 made",
"Failed", "Cancelled"). A click on one shows its variations again, so a run that failed or was
cancelled never takes the earlier results out of reach."""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon, QImage, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QListView,
    QListWidget,
    QListWidgetItem,
)

from desktop_app.qt.thumbnails import ThumbnailLoader
from desktop_app.qt.viewport import own_viewport

if TYPE_CHECKING:
    from desktop_app.session.session import Session

ICON = 32  # logical pixels
_RUN_ID = Qt.ItemDataRole.UserRole
_NUMBER = Qt.ItemDataRole.UserRole + 1  # the run's number this session: its thumbnail's key


class RunStrip(QListWidget):
    runChosen = Signal(str)  # the run id of a finished run the user clicked

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session
        self._runs = 0
        self._current: QListWidgetItem | None = None
        self.setAccessibleName("Runs this session")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(ICON, ICON))
        cell = QSize(ICON + 72, ICON + self.fontMetrics().height() + 8)
        self.setGridSize(cell)
        self.setFixedHeight(cell.height() + 4)
        self.setFrameShape(QFrame.Shape.NoFrame)
        own_viewport(self).setBackgroundRole(QPalette.ColorRole.Window)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # newest first
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._loader = ThumbnailLoader(self)
        self._loader.ready.connect(self.on_thumbnail_ready)
        self.itemClicked.connect(self.on_item_clicked)
        session.runStarted.connect(self.on_run_started)
        session.runSucceeded.connect(lambda _outcome: self._end(""))
        session.runFailed.connect(lambda error: self._end("Failed", str(error)))
        session.runCancelled.connect(lambda _outcome: self._end("Cancelled"))
        session.runReopened.connect(lambda record: self.show_run(record.id))
        self.setVisible(False)  # until the session's first run

    def on_run_started(self, count: int) -> None:
        self._runs += 1
        item = QListWidgetItem(f"#{self._runs} · {count}…")
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        item.setToolTip("Still running")
        item.setData(_NUMBER, self._runs)
        self.insertItem(0, item)
        self._current = item
        self.setCurrentItem(item)
        self.scrollToItem(item)
        self.setVisible(True)

    def _end(self, word: str, reason: str = "") -> None:
        item, self._current = self._current, None
        if item is None:
            return
        session = self._session
        made = len(session.results)
        number = item.text().split(" ")[0]
        summary = f"{made} made" if made else "nothing made"
        item.setText(f"{number} · {word or summary}")
        item.setToolTip("\n".join(filter(None, [f"Run {number}: {summary}", reason])))
        if session.run_id and made:
            item.setData(_RUN_ID, session.run_id)
            first = session.results[min(session.results)]
            ratio = self.devicePixelRatioF()
            # Its bytes read where the icon is decoded, off the GUI thread (the library has them).
            self._loader.request(item.data(_NUMBER), lambda: first.data, round(ICON * ratio))
        else:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)

    def show_run(self, run_id: str) -> None:
        """Marks the run whose variations the grid shows."""
        for row in range(self.count()):
            item = self.item(row)
            if item is not None and item.data(_RUN_ID) == run_id:
                self.setCurrentItem(item)
                return

    @Slot(QListWidgetItem)
    def on_item_clicked(self, item: QListWidgetItem) -> None:
        run_id = item.data(_RUN_ID)
        if isinstance(run_id, str) and run_id:
            self.runChosen.emit(run_id)

    @Slot(object, object)
    def on_thumbnail_ready(self, key: Hashable, image: QImage | None) -> None:
        for row in range(self.count()):
            item = self.item(row)
            if item is not None and item.data(_NUMBER) == key and image is not None:
                pixmap = QPixmap.fromImage(image)
                pixmap.setDevicePixelRatio(self.devicePixelRatioF())
                item.setIcon(QIcon(pixmap))
                return
