"""``own_viewport``: the scroll area works with a viewport made on the Python side."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QScrollArea
from pytestqt.qtbot import QtBot

from desktop_app.qt.viewport import own_viewport


def test_the_area_shows_its_widget_in_the_viewport_made_here(qtbot: QtBot) -> None:
    area = QScrollArea()
    qtbot.addWidget(area)
    viewport = own_viewport(area)
    content = QLabel("content")
    area.setWidget(content)  # after the viewport: a new viewport would take the widget along
    area.resize(200, 100)
    area.show()
    qtbot.waitExposed(area)
    assert area.viewport() is viewport
    plain = QScrollArea()
    qtbot.addWidget(plain)
    native = plain.viewport()  # what Qt makes itself
    assert native is not None
    assert viewport.objectName() == native.objectName()
    assert viewport.autoFillBackground() == native.autoFillBackground()
    assert content.parentWidget() is viewport
    assert content.isVisible()
