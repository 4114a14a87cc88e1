"""The region tool's bar under the framing view: paint or frame, the tools, the brush size,
invert, clear, undo and redo. It only drives the :class:`RegionOverlay`; the overlay keeps the
region and answers the same keys."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ui.picture.region_overlay import BRUSH_SIZES, RegionOverlay, Tool

_TOOLS = (
    (Tool.BRUSH, "Brush", "Paint the part that may change (B)"),
    (Tool.ERASER, "Eraser", "Take a part out of the region (E)"),
    (Tool.RECTANGLE, "Rectangle", "Drag a rectangle into the region (R)"),
)


class RegionTools(QWidget):
    def __init__(self, overlay: RegionOverlay, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._overlay = overlay
        self.paint_button = self._button(
            "Vary a region", "Paint the part that may change; Esc: done"
        )
        self.paint_button.setCheckable(True)
        self.paint_button.toggled.connect(overlay.set_painting)
        overlay.paintingChanged.connect(self._on_painting)

        self.tools = QButtonGroup(self)
        self.tools.setExclusive(True)
        self.tool_buttons: dict[Tool, QToolButton] = {}
        for tool, text, tip in _TOOLS:
            button = self._button(text, tip)
            button.setCheckable(True)
            button.setChecked(tool is overlay.tool)
            button.clicked.connect(lambda _=False, t=tool: overlay.set_tool(t))
            self.tools.addButton(button)
            self.tool_buttons[tool] = button

        overlay.toolChanged.connect(lambda tool: self.tool_buttons[tool].setChecked(True))

        self.brush_size = QSpinBox(self)
        self.brush_size.setRange(BRUSH_SIZES[0], BRUSH_SIZES[-1])
        self.brush_size.setSuffix(" px")
        self.brush_size.setValue(overlay.brush_size)
        self.brush_size.setToolTip("Brush size ([ smaller, ] larger)")
        self.brush_size.setAccessibleName("Brush size")
        self.brush_size.valueChanged.connect(overlay.set_brush_size)
        overlay.brushSizeChanged.connect(self.brush_size.setValue)
        size_label = QLabel("&Size:", self)
        size_label.setBuddy(self.brush_size)

        self.invert_button = self._button("Invert", "Swap what changes and what stays (I)")
        self.invert_button.clicked.connect(overlay.invert)
        self.clear_button = self._button("Clear", "No region: the whole square varies")
        self.clear_button.clicked.connect(overlay.clear_region)
        # Fixed words (not "Undo Paint"): the bar must not grow with the last command's name.
        stack = overlay.undo_stack
        self.undo_button = self._button("Undo", "Undo the last change to the region (Ctrl+Z)")
        self.undo_button.clicked.connect(stack.undo)
        stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.redo_button = self._button("Redo", "Redo (Ctrl+Shift+Z)")
        self.redo_button.clicked.connect(stack.redo)
        stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.undo_button.setEnabled(stack.canUndo())
        self.redo_button.setEnabled(stack.canRedo())

        # Two rows while painting: one row of every control would make the framing side, and so
        # the window, wider than a 960 px (1920 x 1080 at 200 %) screen.
        tools_row = QHBoxLayout()
        tools_row.addWidget(self.paint_button)
        edits_row = QHBoxLayout()
        self._painting_widgets: list[QWidget] = [
            *self.tool_buttons.values(),
            size_label,
            self.brush_size,
        ]
        for widget in self._painting_widgets:
            tools_row.addWidget(widget)
        for widget in (self.invert_button, self.clear_button, self.undo_button, self.redo_button):
            edits_row.addWidget(widget)
            self._painting_widgets.append(widget)
        tools_row.addStretch(1)
        edits_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(tools_row)
        layout.addLayout(edits_row)
        self._on_painting(False)

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        return button

    def _on_painting(self, painting: bool) -> None:
        self.paint_button.setChecked(painting)
        for widget in self._painting_widgets:
            widget.setVisible(painting)
