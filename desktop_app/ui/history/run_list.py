"""The list of runs: a one-column table that looks and acts like a list, its rows as tall as
the delegate's arrangement for the list's width."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from desktop_app.ui.history.delegate import row_height


class RunList(QTableView):
    """The list of runs: a one-column table without headers or grid, which looks and acts like
    a list.

    Not a ``QListView``: that one lays every row out again each time a page is appended (Qt's
    "be smarter about inserted items" to-do), asking the Python model about each row on the way;
    50 ms of the GUI thread per page at 10,000 rows. A table keeps its rows as the sections of a
    header, in C++, and appending a page costs nothing that grows with the rows above it.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        rows = self.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never measured
        rows.setMinimumSectionSize(1)
        rows.setDefaultSectionSize(row_height(0, self.fontMetrics().height()))
        columns = self.horizontalHeader()
        columns.hide()
        columns.setStretchLastSection(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setCornerButtonEnabled(False)
        self.setTabKeyNavigation(False)  # Tab leaves the list, as from any list
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_rows()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.fit_rows()

    def fit_rows(self) -> None:
        """A narrow list puts the results under the text, so its rows are taller (see the
        delegate). Every row has one height: the header keeps no per-row sizes."""
        height = row_height(self.viewport().width(), self.fontMetrics().height())
        rows = self.verticalHeader()
        if rows.defaultSectionSize() != height:
            rows.setDefaultSectionSize(height)

    def moveCursor(
        self, cursorAction: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        # Home and End go to the first and last run, as in a list (in a table they would go
        # to the first and last column of the row).
        if cursorAction in (
            QAbstractItemView.CursorAction.MoveHome,
            QAbstractItemView.CursorAction.MoveEnd,
        ):
            modifiers |= Qt.KeyboardModifier.ControlModifier
        return super().moveCursor(cursorAction, modifiers)
