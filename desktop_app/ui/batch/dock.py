"""The batch queue beside the window (View → Batch, Ctrl+B), placed like History: docked where
there is room, else a drawer over the window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QWidget

from desktop_app.qt.roomy_dock import RoomyDock

if TYPE_CHECKING:  # the panel is imported when the dock is first shown, not at start-up
    from desktop_app.session.batch import BatchSession
    from desktop_app.ui.batch.panel import BatchPanel

READABLE_WIDTH = 380  # logical pixels: a row's name, settings and state whole


class BatchDock(RoomyDock):
    built = Signal(object)  # the BatchPanel, once made: the window wires it

    def __init__(self, batch: BatchSession, parent: QWidget | None = None) -> None:
        super().__init__("Batch", parent)
        self.setObjectName("batch-dock")  # saveState needs a name
        self.setAccessibleName("Batch")
        self._batch = batch
        self.panel: BatchPanel | None = None

    def build(self) -> None:
        from desktop_app.ui.batch.panel import BatchPanel

        self.panel = BatchPanel(self._batch)
        self.setWidget(self.panel)
        self.built.emit(self.panel)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(max(hint.width(), READABLE_WIDTH), hint.height())
