"""What a drop or a paste brings: files, links or raw image data, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData
from PySide6.QtGui import QImage

# Raw image data a browser or an image editor may put in a drag or on the clipboard.
_IMAGE_MIME_TYPES = (
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/gif",
    "image/bmp",
    "image/tiff",
    "image/heic",
    "image/heif",
    "application/x-qt-image",
)


@dataclass(frozen=True)
class PictureInput:
    """One picture to load: exactly one of ``path``, ``url`` or ``data``."""

    path: Path | None = None
    url: str | None = None
    data: bytes | None = field(default=None, repr=False)
    name: str = ""
    parent_result_id: str | None = None  # "Vary this": the library result it is a copy of

    @property
    def label(self) -> str:
        if self.path is not None:
            return self.path.name
        return self.name or self.url or "pasted image"


def inputs_from_mime(mime: QMimeData) -> list[PictureInput]:
    """Files first (a file manager), then links (a browser), then raw image data."""
    inputs: list[PictureInput] = []
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.is_file():
                inputs.append(PictureInput(path=path))
        elif url.scheme() in ("http", "https"):
            inputs.append(PictureInput(url=url.toString(), name=url.fileName()))
    if inputs:
        return inputs
    for mime_type in _IMAGE_MIME_TYPES:
        if mime.hasFormat(mime_type) and mime_type != "application/x-qt-image":
            data = bytes(mime.data(mime_type).data())
            if data:
                return [PictureInput(data=data, name="pasted image")]
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            return [PictureInput(data=qimage_to_png(image), name="pasted image")]
    link = _link_in_text(mime)
    if link:
        return [PictureInput(url=link, name=link.rsplit("/", 1)[-1])]
    return []


def _link_in_text(mime: QMimeData) -> str:
    """A single web link given as plain text (some browsers and editors drag links so)."""
    text = mime.text().strip() if mime.hasText() else ""
    if text.startswith(("http://", "https://")) and not any(c.isspace() for c in text):
        return text
    return ""


def can_accept(mime: QMimeData) -> bool:
    return bool(
        mime.hasUrls()
        or mime.hasImage()
        or any(mime.hasFormat(t) for t in _IMAGE_MIME_TYPES)
        or _link_in_text(mime)
    )


def qimage_to_png(image: QImage) -> bytes:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[call-overload]  # the stubs say bytes; Qt takes str
    buffer.close()
    return bytes(array.data())
