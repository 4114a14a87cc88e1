"""Where the window was and how it was split, kept across starts in ``QSettings``.

Apart from the window because it is about the user's screen, not about pictures or runs, and
because its keys must stay stable: a renamed key forgets every user's layout.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize
from PySide6.QtWidgets import QDockWidget, QMainWindow, QSplitter

GEOMETRY = "window/geometry"
HISTORY_SHOWN = "window/history-shown"
BATCH_SHOWN = "window/batch-shown"
# "-v3": the layout changed (the two moods beside the settings); an older saved split would not
# fit it.
SIDE_SPLIT = "window/side-split-v3"
# The size the window would like on a large screen (room for ten variations beside the
# settings). A smaller screen is filled: on a laptop or a 200 % screen every pixel the window
# leaves unused is a smaller variation.
PREFERRED_SIZE = QSize(1600, 1000)
# Left, top, right, bottom: a title bar and borders, in logical pixels, before the window
# manager has said what they are.
FRAME_GUESS = (8, 40, -8, -8)


def restore_geometry(window: QMainWindow) -> None:
    """The window where it was, or at a first start sized for the screen it opens on; either
    way inside that screen's available area (a laptop's, a 200 % screen's, or a screen smaller
    than the one the geometry was saved on)."""
    geometry = QSettings().value(GEOMETRY)
    restored = isinstance(geometry, QByteArray | bytes) and window.restoreGeometry(
        QByteArray(geometry)
    )
    room = _room_for_contents(window, window.screen().availableGeometry())
    if not restored:
        inside = QRect(room.topLeft(), first_size(room.size()))
        inside.moveCenter(room.center())
    elif window.isMaximized() or window.isFullScreen():
        return
    else:
        inside = fitted(window.geometry(), room)
    window.resize(inside.size())
    window.move(inside.topLeft())


def _room_for_contents(window: QMainWindow, available: QRect) -> QRect:
    """Where the window's contents may go: the available area less its frame (title bar and
    borders), or less a generous guess at it while the window manager has not framed it yet."""
    frame, inner = window.frameGeometry(), window.geometry()
    if frame == inner:
        return available.adjusted(*FRAME_GUESS)
    return available.adjusted(
        inner.left() - frame.left(),
        inner.top() - frame.top(),
        inner.right() - frame.right(),
        inner.bottom() - frame.bottom(),
    )


def first_size(available: QSize) -> QSize:
    """The first start's size: the preferred one, or all the room of a smaller screen."""
    return PREFERRED_SIZE.boundedTo(available)


def fitted(geometry: QRect, available: QRect) -> QRect:
    """``geometry`` made no larger than ``available`` and moved inside it."""
    size = geometry.size().boundedTo(available.size())
    left = min(max(geometry.left(), available.left()), available.right() + 1 - size.width())
    top = min(max(geometry.top(), available.top()), available.bottom() + 1 - size.height())
    return QRect(left, top, size.width(), size.height())


def save_geometry(window: QMainWindow) -> None:
    QSettings().setValue(GEOMETRY, window.saveGeometry())


def restore_layout(side_split: QSplitter, history: QDockWidget, batch: QDockWidget) -> None:
    settings = QSettings()
    for dock, key in ((history, HISTORY_SHOWN), (batch, BATCH_SHOWN)):
        if settings.value(key) in (True, "true"):
            dock.show()
    state = settings.value(SIDE_SPLIT)
    if isinstance(state, QByteArray | bytes):
        side_split.restoreState(QByteArray(state))


def save_layout(side_split: QSplitter, history: QDockWidget, batch: QDockWidget) -> None:
    settings = QSettings()
    settings.setValue(SIDE_SPLIT, side_split.saveState())
    settings.setValue(HISTORY_SHOWN, history.isVisible())
    settings.setValue(BATCH_SHOWN, batch.isVisible())
