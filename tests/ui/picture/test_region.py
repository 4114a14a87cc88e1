"""The region tool on the real framing view: brush, eraser, rectangle, invert, undo and redo,
clear, the brush size from the keyboard; with painting off the frame moves as before; and in
the window a painted region reaches the server as the mask."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from desktop_app.ui.picture.region_overlay import DEFAULT_BRUSH, RegionOverlay, Tool
from desktop_app.ui.picture.source_panel import SourcePanel
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory, _generate, _jpeg, _load

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
FULL = (1800, 1200)  # the picture's size: the region is kept at 1800 x 1200 (under 2048)


@pytest.fixture
def panel(qtbot: QtBot) -> SourcePanel:
    panel = SourcePanel()
    qtbot.addWidget(panel)
    panel.resize(640, 480)
    preview = QImage(900, 600, QImage.Format.Format_RGB32)  # a preview, half the picture's size
    preview.fill(QColor("#406080"))
    panel.show_picture(preview, FULL)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def view_point(panel: SourcePanel, x: float, y: float) -> QPoint:
    """Where the picture's pixel (x, y) is on screen, in the overlay's coordinates."""
    picture = panel.crop_view.picture_rect()
    scale = picture.width() / FULL[0]
    return QPointF(picture.left() + x * scale, picture.top() + y * scale).toPoint()


def value(overlay: RegionOverlay, x: int, y: int) -> int:
    region = overlay.region_image()
    scale = region.width() / FULL[0]
    return QColor(region.pixel(int(x * scale), int(y * scale))).red()


def drag(widget: QWidget, start: QPoint, end: QPoint) -> None:
    QTest.mousePress(widget, LEFT, NONE, start)
    QTest.mouseMove(widget, QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    QTest.mouseMove(widget, end)
    QTest.mouseRelease(widget, LEFT, NONE, end)


def test_brush_eraser_rectangle_invert_undo_redo_and_clear(panel: SourcePanel) -> None:
    overlay = panel.region
    assert overlay.region() is None
    panel.region_tools.paint_button.click()
    assert overlay.is_painting() and panel.region_tools.tool_buttons[Tool.BRUSH].isVisible()
    # The view shows the 1800 px picture about 600 px wide: a view pixel is 3 picture pixels.
    drag(overlay, view_point(panel, 300, 600), view_point(panel, 900, 600))
    assert value(overlay, 600, 600) == 255 and value(overlay, 600, 300) == 0
    assert value(overlay, 600, 650) == 255  # the 40 px brush is ~120 picture pixels wide

    panel.region_tools.tool_buttons[Tool.ERASER].click()
    drag(overlay, view_point(panel, 600, 600), view_point(panel, 600, 600))
    assert value(overlay, 600, 600) == 0 and value(overlay, 350, 600) == 255

    panel.region_tools.tool_buttons[Tool.RECTANGLE].click()
    drag(overlay, view_point(panel, 1200, 150), view_point(panel, 1650, 450))
    assert value(overlay, 1400, 300) == 255 and value(overlay, 1400, 600) == 0

    QTest.keyClick(overlay, Qt.Key.Key_I)  # invert
    assert value(overlay, 1400, 300) == 0 and value(overlay, 100, 100) == 255
    QTest.keyClick(overlay, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the invert
    assert value(overlay, 1400, 300) == 255 and value(overlay, 100, 100) == 0
    panel.region_tools.undo_button.click()  # undo the rectangle
    assert value(overlay, 1400, 300) == 0 and value(overlay, 350, 600) == 255
    panel.region_tools.redo_button.click()
    assert value(overlay, 1400, 300) == 255

    panel.region_tools.clear_button.click()
    assert overlay.region() is None
    QTest.keyClick(overlay, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert overlay.region() is not None  # a clear can be undone too


def test_a_region_never_painted_can_be_inverted_and_undone(panel: SourcePanel) -> None:
    # The region's pixels are made on its first change (a new picture's empty region costs no
    # memory): inverting one never painted makes it all, and undo makes it empty again.
    overlay = panel.region
    assert overlay.region() is None
    overlay.invert()
    region = overlay.region()
    assert region is not None and (region.width(), region.height()) == FULL
    assert value(overlay, 100, 100) == 255 and value(overlay, 1700, 1100) == 255
    overlay.undo_stack.undo()
    assert overlay.region() is None
    panel.show_picture(QImage(900, 600, QImage.Format.Format_RGB32), FULL)  # a new picture
    assert overlay.region() is None and not overlay.undo_stack.canUndo()


def test_the_keyboard_drives_the_brush_and_escape_leaves_painting(panel: SourcePanel) -> None:
    overlay = panel.region
    overlay.set_painting(True)
    assert overlay.brush_size == DEFAULT_BRUSH
    QTest.keyClick(overlay, Qt.Key.Key_BracketRight)
    assert overlay.brush_size > DEFAULT_BRUSH
    assert panel.region_tools.brush_size.value() == overlay.brush_size
    QTest.keyClick(overlay, Qt.Key.Key_BracketLeft)
    QTest.keyClick(overlay, Qt.Key.Key_BracketLeft)
    assert overlay.brush_size < DEFAULT_BRUSH
    tools = []
    for key in (Qt.Key.Key_E, Qt.Key.Key_R, Qt.Key.Key_B):
        QTest.keyClick(overlay, key)
        tools.append(overlay.tool)
    assert tools == [Tool.ERASER, Tool.RECTANGLE, Tool.BRUSH]
    QTest.keyClick(overlay, Qt.Key.Key_E)
    assert panel.region_tools.tool_buttons[Tool.ERASER].isChecked(), "the bar follows the keys"
    QTest.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.is_painting() and not panel.region_tools.paint_button.isChecked()


def test_with_painting_off_a_drag_moves_the_frame_and_paints_nothing(
    qtbot: QtBot, panel: SourcePanel
) -> None:
    overlay = panel.region
    before = panel.crop_view.crop()
    assert before is not None and before.x == 300  # the centred 1200 px square of 1800 x 1200
    # The overlay lets the mouse through (the view is under it, with the same coordinates).
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    with qtbot.waitSignal(panel.crop_view.cropChanged, timeout=5000):
        drag(panel.crop_view, view_point(panel, 900, 600), view_point(panel, 600, 600))
    after = panel.crop_view.crop()
    assert after is not None and after.x < before.x
    assert overlay.region() is None


def test_a_region_painted_in_the_window_is_the_mask_the_server_receives(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server)
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))  # 900 x 600: the square is x 150..750
    panel = window.source
    assert panel.region_tools.isVisible()
    overlay = panel.region
    window.commands.region.trigger()  # Edit → Vary a Region… (Ctrl+R)
    assert overlay.is_painting() and overlay.hasFocus()
    overlay.set_tool(Tool.RECTANGLE)
    picture = panel.crop_view.picture_rect()
    scale = picture.width() / 900

    def at(x: float, y: float) -> QPoint:
        return QPointF(picture.left() + x * scale, picture.top() + y * scale).toPoint()

    drag(overlay, at(450, 0), at(750, 300))  # the square's top right quarter
    # Esc is also the window's Cancel: while painting it leaves painting, nothing else.
    QTest.keyClick(overlay, Qt.Key.Key_Escape)
    assert not overlay.is_painting()
    assert window.session.region is not None
    _generate(qtbot, window, 1)
    assert window.results_panel.framing_label.text() == "Varied: region"
    (request,) = [r for r in api_server.requests if r.path == "/v1/images/edits"]
    assert request.mask is not None
    mask = Image.open(io.BytesIO(request.mask.data)).convert("RGBA").getchannel("A")
    assert mask.size == (1024, 1024)
    changing = mask.point(lambda a: 255 if a == 0 else 0).getbbox()
    assert changing is not None
    left, top, right, bottom = changing
    # Painted on screen, so within a view pixel or two of the quarter (1024 / 600 per pixel).
    assert abs(left - 512) <= 8 and top == 0 and right == 1024 and abs(bottom - 512) <= 8
    # Reopened from the library, the run still says so, with the share the mask had.
    run_id = window.session.run_id
    assert run_id is not None
    window.results_panel.set_framing("")
    window.session.reopen_run(run_id)
    qtbot.waitUntil(lambda: window.results_panel.framing_label.isVisible(), timeout=10_000)
    # A quarter of the square, painted within a view pixel or two of its edges.
    assert re.fullmatch(r"Varied: region 2[4-6] %", window.results_panel.framing_label.text())
