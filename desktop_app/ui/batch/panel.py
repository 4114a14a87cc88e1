"""The queue panel: every picture of the batch with its thumbnail, settings, state and cost; the
list's order is the order they are sent in. Between runs: add (button or drop), remove, move up
and down, frame one (double-click); then Run all, pause, cancel, retry the failed ones.

It shows the ``BatchSession``'s batch and edits its list; what needs the window (the settings,
the budget, the framing view, a file dialog) goes out as a signal.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.batch.items import MOST_JOBS, Batch, BatchItem, BatchState, ItemState
from desktop_app.qt.pool import Courier
from desktop_app.session.batch import BatchSession
from desktop_app.ui.batch.wording import batch_summary, item_settings, item_status

ICON_SIDE = 48  # logical pixels
_ID = Qt.ItemDataRole.UserRole
_PATH = Qt.ItemDataRole.UserRole + 1


class BatchPanel(QWidget):
    addRequested = Signal()  # the window opens its file dialog
    addFolderRequested = Signal()  # the window asks for a folder
    runRequested = Signal()  # the window snapshots its settings, checks the budget, runs
    frameRequested = Signal(str)  # a picture's path: the window opens it for framing
    retryRequested = Signal()  # the window asks about pictures that may have been billed
    jobsChanged = Signal(int)
    dropped = Signal(list)  # list[Path]: files or folders dropped on the panel

    def __init__(self, batch: BatchSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._batch = batch
        self._icons: dict[str, QIcon] = {}
        self._loading: set[str] = set()
        self._thumbnails = Courier(2, self)
        self.setAcceptDrops(True)

        self.summary = QLabel(wordWrap=True)
        self.summary.setAccessibleName("Batch summary")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v of %m")
        self.list = QListWidget()
        self.list.setAccessibleName("Pictures in the batch")
        self.list.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.list.itemDoubleClicked.connect(self._on_double_click)
        self.list.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = self._button("&Add…", "Add pictures or a folder (or drop them here)")
        adding = QMenu(self.add_button)
        adding.addAction("Pictures…", self.addRequested.emit)
        adding.addAction("A folder of pictures…", self.addFolderRequested.emit)
        self.add_button.setMenu(adding)
        self.remove_button = self._button("Remove", "Take the selected pictures out (Delete)")
        self.remove_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.remove_button.clicked.connect(self._on_remove)
        self.up_button = self._button("Up", "Send the selected picture earlier (Alt+Up)")
        self.up_button.setShortcut(QKeySequence("Alt+Up"))
        self.up_button.clicked.connect(lambda: self._on_move(-1))
        self.down_button = self._button("Down", "Send the selected picture later (Alt+Down)")
        self.down_button.setShortcut(QKeySequence("Alt+Down"))
        self.down_button.clicked.connect(lambda: self._on_move(1))
        self.frame_button = self._button("Frame…", "Open the picture to choose its part (Enter)")
        self.frame_button.clicked.connect(self._on_frame)

        self.jobs = QSpinBox()
        self.jobs.setRange(1, MOST_JOBS)
        self.jobs.setAccessibleName("Pictures at once")
        self.jobs.setToolTip("How many pictures are sent at once (fewer while the server is busy)")
        self.jobs.valueChanged.connect(self.jobsChanged)
        jobs_label = QLabel("At &once:")
        jobs_label.setBuddy(self.jobs)
        self.saves = QCheckBox("&Save into the folder")
        self.set_save_folder("")
        self.estimate = QLabel()
        self.estimate.setAccessibleName("Estimated cost of the batch")
        self.run_button = self._button("&Run all", "Vary every waiting picture")
        self.run_button.clicked.connect(self.runRequested)
        self.pause_button = self._button("&Pause", "Start no more pictures; those out come back")
        self.pause_button.clicked.connect(self._on_pause)
        self.cancel_button = self._button("Cancel", "Stop the batch now")
        self.cancel_button.clicked.connect(batch.cancel)
        self.retry_button = self._button("Retry &failed", "Send the failed pictures again")
        self.retry_button.clicked.connect(self.retryRequested)

        edit_row = QHBoxLayout()
        for widget in (self.add_button, self.remove_button, self.up_button, self.down_button):
            edit_row.addWidget(widget)
        edit_row.addWidget(self.frame_button)
        edit_row.addStretch(1)
        # Rows of a few controls each: one row of them all would make the dock too wide to
        # sit beside the panels on a laptop (it would float over the window instead).
        options_row = QHBoxLayout()
        options_row.addWidget(jobs_label)
        options_row.addWidget(self.jobs)
        options_row.addWidget(self.saves)
        options_row.addStretch(1)
        options_row.addWidget(self.estimate)
        run_row = QHBoxLayout()
        for widget in (self.run_button, self.pause_button, self.cancel_button, self.retry_button):
            run_row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.list, 1)
        layout.addLayout(edit_row)
        layout.addLayout(options_row)
        layout.addLayout(run_row)
        batch.changed.connect(self.refresh)
        batch.itemProgressed.connect(self._on_item)
        batch.itemChanged.connect(self._on_item)
        self.refresh()

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(text.replace("&", "").rstrip("…"))
        return button

    # -- showing the batch --------------------------------------------------------------------

    def refresh(self) -> None:
        batch = self._batch.batch
        selected = set(self.selected_ids())
        self.list.blockSignals(True)
        while self.list.count() > len(batch.items):
            self.list.takeItem(self.list.count() - 1)
        while self.list.count() < len(batch.items):
            self.list.addItem(QListWidgetItem())
        for row, item in enumerate(batch.items):
            entry = self.list.item(row)
            self._show(entry, item)
            entry.setSelected(item.id in selected)
        self.list.blockSignals(False)
        self._show_totals()

    def _show_totals(self) -> None:
        batch = self._batch.batch
        counts = batch.counts()
        self.progress.setRange(0, max(1, len(batch.items)))
        self.progress.setValue(counts[ItemState.DONE] + counts[ItemState.FAILED])
        self.progress.setVisible(bool(batch.items))
        self.summary.setText(batch_summary(batch, pausing=self._batch.pausing))
        self._update_buttons()

    def _show(self, entry: QListWidgetItem, item: BatchItem) -> None:
        entry.setData(_ID, item.id)
        progress = self._batch.progress.get(item.id, "")
        status = item_status(item, progress, short=True)
        entry.setText(f"{item.name}\n{item_settings(item)}\n{status}")
        entry.setData(_PATH, item.path)
        full = item_status(item, progress)
        entry.setToolTip(item.path if full == status else f"{item.path}\n{full}")
        icon = self._icons.get(item.path)
        if icon is not None:
            entry.setIcon(icon)
        elif item.path not in self._loading:
            self._loading.add(item.path)
            path = item.path
            self._thumbnails.send(
                lambda: _thumbnail(path), lambda image: self._on_icon(path, image)
            )

    def _on_item(self, item_id: str) -> None:
        """Only that picture's row, and the totals: a batch of 30 brings many of these."""
        for row in range(self.list.count()):
            entry = self.list.item(row)
            if entry.data(_ID) == item_id:
                self._show(entry, self._batch.batch.find(item_id))
                break
        self._show_totals()

    def set_save_folder(self, folder: str) -> None:
        """Which folder "Save into the folder" means."""
        where = f" ({folder})" if folder else ""
        self.saves.setToolTip(
            f"Save each result into the save folder{where} as it arrives (they are in History "
            "either way)"
        )

    def set_estimate(self, words: str) -> None:
        """What running the waiting pictures will likely cost, beside Run all."""
        self.estimate.setText(words)

    def _on_icon(self, path: str, image: object) -> None:
        self._loading.discard(path)
        if isinstance(image, QImage) and not image.isNull():
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self.devicePixelRatioF())
            self._icons[path] = QIcon(pixmap)
            for row in range(self.list.count()):
                entry = self.list.item(row)
                if entry.data(_PATH) == path:
                    entry.setIcon(self._icons[path])

    def selected_ids(self) -> list[str]:
        return [str(entry.data(_ID)) for entry in self.list.selectedItems()]

    def _update_buttons(self) -> None:
        batch, running = self._batch.batch, self._batch.running
        chosen = bool(self.list.selectedItems())
        for button in (self.remove_button, self.up_button, self.down_button):
            button.setEnabled(chosen and not running)
        ids = self.selected_ids()
        framable = len(ids) == 1 and batch.find(ids[0]).state is ItemState.WAITING
        self.frame_button.setEnabled(framable and not running)
        self.add_button.setEnabled(True)  # pictures added while running wait for the next run
        waiting = bool(batch.waiting())
        self.run_button.setEnabled(waiting and not running)
        resuming = batch.state is BatchState.READY and _started(batch)
        self.run_button.setText("&Resume" if resuming else "&Run all")
        self.pause_button.setEnabled(running and not self._batch.pausing)
        self.cancel_button.setEnabled(running)
        failed = any(item.state is ItemState.FAILED for item in batch.items)
        self.retry_button.setEnabled(failed and not running)
        self.jobs.setEnabled(not running)
        self.saves.setEnabled(not running)

    # -- the person's edits -------------------------------------------------------------------

    def _on_remove(self) -> None:
        self._batch.remove(self.selected_ids())

    def _on_move(self, steps: int) -> None:
        chosen = self.selected_ids()
        if len(chosen) == 1:
            self._batch.move(chosen[0], steps)

    def _on_frame(self) -> None:
        entries = self.list.selectedItems()
        if len(entries) == 1:
            self._on_double_click(entries[0])

    def _on_double_click(self, entry: QListWidgetItem) -> None:
        item = self._batch.batch.find(str(entry.data(_ID)))
        if item.state is ItemState.WAITING and not self._batch.running:
            self.frameRequested.emit(item.path)

    def _on_pause(self) -> None:
        self._batch.pause()  # says "Pausing…" until the pictures out have come back

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_frame()
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.dropped.emit(paths)


def _started(batch: Batch) -> bool:
    """Whether some pictures were sent already (the batch was paused, or the app stopped)."""
    return any(item.state is not ItemState.WAITING for item in batch.items)


def _thumbnail(path: str) -> QImage | None:
    """A small picture for the list, read and scaled on the pool (never on the GUI thread)."""
    from desktop_app.qt.thumbnails import decode_thumbnail

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    image = decode_thumbnail(data, ICON_SIDE * 2)
    if image is None or image.width() == image.height():
        return image
    # Centred on a square: a portrait picture's row starts its words where the others do.
    side = max(image.width(), image.height())
    square = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
    square.fill(Qt.GlobalColor.transparent)
    painter = QPainter(square)
    painter.drawImage((side - image.width()) // 2, (side - image.height()) // 2, image)
    painter.end()
    return square
