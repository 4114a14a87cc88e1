"""The picture side of the window: the drop area until a picture is in, then the frame over it,
and below them the pictures still waiting in the queue."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop_app.ui.picture.crop_view import CropView
from desktop_app.ui.picture.drop_hint import DropHint


class SourcePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drop_hint = DropHint()
        self.crop_view = CropView()
        self.source_stack = QStackedWidget()
        self.source_stack.addWidget(self.drop_hint)
        self.source_stack.addWidget(self.crop_view)
        self.queue_label = QLabel()
        self.next_button = QPushButton("Next picture")
        self.next_button.setToolTip("Load the next picture of the queue")
        self.next_button.setAccessibleName("Next picture in the queue")
        self.queue_row = QWidget()
        queue_layout = QHBoxLayout(self.queue_row)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addWidget(self.queue_label, 1)
        queue_layout.addWidget(self.next_button)
        self.queue_row.setVisible(False)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.source_stack, 1)
        column.addWidget(self.queue_row)

    def show_picture(self, preview: QImage, full_size: tuple[int, int]) -> None:
        self.crop_view.set_image(preview, full_size)
        self.source_stack.setCurrentWidget(self.crop_view)

    def set_waiting(self, waiting: int) -> None:
        """How many pictures wait after the current one; the row hides when none do."""
        self.queue_label.setText(
            f"{waiting} more picture{'s' if waiting != 1 else ''} waiting in the queue."
            if waiting
            else ""
        )
        self.queue_row.setVisible(waiting > 0)
