"""The results mood's main area: the source, small, with the way back to framing, and "Save
all", over the grid of the run's variations (UX.md: once a run starts, the results own the
window)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.ui.results.grid import ResultsGrid
from desktop_app.ui.results.source_badge import SourceBadge

_LABEL_WIDTH = 200  # logical pixels


class ResultsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = ResultsGrid()
        self.grid.setAccessibleName("Results")
        self.source_badge = SourceBadge()
        self.source_label = QLabel()
        self.back_button = QPushButton("Back to framing")
        self.back_button.setToolTip("Show the source large and change the part that is sent")
        self.save_all_button = QPushButton("Save all…")
        self.save_all_button.setToolTip("Save every variation into a folder (Ctrl+Shift+S)")
        self.source_badge.clicked.connect(self.back_button.click)
        header = QHBoxLayout()
        header.setContentsMargins(0, 0, 0, 0)
        header.addWidget(self.source_badge)
        header.addWidget(self.source_label)
        header.addWidget(self.back_button)
        # How the shown run was framed ("Varied: region"), when not the whole square.
        self.framing_label = QLabel()
        self.framing_label.setVisible(False)
        header.addWidget(self.framing_label)
        header.addStretch(1)
        header.addWidget(self.save_all_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.grid, 1)

    def set_source(self, label: str, full_size: tuple[int, int]) -> None:
        # Elided: a long file name must not make the window wider.
        name = self.source_label.fontMetrics().elidedText(
            label, Qt.TextElideMode.ElideMiddle, _LABEL_WIDTH
        )
        self.source_label.setText(f"{name}\n{full_size[0]} × {full_size[1]}")
        self.source_label.setToolTip(label if name != label else "")

    def set_framing(self, words: str) -> None:
        """``words`` from core/framing_words.py ("region 23 %"); "" for a whole square."""
        self.framing_label.setText(f"Varied: {words}" if words else "")
        self.framing_label.setVisible(bool(words))
