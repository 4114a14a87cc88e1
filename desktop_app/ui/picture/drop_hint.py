"""The empty window's invitation: what can be dropped here, and a button for those who click."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class DropHint(QWidget):
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hovered = False
        self.setAccessibleName("Drop area")
        title = QLabel("Drop a picture here")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail = QLabel(
            "…or paste one (Ctrl+V), or open one (Ctrl+O).\n"
            "PNG, JPEG, WebP, HEIC, GIF, BMP and TIFF; files, links from a browser, or several "
            "at once."
        )
        detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        detail.setWordWrap(True)
        detail.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.open_button = QPushButton("Open a picture…")
        self.open_button.setAccessibleName("Open a picture")
        self.open_button.clicked.connect(self.openRequested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(detail)
        layout.addSpacing(12)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def set_hovered(self, hovered: bool) -> None:
        if hovered != self._hovered:
            self._hovered = hovered
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        colour = palette.color(
            QPalette.ColorRole.Highlight if self._hovered else QPalette.ColorRole.Mid
        )
        if self._hovered:
            fill = QColor(colour)
            fill.setAlpha(30)
            painter.setBrush(fill)
        pen = QPen(colour, 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        rect = QRectF(self.rect()).adjusted(12, 12, -12, -12)
        painter.drawRoundedRect(rect, 12, 12)
