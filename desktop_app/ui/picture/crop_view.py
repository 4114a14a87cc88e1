"""The crop view: the picture, scaled to fit, with the square that will be uploaded.

All squares going in and out are in full-resolution upright pixels, so the rest of the app never
learns that the view paints a downscaled copy. Crop arithmetic stays in the core
(``clamp_square``, ``largest_centred_square``); this module only maps pointer positions to
picture pixels and decides what a gesture means.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

from desktop_app.core.imaging import Square, clamp_square, largest_centred_square
from desktop_app.qt.thumbnails import ThumbnailLoader

CONTROLS_HELP = (
    "Drag to move, drag a corner to resize, scroll or press + and − to resize around the centre, "
    "arrow keys to nudge, double-click or Home to reset."
)
MIN_SIDE = 16  # full-size pixels: smaller crops are useless to the image models
WHEEL_STEP = 1.05  # one wheel notch or one +/- press resizes by about 5 %
HANDLE_SIZE = 10.0  # logical pixels, drawn
HANDLE_REACH = 12.0  # logical pixels around a corner that still grab it
MARGIN = HANDLE_SIZE  # keeps handles on the picture's edge fully visible

DIM = QColor(0, 0, 0, 140)
LINE_DARK = QColor(0, 0, 0, 170)
LINE_LIGHT = QColor(255, 255, 255)
THIRDS = QColor(255, 255, 255, 80)


class _Corner(Enum):
    """A corner handle, named by the direction it points away from the square's centre."""

    TOP_LEFT = (-1, -1)
    TOP_RIGHT = (1, -1)
    BOTTOM_LEFT = (-1, 1)
    BOTTOM_RIGHT = (1, 1)


@dataclass(frozen=True)
class _Drag:
    """A gesture in progress: what was grabbed, and where everything was when it started."""

    start: Square
    press: tuple[float, float]  # pointer, in full-size pixels
    corner: _Corner | None  # None: moving the whole square


