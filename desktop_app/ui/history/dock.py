"""The history beside the window, in a dock the user shows with Ctrl+H.

The panel is built the first time the dock is shown: it reads the library and decodes
thumbnails, which a window that has just started should not wait for. Shown in a window too
narrow for it, the dock floats instead of widening the window (``qt/roomy_dock.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from desktop_app.qt.roomy_dock import RoomyDock

if TYPE_CHECKING:
    from desktop_app.session.session import Session
    from desktop_app.ui.history.panel import HistoryPanel


class HistoryDock(RoomyDock):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("History", parent)
        self.setObjectName("history-dock")  # saveState needs a name
        self.setAccessibleName("History")
        self._session = session
        self.panel: HistoryPanel | None = None

    def build(self) -> None:
        from desktop_app.ui.history.panel import HistoryPanel

        session = self._session
        panel = HistoryPanel(session.library.get)
        panel.reopenRequested.connect(session.reopen_run)
        panel.saveRequested.connect(self._save)
        panel.varyRequested.connect(session.vary_stored)
        panel.resultActivated.connect(self._reopen_result)
        session.runFinished.connect(self.refresh)
        self.panel = panel
        self.setWidget(panel)

    def refresh(self) -> None:
        """A run was recorded: show it (and the new totals)."""
        if self.panel is not None:
            self.panel.refresh()
            self.panel.update_totals()

    def _save(self, result_ids: list[str]) -> None:
        handle = self._session.save_stored(result_ids)
        panel = self.panel
        if panel is not None:

            def remember(paths: list[Path]) -> None:
                panel.remember_saved(result_ids, paths)

            handle.succeeded.connect(remember)

    def _reopen_result(self, result_id: str) -> None:
        import sqlite3  # start-up: this dock is built before the first paint, sqlite3 need not be

        try:
            stored = self._session.library.get().result(result_id)
        except (OSError, sqlite3.Error):
            stored = None
        if stored is None:
            self._session.problem.emit("That picture is no longer in the library.")
            return
        self._session.reopen_run(stored.run_id)

    def shutdown(self, msecs: int = 2000) -> None:
        if self.panel is not None:
            self.panel.shutdown(msecs)
