"""The window's right-hand column: the run's settings and the exact upload, then the estimated
cost and Generate.

UX.md: show what will happen before it costs money, so the upload ("Will send"), the cost and
the button sit together. The settings scroll on a short screen (a 768 px laptop), so the window
never needs to be taller than the screen; Generate stays in view below them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QStyle, QVBoxLayout, QWidget

from desktop_app.ui.parameters import ParametersPanel
from desktop_app.ui.picture.upload_preview import UploadPreview


class SidePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parameters = ParametersPanel()
        self.preview = UploadPreview()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setDefault(True)
        self.generate_button.setToolTip("Make the variations (Ctrl+Return)")
        self.generate_button.setAccessibleName("Generate variations")
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(self.parameters)
        column_layout.addWidget(self.preview)
        column_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields in it
        scroll.setMinimumWidth(
            column.minimumSizeHint().width()
            + self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        )
        self.cost_label = QLabel()
        self.cost_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.cost_label.setAccessibleName("Estimated cost")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.cost_label)
        layout.addWidget(self.generate_button)
