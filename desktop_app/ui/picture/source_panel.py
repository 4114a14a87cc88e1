"""The picture side of the window: the drop area until a picture is in, then the frame over it,
and below them the pictures still waiting in the queue."""

from __future__ import annotations

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop_app.ui.picture.crop_view import CropView
from desktop_app.ui.picture.drop_hint import DropHint
from desktop_app.ui.picture.region_overlay import RegionOverlay
from desktop_app.ui.picture.region_tools import RegionTools


class SourcePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.drop_hint = DropHint()
        self.crop_view = CropView()
        self.source_stack = QStackedWidget()
        self.source_stack.addWidget(self.drop_hint)
        self.source_stack.addWidget(self.crop_view)
        # The region to vary, painted over the frame; its bar shows once there is a picture.
        self.region = RegionOverlay(self.crop_view)
        self.region_tools = RegionTools(self.region)
        self.region_tools.setVisible(False)
        self.region_offered = True  # the window says whether the mode and model take a region
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
        column.addWidget(self.region_tools)
        column.addWidget(self.queue_row)

    def show_picture(self, preview: QImage, full_size: tuple[int, int]) -> None:
        self.crop_view.set_image(preview, full_size)
        self.region.set_painting(False)
        self.region.set_picture_size(*full_size)  # a new picture starts with no region
        self.source_stack.setCurrentWidget(self.crop_view)
        self.region_tools.setVisible(self.region_offered)

    def offer_region(self, offered: bool) -> None:
        self.region_offered = offered
        self.region_tools.setVisible(
            offered and self.source_stack.currentWidget() is self.crop_view
        )
        if not offered:
            self.region.set_painting(False)

    def set_waiting(self, waiting: int) -> None:
        """How many pictures wait after the current one; the row hides when none do."""
        self.queue_label.setText(
            f"{waiting} more picture{'s' if waiting != 1 else ''} waiting in the queue."
            if waiting
            else ""
        )
        self.queue_row.setVisible(waiting > 0)
