"""A dock that never widens the window: beside the panels where there is room for it at its
readable width, else floating over the window like a drawer (see ``dock_placement``).

History and the batch queue are such docks; each builds its contents the first time it is shown
(``build``), so a window that has just started waits for neither.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from desktop_app.qt import dock_placement as placement


class RoomyDock(QDockWidget):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._built = False
        self._floated_for_room = False  # floating because the window was too narrow

    def build(self) -> None:
        """Makes the contents; called once, before the dock is first shown."""

    def setVisible(self, visible: bool) -> None:
        # Every way of showing comes here (a shortcut, the View menu, show(), a restored
        # layout), before the window's layout makes room for the dock by widening the window.
        window = self.parentWidget()
        if visible and self.isHidden() and isinstance(window, QMainWindow):
            self._ensure_built()
            self._choose_place(window)
        super().setVisible(visible)
        if visible and self.isFloating():
            self._keep_on_screen()
            QTimer.singleShot(0, self, self._keep_on_screen)  # once the frame is drawn

    def showEvent(self, event: QShowEvent) -> None:
        self._ensure_built()
        super().showEvent(event)

    def is_drawer(self) -> bool:
        """Floating over the window because the window has no room for it beside the panels."""
        return self.isFloating() and self._floated_for_room

    def _ensure_built(self) -> None:
        if not self._built:
            self._built = True
            self.build()

    def _choose_place(self, window: QMainWindow) -> None:
        if placement.has_room(window, self):
            if self._floated_for_room:  # the window has grown since: back beside it
                self.setFloating(False)
                self._floated_for_room = False
            return
        if self.isFloating() and not self._floated_for_room:
            return  # the user floated it: theirs to place
        self.setFloating(True)
        self._floated_for_room = True
        frame = placement.drawer_frame(
            window.frameGeometry(),
            window.screen().availableGeometry(),
            placement.frame_width(self.sizeHint().width(), self),  # its rows whole inside
        )
        self.setGeometry(placement.contents_of(frame, self))

    def _keep_on_screen(self) -> None:
        if not self.isFloating() or not self.isVisible():
            return
        frame = self.frameGeometry()
        fitted = placement.inside(frame, self.screen().availableGeometry())
        if fitted != frame:
            self.setGeometry(placement.contents_of(fitted, self))
