"""The full-size viewer: fit, zoom around the cursor, pan, compare a variation with its source."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QPainter,
    QPalette,
    QPixmap,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QDialog,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QStyle,
    QStyleOptionGraphicsItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

ZOOM_STEP = 1.25  # one key press or wheel notch
MIN_ZOOM = 0.02  # in "actual pixels": 1.0 is one image pixel per screen pixel
MAX_ZOOM = 16.0
_GAP = 24  # between source and variation when compared, in image pixels


class _Badge(QGraphicsItem):
    """A small label pinned to an image's corner; it keeps its size at any zoom."""

    def __init__(self, text: str, palette: QPalette, font: QFont) -> None:
        super().__init__()
        self._text = text
        self._palette = palette
        self._font = font
        metrics = QFontMetricsF(font)
        self._box = QRectF(8, 8, metrics.horizontalAdvance(text) + 12, metrics.height() + 6)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(1)

    def boundingRect(self) -> QRectF:
        return self._box

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        box = self._box
        painter.setFont(self._font)
        plate = QColor(self._palette.color(QPalette.ColorRole.Window))
        plate.setAlphaF(0.85)  # a hint of the picture behind, but the text always readable
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(plate)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(self._palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self._text)


class ZoomView(QGraphicsView):
    """A graphics view that fits its content by default and zooms around the cursor."""

    zoomChanged = Signal(float)  # the new zoom in actual pixels (1.0 = 100 %)

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)  # we anchor ourselves
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setBackgroundRole(QPalette.ColorRole.Dark)  # a neutral surround for judging colour
        self._fit = True
        self._zoom = 1.0

    def zoom(self) -> float:
        return self._zoom

    def is_fit(self) -> bool:
        return self._fit

    def fit(self) -> None:
        """Shows the whole content, never enlarged past 100 % (that would only blur it)."""
        self._fit = True
        rect = self.sceneRect()
        if rect.isEmpty():
            return
        room = self.maximumViewportSize()  # the size without scroll bars: none will be needed
        margin = 2 * self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin)
        scale = min(
            (room.width() - margin) / rect.width(), (room.height() - margin) / rect.height()
        )
        self._apply(min(max(scale, 1e-3) * self._ratio(), 1.0))
        self.centerOn(rect.center())

    def set_zoom(self, zoom: float, anchor: QPoint | None = None) -> None:
        """Zooms to ``zoom``, keeping the point under ``anchor`` (default: the centre) still."""
        self._fit = False
        pos = anchor if anchor is not None else self.viewport().rect().center()
        before = self.mapToScene(pos)
        self._apply(min(max(zoom, MIN_ZOOM), MAX_ZOOM))
        after = self.mapFromScene(before)
        self.horizontalScrollBar().setValue(
            self.horizontalScrollBar().value() + after.x() - pos.x()
        )
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + after.y() - pos.y())

    def zoom_by(self, steps: float, anchor: QPoint | None = None) -> None:
        self.set_zoom(self._zoom * ZOOM_STEP**steps, anchor)

    def _apply(self, zoom: float) -> None:
        self._zoom = zoom
        scale = zoom / self._ratio()
        self.setTransform(QTransform.fromScale(scale, scale))
        self.zoomChanged.emit(zoom)

    def _ratio(self) -> float:
        # 100 % means one image pixel per *device* pixel: crisp on a 200 % screen too.
        return self.devicePixelRatioF()

    def wheelEvent(self, event: QWheelEvent) -> None:
        # Plain or with Ctrl, the wheel zooms: this view is for looking closely, not scrolling.
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(steps, event.position().toPoint())
        event.accept()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit()


