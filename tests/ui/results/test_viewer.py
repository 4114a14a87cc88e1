"""The full-size viewer: fits by default, zooms with keys and wheel, compares with the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.ui.results.viewer import ImageViewer

# The offscreen platform plugin cannot pass size hints or raise windows, and says so; harmless.
pytestmark = pytest.mark.qt_log_ignore(
    r"This plugin does not support (propagateSizeHints|raise)\(\)"
)


def picture(width: int, height: int, colour: str, text: str) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, width, height)
    gradient.setColorAt(0, QColor(colour).darker(170))
    gradient.setColorAt(1, QColor(colour).lighter(140))
    painter.fillRect(image.rect(), gradient)
    painter.setPen(QColor("white"))
    font = painter.font()
    font.setPixelSize(height // 8)
    painter.setFont(font)
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return image


@pytest.fixture
def viewer(qtbot: QtBot) -> ImageViewer:
    dialog = ImageViewer(
        picture(1024, 1024, "#2f5d8a", "Variation"),
        picture(1500, 1000, "#8a6a3d", "Source"),
        "Variation 2 — holiday-photo.jpg",
    )
    qtbot.addWidget(dialog)
    dialog.resize(900, 640)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def label(viewer: ImageViewer) -> str:
    return viewer.zoom_label.text()


def test_opens_fitted_and_keys_change_the_zoom(
    qtbot: QtBot, viewer: ImageViewer, screenshots: Path
) -> None:
    assert viewer.view.is_fit()
    fitted = viewer.zoom()
    assert 0 < fitted < 1  # 1024 px does not fit 640: shrunk, never enlarged
    assert label(viewer) == f"{fitted * 100:.0f} %"
    viewer.grab().save(str(screenshots / "viewer.png"))

    qtbot.keyClick(viewer.view, Qt.Key.Key_Plus)
    assert viewer.zoom() == pytest.approx(fitted * 1.25)
    assert not viewer.view.is_fit()
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus)
    qtbot.keyClick(viewer.view, Qt.Key.Key_Minus)
    assert viewer.zoom() == pytest.approx(fitted / 1.25)
    qtbot.keyClick(viewer.view, Qt.Key.Key_1)
    assert label(viewer) == "100 %"
    qtbot.keyClick(viewer.view, Qt.Key.Key_0)
    assert viewer.view.is_fit() and label(viewer) == f"{fitted * 100:.0f} %"


def test_the_wheel_zooms_around_the_cursor(qtbot: QtBot, viewer: ImageViewer) -> None:
    qtbot.keyClick(viewer.view, Qt.Key.Key_1)  # 100 %: the picture is larger than the view
    port = viewer.view.viewport()
    spot = QPoint(port.width() // 4, port.height() // 4)
    before = viewer.view.mapToScene(spot)
    event = QWheelEvent(
        QPointF(spot),
        QPointF(port.mapToGlobal(spot)),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(port, event)
    assert viewer.zoom() == pytest.approx(1.25)
    after = viewer.view.mapToScene(spot)
    assert abs(after.x() - before.x()) < 2 and abs(after.y() - before.y()) < 2


def test_compare_shows_both_and_space_flips(
    qtbot: QtBot, viewer: ImageViewer, screenshots: Path
) -> None:
    assert viewer.shown_images() == ["variation"]
    qtbot.keyPress(viewer.view, Qt.Key.Key_Space)
    assert viewer.shown_images() == ["source"]
    qtbot.keyRelease(viewer.view, Qt.Key.Key_Space)
    assert viewer.shown_images() == ["variation"]

    qtbot.keyClick(viewer.view, Qt.Key.Key_C)
    assert viewer.is_comparing() and viewer.compare_button.isChecked()
    assert viewer.shown_images() == ["source", "variation"]
    assert viewer.view.is_fit()
    viewer.grab().save(str(screenshots / "viewer-compare.png"))
    qtbot.mouseClick(viewer.compare_button, Qt.MouseButton.LeftButton)
    assert not viewer.is_comparing() and viewer.shown_images() == ["variation"]


def test_without_a_source_there_is_nothing_to_compare(qtbot: QtBot) -> None:
    dialog = ImageViewer(picture(300, 200, "#3d8a5a", "Small"), None, "Source picture")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.compare_button.isEnabled()
    qtbot.keyClick(dialog.view, Qt.Key.Key_C)
    qtbot.keyClick(dialog.view, Qt.Key.Key_Space)
    assert dialog.shown_images() == ["variation"]
    assert label(dialog) == "100 %"  # small pictures are not blown up to fit


def test_escape_closes_and_show_for_cleans_up(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    viewer = ImageViewer.show_for(parent, picture(400, 400, "#7a4f9a", "V"), None, "Variation 1")
    qtbot.waitExposed(viewer)
    assert viewer.isVisible() and not viewer.isModal()
    assert viewer.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    with qtbot.waitSignal(viewer.destroyed, timeout=30_000):
        qtbot.keyClick(viewer.view, Qt.Key.Key_Escape)


def test_default_size_fits_the_picture_within_the_screen(qtbot: QtBot) -> None:
    small = ImageViewer(picture(400, 300, "#c9a23a", "S"), None, "small")
    big = ImageViewer(picture(4000, 3000, "#c9a23a", "B"), None, "big")
    qtbot.addWidget(small)
    qtbot.addWidget(big)
    screen = big.screen().availableGeometry()
    assert big.width() <= screen.width() * 0.8 + 1 and big.height() <= screen.height() * 0.8 + 1
    assert small.width() < big.width() and small.width() >= 400
