"""The framing tool's shape and zoom out, under the picture: Square (as always), 3:2, 2:3, 16:9,
9:16 or the whole picture, and the picture placed 1.5x or 2x smaller for the model to fill the
border. It only states the wish; the window turns it into the frame's ratio (the size the model
will be asked for, core/variation.py) and the next run's settings."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from desktop_app.core.imaging.shape import Shape
from desktop_app.core.variation import ZOOM_OUTS

SHAPE_TIP = (
    "The shape of the part sent and of the variations. The size chosen in the settings gives "
    "the area; the model is asked for the size nearest this shape that it makes."
)
ZOOM_TIP = (
    "Place the framed picture smaller on a transparent canvas of this shape: the model paints "
    "the border around it."
)
CLASSIC_TIP = "Classic variations are square and whole: choose GPT Image variation to change this."
NO_MASK_TIP = "This server or model takes no mask, and a zoom out needs one to fill the border."


class ShapeBar(QWidget):
    #: Shape, float | None (zoom out): after every change made by the person.
    framingChanged = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape = QComboBox(self)
        for shape in Shape:
            self.shape.addItem(shape.label, shape)
        self.shape.setToolTip(SHAPE_TIP)
        self.shape.setAccessibleName("Shape")
        shape_label = QLabel("Sh&ape:", self)
        shape_label.setBuddy(self.shape)
        self.zoom = QComboBox(self)
        self.zoom.addItem("None", None)
        for factor in ZOOM_OUTS:
            self.zoom.addItem(f"{factor:g}×", factor)
        self.zoom.setToolTip(ZOOM_TIP)
        self.zoom.setAccessibleName("Zoom out")
        zoom_label = QLabel("&Zoom out:", self)
        zoom_label.setBuddy(self.zoom)
        # What the model will be asked for: a 16:9 frame is 1392 x 784 on one model and
        # 1536 x 1024 on another, and the person should see which before paying.
        self.size_note = QLabel(self)
        self.size_note.setToolTip("The size the model will be asked for")
        # It gives way first on a narrow screen: the framing side must not widen the window.
        self.size_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (shape_label, self.shape, zoom_label, self.zoom, self.size_note):
            row.addWidget(widget)
        row.addStretch(1)
        self.shape.activated.connect(self._changed)
        self.zoom.activated.connect(self._changed)

    def framing(self) -> tuple[Shape, float | None]:
        return self.shape.currentData(), self.zoom.currentData()

    def set_framing(self, shape: Shape, zoom_out: float | None) -> None:
        """Shows ``shape`` and ``zoom_out`` (remembered, or from a run) without announcing it."""
        self.shape.setCurrentIndex(max(0, self.shape.findData(shape)))
        # The first item ("None") holds no data: findData cannot look for it.
        self.zoom.setCurrentIndex(0 if zoom_out is None else max(0, self.zoom.findData(zoom_out)))

    def set_offered(self, offered: bool, *, zoom: bool = True) -> None:
        """Shapes are edits' (classic variations are square); zoom out also needs a server
        and model that take a mask (``zoom``)."""
        self.shape.setEnabled(offered)
        self.shape.setToolTip(SHAPE_TIP if offered else CLASSIC_TIP)
        self.zoom.setEnabled(offered and zoom)
        self.zoom.setToolTip(
            ZOOM_TIP if offered and zoom else NO_MASK_TIP if offered else CLASSIC_TIP
        )
        self.size_note.setVisible(offered)

    def set_size(self, size: str) -> None:
        """The size the next run asks for ("" for a square: the settings say it already)."""
        self.size_note.setText(f"→ {size.replace('x', ' × ')}" if size else "")

    def _changed(self, _index: int) -> None:
        self.framingChanged.emit(*self.framing())