class ImageViewer(QDialog):
    """A variation at full size, with its source one key away."""

    def __init__(
        self, image: QImage, source: QImage | None, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._comparing = False
        self._flipped = False
        self._scene = QGraphicsScene(self)
        # Pixmaps are made here, on the GUI thread, from the images the window handed over.
        self._result = QGraphicsPixmapItem(QPixmap.fromImage(image))
        self._result.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self._scene.addItem(self._result)
        self._result_badge = self._badge("Variation", self._result)
        self._source: QGraphicsPixmapItem | None = None
        if source is not None and not source.isNull():
            self._source = QGraphicsPixmapItem(QPixmap.fromImage(source))
            self._source.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
            # Shown at the variation's height, so both are compared at the same scale.
            self._source.setScale(image.height() / max(1, source.height()))
            self._scene.addItem(self._source)
        self._source_badge = self._badge("Source", self._source)

        self.view = ZoomView(self._scene, self)
        self.view.zoomChanged.connect(self.on_zoom_changed)
        self.zoom_label = QLabel(self)
        self.zoom_label.setMinimumWidth(self.zoom_label.fontMetrics().horizontalAdvance("0000 %"))
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.compare_button = self._tool(
            "Compare with source", "Show the source beside it (C); hold Space to flip to the source"
        )
        self.compare_button.setCheckable(True)
        self.compare_button.setEnabled(self._source is not None)
        self.compare_button.toggled.connect(self.on_compare_toggled)
        zoom_out = self._tool("−", "Zoom out (−)")
        zoom_out.setAccessibleName("Zoom out")
        zoom_in = self._tool("+", "Zoom in (+)")
        zoom_in.setAccessibleName("Zoom in")
        fit = self._tool("Fit", "Fit to the window (0)")
        actual = self._tool("100 %", "Actual pixels (1)")
        zoom_out.clicked.connect(lambda: self.view.zoom_by(-1))
        zoom_in.clicked.connect(lambda: self.view.zoom_by(1))
        fit.clicked.connect(self.view.fit)
        actual.clicked.connect(lambda: self.view.set_zoom(1.0))

        bar = self._bar = QHBoxLayout()
        bar.addWidget(self.compare_button)
        if self._source is not None:
            hint = QLabel("Hold Space to flip to the source", self)
            hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            bar.addWidget(hint)
        bar.addStretch(1)
        for widget in (zoom_out, self.zoom_label, zoom_in, fit, actual):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.view, 1)
        bar_margin = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin) // 2
        bar.setSpacing(self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing))
        bar.setContentsMargins(bar_margin, bar_margin, bar_margin, bar_margin)
        layout.addLayout(bar)
        self.view.setFocus()
        self._arrange()
        self.resize(self._default_size(image))

    @classmethod
    def show_for(
        cls, parent: QWidget | None, image: QImage, source: QImage | None, title: str
    ) -> ImageViewer:
        """Opens a viewer beside the window (non-modal); it deletes itself when closed."""
        viewer = cls(image, source, title, parent)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        viewer.raise_()
        viewer.activateWindow()
        return viewer

    # --- state tests and the window can read --------------------------------------------------

    def zoom(self) -> float:
        return self.view.zoom()

    def is_comparing(self) -> bool:
        return self._comparing

    def shown_images(self) -> list[str]:
        """Which pictures are on screen, left to right: "source" and/or "variation"."""
        shown = [("source", self._source), ("variation", self._result)]
        return [name for name, item in shown if item is not None and item.isVisible()]

    # --- slots -------------------------------------------------------------------------------

    @Slot(float)
    def on_zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f} %")
        self.zoom_label.setToolTip("Fitted to the window" if self.view.is_fit() else "")

    @Slot(bool)
    def on_compare_toggled(self, checked: bool) -> None:
        self._comparing = checked and self._source is not None
        self._flipped = False
        self._arrange()
        if self.view.is_fit():
            self.view.fit()

    # --- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.view.zoom_by(1)
        elif key in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.view.zoom_by(-1)
        elif key == Qt.Key.Key_0:
            self.view.fit()
        elif key == Qt.Key.Key_1:
            self.view.set_zoom(1.0)
        elif key == Qt.Key.Key_C and self.compare_button.isEnabled():
            self.compare_button.toggle()
        elif key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._set_flipped(True)
        else:
            super().keyPressEvent(event)  # Esc closes
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._set_flipped(False)
            event.accept()
            return
        super().keyReleaseEvent(event)

    # --- internals ---------------------------------------------------------------------------

    def _set_flipped(self, flipped: bool) -> None:
        if self._source is None or self._comparing or flipped == self._flipped:
            return
        self._flipped = flipped
        self._arrange()

    def _arrange(self) -> None:
        """Places the pictures for the current mode and sets the scene to exactly cover them."""
        result_rect = self._result.sceneBoundingRect()
        rect = QRectF(result_rect)
        if self._source is not None:
            source_size = self._source.sceneBoundingRect().size()
            if self._comparing:
                self._source.setPos(0, 0)
                self._result.setPos(source_size.width() + _GAP, 0)
                rect = self._source.sceneBoundingRect().united(self._result.sceneBoundingRect())
            else:
                self._result.setPos(0, 0)
                # Flipped: the source sits centred where the variation is.
                result_rect = self._result.sceneBoundingRect()
                self._source.setPos(
                    result_rect.center()
                    - QPointF(source_size.width() / 2, source_size.height() / 2)
                )
                rect = result_rect
            self._source.setVisible(self._comparing or self._flipped)
            self._result.setVisible(self._comparing or not self._flipped)
        for badge, item in ((self._source_badge, self._source), (self._result_badge, self._result)):
            if badge is not None and item is not None:
                badge.setPos(item.pos())
                badge.setVisible(item.isVisible() and (self._comparing or item is self._source))
        self._scene.setSceneRect(rect)

    def _badge(self, text: str, item: QGraphicsPixmapItem | None) -> _Badge | None:
        if item is None:
            return None
        badge = _Badge(text, self.palette(), self.font())
        self._scene.addItem(badge)
        return badge

    def _tool(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        # The keys belong to the picture: Space must flip to the source, not press a button.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def _default_size(self, image: QImage) -> QSize:
        """80 % of the screen, or less when the picture is smaller than that at 100 %."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        available = screen.availableGeometry()
        ratio = screen.devicePixelRatio()
        chrome = QSize(0, self._bar.sizeHint().height())
        wanted = QSize(round(image.width() / ratio), round(image.height() / ratio)) + chrome
        wanted += QSize(2 * _GAP, 2 * _GAP)
        cap = QSize(round(available.width() * 0.8), round(available.height() * 0.8))
        return wanted.boundedTo(cap).expandedTo(QSize(480, 360))
