"""Small pieces the settings pages share: an inline message line and the questions they ask.

Every question the settings ask (a confirmation, a folder) goes through an ``ask`` factory, so
tests answer it by replacing that factory instead of clicking a real modal box.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.preferences import profile_name_problem

Level = Literal["problem", "caution", "info", "success"]

_ICONS: dict[Level, QStyle.StandardPixmap | None] = {
    "problem": QStyle.StandardPixmap.SP_MessageBoxCritical,
    "caution": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "info": None,  # plain text: an icon on every note would shout
    "success": QStyle.StandardPixmap.SP_DialogApplyButton,
}


def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose mnemonic (``&``) focuses ``buddy``; QFormLayout only links them by
    itself when the field is the widget, not a layout around it."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


class InlineMessage(QWidget):
    """One sentence under a field: a problem that blocks OK, a caution, a note or a success.

    Hidden while empty, so it takes no room in the layout.
    """

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level: Level | None = None
        self._laid_out = False
        self.icon = QLabel()
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # People copy error sentences into searches and bug reports.
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setAccessibleName(accessible_name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.text, 1)
        # Extra height belongs below the message, not inside it between its lines and the next row.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setVisible(False)

    def sizeHint(self) -> QSize:
        # A wrapped QLabel hints the height for a guess at its width, so forms clip the text or
        # leave a gap under it. Once a layout has given it a width, ask for what that width needs.
        hint = super().sizeHint()
        if self._laid_out:
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._laid_out = True
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the height it needs follows the width

    def show_message(self, text: str, level: Level) -> None:
        self.level = level
        pixmap = _ICONS[level]
        if pixmap is None:
            self.icon.clear()
            self.icon.setVisible(False)
        else:
            size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
            self.icon.setPixmap(self.style().standardIcon(pixmap).pixmap(size, size))
            self.icon.setVisible(True)
        self.text.setText(text)
        self.setVisible(True)

    def clear(self) -> None:
        self.level = None
        self.text.clear()
        self.setVisible(False)

    def message(self) -> str:
        return self.text.text() if self.level is not None else ""


class Confirm:
    """Asks before something that cannot be undone from the dialog."""

    @staticmethod
    def ask(parent: QWidget, title: str, text: str, action: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        accept = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # Enter must not destroy anything
        box.exec()
        return box.clickedButton() is accept


class FolderChooser:
    """The system's folder picker; ``None`` when the person cancels."""

    @staticmethod
    def ask(parent: QWidget, title: str, start: str) -> str | None:
        folder = QFileDialog.getExistingDirectory(parent, title, start)
        return folder or None


class ProfileNameDialog(QDialog):
    """Asks for a profile name and refuses empty or taken ones as they are typed."""

    def __init__(
        self, title: str, current: str, taken: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._taken = taken
        self.name = QLineEdit(current)
        self.name.setAccessibleName("Profile name")
        self.name.selectAll()
        self.problem = InlineMessage("Name problem")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self.on_name_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.on_name_changed(current)

    def on_name_changed(self, text: str) -> None:
        problem = profile_name_problem(text, self._taken)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        # An empty field needs no scolding: the disabled OK says enough.
        if problem is None or not text.strip():
            self.problem.clear()
        else:
            self.problem.show_message(problem, "problem")

    @classmethod
    def ask(cls, parent: QWidget, title: str, current: str, taken: list[str]) -> str | None:
        dialog = cls(title, current, taken, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.name.text().strip()
