"""The history as a Qt list model: the library's runs, newest first, a page at a time.

The first page is read at once (the list must not open empty); later pages are read on a
background thread when the view nears the end. A page is read with the library's light query
(:meth:`Library.run_summaries`: plain tuples, paged by key), a few milliseconds at any depth, so
that the reading thread holds the GIL the GUI thread needs as briefly as can be. A search or the
starred filter starts over from the first page; every start bumps a generation number so a page
that arrives after it is dropped.

Thumbnails are not roles: the delegate asks :meth:`thumbnail` for the size it paints, gets a
pixmap from the cache or None (it paints a placeholder), and the row is repainted when the
decode arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final, NamedTuple

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QPixmap

from desktop_app.core.framing_words import framing_words
from desktop_app.core.library import Library, Outcome, RunRecord
from desktop_app.core.library.rows import PageKey, RunSummary
from desktop_app.qt.pool import Courier
from desktop_app.ui.history import wording
from desktop_app.ui.history.loading import ThumbnailCache

PAGE_SIZE = 100
PREFETCH_ROWS = 40  # start reading the next page when a row this close to the end is shown
RUN_ROLE = Qt.ItemDataRole.UserRole + 1
WAITING_LIMIT = 400  # pictures whose rows wait for a thumbnail, before the stale are forgotten

LibrarySource = Library | Callable[[], Library]
Index = QModelIndex | QPersistentModelIndex


Packed = RunSummary
"""A :class:`RunRow` as the model keeps it, and as :meth:`Library.run_summaries` reads it: a
plain tuple of strings, numbers and a datetime."""

_ID: Final = 0  # where the id and the time are in a Packed
_CREATED: Final = 1
_OUTCOMES = {outcome.value: outcome for outcome in Outcome}


class RunRow(NamedTuple):
    """What a row of the list shows of a run.

    The model keeps no :class:`RunRecord`: one is ~110 objects the garbage collector walks
    (paths, dicts, results), and with thousands loaded a full collection (which any thread
    may start, holding the GIL) stalled the GUI thread for 50-140 ms. It keeps each row
    :meth:`packed` in an exact tuple of atoms, which the collector stops tracking after its
    first pass (a named tuple would stay tracked). The whole record is read again, by id, for
    the run the user acts on (:meth:`HistoryModel.run_at`).
    """

    id: str
    created: datetime
    prompt: str | None
    model: str | None
    mode: str
    source_name: str
    source_path: str
    result_paths: tuple[str, ...]  # every result, in order (the delegate shows the first few)
    cost: float | None
    estimated_cost: float | None
    outcome: Outcome
    favourite: bool
    framing: str = ""  # "3:2 · region 23 %"; "" for a square (core/framing_words.py)

    @classmethod
    def of(cls, run: RunRecord) -> RunRow:
        return cls(
            id=run.id,
            created=run.created,
            prompt=run.prompt,
            model=run.model,
            mode=run.mode,
            source_name=run.source_name,
            source_path=str(run.source_path),
            result_paths=tuple(str(result.path) for result in run.results),
            cost=run.cost,
            estimated_cost=run.estimated_cost,
            outcome=run.outcome,
            favourite=run.favourite,
            framing=framing_words(run.parameters),
        )

    def packed(self) -> Packed:
        return (
            self.id,
            self.created,
            self.prompt,
            self.model,
            self.mode,
            self.source_name,
            self.source_path,
            self.result_paths,
            self.cost,
            self.estimated_cost,
            self.outcome.value,
            self.favourite,
            self.framing,
        )

    @classmethod
    def unpacked(cls, packed: Packed) -> RunRow:
        return cls(*packed[:10], _OUTCOMES[packed[10]], packed[11], packed[12])


def read_rows(
    library: Library, search: str, favourites_only: bool, after: PageKey | None = None
) -> list[Packed]:
    """One page of packed rows, after the run keyed ``after`` (safe on any thread: the library
    is). Its light query makes no record: a page costs a few milliseconds at any depth."""
    return library.run_summaries(
        search=search, favourites_only=favourites_only, limit=PAGE_SIZE, after=after
    )


class HistoryModel(QAbstractListModel):
    """Runs of a :class:`Library` for a list view; one row per run (``RUN_ROLE``: a
    :class:`RunRow`)."""

    totalChanged = Signal(int)
    """How many runs match the search and filter; after :meth:`refresh` and every change."""

    def __init__(self, library: LibrarySource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = library
        self._library: Library | None = library if isinstance(library, Library) else None
        self._search = ""
        self._favourites_only = False
        self._runs: list[Packed] = []
        self._row_of: dict[str, int] = {}
        self._total = 0
        self._generation = 0
        self._page_ticket: int | None = None
        self._loaded = False
        self._pages = Courier(1, self)
        self.thumbnails = ThumbnailCache(parent=self)
        self.thumbnails.ready.connect(self.on_thumbnail_ready)
        self._waiting: dict[str, set[str]] = {}  # picture -> runs whose row shows it
        self._repaint_span: tuple[int, int] | None = None
        self._repaint_timer = QTimer(self)
        self._repaint_timer.setSingleShot(True)
        self._repaint_timer.setInterval(0)
        self._repaint_timer.timeout.connect(self._repaint_rows)

    # --- what the view reads -------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._runs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._runs):
            return None
        run = RunRow.unpacked(self._runs[index.row()])
        if index.row() >= len(self._runs) - PREFETCH_ROWS and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())  # only starts a background read: safe while painting
        if role == RUN_ROLE:
            return run
        if role == Qt.ItemDataRole.DisplayRole:
            return wording.title(run)
        if role == Qt.ItemDataRole.ToolTipRole:
            return wording.describe_run(run, "\n")  # one fact a line: a long line is unread
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return wording.describe_run(run)
        return None

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and len(self._runs) < self._total

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._page_ticket is not None or not self.canFetchMore(parent):
            return
        library, search, starred = self.library(), self._search, self._favourites_only
        after, generation = self._last_key(), self._generation
        self._page_ticket = self._pages.send(
            lambda: read_rows(library, search, starred, after),
            lambda page: self._on_page(generation, after, page),
        )

    # --- what the panel calls ------------------------------------------------------------

    def library(self) -> Library:
        """The library, opened on first need when the model was given a function for it."""
        if self._library is None:
            assert callable(self._source)
            self._library = self._source()
        return self._library

    def is_loaded(self) -> bool:
        """Whether the first page has been read (by :meth:`refresh`)."""
        return self._loaded

    def total(self) -> int:
        return self._total

    def search(self) -> str:
        return self._search

    def favourites_only(self) -> bool:
        return self._favourites_only

    def set_filter(self, search: str, favourites_only: bool) -> None:
        """Shows only the runs matching every word of ``search`` (prompt, model, file name)."""
        self._search = search.strip()
        self._favourites_only = favourites_only
        self.refresh()

    def refresh(self) -> None:
        """Starts over from the newest run (after a new run, or a change made elsewhere)."""
        library = self.library()
        self._generation += 1
        if self._page_ticket is not None:
            self._pages.cancel(self._page_ticket)
            self._page_ticket = None
        search, starred = self._search, self._favourites_only
        first = read_rows(library, search, starred)
        total = len(first)
        if total == PAGE_SIZE:
            total = library.count_runs(search=search, favourites_only=starred)
        self.beginResetModel()
        self._runs = first
        self._total = total
        self._waiting.clear()
        self._reindex()
        self._loaded = True
        self.endResetModel()
        self.totalChanged.emit(self._total)

    def row_at(self, row: int) -> RunRow | None:
        """What the list shows of the run at ``row`` (cheap: painting calls it)."""
        return RunRow.unpacked(self._runs[row]) if 0 <= row < len(self._runs) else None

    def run_at(self, row: int) -> RunRecord | None:
        """The whole record of the run at ``row``, read from the library (a query: for the
        run the user acts on, not for painting)."""
        shown = self.row_at(row)
        return None if shown is None else self.library().run(shown.id)

    def row_of(self, run_id: str) -> int | None:
        return self._row_of.get(run_id)

    def set_favourite(self, run_id: str, favourite: bool) -> None:
        """Stars or unstars a run. It stays listed under the starred filter until the next
        refresh, so that an unstar by mistake is one click to take back."""
        self.library().set_favourite(run_id, favourite)
        row = self._row_of.get(run_id)
        if row is not None:
            shown = RunRow.unpacked(self._runs[row])
            self._runs[row] = shown._replace(favourite=favourite).packed()
            index = self.index(row)
            self.dataChanged.emit(index, index, [RUN_ROLE])

    def delete_run(self, run_id: str) -> None:
        """Moves a run to the library's trash and takes its row away at once."""
        self.library().delete_run(run_id)
        row = self._row_of.get(run_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._runs[row]
        self._total -= 1
        self._reindex()
        self.endRemoveRows()
        self.totalChanged.emit(self._total)

    def restore_run(self, run_id: str) -> int | None:
        """Undoes :meth:`delete_run`; returns the row the run is back in, if it is loaded."""
        library = self.library()
        library.restore_run(run_id)
        record = library.run(run_id)
        if record is None:
            return None
        run = RunRow.of(record)
        if not self._matches(run):
            return None
        row = self._insertion_row(run)
        self._total += 1
        if row is None:  # older than every loaded run: a later page brings it
            self.totalChanged.emit(self._total)
            return None
        self.beginInsertRows(QModelIndex(), row, row)
        self._runs.insert(row, run.packed())
        self._reindex()
        self.endInsertRows()
        self.totalChanged.emit(self._total)
        return row

    def thumbnail(self, run_id: str, path: str, side_px: int) -> QPixmap | None:
        """The thumbnail of ``path`` for the row of ``run_id``, or None while it is decoded:
        the row is repainted when it arrives. A null pixmap means "could not be read"."""
        pixmap = self.thumbnails.get(path, side_px)
        if pixmap is None:
            self._waiting.setdefault(path, set()).add(run_id)
            if len(self._waiting) > WAITING_LIMIT:
                # Requests for rows scrolled past are dropped by the cache, never answered:
                # forget them (a row asks again when it is painted again).
                wanted = self.thumbnails.wanted()
                self._waiting = {key: ids for key, ids in self._waiting.items() if key in wanted}
        return pixmap

    def wait_idle(self, msecs: int = 5000) -> bool:
        """Drops queued background work and waits for the running jobs (shutdown, tests)."""
        self._page_ticket = None
        pages_done = self._pages.wait(msecs)
        return self.thumbnails.wait(msecs) and pages_done

    def on_thumbnail_ready(self, path: str) -> None:
        # A source is shared by many runs, so one picture can stand in hundreds of rows: one
        # dataChanged over their span per turn of the event loop, not one per row and picture.
        rows = [
            row
            for run_id in self._waiting.pop(path, ())
            if (row := self._row_of.get(run_id)) is not None
        ]
        if not rows:
            return
        low, high = min(rows), max(rows)
        if self._repaint_span is not None:
            low, high = min(low, self._repaint_span[0]), max(high, self._repaint_span[1])
        self._repaint_span = (low, high)
        if not self._repaint_timer.isActive():
            self._repaint_timer.start()

    def _repaint_rows(self) -> None:
        span, self._repaint_span = self._repaint_span, None
        if span is not None and span[1] < len(self._runs):
            roles = [Qt.ItemDataRole.DecorationRole]
            self.dataChanged.emit(self.index(span[0]), self.index(span[1]), roles)

    # --- inside ------------------------------------------------------------------------------

    def _on_page(self, generation: int, after: PageKey | None, page: list[Packed] | None) -> None:
        self._page_ticket = None
        if generation != self._generation or page is None:
            return
        if after != self._last_key():  # the last row was deleted or restored meanwhile: again
            self.fetchMore(QModelIndex())
            return
        fresh = [run for run in page if run[_ID] not in self._row_of]
        if not page:  # the library holds fewer than counted (deleted elsewhere): stop here
            self._total = len(self._runs)
            self.totalChanged.emit(self._total)
            return
        if not fresh:
            return
        first = len(self._runs)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._runs.extend(fresh)
        for row, run in enumerate(fresh, start=first):
            self._row_of[run[_ID]] = row
        self.endInsertRows()

    def _last_key(self) -> PageKey | None:
        """Where the next page starts: after the last row loaded (by key, so that a row deleted
        or restored above it moves nothing)."""
        if not self._runs:
            return None
        last = self._runs[-1]
        return last[_CREATED], last[_ID]

    def _reindex(self) -> None:
        self._row_of = {run[_ID]: row for row, run in enumerate(self._runs)}

    def _matches(self, run: RunRow) -> bool:
        if self._favourites_only and not run.favourite:
            return False
        haystack = "\x1f".join((run.prompt or "", run.model or "", run.source_name)).casefold()
        return all(word in haystack for word in self._search.casefold().split())

    def _insertion_row(self, run: RunRow) -> int | None:
        """Where ``run`` goes among the loaded rows (newest first, like the library's order)."""
        key = (run.created, run.id)
        for row, other in enumerate(self._runs):
            if (other[_CREATED], other[_ID]) < key:
                return row
        return len(self._runs) if len(self._runs) >= self._total else None
