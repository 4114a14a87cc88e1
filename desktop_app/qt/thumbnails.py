"""Thumbnails made off the GUI thread.

A finished variation is a few megabytes of PNG, JPEG or WebP; decoding and scaling one takes tens
of milliseconds, and a run can bring ten of them plus streamed partials. So the work runs on
``QThreadPool.globalInstance()`` (through a :class:`~desktop_app.qt.pool.Courier`) and only a
``QImage`` comes back, on the GUI thread; the widget makes the ``QPixmap`` there.

Every request names a *key* (a grid cell, say). The newest request for a key wins: an older one is
skipped if it has not started and its delivery is dropped if it has, so a late partial preview can
never overwrite the finished image, and ``forget`` drops work for cells that no longer exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable

from PySide6.QtCore import (
    QObject,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QImage

from desktop_app.qt.pool import Courier

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 200  # logical pixels: the side of the square a thumbnail must fit in
_BLUR_SIDE = 20  # partial previews shrink to this and grow back: a cheap, strong blur

# What a thumbnail is made of: bytes, an image, or a function that reads the bytes or makes the
# image (on the pool).
Picture = bytes | QImage | Callable[[], bytes | QImage]


def decode_thumbnail(
    source: bytes | QImage, side_px: int, *, blurred: bool = False
) -> QImage | None:
    """Decodes ``source`` (unless it is already an image) and scales it to fit a square.

    Returns None when the bytes are not a picture Qt can read. Safe on any thread: it touches
    only ``QImage``. Tests replace this function to see which thread calls it.
    """
    image = source if isinstance(source, QImage) else _read(source, side_px)
    if image.isNull():
        return None
    scaled = image.scaled(
        side_px,
        side_px,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return _blur(scaled) if blurred else scaled


def _read(data: bytes, side_px: int) -> QImage:
    from desktop_app.qt.qimage import decode_image

    # Shrunk while still a Pillow image: a 1024 px result becomes its thumbnail without two
    # full-size copies on the way to Qt (ten arrive at once in a run).
    return decode_image(data, max_side=side_px)


def _blur(image: QImage) -> QImage:
    """A partial preview is only a hint of what is coming; blurring says so at a glance."""
    small = image.scaled(
        _BLUR_SIDE,
        _BLUR_SIDE,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return small.scaled(
        image.size(),
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


class ThumbnailLoader(QObject):
    """Makes thumbnails on a thread pool; results arrive on the GUI thread, newest per key only.

    Create it on the GUI thread.
    """

    ready = Signal(object, object)
    """(key, image): the thumbnail of the latest request for ``key``, a ``QImage``, or None when
    the data could not be decoded. Emitted on the GUI thread, at most once per request."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        pool = pool if pool is not None else QThreadPool.globalInstance()
        self._courier = Courier(parent=self, pool=pool)
        self._tickets: dict[Hashable, int] = {}  # key -> the courier's ticket of its request

    def request(
        self, key: Hashable, source: Picture, side_px: int, *, blurred: bool = False
    ) -> None:
        """Queues a thumbnail fitting a ``side_px`` square (device pixels); replaces older ones.
        A ``source`` that is a function is called on the pool, for the bytes (a result kept on
        disk is read there, not on the GUI thread); when it raises OSError, ``ready`` brings
        None, as for bytes that are no picture."""
        self.forget(key)

        def make() -> QImage | None:
            try:
                picture = source() if callable(source) else source
            except OSError:
                return None
            # By name at run time: tests replace decode_thumbnail to see which thread calls it.
            return decode_thumbnail(picture, side_px, blurred=blurred)

        def deliver(image: QImage | None) -> None:
            del self._tickets[key]
            self.ready.emit(key, image)

        self._tickets[key] = self._courier.send(make, deliver)

    def forget(self, key: Hashable) -> None:
        """Drops the pending request for ``key``, if any: ``ready`` will not come for it."""
        ticket = self._tickets.pop(key, None)
        if ticket is not None:
            self._courier.cancel(ticket)

    def forget_all(self) -> None:
        for key in list(self._tickets):
            self.forget(key)

    def pending(self) -> int:
        """How many requests have not been delivered yet."""
        return len(self._tickets)
