"""Help → Keyboard shortcuts (read from the menus, so it never drifts from the keys) and
Help → About (name, version, where the key is kept)."""

from __future__ import annotations

from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from desktop_app import APP_NAME, __version__
from desktop_app.ui.help import AboutBox, ShortcutsDialog, app_version, key_whereabouts, plain
from desktop_app.ui.main_window import MainWindow

DialogT = TypeVar("DialogT", ShortcutsDialog, AboutBox)

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def _open_shortcuts(qtbot: QtBot, window: MainWindow) -> ShortcutsDialog:
    window.menus.shortcuts.trigger()
    qtbot.waitUntil(lambda: bool(_visible(window, ShortcutsDialog)), timeout=30_000)
    [dialog] = _visible(window, ShortcutsDialog)
    return dialog


def _visible(window: MainWindow, kind: type[DialogT]) -> list[DialogT]:
    return [d for d in window.findChildren(kind) if d.isVisible()]


def test_the_shortcuts_list_names_every_key_of_ux_md(qtbot: QtBot, window: MainWindow) -> None:
    dialog = _open_shortcuts(qtbot, window)
    assert dialog.windowTitle() == "Keyboard shortcuts"
    assert not dialog.isModal()  # it may stay open while the keys are tried
    rows = dialog.rows()
    assert ("File", "Open", "Ctrl+O") in rows
    assert ("File", "Paste", "Ctrl+V") in rows
    assert ("File", "Save", "Ctrl+S") in rows
    assert ("File", "Save all", "Ctrl+Shift+S") in rows
    assert ("File", "Settings", "Ctrl+,") in rows
    assert ("File", "Quit", "Ctrl+Q") in rows
    assert ("Edit", "Copy", "Ctrl+C") in rows
    assert ("Edit", "Generate", "Ctrl+Return or Ctrl+Enter") in rows
    assert ("Edit", "Cancel", "Esc") in rows
    assert ("View", "History", "Ctrl+H") in rows
    assert ("View", "Batch", "Ctrl+B") in rows
    assert ("Help", "Keyboard shortcuts", "F1") in rows
    # What is shown is what the table holds: one group per menu, one row per command.
    table = dialog.table
    groups = [table.topLevelItem(g) for g in range(table.topLevelItemCount())]
    shown = []
    for group in groups:
        assert group is not None
        for c in range(group.childCount()):
            item = group.child(c)
            assert item is not None
            shown.append((group.text(0), item.text(0), item.text(1)))
    assert shown == rows
    assert [g.text(0) for g in groups if g is not None] == ["File", "Edit", "View", "Help"]
    # All of it readable without scrolling.
    assert table.verticalScrollBar().maximum() == 0 or not table.verticalScrollBar().isVisible()


def test_the_list_is_read_from_the_actions_so_it_never_drifts(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.commands.history.setShortcut(QKeySequence("Ctrl+Shift+H"))
    extra = QAction("&Zoom to fit", window)
    extra.setShortcut(QKeySequence("Ctrl+0"))
    window.menus.view.addAction(extra)
    window.menus.view.addAction(QAction("No key here", window))
    dialog = _open_shortcuts(qtbot, window)
    view = [row for row in dialog.rows() if row[0] == "View"]
    assert view == [
        ("View", "History", "Ctrl+Shift+H"),
        ("View", "Batch", "Ctrl+B"),
        ("View", "Zoom to fit", "Ctrl+0"),
    ]


def test_f1_and_a_second_request_show_the_one_list(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=30_000)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: bool(_visible(window, ShortcutsDialog)), timeout=30_000)
    window.menus.shortcuts.trigger()
    assert len(_visible(window, ShortcutsDialog)) == 1
    [dialog] = _visible(window, ShortcutsDialog)
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    close = buttons.button(QDialogButtonBox.StandardButton.Close)
    close.click()
    qtbot.waitUntil(lambda: not _visible(window, ShortcutsDialog), timeout=30_000)


def test_about_names_the_app_its_version_and_where_the_key_is(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.menus.about.trigger()
    qtbot.waitUntil(lambda: bool(_visible(window, AboutBox)), timeout=30_000)
    [box] = _visible(window, AboutBox)
    assert box.windowTitle() == f"About {APP_NAME}"
    assert box.windowModality() == Qt.WindowModality.WindowModal  # open(), not a blocking exec
    assert box.text() == f"<h3>{APP_NAME}</h3>Version {app_version()}"
    assert app_version() == __version__
    # The keyring's name comes from a worker; the tests' keyring is called "Test keyring".
    qtbot.waitUntil(lambda: "Test keyring" in box.key_line(), timeout=30_000)
    assert box.key_line() == "Your API key is kept in Test keyring, never in a file."
    assert "never in a file" in box.informativeText()
    box.button(QMessageBox.StandardButton.Close).click()
    qtbot.waitUntil(lambda: not _visible(window, AboutBox), timeout=30_000)


def test_about_closed_before_the_keyring_answers_is_fine(qtbot: QtBot, window: MainWindow) -> None:
    window.menus.about.trigger()
    [box] = _visible(window, AboutBox)
    box.done(0)  # closed (and deleted) at once; the worker's answer must find nothing to fill
    qtbot.waitUntil(lambda: not _visible(window, AboutBox), timeout=30_000)
    window.menus.about.trigger()  # a fresh one still works
    [again] = _visible(window, AboutBox)
    qtbot.waitUntil(lambda: "Test keyring" in again.key_line(), timeout=30_000)
    again.done(0)


def test_key_whereabouts_in_words() -> None:
    assert (
        key_whereabouts("KDE Wallet", False)
        == "Your API key is kept in KDE Wallet, never in a file."
    )
    line = key_whereabouts("Secret Service (GNOME Keyring)", True)
    assert line.startswith("Your API key is kept in Secret Service (GNOME Keyring)")
    assert "OPENAI_API_KEY environment variable" in line
    assert "for this session only" in key_whereabouts("No system keyring", False)


def test_menu_texts_read_plainly() -> None:
    assert plain("&Open…") == "Open"
    assert plain("Save &all…") == "Save all"
    assert plain("Fish && &Chips") == "Fish & Chips"
    assert plain("Se&ttings…") == "Settings"
