"""``order_tabs``: parts of a window tabbed through in the order given, whole."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.qt.tab_order import order_tabs


def _part(name: str) -> QWidget:
    part = QWidget()
    layout = QVBoxLayout(part)
    for index in range(2):
        button = QPushButton(f"{name}{index}")
        button.setObjectName(f"{name}{index}")
        layout.addWidget(button)
    return part


def _chain(window: QWidget) -> list[str]:
    names = []
    widget = window.nextInFocusChain()
    while widget is not None and widget is not window:
        if widget.objectName():
            names.append(widget.objectName())
        widget = widget.nextInFocusChain()
    return names


def test_a_part_added_later_is_tabbed_to_in_its_place(qtbot: QtBot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    first, last = _part("a"), _part("c")
    layout.addWidget(first)
    layout.addWidget(last)
    middle = _part("b")
    layout.insertWidget(1, middle)  # built later: Qt puts it at the end of the chain
    assert _chain(window) == ["a0", "a1", "c0", "c1", "b0", "b1"]
    order_tabs(window, [first, middle, last])
    assert _chain(window) == ["a0", "a1", "b0", "b1", "c0", "c1"]
