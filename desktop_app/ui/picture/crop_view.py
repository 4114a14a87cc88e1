"""The crop view: the picture, scaled to fit, with the frame that will be uploaded.

The frame has the ratio the window sets (``set_ratio``: 1:1 until a shape is chosen, then the
ratio of the size the model will be asked for). All crops going in and out are in full-resolution
upright pixels, so the rest of the app never learns that the view paints a downscaled copy; a
1:1 frame is handed over as a ``Square``, as it always was. Crop arithmetic stays in the core
(``clamp_frame``, ``fit_frame``, ``largest_centred_frame``); this module only maps pointer
positions to picture pixels and decides what a gesture means.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QHideEvent,
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

from desktop_app.core.imaging import Frame, Square
from desktop_app.core.imaging.geometry import (
    Ratio,
    clamp_frame,
    fit_frame,
    largest_centred_frame,
)
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
SQUARE: Ratio = (1, 1)

DIM = QColor(0, 0, 0, 140)
LINE_DARK = QColor(0, 0, 0, 170)
LINE_LIGHT = QColor(255, 255, 255)
THIRDS = QColor(255, 255, 255, 80)


# The picture made afresh to fit a square of that many pixels (a null QImage: it could not be).
Render = Callable[[int], QImage]
# The picture given is sharp enough for a size when it has 3/4 of its pixels (as the preview's
# own size is chosen: PREVIEW_SLACK in core/imaging/loading.py).
ENOUGH_PIXELS = 0.75
RENDER_SETTLE_MS = 120  # a new size held this long is made afresh (not every step of a drag)


class _Corner(Enum):
    """A corner handle, named by the direction it points away from the frame's centre."""

    TOP_LEFT = (-1, -1)
    TOP_RIGHT = (1, -1)
    BOTTOM_LEFT = (-1, 1)
    BOTTOM_RIGHT = (1, 1)


@dataclass(frozen=True)
class _Drag:
    """A gesture in progress: what was grabbed, and where everything was when it started."""

    start: Frame
    press: tuple[float, float]  # pointer, in full-size pixels
    corner: _Corner | None  # None: moving the whole frame


