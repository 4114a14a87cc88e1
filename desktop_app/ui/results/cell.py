"""One cell of the results grid: a square thumbnail, a caption and, once finished, its actions."""

from __future__ import annotations

from enum import Enum

from PySide6.QtCore import QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QIcon,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.qt.checkerboard import paint_checkerboard
from desktop_app.qt.thumbnails import THUMBNAIL_SIZE

SOURCE = -1  # the index of the source cell, as the grid's signals report it
FRAME_WIDTH = 3  # the selection frame: thick enough to find at a glance in a row of pictures
_DIM_OPACITY = 0.55  # a partial preview is shown faded: it is not the picture that will be saved
_LEAST_SIDE = 72  # logical pixels: three icons wide; smaller is not worth looking at
_SETTLE_MS = 120  # a resize pauses this long before the thumbnails are smoothly scaled again
# The one-click variations beside the plain "Vary this" (the strength set in the window): what
# each is called in the cell's menu and what the grid reports for it.
VARY_CHOICES = (
    ("Vary subtle", "subtle", "Keep almost everything; vary small details"),
    ("Vary strong", "strong", "Keep the subject and the mood; reinterpret the rest"),
    ("Vary region…", "region", "Paint the part of this picture that may change"),
)


class CellState(Enum):
    EMPTY = "empty"  # created, nothing asked for yet
    WAITING = "waiting"  # the run started, nothing received for this cell yet
    RECEIVING = "receiving"  # a streamed partial preview is shown
    READY = "ready"  # the finished image (or the source) is shown
    UNREADABLE = "unreadable"  # finished, but the bytes could not be decoded
    FAILED = "failed"  # will never come: cancelled or failed


class ThumbnailView(QWidget):
    """The picture's place (square, or the run's shape): a centred thumbnail, and a status
    line with a busy bar while waiting."""

    def __init__(self, side: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(side, side)
        self._pixmap: QPixmap | None = None
        self._scaled: QPixmap | None = None  # the pixmap smoothly scaled to the current side
        self._dimmed = False
        # While the window is being resized, the picture is drawn with a fast scaling; the
        # smooth one is made once the size has settled (smooth scaling ten large thumbnails at
        # every step of a resize would stall the window).
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(_SETTLE_MS)
        self._settle.timeout.connect(self._rescale)
        self.status = QLabel(self)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)  # indeterminate: we cannot know how far along the server is
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(self.fontMetrics().height() // 2 + 2)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addWidget(self.busy, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        self.set_status("", busy=False)

    def pixmap(self) -> QPixmap | None:
        return self._pixmap

    def set_pixmap(self, pixmap: QPixmap | None, *, dimmed: bool = False) -> None:
        self._pixmap = pixmap
        self._scaled = None
        self._dimmed = dimmed
        self._rescale()
        self.update()

    def set_picture_size(self, width: int, height: int) -> None:
        if (width, height) == (self.width(), self.height()):
            return
        self.setFixedSize(width, height)
        self.busy.setFixedWidth(max(width // 2, 8))
        if self._pixmap is not None:
            self._settle.start()

    def _target(self) -> QRectF:
        """Where the picture goes: fitted into its place and centred in it."""
        assert self._pixmap is not None
        size = self._pixmap.deviceIndependentSize()
        scale = min(self.width() / size.width(), self.height() / size.height())
        width, height = size.width() * scale, size.height() * scale
        return QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)

    def _rescale(self) -> None:
        if self._pixmap is None or self._pixmap.isNull():
            self._scaled = None
            return
        target = self._target()
        ratio = self._pixmap.devicePixelRatio()
        self._scaled = self._pixmap.scaled(
            round(target.width() * ratio),
            round(target.height() * ratio),
            Qt.AspectRatioMode.IgnoreAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        self._scaled.setDevicePixelRatio(ratio)
        self.update()

    def set_status(self, text: str, *, busy: bool) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))
        self.busy.setVisible(busy)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        if self._pixmap is None:
            # An empty square still shows where the picture will land.
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
            painter.setBrush(palette.color(QPalette.ColorRole.Base))
            painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
            return
        target = self._target()
        if self._pixmap.hasAlphaChannel():
            paint_checkerboard(painter, target)  # where the picture is see-through, show it
        if self._dimmed:
            painter.setOpacity(_DIM_OPACITY)
        scaled = self._scaled
        if scaled is not None and scaled.deviceIndependentSize().toSize() == target.size().toSize():
            painter.drawPixmap(target.topLeft(), scaled)
        else:
            painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        if self.status.isVisible():
            # A plate behind the text keeps it readable over any picture, light or dark.
            painter.setOpacity(0.8)
            plate = QRectF(self.status.geometry()).adjusted(-6, -4, 6, 4)
            if self.busy.isVisible():
                plate = plate.united(QRectF(self.busy.geometry()).adjusted(-6, -4, 6, 4))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.color(QPalette.ColorRole.Window))
            painter.drawRoundedRect(plate, 4, 4)


