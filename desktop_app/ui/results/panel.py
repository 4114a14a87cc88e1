"""The results side of the window: a header with "Save all" over the grid of variations."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.ui.results.grid import ResultsGrid


class ResultsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = ResultsGrid()
        self.grid.setAccessibleName("Results")
        self.save_all_button = QPushButton("Save all…")
        self.save_all_button.setToolTip("Save every variation into a folder (Ctrl+Shift+S)")
        header = QHBoxLayout()
        header.addWidget(QLabel("<b>Results</b>"))
        header.addStretch(1)
        header.addWidget(self.save_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.grid, 1)
