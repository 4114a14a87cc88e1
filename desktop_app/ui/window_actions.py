"""The window's commands: one ``QAction`` each, with shortcut, tooltip and icon; and the toolbar.

Kept in one place so that the keyboard map (UX.md: Ctrl+O, Ctrl+V, Ctrl+Return, Esc, Ctrl+S,
Ctrl+Shift+S, Ctrl+C, Ctrl+, Ctrl+H, Ctrl+Q) reads as a list; the window only connects them.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStyle, QToolBar, QWidget

# QKeySequence.StandardKey.Preferences is empty on Linux and Windows, so the settings get the
# macOS convention everywhere.
SETTINGS_SHORTCUT = "Ctrl+,"


@dataclass(frozen=True)
class WindowActions:
    open: QAction
    paste: QAction
    generate: QAction
    cancel: QAction
    save: QAction
    save_all: QAction
    copy: QAction
    settings: QAction
    history: QAction
    quit: QAction


def build_actions(window: QMainWindow, results: QWidget, history: QDockWidget) -> WindowActions:
    """Makes the actions (window-wide shortcuts; Copy only where the results are) and the
    toolbar."""
    style = window.style()

    def action(
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        tip: str,
        icon: QStyle.StandardPixmap | None = None,
    ) -> QAction:
        act = QAction(text, window)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            act.setIcon(style.standardIcon(icon))
        shown = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        act.setToolTip(f"{tip} ({shown})" if shown else tip)
        act.setStatusTip(tip)
        window.addAction(act)
        return act

    open_action = action(
        "&Open…",
        QKeySequence.StandardKey.Open,
        "Open pictures",
        QStyle.StandardPixmap.SP_DialogOpenButton,
    )
    paste = action("&Paste", QKeySequence.StandardKey.Paste, "Paste a picture or copied files")
    generate = action("&Generate", "Ctrl+Return", "Make the variations")
    generate.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
    cancel = action("&Cancel", "Esc", "Stop the request")
    save = action(
        "&Save",
        QKeySequence.StandardKey.Save,
        "Save the selected variation",
        QStyle.StandardPixmap.SP_DialogSaveButton,
    )
    save_all = action("Save &all…", "Ctrl+Shift+S", "Save every variation")
    copy = action("&Copy", None, "Copy the selected variation")
    copy.setShortcut(QKeySequence.StandardKey.Copy)
    # Ctrl+C belongs to the results grid; text fields keep their own copy.
    copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    results.addAction(copy)
    settings = action("Se&ttings…", SETTINGS_SHORTCUT, "Connection profiles, API keys, folders")
    history_action = history.toggleViewAction()
    history_action.setText("&History")
    history_action.setShortcut(QKeySequence("Ctrl+H"))
    history_action.setToolTip("Every run kept in the library (Ctrl+H)")
    history_action.setStatusTip("Every run kept in the library: reopen, save, vary")
    window.addAction(history_action)
    quit_action = action("&Quit", QKeySequence.StandardKey.Quit, "Quit Image Variations")
    quit_action.setMenuRole(QAction.MenuRole.QuitRole)

    toolbar = QToolBar("Main")
    toolbar.setObjectName("main-toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addAction(open_action)
    toolbar.addAction(paste)
    toolbar.addSeparator()
    toolbar.addAction(history_action)
    toolbar.addAction(settings)
    window.addToolBar(toolbar)
    return WindowActions(
        open=open_action,
        paste=paste,
        generate=generate,
        cancel=cancel,
        save=save,
        save_all=save_all,
        copy=copy,
        settings=settings,
        history=history_action,
        quit=quit_action,
    )
