"""Thumbnails made off the GUI thread.

A finished variation is a few megabytes of PNG, JPEG or WebP; decoding and scaling one takes tens
of milliseconds, and a run can bring ten of them plus streamed partials. So the work runs on
``QThreadPool.globalInstance()`` and only a ``QImage`` comes back, through a queued signal; the
widget makes the ``QPixmap`` on the GUI thread.

Every request names a *key* (a grid cell, say). The newest request for a key wins: an older one is
skipped if it has not started and its delivery is dropped if it has, so a late partial preview can
never overwrite the finished image, and ``forget`` drops work for cells that no longer exist.
"""

from __future__ import annotations

import itertools
import logging
import weakref
from collections.abc import Hashable

import shiboken6
from PySide6.QtCore import (
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
    Slot,
)
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 200  # logical pixels: the side of the square a thumbnail must fit in
_BLUR_SIDE = 20  # partial previews shrink to this and grow back: a cheap, strong blur


def decode_thumbnail(
    source: bytes | QImage, side_px: int, *, blurred: bool = False
) -> QImage | None:
    """Decodes ``source`` (unless it is already an image) and scales it to fit a square.

    Returns None when the bytes are not a picture Qt can read. Safe on any thread: it touches
    only ``QImage``. Tests replace this function to see which thread calls it.
    """
    image = source if isinstance(source, QImage) else _read(source)
    if image.isNull():
        return None
    scaled = image.scaled(
        side_px,
        side_px,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return _blur(scaled) if blurred else scaled


def _read(data: bytes) -> QImage:
    from desktop_app.ui.qimage import decode_image

    return decode_image(data)


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


class _Ticket:
    """One request. ``superseded`` is set on the GUI thread and only read by the job (a hint)."""

    __slots__ = ("key", "superseded")

    def __init__(self, key: Hashable) -> None:
        self.key = key
        self.superseded = False


class _Relay(QObject):
    """Carries results from pool threads to the GUI thread.

    One instance lives on the GUI thread for the whole session: a job must never emit through a
    loader that its owner may have deleted meanwhile, so it emits here and the relay looks the
    loader up (if it still exists) once back on the GUI thread.
    """

    delivered = Signal(int, object, object)  # loader id, _Ticket, QImage or None; from the pool

    def __init__(self) -> None:
        super().__init__()
        self.delivered.connect(self.on_delivered, Qt.ConnectionType.QueuedConnection)

    @Slot(int, object, object)
    def on_delivered(self, loader_id: int, ticket: _Ticket, image: QImage | None) -> None:
        loader = _loaders.get(loader_id)
        if loader is not None and shiboken6.isValid(loader):
            loader._deliver(ticket, image)


_relay: _Relay | None = None
_loaders: weakref.WeakValueDictionary[int, ThumbnailLoader] = weakref.WeakValueDictionary()
_loader_ids = itertools.count(1)


class _DecodeJob(QRunnable):
    def __init__(
        self,
        relay: _Relay,
        loader_id: int,
        ticket: _Ticket,
        source: bytes | QImage,
        side_px: int,
        blurred: bool,
    ) -> None:
        super().__init__()
        self._relay = relay
        self._loader_id = loader_id
        self._ticket = ticket
        self._source = source
        self._side_px = side_px
        self._blurred = blurred

    def run(self) -> None:
        if self._ticket.superseded:
            return  # a newer request for the same key is queued: no point decoding this one
        try:
            image = decode_thumbnail(self._source, self._side_px, blurred=self._blurred)
        except Exception:  # a pool thread must not die silently; the cell shows "could not show"
            log.exception("could not make a thumbnail")
            image = None
        self._source = b""  # free the megabytes before the queued delivery is processed
        self._relay.delivered.emit(self._loader_id, self._ticket, image)


class ThumbnailLoader(QObject):
    """Makes thumbnails on a thread pool; results arrive on the GUI thread, newest per key only.

    Create it on the GUI thread.
    """

    ready = Signal(object, object)
    """(key, image): the thumbnail of the latest request for ``key``, a ``QImage``, or None when
    the data could not be decoded. Emitted on the GUI thread, at most once per request."""

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        global _relay
        if _relay is None:
            _relay = _Relay()  # first loader: we are on the GUI thread, so the relay lives there
        self._relay = _relay
        self._pool = pool if pool is not None else QThreadPool.globalInstance()
        self._id = next(_loader_ids)
        self._tickets: dict[Hashable, _Ticket] = {}
        _loaders[self._id] = self

    def request(
        self, key: Hashable, source: bytes | QImage, side_px: int, *, blurred: bool = False
    ) -> None:
        """Queues a thumbnail fitting a ``side_px`` square (device pixels); replaces older ones."""
        self.forget(key)
        ticket = _Ticket(key)
        self._tickets[key] = ticket
        self._pool.start(_DecodeJob(self._relay, self._id, ticket, source, side_px, blurred))

    def forget(self, key: Hashable) -> None:
        """Drops the pending request for ``key``, if any: ``ready`` will not come for it."""
        ticket = self._tickets.pop(key, None)
        if ticket is not None:
            ticket.superseded = True

    def forget_all(self) -> None:
        for key in list(self._tickets):
            self.forget(key)

    def pending(self) -> int:
        """How many requests have not been delivered yet."""
        return len(self._tickets)

    def _deliver(self, ticket: _Ticket, image: QImage | None) -> None:
        """Called by the relay on the GUI thread; passes on only the current ticket of its key."""
        if self._tickets.get(ticket.key) is not ticket:
            return  # superseded or forgotten while it was decoding
        del self._tickets[ticket.key]
        self.ready.emit(ticket.key, image)