class CropView(QWidget):
    """Shows a picture and lets the person choose the square that matters."""

    #: Square: the new square in full-size pixels, after every user change, set_image,
    #: set_square or reset that changed it. ``clear`` does not emit.
    squareChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._full: tuple[int, int] = (0, 0)
        self._square: Square | None = None
        self._drag: _Drag | None = None
        self._wheel: tuple[Square, float] | None = None  # the square the wheel made, unrounded side
        self._pixmap: tuple[tuple[int, int, float], QPixmap] | None = None  # (size, dpr): pixmap
        self._smoother = ThumbnailLoader(self)
        self._smoother.ready.connect(self._on_smooth)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)  # hover cursors over handles
        self.setAccessibleName("Crop square")
        self.setAccessibleDescription(CONTROLS_HELP)
        self.setToolTip(CONTROLS_HELP)

    def set_image(self, image: QImage, full_size: tuple[int, int]) -> None:
        """Shows ``image`` (possibly downscaled) standing for a picture of ``full_size``."""
        width, height = full_size
        square = largest_centred_square(width, height)  # also refuses an empty size
        self._image, self._full, self._square = image, (width, height), square
        self._pixmap = self._drag = self._wheel = None
        self._smoother.forget_all()
        self.update()
        self.squareChanged.emit(square)

    def clear(self) -> None:
        self._image = self._square = self._drag = self._pixmap = self._wheel = None
        self._full = (0, 0)
        self.unsetCursor()
        self.update()

    def square(self) -> Square | None:
        return self._square

    def set_square(self, square: Square) -> None:
        """Adopts ``square``, moved and resized to fit; does nothing while no picture is shown."""
        if self._square is not None:
            self._apply(square)

    def reset_square(self) -> None:
        if self._square is not None:
            self._apply(largest_centred_square(*self._full))

    def picture_rect(self) -> QRectF:
        """Where the picture is painted, in widget coordinates (empty when there is none)."""
        width, height = self._full
        if self._image is None:
            return QRectF()
        dpr = self.devicePixelRatioF()
        area = QRectF(self.rect()).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        scale = min(area.width() / width, area.height() / height)
        # Whole device pixels, on the device pixel grid: the cached pixmap then lands 1:1.
        dev_w = max(1, round(width * scale * dpr))
        dev_h = max(1, round(height * scale * dpr))
        left = round((area.center().x() - dev_w / dpr / 2) * dpr) / dpr
        top = round((area.center().y() - dev_h / dpr / 2) * dpr) / dpr
        return QRectF(left, top, dev_w / dpr, dev_h / dpr)

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 120)

    def _fit(self, square: Square) -> Square:
        width, height = self._full
        fitted = clamp_square(square, width, height)
        least = min(MIN_SIDE, width, height)
        if fitted.side >= least:
            return fitted
        # Grow a too-small square around its centre rather than from its corner.
        centre_x = fitted.x + fitted.side / 2
        centre_y = fitted.y + fitted.side / 2
        grown = Square(round(centre_x - least / 2), round(centre_y - least / 2), least)
        return clamp_square(grown, width, height)

    def _apply(self, square: Square) -> None:
        fitted = self._fit(square)
        if fitted != self._square:
            self._square = fitted
            self.update()
            self.squareChanged.emit(fitted)

    def _resize_to(self, side: float) -> None:
        """Resizes the square around its centre (one 5 % step is at least a pixel at MIN_SIDE)."""
        assert self._square is not None
        old = self._square
        centre_x = old.x + old.side / 2
        centre_y = old.y + old.side / 2
        # Capped before centring: a side clamped afterwards would walk the square sideways.
        new = min(max(round(side), 1), *self._full)
        self._apply(Square(round(centre_x - new / 2), round(centre_y - new / 2), new))

    def _resize_corner(self, drag: _Drag, pointer: tuple[float, float]) -> None:
        assert drag.corner is not None
        start, (sx, sy) = drag.start, drag.corner.value
        width, height = self._full
        # The opposite corner stays put; the grabbed one follows the pointer along the diagonal.
        anchor_x = start.x if sx > 0 else start.x + start.side
        anchor_y = start.y if sy > 0 else start.y + start.side
        corner_x = anchor_x + sx * start.side + pointer[0] - drag.press[0]
        corner_y = anchor_y + sy * start.side + pointer[1] - drag.press[1]
        # The point of the diagonal nearest the pointer: the mean of the two distances.
        wanted = (sx * (corner_x - anchor_x) + sy * (corner_y - anchor_y)) / 2
        room_x = width - anchor_x if sx > 0 else anchor_x
        room_y = height - anchor_y if sy > 0 else anchor_y
        room = min(room_x, room_y)
        side = max(min(round(wanted), room), min(MIN_SIDE, width, height), 1)
        left = anchor_x if sx > 0 else anchor_x - side
        top = anchor_y if sy > 0 else anchor_y - side
        self._apply(Square(left, top, side))

    def _square_rect(self) -> QRectF:
        assert self._square is not None
        picture = self.picture_rect()
        scale = picture.width() / self._full[0]
        x, y, side = (v * scale for v in (self._square.x, self._square.y, self._square.side))
        return QRectF(picture.left() + x, picture.top() + y, side, side)

    def _to_full(self, point: QPointF) -> tuple[float, float]:
        picture = self.picture_rect()
        scale = picture.width() / self._full[0]
        return ((point.x() - picture.left()) / scale, (point.y() - picture.top()) / scale)

    def _hit(self, point: QPointF) -> _Corner | bool:
        """The corner under ``point``, True inside the square, False elsewhere."""
        rect = self._square_rect()
        # On a small square the handles would cover it all; keep its middle for moving.
        inset = min(HANDLE_REACH, rect.width() / 3)
        if rect.adjusted(inset, inset, -inset, -inset).contains(point):
            return True
        distance = {
            c: max(abs(point.x() - p.x()), abs(point.y() - p.y()))
            for c, p in _corners(rect).items()
        }
        nearest = min(distance, key=lambda c: distance[c])
        if distance[nearest] <= HANDLE_REACH:
            return nearest
        return rect.contains(point)

    def _update_cursor(self, hit: _Corner | bool) -> None:
        if hit in (_Corner.TOP_LEFT, _Corner.BOTTOM_RIGHT):
            self.setCursor(Qt.CursorShape.SizeFDiagCursor)
        elif hit in (_Corner.TOP_RIGHT, _Corner.BOTTOM_LEFT):
            self.setCursor(Qt.CursorShape.SizeBDiagCursor)
        elif hit is True:
            moving = self._drag is not None
            self.setCursor(
                Qt.CursorShape.ClosedHandCursor if moving else Qt.CursorShape.OpenHandCursor
            )
        else:
            self.unsetCursor()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._square is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        hit = self._hit(event.position())
        if hit is False:
            return
        corner = hit if isinstance(hit, _Corner) else None
        self._drag = _Drag(self._square, self._to_full(event.position()), corner)
        self._update_cursor(hit)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._square is None:
            event.ignore()
            return
        drag = self._drag
        if drag is None:
            self._update_cursor(self._hit(event.position()))
            return
        pointer = self._to_full(event.position())
        if drag.corner is not None:
            self._resize_corner(drag, pointer)
        else:
            dx, dy = pointer[0] - drag.press[0], pointer[1] - drag.press[1]
            start = drag.start
            self._apply(Square(round(start.x + dx), round(start.y + dy), start.side))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._square is None or self._drag is None:
            event.ignore()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self._update_cursor(self._hit(event.position()))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._square is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._drag = None
        self.reset_square()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        # Some systems turn Shift+wheel into horizontal scrolling; it still means resize here.
        angle = delta.y() or delta.x()
        if self._square is None or angle == 0:
            event.ignore()
            return
        # Touchpads send many tiny deltas: carry the unrounded side from one to the next so
        # they add up to what whole notches would do, without rounding drift.
        square = self._square
        side = self._wheel[1] if self._wheel and self._wheel[0] == square else square.side
        side *= WHEEL_STEP ** (angle / 120)
        self._resize_to(side)
        width, height = self._full
        self._wheel = (self._square, min(max(side, min(MIN_SIDE, width, height)), width, height))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._square is None:
            super().keyPressEvent(event)
            return
        key = Qt.Key(event.key())
        width, height = self._full
        share = 0.10 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.01
        step_x, step_y = max(1, round(width * share)), max(1, round(height * share))
        moves = {
            Qt.Key.Key_Left: (-step_x, 0),
            Qt.Key.Key_Right: (step_x, 0),
            Qt.Key.Key_Up: (0, -step_y),
            Qt.Key.Key_Down: (0, step_y),
        }
        if key in moves:
            square = self._square
            dx, dy = moves[key]
            self._apply(Square(square.x + dx, square.y + dy, square.side))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._resize_to(self._square.side * WHEEL_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self._resize_to(self._square.side / WHEEL_STEP)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_R):
            self.reset_square()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._image is None or self._square is None:
            return
        painter = QPainter(self)
        picture = self.picture_rect()
        painter.drawPixmap(picture.topLeft(), self._scaled_pixmap(picture))
        square = self._square_rect()
        outside = QPainterPath()
        outside.setFillRule(Qt.FillRule.OddEvenFill)
        outside.addRect(picture)
        outside.addRect(square)
        painter.fillPath(outside, DIM)
        self._paint_thirds(painter, square)
        # Two tones: the dark line shows on light pictures, the light one on dark pictures.
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(LINE_DARK, 3))
        painter.drawRect(square)
        painter.setPen(QPen(LINE_LIGHT, 1))
        painter.drawRect(square)
        self._paint_handles(painter, square)
        if self.hasFocus():
            # Our own frame: some styles draw focus rects only after Tab, yet the arrow keys
            # work after a click too, and the person should see where they will go.
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.end()

    def _paint_thirds(self, painter: QPainter, square: QRectF) -> None:
        painter.setPen(QPen(THIRDS, 1))
        for share in (1 / 3, 2 / 3):
            x = square.left() + square.width() * share
            y = square.top() + square.height() * share
            painter.drawLine(QPointF(x, square.top()), QPointF(x, square.bottom()))
            painter.drawLine(QPointF(square.left(), y), QPointF(square.right(), y))

    def _paint_handles(self, painter: QPainter, square: QRectF) -> None:
        painter.setPen(QPen(LINE_DARK, 1))
        painter.setBrush(LINE_LIGHT)
        half = HANDLE_SIZE / 2
        for corner in _corners(square).values():
            painter.drawRect(QRectF(corner.x() - half, corner.y() - half, HANDLE_SIZE, HANDLE_SIZE))

    def _scaled_pixmap(self, picture: QRectF) -> QPixmap:
        """The picture at exactly the painted size in device pixels, made once per size.

        Smooth scaling of a 2048 px preview takes 20-30 ms, a visible hitch; so a fast (rough)
        scale is painted at once and the smooth one is made on the thread pool and swapped in.
        """
        assert self._image is not None
        dpr = self.devicePixelRatioF()
        key = (round(picture.width() * dpr), round(picture.height() * dpr), dpr)
        if self._pixmap is None or self._pixmap[0] != key:
            size = QSize(key[0], key[1])
            fast = Qt.TransformationMode.FastTransformation
            pixmap = QPixmap.fromImage(self._image.scaled(size, mode=fast))
            pixmap.setDevicePixelRatio(dpr)
            self._pixmap = (key, pixmap)
            self._smoother.request(key, self._image, max(key[0], key[1]))
        return self._pixmap[1]

    def _on_smooth(self, key: object, image: QImage | None) -> None:
        if image is None or self._pixmap is None or self._pixmap[0] != key:
            return  # the size changed (or the picture) while it was being made
        assert isinstance(key, tuple)
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(key[2])
        self._pixmap = (key, pixmap)
        self.update()


def _corners(rect: QRectF) -> dict[_Corner, QPointF]:
    return {
        _Corner.TOP_LEFT: rect.topLeft(),
        _Corner.TOP_RIGHT: rect.topRight(),
        _Corner.BOTTOM_LEFT: rect.bottomLeft(),
        _Corner.BOTTOM_RIGHT: rect.bottomRight(),
    }
