"""A scroll area's viewport made on the Python side.

PySide gives a C++-made widget its Python wrapper by searching every widget class it might be,
which loads them all (and builds their enums): the first ``viewport()`` of a scroll area costs
10-15 ms, once per process, and it fell in the window's first paint. A viewport made here is
already wrapped, so asking for it costs nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QWidget


def own_viewport(area: QAbstractScrollArea) -> QWidget:
    """Gives ``area`` a plain viewport made here and returns it. Call it before giving a
    ``QScrollArea`` its widget: the old viewport is deleted with its children."""
    viewport = QWidget()
    # As Qt makes its own: named, filling its background, taking touches.
    viewport.setObjectName("qt_scrollarea_viewport")
    viewport.setAutoFillBackground(True)
    viewport.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
    area.setViewport(viewport)  # the area takes it over, and deletes it with itself
    return viewport