class CropView(QWidget):
    """Shows a picture and lets the person choose the part that matters."""

    #: Square | Frame: the new crop in full-size pixels (a Square while the ratio is 1:1), after
    #: every user change, set_image, set_crop, set_ratio or reset that changed it. ``clear``
    #: does not emit.
    cropChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None  # let go of once a copy at the shown size exists
        self._render: Render | None = None  # the picture made afresh at a size, when given
        self._full: tuple[int, int] = (0, 0)
        self._ratio: Ratio = SQUARE
        self._frame: Frame | None = None
        self._drag: _Drag | None = None
        self._wheel: tuple[Frame, float] | None = None  # the frame the wheel made, unrounded width
        self._pixmap: tuple[tuple[int, int, float], QPixmap] | None = None  # (size, dpr): pixmap
        self._sharp = False  # whether _pixmap is the smooth copy, not the rough one
        self._failed: tuple[int, int, float] | None = None  # a size render could not make
        self._smoother = ThumbnailLoader(self)
        self._smoother.ready.connect(self._on_smooth)
        # Making the picture afresh waits for the size to settle (a window being dragged).
        self._settle = QTimer(self, singleShot=True, interval=RENDER_SETTLE_MS)
        self._settle.timeout.connect(self._render_now)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)  # hover cursors over handles
        self.setAccessibleName("Crop frame")
        self.setAccessibleDescription(CONTROLS_HELP)
        self.setToolTip(CONTROLS_HELP)

    def set_image(
        self, image: QImage, full_size: tuple[int, int], render: Render | None = None
    ) -> None:
        """Shows ``image`` (possibly downscaled) standing for a picture of ``full_size``.

        ``render(side)``: the picture made afresh to fit a square of ``side`` pixels (called on
        the thread pool). Given it, the view keeps only its copy of the picture at the size shown
        and lets go of ``image`` (a photo's is 12 MB), making the picture again at a new size.
        """
        width, height = full_size
        frame = largest_centred_frame(width, height, self._ratio)  # also refuses an empty size
        self._image, self._full, self._frame = image, (width, height), frame
        self._render = render
        self._sharp, self._failed = False, None
        self._settle.stop()
        self._pixmap = self._drag = self._wheel = None
        self._smoother.forget_all()
        self.update()
        self.cropChanged.emit(self.crop())

    def clear(self) -> None:
        self._image = self._frame = self._drag = self._pixmap = self._wheel = None
        self._render = None
        self._settle.stop()
        self._full = (0, 0)
        self.unsetCursor()
        self.update()

    def crop(self) -> Square | Frame | None:
        """The part to upload: a Square while the ratio is 1:1, else a Frame; None: no picture."""
        frame = self._frame
        if frame is None or self._ratio != SQUARE:
            return frame
        return Square(frame.x, frame.y, frame.width)

    def ratio(self) -> Ratio:
        return self._ratio

    def untouched(self) -> bool:
        """Whether the frame is the one a new picture gets (the largest centred of the ratio)."""
        return self._frame == largest_centred_frame(*self._full, self._ratio)

    def set_ratio(self, ratio: Ratio) -> None:
        """Gives the frame ``ratio`` (width:height, reduced)."""
        common = math.gcd(*ratio)
        ratio = (ratio[0] // common, ratio[1] // common)
        if ratio == self._ratio:
            return
        old, self._ratio = self._ratio, ratio
        if self._frame is not None:
            self._drag = self._wheel = None
            # A frame never touched becomes the largest of the new ratio, as a new picture's;
            # one the person chose keeps its centre and area.
            untouched = self._frame == largest_centred_frame(*self._full, old)
            fitted = self._fit(
                largest_centred_frame(*self._full, ratio) if untouched else self._frame
            )
            self._frame = None  # the kind handed over changes (Square <-> Frame): always tell
            self._apply(fitted)

    def set_crop(self, crop: Square | Frame) -> None:
        """Adopts ``crop`` given the view's ratio, moved and resized to fit; does nothing while
        no picture is shown."""
        if self._frame is not None:
            self._apply(Frame.of_square(crop) if isinstance(crop, Square) else crop)

    def reset_crop(self) -> None:
        if self._frame is not None:
            self._apply(largest_centred_frame(*self._full, self._ratio))

    def picture_rect(self) -> QRectF:
        """Where the picture is painted, in widget coordinates (empty when there is none)."""
        width, height = self._full
        if self._image is None and self._pixmap is None:
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

    def _least_width(self) -> float:
        """The narrowest frame whose short side is still MIN_SIDE (or the picture's)."""
        least = min(MIN_SIDE, *self._full)
        across, down = self._ratio
        return least * max(1.0, across / down)

    def _largest_width(self) -> int:
        return largest_centred_frame(*self._full, self._ratio).width

    def _fit(self, frame: Frame) -> Frame:
        width, height = self._full
        fitted = fit_frame(clamp_frame(frame, width, height), self._ratio, width, height)
        least = min(MIN_SIDE, width, height)
        if min(fitted.width, fitted.height) >= least:
            return fitted
        # Grow a too-small frame around its centre rather than from its corner.
        grow = least / min(fitted.width, fitted.height)
        grown_width, grown_height = fitted.width * grow, fitted.height * grow
        grown = Frame(
            round(fitted.x + (fitted.width - grown_width) / 2),
            round(fitted.y + (fitted.height - grown_height) / 2),
            math.ceil(grown_width),
            math.ceil(grown_height),
        )
        return fit_frame(clamp_frame(grown, width, height), self._ratio, width, height)

    def _apply(self, frame: Frame) -> None:
        fitted = self._fit(frame)
        if fitted != self._frame:
            self._frame = fitted
            self.update()
            self.cropChanged.emit(self.crop())

    def _resize_to(self, width: float) -> None:
        """Resizes the frame around its centre (one 5 % step is at least a pixel at MIN_SIDE)."""
        assert self._frame is not None
        old = self._frame
        across, down = self._ratio
        centre_x = old.x + old.width / 2
        centre_y = old.y + old.height / 2
        # Capped before centring: a size clamped afterwards would walk the frame sideways.
        new_width = min(max(round(width), 1), self._largest_width())
        new_height = max(1, min(round(new_width * down / across), self._full[1]))
        self._apply(
            Frame(
                round(centre_x - new_width / 2),
                round(centre_y - new_height / 2),
                new_width,
                new_height,
            )
        )

    def _resize_corner(self, drag: _Drag, pointer: tuple[float, float]) -> None:
        assert drag.corner is not None
        start, (sx, sy) = drag.start, drag.corner.value
        width, height = self._full
        across, down = self._ratio
        slope = down / across  # height per unit of width
        # The opposite corner stays put; the grabbed one follows the pointer along the diagonal.
        anchor_x = start.x if sx > 0 else start.x + start.width
        anchor_y = start.y if sy > 0 else start.y + start.height
        # How far the grabbed corner now is from the anchor, measured outwards.
        along_x = start.width + sx * (pointer[0] - drag.press[0])
        along_y = start.height + sy * (pointer[1] - drag.press[1])
        # The point of the diagonal nearest the pointer (for a square: the mean of the two).
        wanted = (along_x + slope * along_y) / (1 + slope * slope)
        room_x = width - anchor_x if sx > 0 else anchor_x
        room_y = height - anchor_y if sy > 0 else anchor_y
        room = math.floor(min(room_x, room_y / slope) + 1e-9)
        frame_width = max(min(round(wanted), room), math.ceil(self._least_width() - 1e-9), 1)
        frame_height = max(1, min(round(frame_width * slope), room_y))
        left = anchor_x if sx > 0 else anchor_x - frame_width
        top = anchor_y if sy > 0 else anchor_y - frame_height
        self._apply(Frame(left, top, frame_width, frame_height))

    def _frame_rect(self) -> QRectF:
        assert self._frame is not None
        picture = self.picture_rect()
        scale = picture.width() / self._full[0]
        frame = self._frame
        return QRectF(
            picture.left() + frame.x * scale,
            picture.top() + frame.y * scale,
            frame.width * scale,
            frame.height * scale,
        )

    def _to_full(self, point: QPointF) -> tuple[float, float]:
        picture = self.picture_rect()
        scale = picture.width() / self._full[0]
        return ((point.x() - picture.left()) / scale, (point.y() - picture.top()) / scale)

    def _hit(self, point: QPointF) -> _Corner | bool:
        """The corner under ``point``, True inside the frame, False elsewhere."""
        rect = self._frame_rect()
        # On a small frame the handles would cover it all; keep its middle for moving.
        inset = min(HANDLE_REACH, min(rect.width(), rect.height()) / 3)
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
        if self._frame is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        hit = self._hit(event.position())
        if hit is False:
            return
        corner = hit if isinstance(hit, _Corner) else None
        self._drag = _Drag(self._frame, self._to_full(event.position()), corner)
        self._update_cursor(hit)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._frame is None:
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
            self._apply(Frame(round(start.x + dx), round(start.y + dy), start.width, start.height))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._frame is None or self._drag is None:
            event.ignore()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self._update_cursor(self._hit(event.position()))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._frame is None or event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        self._drag = None
        self.reset_crop()

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        # Some systems turn Shift+wheel into horizontal scrolling; it still means resize here.
        angle = delta.y() or delta.x()
        if self._frame is None or angle == 0:
            event.ignore()
            return
        # Touchpads send many tiny deltas: carry the unrounded side from one to the next so
        # they add up to what whole notches would do, without rounding drift.
        frame = self._frame
        wide = self._wheel[1] if self._wheel and self._wheel[0] == frame else frame.width
        wide *= WHEEL_STEP ** (angle / 120)
        self._resize_to(wide)
        assert self._frame is not None
        self._wheel = (self._frame, min(max(wide, self._least_width()), self._largest_width()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._frame is None:
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
            frame = self._frame
            dx, dy = moves[key]
            self._apply(Frame(frame.x + dx, frame.y + dy, frame.width, frame.height))
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._resize_to(self._frame.width * WHEEL_STEP)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self._resize_to(self._frame.width / WHEEL_STEP)
        elif key in (Qt.Key.Key_Home, Qt.Key.Key_R):
            self.reset_crop()
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self._frame is None or (self._image is None and self._pixmap is None):
            return
        painter = QPainter(self)
        picture = self.picture_rect()
        painter.drawPixmap(picture.topLeft(), self._scaled_pixmap(picture))
        frame = self._frame_rect()
        outside = QPainterPath()
        outside.setFillRule(Qt.FillRule.OddEvenFill)
        outside.addRect(picture)
        outside.addRect(frame)
        painter.fillPath(outside, DIM)
        self._paint_thirds(painter, frame)
        # Two tones: the dark line shows on light pictures, the light one on dark pictures.
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(LINE_DARK, 3))
        painter.drawRect(frame)
        painter.setPen(QPen(LINE_LIGHT, 1))
        painter.drawRect(frame)
        self._paint_handles(painter, frame)
        if self.hasFocus():
            # Our own frame: some styles draw focus rects only after Tab, yet the arrow keys
            # work after a click too, and the person should see where they will go.
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Highlight), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        painter.end()

    def _paint_thirds(self, painter: QPainter, frame: QRectF) -> None:
        painter.setPen(QPen(THIRDS, 1))
        for share in (1 / 3, 2 / 3):
            x = frame.left() + frame.width() * share
            y = frame.top() + frame.height() * share
            painter.drawLine(QPointF(x, frame.top()), QPointF(x, frame.bottom()))
            painter.drawLine(QPointF(frame.left(), y), QPointF(frame.right(), y))

    def _paint_handles(self, painter: QPainter, frame: QRectF) -> None:
        painter.setPen(QPen(LINE_DARK, 1))
        painter.setBrush(LINE_LIGHT)
        half = HANDLE_SIZE / 2
        for corner in _corners(frame).values():
            painter.drawRect(QRectF(corner.x() - half, corner.y() - half, HANDLE_SIZE, HANDLE_SIZE))

    def _scaled_pixmap(self, picture: QRectF) -> QPixmap:
        """The picture at exactly the painted size in device pixels, made once per size.

        Smooth scaling of a 2048 px preview takes 20-30 ms, a visible hitch; so a fast (rough)
        scale is painted at once and the smooth one is made on the thread pool and swapped in:
        from ``image`` while the view holds it with enough pixels, else by ``render`` once the
        size has settled.
        """
        dpr = self.devicePixelRatioF()
        key = (round(picture.width() * dpr), round(picture.height() * dpr), dpr)
        if self._pixmap is None or self._pixmap[0] != key:
            size = QSize(key[0], key[1])
            fast = Qt.TransformationMode.FastTransformation
            if self._image is not None:
                pixmap = QPixmap.fromImage(self._image.scaled(size, mode=fast))
            else:  # only its copy at the last size is left: rough for a moment
                assert self._pixmap is not None
                pixmap = self._pixmap[1].scaled(size, mode=fast)
            pixmap.setDevicePixelRatio(dpr)
            self._pixmap, self._sharp = (key, pixmap), False
            self._smoother.forget_all()  # only the size shown now is worth making
            self._settle.stop()
        if not self._sharp and self._failed != key and not self._making():
            self._make_smooth(key)
        return self._pixmap[1]

    def _making(self) -> bool:
        return self._smoother.pending() > 0 or self._settle.isActive()

    def _make_smooth(self, key: tuple[int, int, float]) -> None:
        side = max(key[0], key[1])
        image = self._image
        if image is not None and (
            self._render is None or max(image.width(), image.height()) >= side * ENOUGH_PIXELS
        ):
            self._smoother.request(key, image, side)
        elif self._render is not None:
            self._settle.start()  # then _render_now, for the size shown then

    def _render_now(self) -> None:
        render, shown = self._render, self._pixmap
        if render is None or shown is None or self._sharp:
            return
        side = max(shown[0][0], shown[0][1])
        self._smoother.request(shown[0], lambda: render(side), side)

    def hideEvent(self, event: QHideEvent) -> None:
        # Hidden while the results are in view (a run). Its smooth copy at the size on screen
        # (2 MB) stays, to paint at once when framing comes back; the picture itself goes, if
        # it can be made again. A rough copy is made smooth when shown again.
        if self._render is not None and self._sharp:
            self._image = None
        self._smoother.forget_all()
        self._settle.stop()
        super().hideEvent(event)

    def _on_smooth(self, key: object, image: QImage | None) -> None:
        if self._pixmap is None or self._pixmap[0] != key:
            return  # the size changed (or the picture) while it was being made
        assert isinstance(key, tuple)
        if image is None:
            self._failed = key  # not asked again at this size: the rough copy stays
            return
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(key[2])
        self._pixmap, self._sharp = (key, pixmap), True
        if self._render is not None:
            self._image = None  # made again at the next size
        self.update()


def _corners(rect: QRectF) -> dict[_Corner, QPointF]:
    return {
        _Corner.TOP_LEFT: rect.topLeft(),
        _Corner.TOP_RIGHT: rect.topRight(),
        _Corner.BOTTOM_LEFT: rect.bottomLeft(),
        _Corner.BOTTOM_RIGHT: rect.bottomRight(),
    }
