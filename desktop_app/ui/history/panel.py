"""The history: every run, newest first, to search, star, delete (with undo), reopen, save again,
vary again, show in its folder, and see as a family tree.

The panel only shows the library and reports intent through signals; the window wires them
(reopening a run, saving files, starting a "Vary this"). Starring and deleting are the panel's
own business: they change only the library. The library may be given as a function, so that the
window opens it on first need: the panel calls it when it is first shown or refreshed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPalette,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.cost import format_usd
from desktop_app.core.library import RunRecord
from desktop_app.core.library.files import result_id
from desktop_app.ui.history import wording
from desktop_app.ui.history.delegate import RunDelegate
from desktop_app.ui.history.flow import FlowLayout
from desktop_app.ui.history.lineage import LineageDialog
from desktop_app.ui.history.model import HistoryModel, LibrarySource, RunRow
from desktop_app.ui.history.run_list import RunList

SEARCH_DELAY_MS = 250  # typing pauses this long before the list follows
SCROLL_SETTLE_MS = 120  # thumbnails start decoding once scrolling pauses this long
EMPTY_TEXT = "No runs yet: your variations will be kept here."
SHOW_IN_FOLDER = "Show in folder"
# The dock's first width: a narrow row's text column must hold its longest status and cost
# whole. The thumbnail column, the star and the panel's own margins, frame and scroll bar
# come around it.
_WIDEST_STATUS = "Partly received · about $0.000"
_AROUND_THE_TEXT = 170
_LEAST_DEFAULT_WIDTH = 340


class HistoryPanel(QWidget):
    """Runs of the library with search, stars, delete and undo, and actions on the selection."""

    reopenRequested = Signal(str)
    """(run id): show this run in the window again (Enter, double-click, Reopen)."""
    saveRequested = Signal(list)
    """(list of result ids): save these pictures again, to the user's save folder."""
    varyRequested = Signal(str)
    """(result id): make variations of this picture ("Vary this")."""
    resultActivated = Signal(str)
    """(result id): a picture was activated in the family tree; the window shows it."""

    def __init__(self, library: LibrarySource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("History")
        self._model = HistoryModel(library, self)
        self._deleted: list[RunRow] = []  # newest last: what Undo brings back
        self.lineage_dialog: LineageDialog | None = None
        self.saved_folders: dict[str, Path] = {}  # result id -> where it was saved last

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search history")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search history")
        self.search.setToolTip(
            "Keeps the runs whose prompt, model or file name has every word (Ctrl+F)"
        )
        self.starred_only = QCheckBox("Starred only")
        self.starred_only.setToolTip("Show only the runs you starred")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._search_timer.start)
        self.starred_only.toggled.connect(self.apply_filter)

        self.delegate = RunDelegate(self._model, self)
        self.delegate.starClicked.connect(self.on_star_clicked)
        self.delegate.resultClicked.connect(self.on_result_clicked)
        self.list = RunList()
        self.list.setModel(self._model)
        self.list.setItemDelegate(self.delegate)
        self.list.setAccessibleName("Runs")
        self.list.setToolTip(
            "Enter reopens · Delete deletes · Left/Right choose a picture · Ctrl+D stars"
        )
        self.list.activated.connect(self.on_activated)
        self.list.verticalScrollBar().valueChanged.connect(self.on_scrolled)
        self.list.selectionModel().currentChanged.connect(self.on_current_changed)
        self.list.installEventFilter(self)
        self.search.installEventFilter(self)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._pages = QStackedWidget()
        self._pages.addWidget(self.list)
        self._pages.addWidget(self.empty_label)

        self.undo_label = QLabel()
        self.undo_label.setWordWrap(True)  # a long name must not widen the dock
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Bring the deleted run back (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_delete)
        self._undo_bar = QWidget()
        undo_row = QHBoxLayout(self._undo_bar)
        undo_row.setContentsMargins(0, 0, 0, 0)
        undo_row.addWidget(self.undo_label, 1)
        undo_row.addWidget(self.undo_button)
        self._undo_bar.hide()

        self.reopen_button = _button("Reopen", "Show this run in the window again (Enter)")
        self.save_button = _button("Save again", "Save this run's pictures again")
        self.vary_button = _button("Vary this", "Make variations of the chosen picture")
        self.folder_button = _button(SHOW_IN_FOLDER, "Open the folder that holds this picture")
        self.tree_button = _button("Family tree", "Which variation came from which")
        self.star_button = _button("Star", "Star or unstar this run (Ctrl+D)")
        self.delete_button = _button("Delete", "Delete this run; you can undo it (Delete)")
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.save_button.clicked.connect(self.save_selected)
        self.vary_button.clicked.connect(self.vary_selected)
        self.folder_button.clicked.connect(self.show_in_folder)
        self.tree_button.clicked.connect(self.show_family_tree)
        self.star_button.clicked.connect(self.toggle_star)
        self.delete_button.clicked.connect(self.delete_selected)

        self.totals_label = QLabel()
        self.totals_label.setWordWrap(True)
        self.totals_label.setAccessibleName("Spending")
        self.totals_label.setToolTip("What your runs cost, from the usage OpenAI reported")
        self.count_label = QLabel()
        self.count_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.starred_only)
        # Wrapping, so that the panel is as narrow as its widest button (see flow.py).
        actions = FlowLayout()
        for button in (
            self.reopen_button,
            self.vary_button,
            self.save_button,
            self.folder_button,
            self.tree_button,
            self.star_button,
            self.delete_button,
        ):
            actions.addWidget(button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.totals_label, 1)
        bottom.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._pages, 1)
        layout.addWidget(self._undo_bar)
        layout.addLayout(actions)
        layout.addLayout(bottom)

        self._shortcut(QKeySequence.StandardKey.Find, self.focus_search)
        self._shortcut(QKeySequence.StandardKey.Undo, self.undo_delete)
        self._shortcut(QKeySequence("Ctrl+D"), self.toggle_star)

        self._model.modelReset.connect(self.on_rows_changed)
        self._model.rowsInserted.connect(self.on_rows_changed)
        self._model.rowsRemoved.connect(self.on_rows_changed)
        self._model.dataChanged.connect(self.on_data_changed)
        self._update_actions()

    # --- what the window calls ---------------------------------------------------------------

    def model(self) -> HistoryModel:
        return self._model

    def refresh(self) -> None:
        """Reads the newest runs and the spending again (after a run, or a change elsewhere)."""
        self._model.refresh()
        self.update_totals()

    def selected_run(self) -> RunRecord | None:
        """The whole record of the selected run, read from the library."""
        return self._model.run_at(self.list.currentIndex().row())

    def selected_result_id(self) -> str | None:
        """The chosen picture of the selected run (click a thumbnail or press Left/Right)."""
        run = self.selected_run()
        if run is None or not run.results:
            return None
        return run.results[self.delegate.chosen_result(run.id, len(run.results))].id

    def select_run(self, run_id: str) -> bool:
        """Makes ``run_id`` the current row, if it is loaded; True when it is."""
        row = self._model.row_of(run_id)
        if row is None:
            return False
        index = self._model.index(row)
        self.list.setCurrentIndex(index)
        self.list.scrollTo(index)
        return True

    def shutdown(self, msecs: int = 5000) -> bool:
        """Stops the background reads and decodes; True when none is left running."""
        tree_done = self.lineage_dialog is None or self.lineage_dialog.view.wait_idle(msecs)
        return self._model.wait_idle(msecs) and tree_done

    # --- actions -------------------------------------------------------------------------------

    def apply_filter(self) -> None:
        self._search_timer.stop()
        self._model.set_filter(self.search.text(), self.starred_only.isChecked())

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def reopen_selected(self) -> None:
        run = self._selected_row()
        if run is not None:
            self.reopenRequested.emit(run.id)

    def save_selected(self) -> None:
        run = self.selected_run()
        if run is not None and run.results:
            self.saveRequested.emit([result.id for result in run.results])

    def vary_selected(self) -> None:
        result_id = self.selected_result_id()
        if result_id is not None:
            self.varyRequested.emit(result_id)

    def show_family_tree(self) -> None:
        result_id = self.selected_result_id()
        if result_id is None:
            return
        if self.lineage_dialog is not None:
            self.lineage_dialog.view.wait_idle()
            self.lineage_dialog.close()
            self.lineage_dialog.deleteLater()
        self.lineage_dialog = LineageDialog.open_for(self._model.library(), result_id, self)
        self.lineage_dialog.view.resultActivated.connect(self.resultActivated)

    def remember_saved(self, result_ids: Iterable[str], paths: list[Path]) -> None:
        """``result_ids`` were saved as ``paths``: Show in folder opens that folder now."""
        if paths:
            for result_id in result_ids:
                self.saved_folders[result_id] = paths[0].parent
            self._update_actions()

    def chosen_folder(self) -> Path | None:
        """Where the chosen picture is: the folder it was last saved to, else the library's
        folder that keeps it."""
        run = self.selected_run()
        if run is None or not run.results:
            return None
        result = run.results[self.delegate.chosen_result(run.id, len(run.results))]
        saved = self.saved_folders.get(result.id)
        return saved if saved is not None and saved.is_dir() else result.path.parent

    def show_in_folder(self) -> None:
        folder = self.chosen_folder()
        if folder is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def toggle_star(self) -> None:
        run = self._selected_row()
        if run is not None:
            self._model.set_favourite(run.id, not run.favourite)

    def delete_selected(self) -> None:
        run = self._selected_row()
        if run is None:
            return
        row = self.list.currentIndex().row()
        self._model.delete_run(run.id)
        self._deleted.append(run)
        self.undo_label.setText(f"Deleted the run “{wording.title(run)}”.")
        self._undo_bar.show()
        if self._model.rowCount() > 0:
            self.list.setCurrentIndex(self._model.index(min(row, self._model.rowCount() - 1)))

    def undo_delete(self) -> None:
        if not self._deleted:
            return
        run = self._deleted.pop()
        self._model.restore_run(run.id)
        self.select_run(run.id)
        if self._deleted:
            self.undo_label.setText(f"Deleted the run “{wording.title(self._deleted[-1])}”.")
        else:
            self._undo_bar.hide()

    def update_totals(self) -> None:
        library = self._model.library()
        today = date.today().isoformat()
        spent_today = next((amount for day, amount in library.spending("day") if day == today), 0)
        month = library.month_total()
        self.totals_label.setText(
            f"Today {format_usd(spent_today)} · This month {format_usd(month)}"
        )

    # --- slots -------------------------------------------------------------------------------

    def on_activated(self, index: QModelIndex) -> None:
        run = self._model.row_at(index.row())
        if run is not None:
            self.reopenRequested.emit(run.id)

    def on_scrolled(self, _value: int) -> None:
        self._model.thumbnails.defer(SCROLL_SETTLE_MS)

    def on_star_clicked(self, run_id: str) -> None:
        row = self._model.row_of(run_id)
        run = self._model.row_at(row) if row is not None else None
        if run is not None:
            self._model.set_favourite(run_id, not run.favourite)

    def on_result_clicked(self, _run_id: str, _index: int) -> None:
        self._update_actions()  # Show in folder's tooltip follows the chosen picture

    def on_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_actions()

    def on_data_changed(self, *_args: object) -> None:
        self._update_actions()

    def on_rows_changed(self, *_args: object) -> None:
        total = self._model.total()
        self.count_label.setText(f"{total:,} run{'s' if total != 1 else ''}" if total else "")
        if total > 0:
            self._pages.setCurrentWidget(self.list)
            if not self.list.currentIndex().isValid():
                self.list.setCurrentIndex(self._model.index(0))
        else:
            self.empty_label.setText(self._empty_text())
            self._pages.setCurrentWidget(self.empty_label)
        self._update_actions()

    # --- Qt events ---------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        # The dock's first width (QMainWindow gives a dock its size hint): no wider than a row
        # needs, since the window must keep room for its own panels.
        text = QFontMetrics(self.font()).horizontalAdvance(_WIDEST_STATUS)
        width = max(_LEAST_DEFAULT_WIDTH, text + _AROUND_THE_TEXT)
        return QSize(width, super().sizeHint().height())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._model.is_loaded():
            self._model.refresh()
            # The spending queries can wait until the list has been painted.
            QTimer.singleShot(0, self, self.update_totals)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.list and key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
                self._choose_result(-1 if key == Qt.Key.Key_Left else 1)
                return True
            # Keys of the list, not shortcuts: in the search field Delete and Ctrl+Z edit text.
            if watched is self.list and event.matches(QKeySequence.StandardKey.Delete):
                self.delete_selected()
                return True
            if watched is self.list and event.matches(QKeySequence.StandardKey.Undo):
                self.undo_delete()
                return True
            if watched is self.search and key == Qt.Key.Key_Down:
                self.list.setFocus(Qt.FocusReason.TabFocusReason)
                return True
        return super().eventFilter(watched, event)

    # --- inside --------------------------------------------------------------------------------

    def _selected_row(self) -> RunRow | None:
        return self._model.row_at(self.list.currentIndex().row())

    def _choose_result(self, step: int) -> None:
        run = self._selected_row()
        if run is None or not run.result_paths:
            return
        pictures = len(run.result_paths)
        chosen = self.delegate.chosen_result(run.id, pictures) + step
        self.delegate.chosen[run.id] = max(0, min(pictures - 1, chosen))
        self.list.viewport().update()
        self._update_actions()

    def _update_actions(self) -> None:
        run = self._selected_row()  # not the whole record: this runs on every repaint of a row
        has_run = run is not None
        has_results = run is not None and bool(run.result_paths)
        for button in (self.reopen_button, self.star_button, self.delete_button):
            button.setEnabled(has_run)
        for button in (self.save_button, self.vary_button, self.folder_button, self.tree_button):
            button.setEnabled(has_results)
        chosen = self.delegate.chosen_result(run.id, len(run.result_paths)) if run else 0
        saved = run is not None and result_id(run.id, chosen) in self.saved_folders
        self.folder_button.setToolTip(
            "Open the folder this picture was saved to"
            if saved
            else "Open the library folder that keeps this picture"
        )
        self.star_button.setText("Unstar" if run is not None and run.favourite else "Star")

    def _empty_text(self) -> str:
        search = self._model.search()
        if search and self._model.favourites_only():
            return f"No starred runs match “{search}”."
        if search:
            return f"No runs match “{search}”."
        if self._model.favourites_only():
            return "No starred runs yet: click the star beside a run to keep it here."
        return EMPTY_TEXT

    def _shortcut(self, keys: QKeySequence | QKeySequence.StandardKey, slot: object) -> None:
        shortcut = QShortcut(keys, self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(slot)


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAccessibleName(text)
    return button
