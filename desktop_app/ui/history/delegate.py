"""How one run looks in the history list: painted, not built from widgets.

Ten thousand rows of widgets would be slow to make and to scroll; a delegate paints only the rows
in sight. A row: the source thumbnail, up to four result thumbnails ("+n" when there are more),
then the prompt, the model and time, the cost (and the outcome when the run did not succeed),
and a star on the right that can be clicked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

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
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.core.cost import format_usd
from desktop_app.core.library import Outcome
from desktop_app.ui.history.model import RUN_ROLE, HistoryModel, RunRow

THUMB = 56  # logical pixels: the side of every thumbnail square in a row
RESULT_SLOTS = 4
_PAD = 6
_GAP = 4
_SOURCE_GAP = 14  # a wider gap (with a thin rule) sets the source apart from its results
_STAR = 18
_TEXT_CACHE_SIZE = 2000  # rows' elided texts; cleared when full (cheap to remake)
_STAR_GOLD = QColor("#e8a317")
_FAILURE_RED = QColor("#c62828")

OUTCOME_LABELS = {
    Outcome.RUNNING: "Running",
    Outcome.PARTIAL: "Partly received",
    Outcome.FAILED: "Failed",
    Outcome.CANCELLED: "Cancelled",
    Outcome.INTERRUPTED: "Interrupted",
}

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class RowGeometry:
    """Where each part of a row goes; shared by painting and clicking."""

    source: QRect
    results: tuple[QRect, ...]
    text: QRect
    star: QRect

    @classmethod
    def of(cls, rect: QRect) -> RowGeometry:
        top = rect.top() + _PAD
        source = QRect(rect.left() + _PAD, top, THUMB, THUMB)
        left = source.right() + 1 + _SOURCE_GAP
        results = tuple(
            QRect(left + slot * (THUMB + _GAP), top, THUMB, THUMB) for slot in range(RESULT_SLOTS)
        )
        star = QRect(rect.right() - _PAD - _STAR, rect.center().y() - _STAR // 2, _STAR, _STAR)
        text_left = results[-1].right() + 1 + 2 * _PAD
        text = QRect(text_left, top, max(0, star.left() - _PAD - text_left), THUMB)
        return cls(source, results, text, star)


def row_height() -> int:
    return THUMB + 2 * _PAD


def format_when(created: datetime, now: datetime | None = None) -> str:
    """A run's time as people say it: "Today 14:03", "Yesterday 09:12", "3 Dec 14:03"."""
    local = created.astimezone()
    today = (now or datetime.now()).astimezone().date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return f"Today {clock}"
    if local.date() == today - timedelta(days=1):
        return f"Yesterday {clock}"
    if local.year == today.year:
        return f"{local.day} {local:%b} {clock}"
    return f"{local.day} {local:%b %Y}"


def format_cost(run: RunRow) -> str:
    if run.cost is not None:
        return format_usd(run.cost)
    if run.outcome is Outcome.RUNNING and run.estimated_cost is not None:
        return f"about {format_usd(run.estimated_cost)}"
    return "no cost recorded"  # a failed request is usually free; we do not guess"


