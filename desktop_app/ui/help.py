"""Help: the keyboard shortcuts, read from the menus so the list never drifts from the keys, and
About (name, version, where the API key is kept)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QMenuBar,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from desktop_app.qt.tasks import TaskRunner

KEYRING_UNKNOWN = "Your API key is kept in your system's keyring, never in a file."
TAGLINE = "Variations of the square of a picture that matters, made by an image model."


def plain(text: str) -> str:
    """A menu text as read aloud: no mnemonic ("&Open…" -> "Open"), no trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("…").strip()


def keys_of(action: QAction) -> str:
    """All of ``action``'s shortcuts in the platform's words, e.g. "Ctrl+Return or Ctrl+Enter"."""
    native = QKeySequence.SequenceFormat.NativeText
    return " or ".join(k.toString(native) for k in action.shortcuts() if not k.isEmpty())


def shortcut_rows(bar: QMenuBar) -> list[tuple[str, list[tuple[str, str]]]]:
    """(menu, [(command, keys)]) for every menu of ``bar`` that has a command with a shortcut."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []

    def walk(menu: QMenu, into: list[tuple[str, str]]) -> None:
        for action in menu.actions():
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                walk(submenu, into)
            elif not action.isSeparator() and keys_of(action):
                into.append((plain(action.text()), keys_of(action)))

    for top in bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            rows: list[tuple[str, str]] = []
            walk(menu, rows)
            if rows:
                groups.append((plain(top.text()), rows))
    return groups


class ShortcutsDialog(QDialog):
    """Help → Keyboard shortcuts: every command with a key, under the menu it is in."""

    def __init__(self, bar: QMenuBar, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("keyboard-shortcuts")
        self.table = QTreeWidget(self)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setColumnCount(2)
        self.table.setHeaderLabels(["Command", "Keys"])
        self.table.setRootIsDecorated(False)
        self.table.setItemsExpandable(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.groups = shortcut_rows(bar)
        for menu, rows in self.groups:
            group = QTreeWidgetItem(self.table, [menu])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
            for command, keys in rows:
                QTreeWidgetItem(group, [command, keys])
        self.table.expandAll()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        rows_shown = sum(len(rows) + 1 for _menu, rows in self.groups)
        row_height = self.table.sizeHintForRow(0) if rows_shown else 0
        self.table.setMinimumHeight(
            min(rows_shown * max(row_height, 1) + self.table.header().sizeHint().height() + 8, 480)
        )
        self.resize(max(self.sizeHint().width(), 360), self.sizeHint().height())

    def rows(self) -> list[tuple[str, str, str]]:
        """(menu, command, keys), as shown."""
        return [(menu, command, keys) for menu, rows in self.groups for command, keys in rows]

    @classmethod
    def show_for(cls, parent: QWidget, bar: QMenuBar) -> ShortcutsDialog:
        """Shows the list beside ``parent`` (not modal: it can stay open while trying keys);
        a second request raises the one already open."""
        for dialog in parent.findChildren(ShortcutsDialog):
            if dialog.isVisible():
                dialog.raise_()
                dialog.activateWindow()
                return dialog
        dialog = cls(bar, parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog


def app_version() -> str:
    from importlib import metadata

    from desktop_app import __version__

    try:
        return metadata.version("image-variations")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return __version__


def key_whereabouts(keyring: str, from_environment: bool) -> str:
    """The About box's line on the key, given the keyring's name ("Secret Service (GNOME
    Keyring)") and whether ``OPENAI_API_KEY`` is set."""
    if keyring == "No system keyring":
        kept = (
            "There is no system keyring here, so a key typed in Settings is kept for this "
            "session only, never in a file."
        )
    else:
        kept = f"Your API key is kept in {keyring}, never in a file."
    if from_environment:
        kept += " The key in use now comes from the OPENAI_API_KEY environment variable."
    return kept


class AboutBox(QMessageBox):
    """Help → About: the name, the version and where the key is kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from desktop_app import APP_NAME

        self.setWindowTitle(f"About {APP_NAME}")
        self.setObjectName("about")
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setText(f"<h3>{html.escape(APP_NAME)}</h3>Version {html.escape(app_version())}")
        self._key_line = KEYRING_UNKNOWN
        self._show_informative()
        self.setStandardButtons(QMessageBox.StandardButton.Close)
        # Room for the key's line on a few lines, not one word per line.
        informative = self.findChild(QLabel, "qt_msgbox_informativelabel")
        if informative is not None:
            informative.setMinimumWidth(informative.fontMetrics().averageCharWidth() * 48)
        icon = QApplication.windowIcon()
        if not icon.isNull():
            self.setIconPixmap(icon.pixmap(QSize(64, 64), self.devicePixelRatioF()))

    def set_key_line(self, line: str) -> None:
        self._key_line = line
        self._show_informative()

    def key_line(self) -> str:
        return self._key_line

    def _show_informative(self) -> None:
        self.setInformativeText(
            f"<p>{html.escape(TAGLINE)}</p><p>{html.escape(self._key_line)}</p>"
        )

    @classmethod
    def show_for(
        cls,
        parent: QWidget,
        keyring: Callable[[], str] | None = None,
        runner: TaskRunner | None = None,
    ) -> AboutBox:
        """Opens the box (window-modal, without blocking); ``keyring``, run by ``runner`` off
        the GUI thread (the keyring may ask D-Bus), gives the line on where the key is kept."""
        box = cls(parent)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if keyring is not None and runner is not None:

            async def ask(_sink: object) -> str:
                return keyring()

            handle = runner.submit("describe the keyring", ask)

            def tell(line: str) -> None:
                if shiboken6.isValid(box):  # it may have been closed meanwhile
                    box.set_key_line(line)

            handle.succeeded.connect(tell)
        box.open()
        return box
