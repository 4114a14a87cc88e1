"""The window fits the screen it opens on: sized for it at a first start, and a geometry saved
on a larger screen is brought inside it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSettings, QSize
from PySide6.QtWidgets import QMainWindow
from pytestqt.qtbot import QtBot

from desktop_app.ui import window_state
from desktop_app.ui.main_window import MainWindow

# Available areas: a 1366 × 768 laptop and a 1024 × 600 netbook under a 40 px panel, and a
# 1920 × 1080 screen at 200 % (960 × 540 logical pixels).
LAPTOP = QRect(0, 0, 1366, 728)
NETBOOK = QRect(0, 0, 1024, 560)
HIDPI = QRect(0, 0, 960, 540)
LARGE = QRect(0, 0, 2560, 1400)


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        (LARGE, QSize(1600, 1000)),
        (LAPTOP, QSize(1366, 728)),
        (NETBOOK, QSize(1024, 560)),
        (HIDPI, QSize(960, 540)),
        (QRect(0, 0, 1700, 900), QSize(1600, 900)),
    ],
)
def test_the_first_size_fills_a_screen_smaller_than_preferred(
    available: QRect, expected: QSize
) -> None:
    assert window_state.first_size(available.size()) == expected


@pytest.mark.parametrize("available", [LAPTOP, NETBOOK, HIDPI, QRect(1920, 0, 1366, 728)])
@pytest.mark.parametrize(
    "saved",
    [
        QRect(0, 0, 2360, 1800),  # saved at 200 % on a large screen
        QRect(1500, 700, 900, 500),  # hanging off the bottom right
        QRect(-400, -50, 800, 500),  # off the top left
        QRect(100, 80, 700, 400),  # already inside: kept as it is, where it is on that screen
    ],
)
def test_a_saved_geometry_is_brought_inside_the_screen(available: QRect, saved: QRect) -> None:
    inside = window_state.fitted(saved, available)
    assert available.contains(inside), (saved, inside)
    assert inside.size() == saved.size().boundedTo(available.size())
    if available.contains(saved):
        assert inside == saved


def test_the_window_opens_inside_the_screen_first_and_after_a_restart(qtbot: QtBot) -> None:
    QSettings().remove(window_state.GEOMETRY)
    first = MainWindow()
    qtbot.addWidget(first)
    screen = first.screen()
    assert screen is not None
    available = screen.availableGeometry()
    first.show()
    qtbot.waitExposed(first)
    assert available.contains(first.frameGeometry()), (available, first.frameGeometry())

    # Saved on a larger screen: far too large for this one, and partly off it.
    big = QMainWindow()
    qtbot.addWidget(big)
    big.setGeometry(available.x() + 300, available.y() + 200, 2360, 1800)
    QSettings().setValue(window_state.GEOMETRY, big.saveGeometry())
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert available.contains(second.frameGeometry()), (available, second.frameGeometry())
    QSettings().remove(window_state.GEOMETRY)
