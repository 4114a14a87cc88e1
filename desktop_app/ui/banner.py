"""Errors inside the window: one plain sentence, a way out, and the details one click away.

One colour per level, always the same (UX.md): the tint is mixed into the parent's palette, never
into the banner's own, which already holds the last message's tint. Information clears itself
after ``INFO_CLEARS_AFTER_MS``; errors and warnings stay until dismissed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

INFO_CLEARS_AFTER_MS = 8000  # long enough to read two lines; tests make it short
ACCENTS = {"error": (220, 60, 50), "warning": (230, 160, 30), "info": (60, 120, 220)}
TINT = 0.15  # a gentle tint keeps the system's text colour readable on light and dark themes


class MessageBanner(QFrame):
    """A dismissible message strip above the work area (not a stack of modal boxes)."""

    dismissed = Signal()
    _level = ""  # none yet; a class default, as Qt sends change events while __init__ runs

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
        self._clear_timer = QTimer(self)
        self._clear_timer.setSingleShot(True)
        self._clear_timer.timeout.connect(self.on_clear_timeout)
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
        lasting: bool | None = None,
    ) -> None:
        """Replaces whatever was shown. ``lasting`` keeps a message until it is dismissed; by
        default only information clears itself (e.g. the first-run prompt to add a key is
        information that must stay)."""
        self.topic = topic
        pixmap = {
            "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
            "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
            "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
        }[level]
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(size, size))
        self.setProperty("level", level)
        self._level = level
        self._tint()
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
        stays = level != "info" if lasting is None else lasting
        if stays:
            self._clear_timer.stop()
        else:
            self._clear_timer.start(INFO_CLEARS_AFTER_MS)

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
        self._clear_timer.stop()
        self.setVisible(False)
        self.dismissed.emit()

    def on_clear_timeout(self) -> None:
        if self.underMouse():  # being read (or about to be clicked): look again later
            self._clear_timer.start(INFO_CLEARS_AFTER_MS)
        elif self.isVisible():
            self.on_dismiss()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        # The desktop switched between light and dark: tint the new colours. Setting the
        # palette comes back here once; the colour is then already right, so it stops.
        if (
            event.type() is QEvent.Type.PaletteChange
            and self._level
            and self.palette().color(QPalette.ColorRole.Window) != self._tinted()
        ):
            self._tint()

    def _tinted(self) -> QColor:
        parent = self.parentWidget()
        untinted = parent.palette() if parent is not None else QApplication.palette(self)
        base = untinted.color(QPalette.ColorRole.Window).toRgb()
        channels = (base.red(), base.green(), base.blue())
        accent = ACCENTS[self._level]
        return QColor(
            *(round(b * (1 - TINT) + a * TINT) for b, a in zip(channels, accent, strict=True))
        )

    def _tint(self) -> None:
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, self._tinted())
        self.setPalette(palette)
