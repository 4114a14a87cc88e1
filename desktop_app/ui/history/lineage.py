"""An image's family tree: the original picture, the runs made from it, and every variation of a
variation ("Vary this") under the result it came from.

The tree only shows and reports: activating a picture (Enter, double-click) emits its result id
and the window decides what to do with it. Thumbnails load in the background like the history's.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.framing_words import framing_words
from desktop_app.core.library import Library, LineageNode, RunRecord
from desktop_app.ui.history.loading import ThumbnailCache
from desktop_app.ui.history.wording import format_when

ICON_SIDE = 48
RESULT_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class LineageView(QWidget):
    """The family tree of one result, that result highlighted and current."""

    resultActivated = Signal(str)
    """(result id): a picture of the tree was activated (Enter or double-click). Not emitted
    for the original picture, which is no result."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._library = library
        self._current: str | None = None
        self._items_of_path: dict[Path, list[QTreeWidgetItem]] = {}
        self.thumbnails = ThumbnailCache(capacity=400, parent=self)
        self.thumbnails.ready.connect(self.on_thumbnail_ready)

        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(ICON_SIDE, ICON_SIDE))
        self.tree.setUniformRowHeights(True)
        self.tree.setAccessibleName("Family tree")
        self.tree.setToolTip("Enter or double-click opens a picture; arrows walk the tree")
        self.tree.itemActivated.connect(self.on_item_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.tree)
        self.setFocusProxy(self.tree)

    def show_lineage(self, result_id: str) -> None:
        """Shows the family of ``result_id``; ``KeyError`` when the library has no such result."""
        root = self._library.lineage(result_id)
        self._current = result_id
        self.tree.clear()
        self._items_of_path.clear()
        runs: dict[str, RunRecord | None] = {}
        top = self._add_node(None, root, runs)
        self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        current = self._find_item(result_id)
        if current is not None:
            self.tree.setCurrentItem(current)
            self.tree.scrollToItem(current)
        generations = max(depth for depth, _node in root.walk())
        pictures = sum(1 for _depth, node in root.walk() if node.result is not None)
        self.caption.setText(
            f"{pictures} picture{'s' if pictures != 1 else ''} over {generations} "
            f"generation{'s' if generations != 1 else ''}. The picture you chose is in bold."
        )

    def current_result_id(self) -> str | None:
        """The result the tree was opened for."""
        return self._current

    def wait_idle(self, msecs: int = 5000) -> bool:
        """Drops queued thumbnail work and waits for the running decodes (shutdown, tests)."""
        return self.thumbnails.wait(msecs)

    def on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        result_id = item.data(0, RESULT_ID_ROLE)
        if isinstance(result_id, str):
            self.resultActivated.emit(result_id)

    def on_thumbnail_ready(self, path: Path) -> None:
        for item in self._items_of_path.pop(path, []):
            self._set_icon(item, path)

    # --- building ----------------------------------------------------------------------------

    def _add_node(
        self,
        parent: QTreeWidgetItem | None,
        node: LineageNode,
        runs: dict[str, RunRecord | None],
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent) if parent is not None else QTreeWidgetItem()
        if node.result is None:
            run = self._run(node.run_id, runs)
            name = run.source_name if run is not None and run.source_name else "pasted picture"
            item.setText(0, f"Original picture · {name}")
            path = node.source_path
        else:
            result = node.result
            item.setData(0, RESULT_ID_ROLE, result.id)
            run = self._run(result.run_id, runs)
            details = ""
            if run is not None:
                framing = framing_words(run.parameters)
                details = f" · {run.model or run.mode} · {format_when(run.created)}"
                details += f" · {framing}" if framing else ""
            item.setText(0, f"Variation {result.index + 1}{details}")
            path = result.path
            if result.id == self._current:
                bold = QFont(item.font(0))
                bold.setBold(True)
                item.setFont(0, bold)
                item.setText(0, item.text(0) + " (this picture)")
        item.setToolTip(0, item.text(0))
        if path is not None:
            self._set_icon(item, path)
        for child in node.children:
            self._add_node(item, child, runs)
        return item

    def _set_icon(self, item: QTreeWidgetItem, path: Path) -> None:
        side_px = round(ICON_SIDE * self.devicePixelRatioF())
        pixmap = self.thumbnails.get(path, side_px)
        if pixmap is None:
            self._items_of_path.setdefault(path, []).append(item)
            item.setIcon(0, _placeholder(side_px))
        elif not pixmap.isNull():
            item.setIcon(0, QIcon(_squared(pixmap, side_px)))

    def _run(self, run_id: str, runs: dict[str, RunRecord | None]) -> RunRecord | None:
        if run_id not in runs:
            runs[run_id] = self._library.run(run_id)
        return runs[run_id]

    def _find_item(self, result_id: str) -> QTreeWidgetItem | None:
        stack = [self.tree.topLevelItem(n) for n in range(self.tree.topLevelItemCount())]
        while stack:
            item = stack.pop()
            if item is None:
                continue
            if item.data(0, RESULT_ID_ROLE) == result_id:
                return item
            stack.extend(item.child(n) for n in range(item.childCount()))
        return None


class LineageDialog(QDialog):
    """The family tree in its own window, beside the history."""

    def __init__(self, library: Library, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Family tree")
        self.view = LineageView(library, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addWidget(buttons)
        self.resize(460, 520)

    @classmethod
    def open_for(cls, library: Library, result_id: str, parent: QWidget | None) -> LineageDialog:
        """Shows the family of ``result_id`` in a new, non-modal dialog."""
        dialog = cls(library, parent)
        dialog.view.show_lineage(result_id)
        dialog.show()
        dialog.view.tree.setFocus()
        return dialog


def _placeholder(side_px: int) -> QIcon:
    """A faint square, so rows keep their height and the tree does not jump when icons arrive."""
    pixmap = QPixmap(side_px, side_px)
    pixmap.fill(QColor(128, 128, 128, 60))
    return QIcon(pixmap)


def _squared(pixmap: QPixmap, side_px: int) -> QPixmap:
    """``pixmap`` centred on a transparent square: icons of any aspect line up in the tree."""
    canvas = QPixmap(side_px, side_px)
    canvas.fill(Qt.GlobalColor.transparent)
    painter = QPainter(canvas)
    painter.drawPixmap((side_px - pixmap.width()) // 2, (side_px - pixmap.height()) // 2, pixmap)
    painter.end()
    return canvas
