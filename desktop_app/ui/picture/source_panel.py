"""The picture side of the window: the drop area until a picture is in, then the frame over it
with its shape and the region tool, and below them the pictures still waiting in the queue."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop_app.core.imaging.shape import Shape
from desktop_app.core.variation import Mode, VariationSettings, frame_ratio, requested_size
from desktop_app.ui.picture.crop_view import CropView, Render
from desktop_app.ui.picture.drop_hint import DropHint
from desktop_app.ui.picture.region_overlay import RegionOverlay
from desktop_app.ui.picture.region_tools import RegionTools
from desktop_app.ui.picture.shape_bar import ShapeBar


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
        self.shape_bar = ShapeBar()
        self.shape_bar.setVisible(False)
        self._picture_size: tuple[int, int] | None = None
        # follow_settings' last arguments: a new picture is framed by them
        self._followed: tuple[VariationSettings, str, bool, Callable[[str], str]] | None = None
        self.queue_label = QLabel()
        self.next_button = QPushButton("Next picture")
        self.next_button.setToolTip("Load the next picture of the queue")
        self.next_button.setAccessibleName("Next picture in the queue")
        self.batch_button = QPushButton("Batch them all…")
        self.batch_button.setToolTip("Put these pictures in the batch and vary them unattended")
        self.queue_row = QWidget()
        queue_layout = QHBoxLayout(self.queue_row)
        queue_layout.setContentsMargins(0, 0, 0, 0)
        queue_layout.addWidget(self.queue_label, 1)
        queue_layout.addWidget(self.next_button)
        queue_layout.addWidget(self.batch_button)
        self.queue_row.setVisible(False)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.source_stack, 1)
        column.addWidget(self.shape_bar)
        column.addWidget(self.region_tools)
        column.addWidget(self.queue_row)

    def show_picture(
        self, preview: QImage, full_size: tuple[int, int], render: Render | None = None
    ) -> None:
        self._picture_size = full_size
        self.crop_view.set_image(preview, full_size, render)
        if self._followed is not None:  # "Whole picture" takes this picture's ratio
            settings, model, masks, taken = self._followed
            self.follow_settings(settings, model, masks=masks, taken=taken)
        self.region.set_painting(False)
        self.region.set_picture_size(*full_size)  # a new picture starts with no region
        self.source_stack.setCurrentWidget(self.crop_view)
        self.region_tools.setVisible(self.region_offered)
        self.shape_bar.setVisible(True)

    def follow_settings(
        self,
        settings: VariationSettings,
        model: str,
        *,
        masks: bool = True,
        taken: Callable[[str], str] = lambda size: size,
    ) -> None:
        """The frame takes the ratio of what ``model`` will be asked for with ``settings``;
        shapes are offered in the edit mode, the region and zoom out where the server and
        the model also take a mask (``masks``); ``taken`` is the size the server takes for the
        size asked (its remembered rules)."""
        self._followed = (settings, model, masks, taken)
        edit = settings.mode is Mode.EDIT
        self.shape_bar.set_offered(edit, zoom=edit and masks)
        picture = self._picture_size
        self.crop_view.set_ratio(frame_ratio(settings, model, picture, taken))
        shaped = edit and settings.shape is not Shape.SQUARE
        self.shape_bar.set_size(taken(requested_size(settings, model, picture)) if shaped else "")
        self.offer_region(edit and masks)  # classic variations take no mask

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
