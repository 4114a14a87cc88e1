"""The region a variation may change, painted over the framing view.

A layer on top of :class:`CropView` (a child covering it), so the frame keeps its own code: the
layer shows the region as a tint at all times and takes the mouse only while painting. The
region is a grayscale image of the picture at most ``REGION_SIDE`` pixels on its long side (the
upload never has more): 255 where the picture may change, 0 where it stays. The run maps it to
the upload's mask (``core/imaging/region.py``). Painting is two-valued (no antialiasing): a soft
edge would be a guess on the server's side.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QUndoCommand,
    QUndoStack,
)
from PySide6.QtWidgets import QWidget

REGION_SIDE = 2048  # the largest upload side: a finer region would only be thrown away
TINT = QColor(255, 40, 170, 150)  # a magenta few photos are full of, the picture still seen
BRUSH_SIZES = (8, 16, 24, 40, 64, 96, 144)  # view pixels; [ and ] step through them
DEFAULT_BRUSH = 40
UNDO_LIMIT = 30


# The keys the region answers while painting (keyPressEvent): brush size, tools, invert, done.
_REGION_KEYS = frozenset(
    {
        Qt.Key.Key_BracketLeft,
        Qt.Key.Key_BracketRight,
        Qt.Key.Key_B,
        Qt.Key.Key_E,
        Qt.Key.Key_R,
        Qt.Key.Key_I,
        Qt.Key.Key_Escape,
    }
)


class Tool(Enum):
    BRUSH = "brush"
    ERASER = "eraser"
    RECTANGLE = "rectangle"


class _Change(QUndoCommand):
    """One stroke, rectangle, invert or clear: the region before and after it."""

    def __init__(self, layer: RegionOverlay, before: QImage, text: str) -> None:
        super().__init__(text)
        self._layer, self._before, self._after = layer, before, layer.region_image().copy()
        self._first = True  # pushing runs redo(): the change is already painted

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._layer._restore(self._after)

    def undo(self) -> None:
        self._layer._restore(self._before)


class RegionOverlay(QWidget):
    """Paints and shows the region over ``view`` (a CropView: ``picture_rect()`` says where
    the picture is)."""

    regionChanged = Signal()
    paintingChanged = Signal(bool)
    brushSizeChanged = Signal(int)
    toolChanged = Signal(object)  # Tool

    def __init__(self, view: QWidget) -> None:
        super().__init__(view)
        self._view = view
        # The region's size for the picture shown (None: no picture) and its pixels, made on
        # the first change: until then it is empty, and a 2048 px one costs 3 MB for nothing.
        self._region_size: tuple[int, int] | None = None
        self._region = QImage()
        self.tool = Tool.BRUSH
        self.brush_size = DEFAULT_BRUSH
        self._painting = False
        self._stroke: tuple[QImage, QPointF] | None = None  # (region before, last point)
        self._rectangle: tuple[QPointF, QPointF] | None = None  # view points, while dragged
        # The tint made from the region, kept until the region changes: making it costs ~12 ms
        # at 2048 px, and the layer repaints with every pointer move and every frame drag.
        # None: to be made again; a null image: the region is empty, nothing to draw.
        self._tint: QImage | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        self.setAccessibleName("Region to vary")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self._set_mouse_through(True)
        view.installEventFilter(self)
        self.setGeometry(view.rect())

    # --- the region --------------------------------------------------------------------------

    def set_picture_size(self, width: int, height: int) -> None:
        """A new picture: an empty region of its proportions, and nothing to undo."""
        scale = min(1.0, REGION_SIDE / max(width, height))
        self._region_size = (max(1, round(width * scale)), max(1, round(height * scale)))
        self._region = QImage()
        self.undo_stack.clear()
        self._tint = QImage()  # empty: nothing to draw
        self.update()
        self.regionChanged.emit()

    def region_image(self) -> QImage:
        """The region at its own resolution (255: may change); null before a picture."""
        return self._pixels()

    def _pixels(self) -> QImage:
        """The region's pixels, made (empty) when first needed; null before a picture."""
        if self._region.isNull() and self._region_size is not None:
            self._region = QImage(*self._region_size, QImage.Format.Format_Grayscale8)
            self._region.fill(0)
        return self._region

    def region(self) -> QImage | None:
        """A copy of the region, or None when nothing is painted (the whole square varies)."""
        if self._is_empty():
            return None
        return self._region.copy()

    def clear_region(self) -> None:
        self._change(lambda: self._pixels().fill(0), "Clear region")

    def invert(self) -> None:
        self._change(lambda: self._pixels().invertPixels(), "Invert region")

    def _is_empty(self) -> bool:
        # A painted pixel makes the largest value 255; QImage has no cheap max, so scan the bytes
        # (at most 2048 x 2048, and only when asked, not while painting).
        if self._region.isNull():
            return True  # no picture, or nothing changed yet
        data = bytes(self._region.constBits())
        return data.count(0) == len(data)

    def _change(self, apply: Callable[[], object], text: str) -> None:
        if self._region_size is None:
            return
        before = self._pixels().copy()
        apply()
        self._tint = None
        self.undo_stack.push(_Change(self, before, text))
        self.update()
        self.regionChanged.emit()

    def _restore(self, image: QImage) -> None:
        self._region = image.copy()
        self._tint = None
        self.update()
        self.regionChanged.emit()

    # --- painting mode and tools -------------------------------------------------------------

    def is_painting(self) -> bool:
        return self._painting

    def set_painting(self, painting: bool) -> None:
        if painting == self._painting or (painting and self._region_size is None):
            return
        self._painting = painting
        self._set_mouse_through(not painting)
        if painting:
            self.setCursor(Qt.CursorShape.CrossCursor)
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.unsetCursor()
            self._view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.update()
        self.paintingChanged.emit(painting)

    def set_tool(self, tool: Tool) -> None:
        if tool is not self.tool:
            self.tool = tool
            self.update()
            self.toolChanged.emit(tool)

    def set_brush_size(self, size: int) -> None:
        size = max(BRUSH_SIZES[0], min(BRUSH_SIZES[-1], size))
        if size != self.brush_size:
            self.brush_size = size
            self.update()
            self.brushSizeChanged.emit(size)

    def step_brush(self, steps: int) -> None:
        """The next (or previous) of the brush sizes: [ and ]."""
        larger = [s for s in BRUSH_SIZES if s > self.brush_size]
        smaller = [s for s in BRUSH_SIZES if s < self.brush_size]
        if steps > 0 and larger:
            self.set_brush_size(larger[0])
        elif steps < 0 and smaller:
            self.set_brush_size(smaller[-1])

    def _set_mouse_through(self, through: bool) -> None:
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, through)

    # --- coordinates -------------------------------------------------------------------------

    def _picture_rect(self) -> QRectF:
        rect = self._view.picture_rect()  # type: ignore[attr-defined]
        assert isinstance(rect, QRectF)
        return rect

    def _to_region(self, point: QPointF) -> QPointF:
        picture = self._picture_rect()
        scale = self._region_width() / picture.width()
        return QPointF((point.x() - picture.left()) * scale, (point.y() - picture.top()) * scale)

    def _brush_in_region(self) -> float:
        picture = self._picture_rect()
        return max(1.0, self.brush_size * self._region_width() / picture.width())

    def _region_width(self) -> int:
        return self._region_size[0] if self._region_size is not None else 0

    # --- events ------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._view and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._view.rect())
        return False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._painting or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        point = event.position()
        if self.tool is Tool.RECTANGLE:
            self._rectangle = (point, point)
        else:
            self._stroke = (self._pixels().copy(), point)
            self._paint_line(point, point)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        if self._rectangle is not None:
            self._rectangle = (self._rectangle[0], point)
        elif self._stroke is not None:
            before, last = self._stroke
            self._paint_line(last, point)
            self._stroke = (before, point)
        self.update()  # the brush outline follows the pointer

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._rectangle is not None:
            start, _ = self._rectangle
            self._rectangle = None
            corners = QRectF(self._to_region(start), self._to_region(event.position()))
            self._change(lambda: self._fill(corners.normalized()), "Rectangle")
        elif self._stroke is not None:
            before, _ = self._stroke
            self._stroke = None
            text = "Erase" if self.tool is Tool.ERASER else "Paint"
            self.undo_stack.push(_Change(self, before, text))
            self.regionChanged.emit()
        event.accept()

    def event(self, event: QEvent) -> bool:
        # The window's shortcuts come first (Esc is its Cancel): while painting, the keys the
        # region answers are claimed here so that they reach keyPressEvent instead.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and self._painting
            and isinstance(event, QKeyEvent)
            and self._claims(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def _claims(self, event: QKeyEvent) -> bool:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return (
            (plain and event.key() in _REGION_KEYS)
            or event.matches(QKeySequence.StandardKey.Undo)
            or event.matches(QKeySequence.StandardKey.Redo)
        )

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        actions: dict[int, Callable[[], object]] = {
            Qt.Key.Key_BracketLeft: lambda: self.step_brush(-1),
            Qt.Key.Key_BracketRight: lambda: self.step_brush(1),
            Qt.Key.Key_B: lambda: self.set_tool(Tool.BRUSH),
            Qt.Key.Key_E: lambda: self.set_tool(Tool.ERASER),
            Qt.Key.Key_R: lambda: self.set_tool(Tool.RECTANGLE),
            Qt.Key.Key_I: self.invert,
            Qt.Key.Key_Escape: lambda: self.set_painting(False),
        }
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo_stack.undo()
        elif event.matches(QKeySequence.StandardKey.Redo):
            self.undo_stack.redo()
        elif key in actions and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            actions[key]()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _paint_line(self, start: QPointF, end: QPointF) -> None:
        painter = QPainter(self._pixels())
        value = 0 if self.tool is Tool.ERASER else 255
        pen = QPen(QColor(value, value, value), self._brush_in_region())
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        if start == end:  # a click: a zero-length line draws nothing, a dot of the brush does
            painter.drawPoint(self._to_region(start))
        else:
            painter.drawLine(self._to_region(start), self._to_region(end))
        painter.end()
        self._tint = None
        self.update()

    def _fill(self, rect: QRectF) -> None:
        painter = QPainter(self._pixels())
        painter.fillRect(rect, QColor(255, 255, 255))
        painter.end()

    def _tinted(self) -> QImage:
        """The region as a tint: its values become the alpha of a solid colour."""
        tint = QImage(self._region.size(), QImage.Format.Format_ARGB32_Premultiplied)
        tint.fill(TINT)
        tint.setAlphaChannel(self._region)
        tinted = QPainter(tint)
        tinted.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        tinted.fillRect(tint.rect(), TINT)
        tinted.end()
        return tint

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._region_size is None:
            return
        picture = self._picture_rect()
        if picture.isEmpty():
            return
        painter = QPainter(self)
        if self._tint is None:
            self._tint = QImage() if self._is_empty() else self._tinted()
        if not self._tint.isNull():
            painter.drawImage(picture, self._tint)
        if self._rectangle is not None:
            painter.setPen(QPen(TINT.darker(), 2, Qt.PenStyle.DashLine))
            painter.drawRect(QRectF(*self._rectangle).normalized())
        elif self._painting and self.tool is not Tool.RECTANGLE and self.underMouse():
            centre = self.mapFromGlobal(self.cursor().pos())
            painter.setPen(QPen(QColor(255, 255, 255), 1))
            radius = self.brush_size / 2
            painter.drawEllipse(QPointF(centre), radius, radius)
        painter.end()
