"""How one run looks in the history list: painted, not built from widgets.

Ten thousand rows of widgets would be slow to make and to scroll; a delegate paints only the rows
in sight. A row: the source thumbnail, up to four result thumbnails ("+n" when there are more),
four lines of text (see ``wording``: source and time; strength or edited prompt; model; status
and cost) and a star that can be clicked.

Two arrangements, by the row's width: a wide list puts the results between the source and the
text, in one tier; a narrow one (the dock's default, about 340 px) puts the text beside the
source and the results under both, so that the model, the status and the cost keep their whole
words instead of ending in "Canc…".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.ui.history import wording
from desktop_app.ui.history.model import RUN_ROLE, HistoryModel, RunRow

THUMB = 56  # logical pixels: the side of every thumbnail square in a row
RESULT_SLOTS = 4
_PAD = 6
_GAP = 4
_SOURCE_GAP = 14  # a wider gap (with a thin rule) sets the source apart from its results
_STAR = 18
_TEXT_LINES = 4  # source · time; strength or prompt; model; status · cost
# Below this much room beside the results the text moves beside the source, results under it.
_TEXT_MIN_WIDE = 260
_TEXT_CACHE_SIZE = 2000  # rows' elided texts; cleared when full (cheap to remake)
_STAR_GOLD = QColor("#e8a317")
_FAILURE_RED = QColor("#c62828")

Index = QModelIndex | QPersistentModelIndex


def _one_tier() -> int:
    """How wide the thumbnails of a one-tier row are, from its left edge to the text."""
    return _PAD + THUMB + _SOURCE_GAP + RESULT_SLOTS * (THUMB + _GAP) + 2 * _PAD


WIDE_MIN = _one_tier() + _TEXT_MIN_WIDE + 2 * _PAD + _STAR
"""The narrowest row laid out in one tier (source, results, text)."""


def is_wide(width: int) -> bool:
    return width >= WIDE_MIN


def app_line_height() -> int:
    return QFontMetrics(QApplication.font()).height()


def _text_block(line_height: int) -> int:
    return max(THUMB, _TEXT_LINES * line_height)


def row_height(width: int = 0, line_height: int | None = None) -> int:
    """The height of every row of a list ``width`` wide, for text lines ``line_height`` high
    (the application font's when None)."""
    block = _text_block(app_line_height() if line_height is None else line_height)
    if is_wide(width):
        return 2 * _PAD + block
    return 2 * _PAD + block + _GAP + THUMB


@dataclass(frozen=True)
class RowGeometry:
    """Where each part of a row goes; shared by painting and clicking."""

    source: QRect
    results: tuple[QRect, ...]  # as many as fit: the last shows "+n" for those left out
    text: QRect
    star: QRect
    wide: bool

    @classmethod
    def of(cls, rect: QRect, line_height: int | None = None) -> RowGeometry:
        line = app_line_height() if line_height is None else line_height
        block = _text_block(line)
        top = rect.top() + _PAD
        source = QRect(rect.left() + _PAD, top, THUMB, THUMB)
        if is_wide(rect.width()):
            left = source.right() + 1 + _SOURCE_GAP
            results = tuple(
                QRect(left + slot * (THUMB + _GAP), top, THUMB, THUMB)
                for slot in range(RESULT_SLOTS)
            )
            star_top = rect.top() + (rect.height() - _STAR) // 2
            text_left = results[-1].right() + 1 + 2 * _PAD
        else:
            room = rect.width() - 2 * _PAD + _GAP
            slots = max(1, min(RESULT_SLOTS, room // (THUMB + _GAP)))
            below = top + block + _GAP
            results = tuple(
                QRect(rect.left() + _PAD + slot * (THUMB + _GAP), below, THUMB, THUMB)
                for slot in range(slots)
            )
            star_top = top + max(0, (line - _STAR) // 2)  # beside the title
            text_left = source.right() + 1 + _SOURCE_GAP
        star = QRect(rect.right() - _PAD - _STAR + 1, star_top, _STAR, _STAR)
        text = QRect(text_left, top, max(0, star.left() - _PAD - text_left), block)
        return cls(source, results, text, star, is_wide(rect.width()))


class RunDelegate(QStyledItemDelegate):
    """Paints runs of a :class:`HistoryModel` and reports clicks on the star or a result."""

    starClicked = Signal(str)  # run id: the star of its row was clicked
    resultClicked = Signal(str, int)  # run id, result index: a result thumbnail was pressed

    def __init__(self, model: HistoryModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.chosen: dict[str, int] = {}  # run id -> the result "Vary this" and the tree use
        self._text_cache: dict[tuple[object, ...], RowTexts] = {}
        self._star: QPainterPath | None = None
        self._bold: dict[str, QFont] = {}  # font key -> that font in bold, for the titles

    def chosen_result(self, run_id: str, pictures: int) -> int:
        """The chosen result of a run of ``pictures`` results (the first until one is chosen)."""
        return min(self.chosen.get(run_id, 0), max(0, pictures - 1))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = option.rect.width()
        return QSize(max(width, 200), row_height(width, option.fontMetrics.height()))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        # Straight from the model, not through data(): painting is the hot path of scrolling.
        run = self._model.row_at(index.row())
        if run is None:
            return
        opt = option
        widget = opt.widget
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        if widget is not None and opt.state & (
            QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_MouseOver
        ):
            panel = QStyleOptionViewItem(option)
            self.initStyleOption(panel, index)
            panel.text = ""
            widget.style().drawPrimitive(
                QStyle.PrimitiveElement.PE_PanelItemViewItem, panel, painter, widget
            )
        dpr = widget.devicePixelRatioF() if widget is not None else 1.0
        side_px = round(THUMB * dpr)
        geometry = RowGeometry.of(opt.rect, opt.fontMetrics.height())
        palette = opt.palette

        painter.save()
        self._draw_thumb(painter, palette, geometry.source, run.id, run.source_path, side_px)
        if geometry.wide:  # a thin rule between what went in and what came out
            rule_x = geometry.source.right() + 1 + _SOURCE_GAP // 2
            painter.setPen(palette.color(QPalette.ColorRole.Mid))
            top, bottom = geometry.source.top() + 8, geometry.source.bottom() - 8
            painter.drawLine(rule_x, top, rule_x, bottom)
        results = run.result_paths
        slots = len(geometry.results)
        if not results:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            spread = geometry.results[0].united(geometry.results[-1])
            painter.drawText(spread, Qt.AlignmentFlag.AlignCenter, "No pictures")
        for slot, rect in enumerate(geometry.results):
            if slot >= len(results):
                break
            self._draw_thumb(painter, palette, rect, run.id, results[slot], side_px)
            hidden = len(results) - slots
            if slot == slots - 1 and hidden > 0:
                self._draw_more(painter, rect, hidden + 1)
        if selected and results:
            chosen = self.chosen_result(run.id, len(results))
            frame = geometry.results[min(chosen, slots - 1)]
            pen_colour = palette.color(QPalette.ColorRole.HighlightedText)
            painter.setPen(pen_colour)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(frame).adjusted(-1.5, -1.5, 1.5, 1.5))
        self._draw_text(painter, opt, geometry.text, run, selected)
        self._draw_star(painter, palette, geometry.star, run.favourite, selected)
        painter.restore()

    def editorEvent(
        self,
        event: QEvent,
        model: object,
        option: QStyleOptionViewItem,
        index: Index,
    ) -> bool:
        run = index.data(RUN_ROLE)
        if not isinstance(run, RunRow) or not isinstance(event, QMouseEvent):
            return False
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        geometry = RowGeometry.of(option.rect, option.fontMetrics.height())
        point = event.position().toPoint()
        if event.type() == QEvent.Type.MouseButtonRelease and geometry.star.contains(point):
            self.starClicked.emit(run.id)
            return True
        if event.type() == QEvent.Type.MouseButtonPress:
            for slot, rect in enumerate(geometry.results[: len(run.result_paths)]):
                if rect.contains(point):
                    self.chosen[run.id] = slot
                    self.resultClicked.emit(run.id, slot)
        return False  # the view still selects the row

    # --- drawing -----------------------------------------------------------------------------

    def _draw_thumb(
        self,
        painter: QPainter,
        palette: QPalette,
        square: QRect,
        run_id: str,
        path: str,
        side_px: int,
    ) -> None:
        pixmap = self._model.thumbnail(run_id, path, side_px)
        if pixmap is None or pixmap.isNull():
            placeholder = QColor(palette.color(QPalette.ColorRole.Mid))
            placeholder.setAlpha(70)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(placeholder)
            painter.drawRoundedRect(QRectF(square), 3, 3)
            return
        painter.drawPixmap(_fit(pixmap, square), pixmap)

    def _draw_more(self, painter: QPainter, square: QRect, count: int) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(0, 0, 0, 140))
        painter.drawRect(square)
        painter.setPen(QColor("white"))
        painter.drawText(square, Qt.AlignmentFlag.AlignCenter, f"+{count}")

    def _draw_text(
        self,
        painter: QPainter,
        opt: QStyleOptionViewItem,
        rect: QRect,
        run: RunRow,
        selected: bool,
    ) -> None:
        bold = self._bold_of(opt.font)
        texts = self.texts_for(run, opt.font, rect.width())
        palette = opt.palette
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = QColor(main) if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        line = texts.line_height
        top = rect.top() + max(0, (rect.height() - _TEXT_LINES * line) // 2)
        left_middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter

        def at(row: int, indent: int = 0) -> QRect:
            return QRect(rect.left() + indent, top + row * line, rect.width() - indent, line)

        painter.setFont(bold)
        painter.setPen(main)
        painter.drawText(at(0), left_middle, texts.title)
        painter.setFont(opt.font)
        painter.setPen(muted)
        painter.drawText(at(1), left_middle, texts.how)
        painter.drawText(at(2), left_middle, texts.model)
        painter.drawText(at(3, texts.status_width), left_middle, texts.cost)
        if texts.alarming and not selected:
            painter.setPen(_FAILURE_RED)
        painter.drawText(at(3), left_middle, texts.status)

    def texts_for(self, run: RunRow, font: QFont, width: int) -> RowTexts:
        """Elided lines of a row, made once per run and width: measuring text is slow. The
        date is in the key because "14:32" becomes "Yesterday 14:32" at midnight."""
        key = (run.id, run.outcome, run.cost, width, font.key(), date.today())
        texts = self._text_cache.get(key)
        if texts is None:
            if len(self._text_cache) > _TEXT_CACHE_SIZE:
                self._text_cache.clear()
            texts = RowTexts.make(run, font, self._bold_of(font), width)
            self._text_cache[key] = texts
        return texts

    def _bold_of(self, font: QFont) -> QFont:
        bold = self._bold.get(font.key())
        if bold is None:
            bold = QFont(font)
            bold.setBold(True)
            self._bold[font.key()] = bold
        return bold

    def _draw_star(
        self, painter: QPainter, palette: QPalette, rect: QRect, filled: bool, selected: bool
    ) -> None:
        if self._star is None:
            self._star = star_path(QRectF(0, 0, _STAR, _STAR))
        path = self._star.translated(rect.left(), rect.top())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if filled:
            painter.setPen(_STAR_GOLD.darker(120))
            painter.setBrush(_STAR_GOLD)
        else:
            role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Mid
            painter.setPen(palette.color(role))
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)


def star_path(rect: QRectF) -> QPainterPath:
    """A five-pointed star filling ``rect``: drawn, so it needs no font glyph or icon file."""
    centre = rect.center()
    outer = min(rect.width(), rect.height()) / 2
    inner = outer * 0.45
    path = QPainterPath()
    for point in range(10):
        radius = outer if point % 2 == 0 else inner
        angle = -math.pi / 2 + point * math.pi / 5
        x, y = centre.x() + radius * math.cos(angle), centre.y() + radius * math.sin(angle)
        vertex = QPointF(x, y)
        if point == 0:
            path.moveTo(vertex)
        else:
            path.lineTo(vertex)
    path.closeSubpath()
    return path


def _fit(pixmap: QPixmap, square: QRect) -> QRect:
    """The rectangle inside ``square`` that shows ``pixmap`` whole, centred, aspect kept; in
    whole pixels, so that a thumbnail decoded at the painted size is drawn without scaling."""
    width, height = pixmap.width(), pixmap.height()
    scale = min(square.width() / max(1, width), square.height() / max(1, height))
    shown_w, shown_h = round(width * scale), round(height * scale)
    return QRect(
        square.left() + (square.width() - shown_w) // 2,
        square.top() + (square.height() - shown_h) // 2,
        shown_w,
        shown_h,
    )


@dataclass(frozen=True, slots=True)  # thousands are cached: one object each, no QFont
class RowTexts:
    line_height: int
    title: str
    how: str
    model: str
    status: str
    cost: str  # " · $0.04", drawn after the status
    status_width: int
    alarming: bool

    @classmethod
    def make(cls, run: RunRow, font: QFont, bold: QFont, width: int) -> RowTexts:
        metrics, strong = QFontMetrics(font), QFontMetrics(bold)
        right, middle = Qt.TextElideMode.ElideRight, Qt.TextElideMode.ElideMiddle
        # The time is what sets runs of one picture apart: the name gives way, in its middle
        # so that "-v2.png" stays.
        when = f" · {wording.format_when(run.created)}"
        room = max(0, width - strong.horizontalAdvance(when))
        name = strong.elidedText(wording.source_label(run), middle, room)
        status = metrics.elidedText(wording.status(run), right, width)
        status_width = metrics.horizontalAdvance(status)
        return cls(
            line_height=metrics.height(),
            title=name + when,
            how=metrics.elidedText(wording.how(run), right, width),
            model=metrics.elidedText(wording.model_name(run), right, width),
            status=status,
            cost=metrics.elidedText(f" · {wording.cost(run)}", right, max(0, width - status_width)),
            status_width=status_width,
            alarming=run.outcome in wording.ALARMING,
        )
