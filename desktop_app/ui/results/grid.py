"""The results: one cell per variation of the run, all in view at once.

The cells share the space they are given (``fit``): n = 1 fills it, n = 10 takes as many columns
as make the pictures largest, and nothing needs scrolling unless the window is smaller than any
sensible cell. The grid only displays and reports intent (save, copy, vary, open); the window
owns the bytes and does the work. Thumbnails are decoded off the GUI thread (``thumbnails``);
each run bumps a generation number so a decode that finishes after ``start_run`` or ``clear`` is
dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFocusEvent, QImage, QKeyEvent, QPalette, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.qt.thumbnails import THUMBNAIL_SIZE, Picture, ThumbnailLoader
from desktop_app.qt.viewport import own_viewport
from desktop_app.ui.results.cell import ResultCell
from desktop_app.ui.results.fit import Fit, best_fit

_CELLS_PER_TURN = 1  # ~3 ms of building per turn of the event loop
_TURN_GAP_MS = 2  # not 0: other timers (an animation, a countdown) get their turn in between

_LARGEST_SIDE = 1024  # logical pixels: past this a single variation is large enough
_MARGIN = 6  # around the cells, inside the grid
_SHAPE_TOLERANCE = 0.02  # pictures within 2 % of the cells' shape leave them as they are
# Thumbnails are decoded at the size their cells show them (device pixels), no larger: ten of
# them twice that size held ~5 MB more for a grid that may never grow. A cell that grows past
# its thumbnail gets it decoded again once the resize has settled.
_DECODE_MOST = 1536
_REDECODE_MS = 150  # after the last resize step: a drag decodes nothing until it rests


class ResultsGrid(QWidget):
    """The run's variations as thumbnails; keyboard and mouse select, the window acts."""

    selectionChanged = Signal(int)
    """The selected cell changed (0..n-1). Not emitted when the selection simply disappears
    (``clear``, a new run): the caller did that itself."""
    saveRequested = Signal(int)  # result index: the cell's Save button
    copyRequested = Signal(int)  # result index: the cell's Copy button
    varyRequested = Signal(int)  # result index: "Vary this", the result becomes the new source
    # result index and kind ("subtle", "strong", "region"): a one-click variation of it
    varyChosen = Signal(int, str)
    openRequested = Signal(int)  # result index: double-click or Enter on a finished cell
    dragRequested = Signal(int)  # result index: a finished cell is being dragged out

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("Results")
        self._loader = ThumbnailLoader(self)
        self._loader.ready.connect(self.on_thumbnail_ready)
        self._generation = 0
        self._cells: list[ResultCell] = []
        self._planned = 0  # cells of this run, built or about to be
        self._adding = False  # more cells are due on the next turn of the event loop
        self._finished: set[int] = set()
        self._failed: set[int] = set()
        # Where the finished results' bytes come from (the window's own, or a function reading
        # them from the library), to decode a thumbnail again when its cell grows; and the side
        # each was last decoded for.
        self._data: dict[int, Picture] = {}
        self._decoded_px: dict[int, int] = {}
        self._redecode = QTimer(self)
        self._redecode.setSingleShot(True)
        self._redecode.setInterval(_REDECODE_MS)
        self._redecode.timeout.connect(self._decode_grown)
        self._selected: int | None = None
        probe = ResultCell(0, "1")  # every cell is alike: a throwaway one tells their frame
        self._chrome, self._least = probe.chrome, probe.least_side
        probe.deleteLater()
        self._fit = Fit(1, 1, THUMBNAIL_SIZE, fits=True)
        self._aspect = 1.0  # the run's pictures' width / height: their cells take that shape

        self._content = QWidget()
        self._hint = QLabel("Variations appear here", self._content)
        self._hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self._scroll = QScrollArea(self)
        self._viewport = own_viewport(self._scroll)  # first: a new viewport drops the content
        self._scroll.setWidget(self._content)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        self._scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows move the selection, not it
        self._scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._viewport.installEventFilter(self)  # its size decides the cells' size
        self._viewport.setBackgroundRole(QPalette.ColorRole.Window)
        self._content.setBackgroundRole(QPalette.ColorRole.Window)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._scroll)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._arrange()

    # --- what the window calls ---------------------------------------------------------------

    def start_run(self, count: int, aspect: float = 1.0) -> None:
        """Replaces the result cells with ``count`` placeholders ("Waiting…") of the shape the
        run asked for (``aspect``: width / height; the first picture to arrive corrects it).

        A cell takes ~2.5 ms to build; ten at once would freeze the window for a frame or two,
        so one is built now and the rest one per turn of the event loop (long before any image
        can arrive; one that does anyway gets its cell built on the spot)."""
        self._drop_results()
        self._planned = count
        self._aspect = aspect
        self._arrange()  # the size every cell of this run will have
        self._add_cells(_CELLS_PER_TURN)
        if count:
            self.select(0)  # the frame waits where the first picture will land

    def _add_cells(self, most: int) -> None:
        for index in range(len(self._cells), min(self._planned, len(self._cells) + most)):
            cell = self._new_cell(index, str(index + 1))
            cell.set_waiting()
            self._cells.append(cell)
            self._place(index)
            cell.show()
        if len(self._cells) < self._planned and not self._adding:
            self._adding = True
            QTimer.singleShot(_TURN_GAP_MS, self, self._add_next_cells)

    def _add_next_cells(self) -> None:
        self._adding = False
        self._add_cells(_CELLS_PER_TURN)

    def _ensure_cell(self, index: int) -> None:
        if len(self._cells) <= index < self._planned:
            self._add_cells(index + 1 - len(self._cells))

    def set_partial(self, index: int, data: bytes) -> None:
        """A streamed preview, shown faded and blurred; ignored once the result is in."""
        self._ensure_cell(index)
        if self._is_open(index):
            self._loader.request(
                self._key(index), data, self._thumbnail_px(self._cells[index]), blurred=True
            )

    def set_result(self, index: int, data: bytes | Callable[[], bytes]) -> None:
        """The finished image: its actions work at once, its thumbnail follows when decoded
        (``data``: its bytes, or a function that reads them, called off the GUI thread)."""
        self._ensure_cell(index)
        if not 0 <= index < len(self._cells):
            return
        self._finished.add(index)
        self._failed.discard(index)  # a result that beats its cancel is still kept and shown
        self._cells[index].set_finished_pending()
        self._data[index] = data
        self._decode(index)

    def _decode(self, index: int) -> None:
        side = self._thumbnail_px(self._cells[index])
        self._decoded_px[index] = side
        self._loader.request(self._key(index), self._data[index], side)

    def _decode_grown(self) -> None:
        """Finished thumbnails whose cells now show them larger than they were decoded."""
        for index in sorted(self._data):
            cell = self._cell(index)
            if cell is not None and self._thumbnail_px(cell) > self._decoded_px.get(index, 0):
                self._decode(index)

    def mark_failed(self, indexes: list[int], text: str) -> None:
        """Cells whose image will never come (cancelled, failed) say so with ``text``."""
        if indexes:
            self._ensure_cell(max(indexes))
        for index in indexes:
            if self._is_open(index):
                self._failed.add(index)
                self._loader.forget(self._key(index))
                self._cells[index].set_failed(text)
        self._describe_selection()

    def result_count(self) -> int:
        return self._planned

    def has_result(self, index: int) -> bool:
        """Whether ``set_result`` delivered this result (its thumbnail may still be decoding)."""
        return index in self._finished

    def shows_result(self, index: int) -> bool:
        """Whether the cell shows its finished picture (decoded, no longer the preview)."""
        cell = self._cell(index)
        return (
            cell is not None
            and index in self._finished
            and cell.thumbnail.pixmap() is not None
            and not cell.thumbnail.status.text()
        )

    def thumbnail(self, index: int) -> QPixmap | None:
        """The pixmap shown in a cell, or None while there is none."""
        cell = self._cell(index)
        return cell.thumbnail.pixmap() if cell is not None else None

    def selected_index(self) -> int | None:
        return self._selected

    def select(self, index: int) -> None:
        """Selects a cell; an index that is not shown is ignored."""
        self._ensure_cell(index)
        cell = self._cell(index)
        if cell is None or index == self._selected:
            return
        previous = self._cell(self._selected) if self._selected is not None else None
        if previous is not None:
            previous.set_selected(False)
        self._selected = index
        cell.set_selected(True)
        self._describe_selection()
        self._scroll.ensureWidgetVisible(cell)
        self.selectionChanged.emit(index)

    def clear(self) -> None:
        """Removes every result; the empty hint comes back."""
        self._drop_results()
        self._arrange()

    def cell_rect(self, index: int) -> QRect:
        """Where a cell is, in the grid's own coordinates (empty when there is no such cell)."""
        cell = self._cell(index)
        if cell is None:
            return QRect()
        return QRect(cell.mapTo(self, cell.rect().topLeft()), cell.size())

    def picture_size(self, index: int) -> QSize:
        """The size of a cell's picture place (empty when there is no such cell)."""
        cell = self._cell(index)
        return cell.thumbnail.size() if cell is not None else QSize()

    def visible_rect(self) -> QRect:
        """The part of the grid that shows cells, in its own coordinates."""
        viewport = self._viewport
        return QRect(viewport.mapTo(self, viewport.rect().topLeft()), viewport.size())

    # --- slots -------------------------------------------------------------------------------

    @Slot(object, object)
    def on_thumbnail_ready(self, key: Hashable, image: QImage | None) -> None:
        if not isinstance(key, tuple) or key[0] != self._generation:
            return  # the loader already drops forgotten keys; this guards against reuse
        index: int = key[1]
        if image is None and index not in self._finished:
            return  # a garbled partial preview is not worth a message: the real one follows
        self._show(self._cells[index], image, partial=index not in self._finished)

    @Slot(int)
    def on_cell_pressed(self, index: int) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.select(index)

    @Slot(int)
    def on_cell_activated(self, index: int) -> None:
        self.select(index)
        self._open(index)

    # A cell's button acts on that cell, so it also becomes the selected one.

    @Slot(int)
    def on_cell_save(self, index: int) -> None:
        self.select(index)
        self.saveRequested.emit(index)

    @Slot(int)
    def on_cell_copy(self, index: int) -> None:
        self.select(index)
        self.copyRequested.emit(index)

    @Slot(int)
    def on_cell_vary(self, index: int) -> None:
        self.select(index)
        self.varyRequested.emit(index)

    @Slot(int, str)
    def on_cell_vary_chosen(self, index: int, kind: str) -> None:
        self.select(index)
        self.varyChosen.emit(index, kind)

    # --- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        order = self._order()
        key = event.key()
        if not order:
            super().keyPressEvent(event)
            return
        current = self._selected
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if current is not None:
                self._open(current)
            event.accept()
            return
        target = self._key_target(Qt.Key(key), order, current)
        if target is None:
            super().keyPressEvent(event)
            return
        self.select(target)
        event.accept()

    def _key_target(self, key: Qt.Key, order: list[int], current: int | None) -> int | None:
        if key == Qt.Key.Key_Home:
            return order[0]
        if key == Qt.Key.Key_End:
            return order[-1]
        if key not in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down):
            return None
        if current is None:
            return order[0]  # the first arrow press just shows where the selection is
        position = order.index(current)
        if key == Qt.Key.Key_Left:
            return order[max(0, position - 1)]
        if key == Qt.Key.Key_Right:
            return order[min(len(order) - 1, position + 1)]
        return self._vertical_neighbour(current, up=key == Qt.Key.Key_Up)

    def _vertical_neighbour(self, current: int, *, up: bool) -> int:
        """The cell in the row above or below, nearest in x; the current one at the edge."""
        here = self._cell(current)
        assert here is not None
        cells = [c for c in self._all_cells() if (c.y() < here.y() if up else c.y() > here.y())]
        if not cells:
            return current
        row_y = max(c.y() for c in cells) if up else min(c.y() for c in cells)
        row = [c for c in cells if c.y() == row_y]
        return min(row, key=lambda c: abs(c.x() - here.x())).index

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        order = self._order()
        keyboard = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason)
        tabbed = event.reason() in keyboard
        if tabbed and self._selected is None and order:
            self.select(order[0])  # arriving by keyboard, show where the arrows will start

    # --- internals ---------------------------------------------------------------------------

    def _new_cell(self, index: int, caption: str) -> ResultCell:
        cell = ResultCell(index, caption, self._content)
        cell.pressed.connect(self.on_cell_pressed)
        cell.activated.connect(self.on_cell_activated)
        cell.saveClicked.connect(self.on_cell_save)
        cell.copyClicked.connect(self.on_cell_copy)
        cell.varyClicked.connect(self.on_cell_vary)
        cell.varyChosen.connect(self.on_cell_vary_chosen)
        cell.dragStarted.connect(self.dragRequested)
        return cell

    def _drop_results(self) -> None:
        for index in range(len(self._cells)):
            self._loader.forget(self._key(index))
        self._generation += 1
        self._selected = None
        for cell in self._cells:
            self._remove_cell(cell)
        self._cells = []
        self._planned = 0
        self._finished.clear()
        self._failed.clear()
        self._data.clear()
        self._decoded_px.clear()
        self._redecode.stop()

    def _remove_cell(self, cell: ResultCell) -> None:
        cell.hide()
        cell.deleteLater()

    def _show(self, cell: ResultCell, image: QImage | None, *, partial: bool) -> None:
        if image is None:
            cell.set_unreadable()
        else:
            self._follow_shape(image)
            pixmap = QPixmap.fromImage(image)  # here, on the GUI thread, as pixmaps must be made
            pixmap.setDevicePixelRatio(self.devicePixelRatioF())
            if partial:
                cell.set_partial(pixmap)
            else:
                cell.set_ready(pixmap)
        if cell.index == self._selected:
            self._describe_selection()

    def _follow_shape(self, image: QImage) -> None:
        """Cells take the shape of the pictures that arrive: a model may make another size
        than the one expected (a standard size for a shape, or a reopened run)."""
        aspect = image.width() / max(1, image.height())
        if abs(aspect / self._aspect - 1) > _SHAPE_TOLERANCE:
            self._aspect = aspect
            self._arrange()

    def _describe_selection(self) -> None:
        # Cells never take the focus, so the grid tells a screen reader what is selected.
        cell = self._cell(self._selected)
        text = f"{cell.accessibleName()}, {cell.accessibleDescription()}" if cell else ""
        self.setAccessibleDescription(text)

    def _open(self, index: int) -> None:
        cell = self._cell(index)
        if cell is not None and cell.can_open():
            self.openRequested.emit(index)

    def _is_open(self, index: int) -> bool:
        """Whether a cell still waits for its image (exists, not finished, not failed)."""
        return 0 <= index < len(self._cells) and index not in self._finished | self._failed

    def _cell(self, index: int | None) -> ResultCell | None:
        if index is not None and 0 <= index < len(self._cells):
            return self._cells[index]
        return None

    def _all_cells(self) -> list[ResultCell]:
        return list(self._cells)

    def _order(self) -> list[int]:
        return [cell.index for cell in self._all_cells()]

    def _key(self, index: int) -> tuple[int, int]:
        return (self._generation, index)

    def _thumbnail_px(self, cell: ResultCell) -> int:
        # Device pixels, so thumbnails stay crisp at 200 %.
        longest = max(cell.thumbnail.width(), cell.thumbnail.height())
        side = longest * self.devicePixelRatioF()
        return min(round(side), _DECODE_MOST)

    # --- layout ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self._arrange()
        return super().eventFilter(watched, event)

    def _room(self) -> QSize:
        viewport = self._viewport.size()
        return QSize(viewport.width() - 2 * _MARGIN, viewport.height() - 2 * _MARGIN)

    def _arrange(self) -> None:
        """Sizes every cell for the run's count and the space there is, and places them."""
        room = self._room()
        count = self._planned
        gap = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
        self._gap = max(gap, 0)
        self._fit = best_fit(
            count,
            room.width(),
            room.height(),
            chrome=self._chrome,
            gap=self._gap,
            least=self._least,
            most=_LARGEST_SIDE,
            aspect=self._aspect,
        )
        # Scrolls only when even the smallest cells do not fit (a tiny window).
        height = 0 if self._fit.fits else 2 * _MARGIN + self._block().height()
        self._content.setMinimumHeight(height)
        for index in range(len(self._cells)):
            self._place(index)
        if self._data:
            self._redecode.start()
        self._hint.setGeometry(self._content.rect() if count == 0 else QRect())
        self._hint.setVisible(count == 0)

    def _block(self) -> QSize:
        """The size of all the cells together, gaps included."""
        fit, gap = self._fit, self._gap
        width = fit.columns * (fit.side + self._chrome[0]) + (fit.columns - 1) * gap
        height = fit.rows * (fit.height + self._chrome[1]) + (fit.rows - 1) * gap
        return QSize(width, height)

    def _place(self, index: int) -> None:
        fit, gap, cell = self._fit, self._gap, self._cells[index]
        cell.set_picture_size(fit.side, fit.height)
        block = self._block()
        viewport = self._viewport.size()
        left = max(_MARGIN, (viewport.width() - block.width()) // 2)
        top = max(_MARGIN, (viewport.height() - block.height()) // 2) if fit.fits else _MARGIN
        row, column = divmod(index, fit.columns)
        if row == fit.rows - 1:  # a short last row is centred under the others
            in_row = self._planned - row * fit.columns
            left += (fit.columns - in_row) * (fit.side + self._chrome[0] + gap) // 2
        cell.move(
            left + column * (fit.side + self._chrome[0] + gap),
            top + row * (fit.height + self._chrome[1] + gap),
        )

    def sizeHint(self) -> QSize:
        """Two rows of two cells of the usual size."""
        cell = THUMBNAIL_SIZE + self._chrome[0], THUMBNAIL_SIZE + self._chrome[1]
        return QSize(2 * cell[0] + 2 * _MARGIN, 2 * cell[1] + 2 * _MARGIN)

    def minimumSizeHint(self) -> QSize:
        """One smallest cell: the grid never makes the window larger than that."""
        return QSize(
            self._least + self._chrome[0] + 2 * _MARGIN,
            self._least + self._chrome[1] + 2 * _MARGIN,
        )
