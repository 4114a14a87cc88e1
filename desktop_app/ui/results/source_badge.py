"""The source, small, above the results: its thumbnail with the frame that was sent, its name
and size. A click on it goes back to framing (UX.md: the results own the window, the source
stays one click away)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from desktop_app.core.imaging import Frame, Square

HEIGHT = 56  # logical pixels: a glance, not a second picture
_ROUGH_FACTOR = 4  # the quick shrink stops at 4x the badge: the smooth one then still averages


class SourceBadge(QWidget):
    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._full_size = (1, 1)
        self._frame: Frame | None = None
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Back to framing: change the part that is sent")
        self.setAccessibleName("Source picture")
        self.setFixedSize(HEIGHT, HEIGHT)

    def set_picture(self, image: QImage, full_size: tuple[int, int]) -> None:
        ratio = self.devicePixelRatioF()
        box = QSize(round(HEIGHT * 2 * ratio), round(HEIGHT * ratio))
        # First a quick shrink to a few times the badge: smooth scaling the whole preview on the
        # GUI thread converted every pixel (a 4 MB copy, ~10 ms) for a 56 px glance.
        rough = box * _ROUGH_FACTOR
        if image.width() > rough.width() or image.height() > rough.height():
            image = image.scaled(
                rough,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        scaled = image.scaled(
            box,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self._pixmap = QPixmap.fromImage(scaled)
        self._pixmap.setDevicePixelRatio(ratio)
        self._full_size = full_size
        self.setFixedSize(self._pixmap.deviceIndependentSize().toSize())
        self.update()

    def set_crop(self, crop: Square | Frame | None) -> None:
        self._frame = Frame.of_square(crop) if isinstance(crop, Square) else crop
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._pixmap is None:
            painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
            return
        painter.drawPixmap(0, 0, self._pixmap)
        if self._frame is not None:
            scale = self.width() / self._full_size[0]
            left, top, right, bottom = (v * scale for v in self._frame.box)
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.drawRect(QRectF(left, top, right - left, bottom - top).adjusted(1, 1, -1, -1))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
            event.accept()
            return
        super().mousePressEvent(event)
