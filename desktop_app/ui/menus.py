"""The menu bar: File, Edit, View and Help, made of the window's own commands.

Every command is the ``QAction`` that ``window_actions.build_actions`` made, so a menu item, its
toolbar button and its shortcut are one thing: enabling, text and keys never disagree. Help adds
the two actions only it has: the list of keyboard shortcuts (read from these menus) and About.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMenuBar

if TYPE_CHECKING:
    from desktop_app.qt.tasks import TaskRunner
    from desktop_app.ui.window_actions import WindowActions


@dataclass(frozen=True)
class Menus:
    bar: QMenuBar
    file: QMenu
    edit: QMenu
    view: QMenu
    help: QMenu
    shortcuts: QAction  # Help → Keyboard shortcuts
    about: QAction  # Help → About Image Variations


def build_menus(
    window: QMainWindow,
    actions: WindowActions,
    *,
    key_whereabouts: Callable[[], str] | None = None,
    runner: TaskRunner | None = None,
) -> Menus:
    """Puts ``actions`` into the window's menu bar. Help → About says where the key is kept:
    ``key_whereabouts`` says it in a sentence, run by ``runner`` off the GUI thread."""
    from desktop_app import APP_NAME

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([actions.open, actions.paste])
    file_menu.addSeparator()
    file_menu.addActions([actions.save, actions.save_all])
    file_menu.addSeparator()
    file_menu.addAction(actions.settings)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)

    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(actions.copy)
    edit_menu.addAction(actions.region)
    edit_menu.addSeparator()
    edit_menu.addActions([actions.generate, actions.cancel])

    view_menu = bar.addMenu("&View")
    view_menu.addAction(actions.history)
    view_menu.addAction(actions.batch)

    help_menu = bar.addMenu("&Help")
    shortcuts = QAction("&Keyboard shortcuts", window)
    shortcuts.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    shortcuts.setStatusTip("Every shortcut of the window, in one list")
    window.addAction(shortcuts)  # F1 works with the menus closed too
    about = QAction(f"&About {APP_NAME}", window)
    about.setStatusTip("Version, and where your API key is kept")
    about.setMenuRole(QAction.MenuRole.AboutRole)
    help_menu.addActions([shortcuts, about])

    def show_shortcuts() -> None:
        from desktop_app.ui.help import ShortcutsDialog

        ShortcutsDialog.show_for(window, bar)

    def show_about() -> None:
        from desktop_app.ui.help import AboutBox

        AboutBox.show_for(window, key_whereabouts, runner)

    shortcuts.triggered.connect(show_shortcuts)
    about.triggered.connect(show_about)
    return Menus(bar, file_menu, edit_menu, view_menu, help_menu, shortcuts, about)
