"""Errors inside the window: one plain sentence, a way out, and the details one click away."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class MessageBanner(QFrame):
    """A dismissible message strip above the work area (not a stack of modal boxes)."""

    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Message")
        self.icon = QLabel()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setOpenExternalLinks(True)
        self.action = QPushButton()
        self.action.setVisible(False)
        self.details_toggle = QToolButton()
        self.details_toggle.setText("Details")
        self.details_toggle.setCheckable(True)
        self.details_toggle.setAccessibleName("Show details")
        self.close_button = QToolButton()
        self.close_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton)
        )
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss (Esc)")
        self.close_button.setAccessibleName("Dismiss message")
        self.details = QLabel()
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setVisible(False)
        self.details.setAccessibleName("Technical details")

        row = QHBoxLayout()
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.text, 1)
        row.addWidget(self.action, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.details_toggle, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.details)

        self._callback: Callable[[], None] | None = None
        self.topic = ""
        self.action.clicked.connect(self.on_action)
        self.details_toggle.toggled.connect(self.details.setVisible)
        self.close_button.clicked.connect(self.on_dismiss)
        self.setVisible(False)

    def show_message(
        self,
        sentence: str,
        *,
        level: str = "error",
        details: Mapping[str, str] | None = None,
        action: tuple[str, Callable[[], None]] | None = None,
        topic: str = "",
    ) -> None:
        self.topic = topic
        pixmap = {
            "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
            "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
            "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
        }[level]
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(size, size))
        self.setProperty("level", level)
        self._tint(level)
        self.text.setText(sentence)
        facts = "\n".join(f"{name}: {value}" for name, value in (details or {}).items())
        self.details.setText(facts)
        self.details_toggle.setChecked(False)
        self.details_toggle.setVisible(bool(facts))
        if action is not None:
            self.action.setText(action[0])
            self._callback = action[1]
        else:
            self._callback = None
        self.action.setVisible(action is not None)
        self.setVisible(True)

    def dismiss_topic(self, *topics: str) -> None:
        """Hides the message only when it is about one of ``topics`` (e.g. a new picture
        clears a rejected picture's message, not the missing-key prompt)."""
        if self.isVisible() and self.topic in topics:
            self.on_dismiss()

    def message(self) -> str:
        return self.text.text() if self.isVisible() else ""

    def on_action(self) -> None:
        if self._callback is not None:
            self._callback()

    def on_dismiss(self) -> None:
        self.setVisible(False)
        self.dismissed.emit()

    def _tint(self, level: str) -> None:
        # A gentle tint of the system palette keeps light and dark themes readable.
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Window)
        accent = {"error": (220, 60, 50), "warning": (230, 160, 30), "info": (60, 120, 220)}[level]
        mixed = base.toRgb()
        mixed.setRgb(
            *(
                int(b * 0.85 + a * 0.15)
                for b, a in zip((mixed.red(), mixed.green(), mixed.blue()), accent, strict=True)
            )
        )
        palette.setColor(QPalette.ColorRole.Window, mixed)
        self.setPalette(palette)
