"""Where History goes when it is shown: docked beside the window's panels when the window has
room for it, else floating over the window like a drawer.

A docked panel adds its minimum width to the window's: at 1024 px that once pushed the window to
1123 px, past the edge of a small screen. A window is never resized for History; a window too
narrow for it gets History as a tool window of its own, inside the screen.
"""

from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QDockWidget, QMainWindow, QStyle

# Left, top, right, bottom: a tool window's borders and title bar, in logical pixels, before
# the window manager has framed it (generous: too much room is harmless, too little is not).
FRAME_GUESS = (6, 32, -6, -6)


def has_room(window: QMainWindow, dock: QDockWidget) -> bool:
    """Whether ``dock`` fits at its readable width (its size hint: a row's title, model and
    status whole) beside the window's central widget, without widening the window. Docked any
    narrower, its rows would be cut to "…"; floating, it keeps that width."""
    central = window.centralWidget()
    needed = central.minimumSizeHint().width() if central is not None else 0
    separator = window.style().pixelMetric(
        QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, window
    )
    needed += dock.sizeHint().width() + separator
    return window.width() >= needed


def drawer_frame(window_frame: QRect, available: QRect, width: int) -> QRect:
    """The frame of a floating History ``width`` wide: beside the window where the screen has
    room, else over the window's left edge (a drawer); as tall as the window, inside
    ``available`` either way."""
    width = min(width, available.width())
    height = min(window_frame.height(), available.height())
    if window_frame.left() - available.left() >= width:
        left = window_frame.left() - width
    elif available.right() - window_frame.right() >= width:
        left = window_frame.right() + 1
    else:
        left = window_frame.left()
    return inside(QRect(left, window_frame.top(), width, height), available)


def inside(frame: QRect, available: QRect) -> QRect:
    """``frame`` made no larger than ``available`` and moved into it."""
    width = min(frame.width(), available.width())
    height = min(frame.height(), available.height())
    left = min(max(frame.left(), available.left()), available.right() + 1 - width)
    top = min(max(frame.top(), available.top()), available.bottom() + 1 - height)
    return QRect(left, top, width, height)


def frame_width(contents_width: int, dock: QDockWidget) -> int:
    """The width of a floating ``dock``'s frame around contents ``contents_width`` wide: its
    borders as the window manager drew them when it has been shown, else a guess."""
    outer, inner = dock.frameGeometry(), dock.geometry()
    if dock.isWindow() and dock.isVisible() and outer != inner:
        return contents_width + outer.width() - inner.width()
    return contents_width + FRAME_GUESS[0] - FRAME_GUESS[2]


def contents_of(frame: QRect, dock: QDockWidget) -> QRect:
    """The geometry to give a floating ``dock`` so that its frame is ``frame``: its frame as the
    window manager drew it when it has been shown, else a guess."""
    outer, inner = dock.frameGeometry(), dock.geometry()
    if dock.isWindow() and dock.isVisible() and outer != inner:
        return frame.adjusted(
            inner.left() - outer.left(),
            inner.top() - outer.top(),
            inner.right() - outer.right(),
            inner.bottom() - outer.bottom(),
        )
    return frame.adjusted(*FRAME_GUESS)
