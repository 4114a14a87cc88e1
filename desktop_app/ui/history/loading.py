"""Work the history does off the GUI thread: page queries and thumbnail decoding.

A page of 100 runs deep in a 10,000-run library takes ~50 ms of SQLite and Python, and a result
thumbnail tens of milliseconds of decoding; done on the GUI thread either would stall scrolling.
A :class:`~desktop_app.qt.pool.Courier` runs such a function on its own small thread pool
and hands the return value back on the GUI thread.

:class:`ThumbnailCache` keeps the decoded thumbnails of files (sources and results), least
recently used first out, and asks for each missing one at most once at a time.
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap

from desktop_app.qt.pool import Courier

log = logging.getLogger(__name__)

THUMBNAIL_CACHE_SIZE = 800  # pixmaps: ~200 rows of source + 4 results at 64 px, ~15 MB
MAX_PENDING_THUMBNAILS = 48  # beyond this the oldest requests (rows scrolled past) are dropped
_HEIF_SUFFIXES = {".heic", ".heif"}


def read_thumbnail(path: str | Path, side_px: int) -> QImage | None:
    """The picture in ``path``, upright and fitted into a ``side_px`` square; None when it is
    missing or no picture. Safe on any thread: Pillow and ``QImage`` only.

    Pillow's draft mode lets a camera JPEG decode at 1/2..1/8 scale, which is most of the cost.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    from desktop_app.qt.qimage import pil_to_qimage

    path = Path(path)
    if path.suffix.lower() in _HEIF_SUFFIXES:
        import pillow_heif

        pillow_heif.register_heif_opener()
    try:
        with Image.open(path) as opened:
            opened.draft("RGB", (side_px, side_px))
            upright = ImageOps.exif_transpose(opened)
            upright.thumbnail((side_px, side_px), Image.Resampling.BILINEAR, reducing_gap=2.0)
            return pil_to_qimage(upright)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


class ThumbnailCache(QObject):
    """Thumbnails of picture files, decoded on a pool, kept as pixmaps, least recently used out.

    Create and use it on the GUI thread (pixmaps are made there, from the pool's QImages). A
    file is named by a ``Path`` or a ``str`` (the history keeps strings: they cost the garbage
    collector nothing); ``ready`` gives back the name as it was asked for.
    """

    ready = Signal(object)
    """(path, str or Path): the thumbnail of ``path`` is now in the cache (or known to be
    unreadable)."""

    def __init__(
        self,
        capacity: int = THUMBNAIL_CACHE_SIZE,
        parent: QObject | None = None,
        *,
        threads: int = 1,
    ) -> None:
        super().__init__(parent)
        self._capacity = capacity
        # One thread by default: decoding holds the GIL in parts, and the GUI thread needs it.
        self._courier = Courier(threads, self)
        self._pixmaps: OrderedDict[tuple[str | Path, int], QPixmap] = OrderedDict()
        self._pending: OrderedDict[tuple[str | Path, int], int] = OrderedDict()  # key -> ticket
        self._priority = itertools.count()
        # While the list moves fast, decoding waits: a decoding thread takes the GIL from the
        # GUI thread in 5 ms slices, which turns a 5 ms repaint into 40 ms. Rows scrolled past
        # in the meantime are never decoded at all.
        self._held: OrderedDict[tuple[str | Path, int], None] = OrderedDict()
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self._start_held)

    def get(self, path: str | Path, side_px: int) -> QPixmap | None:
        """The cached thumbnail (a null pixmap when the file is unreadable), or None: then it
        is decoded in the background and ``ready`` says when it is here."""
        key = (path, side_px)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        if key in self._pending:
            self._pending.move_to_end(key)
            return None
        if self._settle.isActive():
            self._held[key] = None
            self._held.move_to_end(key)
            while len(self._held) > MAX_PENDING_THUMBNAILS:
                self._held.popitem(last=False)
            return None
        self._start(key)
        return None

    def defer(self, msecs: int) -> None:
        """Holds new decodes back until nothing has called this for ``msecs`` (scrolling)."""
        self._settle.start(msecs)

    def _start_held(self) -> None:
        held, self._held = self._held, OrderedDict()
        for key in held:
            if key not in self._pixmaps and key not in self._pending:
                self._start(key)

    def _start(self, key: tuple[str | Path, int]) -> None:
        path, side_px = key
        if len(self._pending) >= MAX_PENDING_THUMBNAILS:
            _oldest, ticket = self._pending.popitem(last=False)
            self._courier.cancel(ticket)
        # The newest request runs first: it is the row the user is looking at now.
        self._pending[key] = self._courier.send(
            lambda: read_thumbnail(path, side_px),
            lambda image: self._on_decoded(key, image),
            priority=min(next(self._priority), 2**31 - 1),
        )

    def pending(self) -> int:
        """How many thumbnails are asked for and not here yet (decoding or held back)."""
        return len(self._pending) + len(self._held)

    def wanted(self) -> set[str | Path]:
        """The files whose thumbnails are on their way (decoding or held back)."""
        return {path for path, _side in self._pending} | {path for path, _side in self._held}

    def cached(self) -> int:
        return len(self._pixmaps)

    def wait(self, msecs: int = 5000) -> bool:
        """Drops the queued decodes and waits for the running ones (shutdown, tests)."""
        self._pending.clear()
        self._held.clear()
        self._settle.stop()
        return self._courier.wait(msecs)

    def _on_decoded(self, key: tuple[str | Path, int], image: QImage | None) -> None:
        self._pending.pop(key, None)
        self._pixmaps[key] = QPixmap.fromImage(image) if image is not None else QPixmap()
        while len(self._pixmaps) > self._capacity:
            self._pixmaps.popitem(last=False)
        self.ready.emit(key[0])
