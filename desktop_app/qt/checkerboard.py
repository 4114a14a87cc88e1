"""The checkerboard drawn under a picture's see-through areas, as picture tools do, so that a
transparent background reads as transparent and not as white or black."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPixmap

_SQUARE = 8  # logical pixels


@cache
def _tile() -> QPixmap:
    tile = QPixmap(2 * _SQUARE, 2 * _SQUARE)
    tile.fill(QColor(204, 204, 204))
    painter = QPainter(tile)
    painter.fillRect(0, 0, _SQUARE, _SQUARE, QColor(245, 245, 245))
    painter.fillRect(_SQUARE, _SQUARE, _SQUARE, _SQUARE, QColor(245, 245, 245))
    painter.end()
    return tile


def paint_checkerboard(painter: QPainter, area: QRectF) -> None:
    painter.save()
    painter.setBrushOrigin(area.topLeft())
    painter.fillRect(area, QBrush(_tile()))
    painter.restore()