def _icon(widget: QWidget, theme: QIcon.ThemeIcon, fallback: QStyle.StandardPixmap) -> QIcon:
    # The desktop's own icon where there is one; the style's otherwise, so there is always one.
    return QIcon.fromTheme(theme, widget.style().standardIcon(fallback))


class ResultCell(QWidget):
    """A cell; it only reports clicks. The grid decides what they mean."""

    pressed = Signal(int)  # index: the user clicked the cell (selects it)
    activated = Signal(int)  # index: the user double-clicked the cell (opens the viewer)
    saveClicked = Signal(int)  # index
    copyClicked = Signal(int)  # index
    varyClicked = Signal(int)  # index
    varyChosen = Signal(int, str)  # index, "subtle" | "strong" | "region" (VARY_CHOICES)
    dragStarted = Signal(int)  # index: the user drags the finished picture out

    def __init__(self, index: int, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.state = CellState.EMPTY
        self._selected = False
        self._press: QPoint | None = None  # where a left press started, for a drag out
        is_source = index == SOURCE
        name = "Source picture" if is_source else f"Variation {index + 1}"
        self.setAccessibleName(name)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the grid holds the focus and moves it
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        self.save_button = self._button(
            "Save",
            "Save this variation (Ctrl+S)",
            f"Save variation {index + 1}",
            _icon(self, QIcon.ThemeIcon.DocumentSave, QStyle.StandardPixmap.SP_DialogSaveButton),
        )
        self.copy_button = self._button(
            "Copy",
            "Copy this variation to the clipboard (Ctrl+C)",
            f"Copy variation {index + 1}",
            _icon(self, QIcon.ThemeIcon.EditCopy, QStyle.StandardPixmap.SP_FileIcon),
        )
        self.vary_button = self._button(
            "Vary this",
            "Make new variations of this one",
            f"Vary variation {index + 1}",
            _icon(self, QIcon.ThemeIcon.ViewRefresh, QStyle.StandardPixmap.SP_BrowserReload),
        )
        self.save_button.clicked.connect(lambda: self.saveClicked.emit(self.index))
        self.copy_button.clicked.connect(lambda: self.copyClicked.emit(self.index))
        self.vary_button.clicked.connect(lambda: self.varyClicked.emit(self.index))
        self.vary_menu = self._vary_menu()
        self.vary_button.setMenu(self.vary_menu)
        # A click still varies with the window's strength; the arrow offers the one-click kinds.
        self.vary_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.details = QLabel(self)  # the source's pixel size; results leave it empty
        self.details.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        actions = QHBoxLayout()
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(0)
        for button in self._buttons():
            actions.addWidget(button)
        actions.addWidget(self.details)
        actions.addStretch(1)

        # The square grows when the buttons need more room (large fonts, long translations),
        # so they always sit under the picture and every cell has the same size.
        self.text_width = actions.sizeHint().width()  # below it, the buttons show icons only
        self._set_button_text(shown=False)
        actions.invalidate()  # a layout keeps its size hint until told it is stale
        self.least_side = max(actions.sizeHint().width(), _LEAST_SIDE)
        self._set_button_text(shown=True)
        actions.invalidate()
        side = max(THUMBNAIL_SIZE, self.text_width)
        self.thumbnail = ThumbnailView(side, self)
        self.caption = QLabel(self)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self._caption_text = caption

        layout = QVBoxLayout(self)
        margin = (
            FRAME_WIDTH + self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutBottomMargin) // 2
        )
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(
            self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutVerticalSpacing) // 2
        )
        layout.addWidget(self.thumbnail)
        layout.addWidget(self.caption)
        layout.addLayout(actions)
        self.setFixedSize(layout.sizeHint())
        self.chrome = (self.width() - side, self.height() - side)  # around the picture
        for button in self._buttons():
            button.setVisible(False)  # until the result is in; the row keeps its place
        self._update_caption()

    def _button(self, text: str, tip: str, accessible: str, icon: QIcon) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(accessible)
        button.setIcon(icon)
        button.setIconSize(QSize(16, 16))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(True)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click must leave the focus on the grid
        if self.index != SOURCE:  # results keep the row's place until their buttons show
            policy = button.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            button.setSizePolicy(policy)
        return button

    def _vary_menu(self) -> QMenu:
        menu = QMenu(self)
        for text, kind, tip in VARY_CHOICES:
            action = menu.addAction(text)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.setObjectName(f"vary-{kind}")
            action.triggered.connect(lambda _=False, k=kind: self.varyChosen.emit(self.index, k))
        menu.setToolTipsVisible(True)
        return menu

    def vary_action(self, kind: str) -> QAction:
        """The menu's action for ``kind`` ("subtle", "strong", "region")."""
        action = self.vary_menu.findChild(QAction, f"vary-{kind}")
        assert action is not None, kind
        return action

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        # A right-click on a finished result offers the same kinds of variation.
        if self.vary_button.isVisible() and self.vary_button.isEnabled():
            self.vary_menu.exec(event.globalPos())
            event.accept()
            return
        super().contextMenuEvent(event)

    def _buttons(self) -> tuple[QToolButton, QToolButton, QToolButton]:
        return (self.save_button, self.copy_button, self.vary_button)

    # --- state -------------------------------------------------------------------------------

    def set_picture_size(self, width: int, height: int) -> None:
        """Makes the picture's place ``width`` x ``height``; the cell grows or shrinks around
        it."""
        if (width, height) == (self.thumbnail.width(), self.thumbnail.height()):
            return
        self._set_button_text(shown=width >= self.text_width)
        self.thumbnail.set_picture_size(width, height)
        self.setFixedSize(width + self.chrome[0], height + self.chrome[1])
        self._update_caption()

    def _set_button_text(self, *, shown: bool) -> None:
        style = (
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if shown
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )
        for button in self._buttons():
            button.setToolButtonStyle(style)

    def set_caption(self, caption: str) -> None:
        self._caption_text = caption
        self._update_caption()

    def _update_caption(self) -> None:
        width = self.thumbnail.width()
        self.caption.setText(
            self.caption.fontMetrics().elidedText(
                self._caption_text, Qt.TextElideMode.ElideMiddle, width
            )
        )
        self.caption.setToolTip(
            self._caption_text if self.caption.text() != self._caption_text else ""
        )

    def set_waiting(self, text: str = "Waiting…") -> None:
        self._enter(CellState.WAITING, None, text, busy=True)

    def set_partial(self, pixmap: QPixmap) -> None:
        self._enter(CellState.RECEIVING, pixmap, "Receiving…", busy=True, dimmed=True)

    def set_ready(self, pixmap: QPixmap) -> None:
        self._enter(CellState.READY, pixmap, "", busy=False)
        self._set_actions_enabled(save=True, picture=True)

    def set_finished_pending(self) -> None:
        """The finished bytes are in but still decoding: the actions work already (they use the
        window's bytes), the old partial stays visible until the thumbnail arrives."""
        self.state = CellState.READY
        self._set_actions_enabled(save=True, picture=True)

    def set_unreadable(self) -> None:
        # Saving still works: the window keeps the bytes. Copy and Vary need a picture.
        self._enter(CellState.UNREADABLE, None, "Could not show this image", busy=False)
        self._set_actions_enabled(save=True, picture=False)

    def set_failed(self, text: str) -> None:
        # A partial preview already received stays visible (faded): it is all there is.
        self._enter(CellState.FAILED, self.thumbnail.pixmap(), text, busy=False, dimmed=True)

    def _enter(
        self,
        state: CellState,
        pixmap: QPixmap | None,
        text: str,
        *,
        busy: bool,
        dimmed: bool = False,
    ) -> None:
        self.state = state
        self.thumbnail.set_pixmap(pixmap, dimmed=dimmed)
        self.thumbnail.set_status(text, busy=busy)
        self.setAccessibleDescription(text.rstrip("…") if text else "Ready")

    def _set_actions_enabled(self, *, save: bool, picture: bool) -> None:
        if self.index == SOURCE:
            return  # the source is the window's own picture: nothing to save or vary here
        for button in self._buttons():
            button.setVisible(True)
        self.save_button.setEnabled(save)
        self.copy_button.setEnabled(picture)
        self.vary_button.setEnabled(picture)

    def can_open(self) -> bool:
        """Whether there is a picture to show full size."""
        return self.state is CellState.READY

    def set_selected(self, selected: bool) -> None:
        if selected != self._selected:
            self._selected = selected
            self.update()

    # --- painting and mouse ------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._selected:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), FRAME_WIDTH)
        painter.setPen(pen)
        inset = FRAME_WIDTH / 2
        painter.drawRoundedRect(QRectF(self.rect()).adjusted(inset, inset, -inset, -inset), 6, 6)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self.pressed.emit(self.index)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        press, moved = self._press, event.position().toPoint()
        if (
            press is not None
            and event.buttons() & Qt.MouseButton.LeftButton
            and (moved - press).manhattanLength() >= QApplication.startDragDistance()
            and self.state is CellState.READY
            and self.index != SOURCE
        ):
            self._press = None
            self.dragStarted.emit(self.index)
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.index)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)
