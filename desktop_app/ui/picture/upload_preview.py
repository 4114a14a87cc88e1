"""What will be uploaded, shown before it costs anything: a thumbnail, its size and format, and
any rule the current mode would break.

UX.md: "Will send" before a run, "Sent" once the request has reached the server, so the words
under the thumbnail are never ahead of what happened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStyle, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from desktop_app.session.session import Session

THUMBNAIL_SIDE = 160  # logical pixels
PLACEHOLDER = "No picture yet"
BUSY_TEXT = "Preparing…"
WILL_SEND = "Will send: {}"
SENT = "Sent: {}"
BUSY_OPACITY = 0.4  # the old thumbnail stays, faded, so the layout doesn't jump while encoding


class _Thumbnail(QWidget):
    """A square picture, scaled smoothly for the screen it is on, or a quiet placeholder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._pixmap: QPixmap | None = None
        self._pixmap_dpr = 0.0
        self.busy = False
        self.setFixedSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE)

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self._pixmap = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        bounds = QRectF(self.rect())
        if self._image is None or self._image.isNull():
            # Dashed outline and muted text: obviously empty, without looking like an error.
            painter.setPen(
                QPen(self.palette().color(QPalette.ColorRole.Mid), 1, Qt.PenStyle.DashLine)
            )
            painter.drawRect(bounds.adjusted(0.5, 0.5, -0.5, -0.5))
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            if not self.busy:  # the details line already says "Preparing…"
                painter.drawText(bounds, Qt.AlignmentFlag.AlignCenter, PLACEHOLDER)
            return
        pixmap = self._scaled()
        size = pixmap.deviceIndependentSize()
        left = (bounds.width() - size.width()) / 2
        top = (bounds.height() - size.height()) / 2
        if self.busy:
            painter.setOpacity(BUSY_OPACITY)
        if self._image.hasAlphaChannel():  # a zoom out's border, a transparent picture
            from desktop_app.qt.checkerboard import paint_checkerboard

            paint_checkerboard(painter, QRectF(left, top, size.width(), size.height()))
        painter.drawPixmap(QPointF(left, top), pixmap)

    def _scaled(self) -> QPixmap:
        assert self._image is not None
        dpr = self.devicePixelRatioF()
        if self._pixmap is None or self._pixmap_dpr != dpr:
            side = round(THUMBNAIL_SIDE * dpr)
            scaled = self._image.scaled(
                side,
                side,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            self._pixmap = QPixmap.fromImage(scaled)
            self._pixmap.setDevicePixelRatio(dpr)
            self._pixmap_dpr = dpr
        return self._pixmap


class UploadPreview(QWidget):
    """Thumbnail and description of the exact upload, plus warnings for the chosen mode."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._description = ""
        self._busy = False
        # Which upload the words are about: each new preparation is a new generation. A run
        # sends the generation current when it started (prepared already, or being prepared
        # with the same square and settings); once it is on the server, that one is "Sent".
        self._upload: str | None = None  # set_upload's description; None: set_preview's text
        self._generation = 0
        self._run_generation: int | None = None
        self._sent_generation: int | None = None

        self._thumbnail = _Thumbnail(self)
        self._thumbnail.setAccessibleName("Upload preview")
        self._details = QLabel(self)
        self._details.setAccessibleName("Upload details")
        self._details.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._details.setWordWrap(True)
        self._details.setTextFormat(Qt.TextFormat.PlainText)  # reasons may contain "<" or "&"
        # People copy the size and byte count into bug reports; let them select it.
        self._details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._details.setForegroundRole(QPalette.ColorRole.WindowText)
        self._warnings = QWidget(self)
        self._warnings.setAccessibleName("Upload warnings")
        self._warnings_layout = QVBoxLayout(self._warnings)
        self._warnings_layout.setContentsMargins(0, 0, 0, 0)
        self._warnings.hide()
        self._warning_texts: list[str] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._thumbnail, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self._details)
        layout.addWidget(self._warnings)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.set_preview(None, "")

    def set_preview(self, image: QImage | None, description: str) -> None:
        """Shows ``image`` (the encoded upload, decoded) and e.g. "1024 × 1024 JPEG, 180 KB".

        Without an image the thumbnail says "No picture yet"; a non-empty ``description`` is
        still shown under it (e.g. why the upload couldn't be prepared).
        """
        self._upload = None
        self._show(image, description)

    def set_upload(self, image: QImage, description: str) -> None:
        """Shows the upload prepared for the next run: "Will send: 1024 × 1024 JPEG, 26 KB"
        until a run has sent it, then "Sent: …"."""
        self._upload = description
        self._show(image, self._upload_text())

    def set_busy(self, busy: bool) -> None:
        """While the upload is encoded off the GUI thread: fade the old one, say "Preparing…".

        A new preparation is a new upload: nothing has sent it yet."""
        if busy:
            self._generation += 1
        self._busy = busy
        self._thumbnail.busy = busy
        self._thumbnail.update()
        self._show_details()

    def set_sent(self, sent: bool) -> None:
        """Whether the upload shown has been sent ("Sent: …") or not yet ("Will send: …")."""
        self._sent_generation = self._generation if sent else None
        self._refresh_upload()

    def is_sent(self) -> bool:
        return self._sent_generation == self._generation

    def follow(self, session: Session) -> None:
        """Says "Sent" once a run of ``session`` has put the upload on the server."""
        session.runStarted.connect(self.on_run_started)
        session.runEvent.connect(self.on_run_event)

    def on_run_started(self, _count: int = 0) -> None:
        # The run sends the current generation; until it is on the server: "Will send".
        self._run_generation = self._generation
        self.set_sent(False)

    def on_run_event(self, event: object) -> None:
        from desktop_app.core.results import Phase, PhaseChanged

        # WAITING: the request is sent and the server is working on it (billing starts).
        if isinstance(event, PhaseChanged) and event.phase is Phase.WAITING:
            self._sent_generation = self._run_generation
            self._refresh_upload()

    def _upload_text(self) -> str:
        assert self._upload is not None
        return (SENT if self.is_sent() else WILL_SEND).format(self._upload)

    def _refresh_upload(self) -> None:
        if self._upload is not None:
            self._description = self._upload_text()
            self._thumbnail.setAccessibleDescription(self._description)
            self._show_details()

    def _show(self, image: QImage | None, description: str) -> None:
        self._description = description
        self._thumbnail.set_image(image)
        self._thumbnail.setAccessibleDescription(description if image is not None else PLACEHOLDER)
        self._show_details()

    def set_warnings(self, warnings: list[str]) -> None:
        """One line per warning, each with the style's warning icon; an empty list hides them."""
        while (item := self._warnings_layout.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self._warning_texts = list(warnings)
        for text in warnings:
            self._warnings_layout.addWidget(self._warning_row(text))
        self._warnings.setVisible(bool(warnings))

    def description(self) -> str:
        """The text shown under the thumbnail right now."""
        return self._details.text()

    def warnings(self) -> list[str]:
        return list(self._warning_texts)

    def sizeHint(self) -> QSize:
        return QSize(THUMBNAIL_SIDE + 40, super().sizeHint().height())

    def _show_details(self) -> None:
        self._details.setText(BUSY_TEXT if self._busy else self._description)
        # "Preparing…" is a passing state, not a fact about the upload: muted.
        role = QPalette.ColorRole.PlaceholderText if self._busy else QPalette.ColorRole.WindowText
        self._details.setForegroundRole(role)
        self._details.setVisible(bool(self._details.text()))

    def _warning_row(self, text: str) -> QWidget:
        row = QWidget(self._warnings)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        icon_side = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize, None, self)
        icon = QLabel(row)
        icon.setAccessibleName("Warning")
        icon_image = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        # Rendered for this screen's device pixel ratio, so the icon stays crisp at 200 %.
        icon.setPixmap(icon_image.pixmap(QSize(icon_side, icon_side), self.devicePixelRatioF()))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        label = QLabel(text, row)
        label.setAccessibleName("Upload warning")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(label, 1)
        return row
