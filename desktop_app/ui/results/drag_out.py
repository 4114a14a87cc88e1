"""Dragging a variation out of the window: into a file manager (the library's file), or into
another app that takes pictures (the image itself)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag, QPixmap
from PySide6.QtWidgets import QWidget

_DRAG_ICON = 96  # logical pixels


def drag_result(
    source: QWidget, data: bytes, image_format: str, path: Path | None, thumbnail: QPixmap | None
) -> None:
    """Starts the drag (it runs its own event loop until the drop). The bytes go as they are,
    under their own type: decoding a large picture here would stall the window."""
    mime = QMimeData()
    if path is not None:
        mime.setUrls([QUrl.fromLocalFile(str(path))])
    subtype = "jpeg" if image_format.lower() in ("jpg", "jpeg") else image_format.lower()
    mime.setData(f"image/{subtype}", data)
    drag = QDrag(source)
    drag.setMimeData(mime)
    if thumbnail is not None and not thumbnail.isNull():
        drag.setPixmap(
            thumbnail.scaled(
                round(_DRAG_ICON * thumbnail.devicePixelRatio()),
                round(_DRAG_ICON * thumbnail.devicePixelRatio()),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
    drag.exec(Qt.DropAction.CopyAction)