class RunDelegate(QStyledItemDelegate):
    """Paints runs of a :class:`HistoryModel` and reports clicks on the star or a result."""

    starClicked = Signal(str)  # run id: the star of its row was clicked
    resultClicked = Signal(str, int)  # run id, result index: a result thumbnail was pressed

    def __init__(self, model: HistoryModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._model = model
        self.chosen: dict[str, int] = {}  # run id -> the result "Vary this" and the tree use
        self._text_cache: dict[tuple[str, bool, int, str], _RowTexts] = {}
        self._star: QPainterPath | None = None
        self._bold: dict[str, QFont] = {}  # font key -> that font in bold, for the prompts

    def chosen_result(self, run_id: str, pictures: int) -> int:
        """The chosen result of a run of ``pictures`` results (the first until one is chosen)."""
        return min(self.chosen.get(run_id, 0), max(0, pictures - 1))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(max(option.rect.width(), 200), row_height())

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
        geometry = RowGeometry.of(opt.rect)
        palette = opt.palette

        painter.save()
        self._draw_thumb(painter, palette, geometry.source, run.id, run.source_path, side_px)
        rule_x = geometry.source.right() + 1 + _SOURCE_GAP // 2
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(rule_x, geometry.source.top() + 8, rule_x, geometry.source.bottom() - 8)
        results = run.result_paths
        if not results:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            spread = geometry.results[0].united(geometry.results[-1])
            painter.drawText(spread, Qt.AlignmentFlag.AlignCenter, "No pictures")
        for slot, rect in enumerate(geometry.results):
            if slot >= len(results):
                break
            self._draw_thumb(painter, palette, rect, run.id, results[slot], side_px)
            hidden = len(results) - RESULT_SLOTS
            if slot == RESULT_SLOTS - 1 and hidden > 0:
                self._draw_more(painter, rect, hidden + 1)
        if selected and results:
            chosen = self.chosen_result(run.id, len(results))
            frame = geometry.results[min(chosen, RESULT_SLOTS - 1)]
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
        geometry = RowGeometry.of(option.rect)
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
        texts = self._texts_for(run, opt.font, rect.width())
        bold = self._bold.get(opt.font.key())
        if bold is None:
            bold = QFont(opt.font)
            bold.setBold(True)
            self._bold[opt.font.key()] = bold
        palette = opt.palette
        main = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = QColor(main) if selected else palette.color(QPalette.ColorRole.PlaceholderText)
        line = texts.line_height
        top = rect.top() + max(0, (rect.height() - 3 * line) // 2)
        left_middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.setFont(bold)
        painter.setPen(main)
        painter.drawText(QRect(rect.left(), top, rect.width(), line), left_middle, texts.prompt)
        painter.setFont(opt.font)
        painter.setPen(muted)
        second = QRect(rect.left(), top + line, rect.width(), line)
        painter.drawText(second, left_middle, texts.meta)
        third = QRect(rect.left(), top + 2 * line, rect.width(), line)
        painter.drawText(third, left_middle, texts.cost)
        if texts.outcome:
            painter.setPen(main if selected else _FAILURE_RED)
            outcome_rect = third.adjusted(texts.outcome_left, 0, 0, 0)
            painter.drawText(outcome_rect, left_middle, texts.outcome)

    def _texts_for(self, run: RunRow, font: QFont, width: int) -> _RowTexts:
        """Elided lines of a row, made once per run and width: measuring text is slow."""
        key = (run.id, run.favourite, width, font.key())
        texts = self._text_cache.get(key)
        if texts is None:
            if len(self._text_cache) > _TEXT_CACHE_SIZE:
                self._text_cache.clear()
            texts = _RowTexts.make(run, font, width)
            self._text_cache[key] = texts
        return texts

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
class _RowTexts:
    line_height: int
    prompt: str
    meta: str
    cost: str
    outcome: str
    outcome_left: int

    @classmethod
    def make(cls, run: RunRow, font: QFont, width: int) -> _RowTexts:
        bold = QFont(font)
        bold.setBold(True)
        metrics = QFontMetrics(font)
        elide = Qt.TextElideMode.ElideRight
        cost = format_cost(run)
        outcome = OUTCOME_LABELS.get(run.outcome)
        outcome_left = metrics.horizontalAdvance(cost + " ")
        return cls(
            line_height=metrics.height(),
            prompt=QFontMetrics(bold).elidedText(run.prompt or "No prompt", elide, width),
            meta=metrics.elidedText(
                f"{run.model or run.mode} · {format_when(run.created)}", elide, width
            ),
            cost=cost,
            outcome=metrics.elidedText(f"· {outcome}", elide, max(0, width - outcome_left))
            if outcome
            else "",
            outcome_left=outcome_left,
        )
