"""The crop view: squares in full-size pixels, whatever the display scale and the gesture."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, QPointF, Qt, QThread
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desktop_app.core.imaging import Square
from desktop_app.ui.picture.crop_view import CropView

LEFT = Qt.MouseButton.LeftButton
NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def picture(width: int, height: int) -> QImage:
    """A scene with a light half and a dark half, so the border must show on both."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    sky = QLinearGradient(0, 0, 0, height)
    sky.setColorAt(0, QColor("#bfe3ff"))
    sky.setColorAt(1, QColor("#fff6d8"))
    painter.fillRect(0, 0, width // 2, height, sky)
    painter.fillRect(width // 2, 0, width - width // 2, height, QColor("#101820"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#ff9f1c"))
    painter.drawEllipse(QPointF(width * 0.55, height * 0.45), height * 0.22, height * 0.22)
    painter.setBrush(QColor("#2e7d32"))
    painter.drawRect(0, int(height * 0.8), width, height - int(height * 0.8))
    painter.end()
    return image


@pytest.fixture
def view(qtbot: QtBot) -> CropView:
    widget = CropView()
    qtbot.addWidget(widget)
    widget.resize(600, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def load(view: CropView, full: tuple[int, int], display_scale: float = 0.25) -> None:
    shown = [max(1, round(side * display_scale)) for side in full]
    view.set_image(picture(*shown), full)


def scale(view: CropView, full_width: int) -> float:
    """Widget pixels per full-size pixel."""
    return view.picture_rect().width() / full_width


def to_widget(view: CropView, full_width: int, x: float, y: float) -> QPoint:
    rect = view.picture_rect()
    s = scale(view, full_width)
    return QPoint(round(rect.left() + x * s), round(rect.top() + y * s))


def drag(view: CropView, start: QPoint, end: QPoint) -> None:
    QTest.mousePress(view, LEFT, NO_MODIFIER, start)
    QTest.mouseMove(view, (start + end) / 2)
    QTest.mouseMove(view, end)
    QTest.mouseRelease(view, LEFT, NO_MODIFIER, end)


def wheel(view: CropView, notches: float, at: QPoint) -> None:
    event = QWheelEvent(
        QPointF(at),
        QPointF(view.mapToGlobal(at)),
        QPoint(),
        QPoint(0, round(notches * 120)),
        Qt.MouseButton.NoButton,
        NO_MODIFIER,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view, event)


def square_of(view: CropView) -> Square:
    """The view's crop, which is a Square while its ratio is 1:1."""
    crop = view.crop()
    assert isinstance(crop, Square)
    return crop


def assert_inside(square: Square, width: int, height: int) -> None:
    assert square.x >= 0 and square.x + square.side <= width
    assert square.y >= 0 and square.y + square.side <= height
    assert min(16, width, height) <= square.side <= min(width, height)


@pytest.mark.parametrize(
    ("full", "expected"),
    [
        ((4000, 3000), Square(500, 0, 3000)),
        ((3000, 4000), Square(0, 500, 3000)),
        ((1000, 1000), Square(0, 0, 1000)),
        ((4001, 20), Square(1990, 0, 20)),
    ],
)
def test_set_image_gives_the_largest_centred_square_in_full_size_pixels(
    qtbot: QtBot, view: CropView, full: tuple[int, int], expected: Square
) -> None:
    with qtbot.waitSignal(view.cropChanged, timeout=30_000) as blocker:
        load(view, full, display_scale=0.3)
    assert blocker.args == [expected]
    assert view.crop() == expected


def test_dragging_inside_moves_by_the_full_size_distance(qtbot: QtBot, view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    s = scale(view, 4000)
    start = to_widget(view, 4000, 1400, 900)
    seen: list[object] = []
    view.cropChanged.connect(seen.append)
    drag(view, start, start + QPoint(30, -20))
    moved = square_of(view)
    assert moved is not None
    assert moved.side == 800
    assert abs(moved.x - (1000 + 30 / s)) <= 1
    assert abs(moved.y - (500 - 20 / s)) <= 1
    assert seen and all(isinstance(sq, Square) for sq in seen) and seen[-1] == moved


def test_dragging_far_beyond_the_edge_stops_at_the_edge(view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    centre = to_widget(view, 4000, 1400, 900)
    drag(view, centre, QPoint(-5000, -5000))
    assert view.crop() == Square(0, 0, 800)
    centre = to_widget(view, 4000, 400, 400)
    drag(view, centre, QPoint(9000, 9000))
    assert view.crop() == Square(3200, 1200, 800)


def test_dragging_a_corner_resizes_with_the_opposite_corner_fixed(view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    s = scale(view, 4000)
    corner = to_widget(view, 4000, 1800, 1300)  # bottom right
    drag(view, corner, corner + QPoint(20, 20))
    grown = square_of(view)
    assert grown is not None and (grown.x, grown.y) == (1000, 500)
    assert abs(grown.side - (800 + 20 / s)) <= 1

    # Top left, dragged inwards: the bottom-right corner must not move.
    bottom_right = (grown.x + grown.side, grown.y + grown.side)
    drag(view, to_widget(view, 4000, grown.x, grown.y), to_widget(view, 4000, 1300, 700))
    shrunk = square_of(view)
    assert shrunk is not None
    assert (shrunk.x + shrunk.side, shrunk.y + shrunk.side) == bottom_right
    assert shrunk.side < grown.side


def test_a_corner_dragged_off_the_picture_stays_inside_and_square(view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    drag(view, to_widget(view, 4000, 1000, 500), QPoint(-3000, -100))
    square = square_of(view)
    assert_inside(square, 4000, 2000)
    assert square is not None and (square.x + square.side, square.y + square.side) == (1800, 1300)
    assert square.y == 0  # grew until it met the top edge

    # Crossing over the fixed corner shrinks it to the minimum, not through zero.
    drag(view, to_widget(view, 4000, 1800, 1300), QPoint(-3000, -3000))
    assert view.crop() == Square(square.x, square.y, 16)


def test_the_wheel_resizes_around_the_centre(view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    wheel(view, 1, to_widget(view, 4000, 1400, 900))
    assert view.crop() == Square(980, 480, 840)
    view.set_crop(Square(1000, 500, 800))
    wheel(view, -1, QPoint(5, 5))  # anywhere in the view: the centre stays the centre
    assert view.crop() == Square(1019, 519, 762)


def test_small_touchpad_deltas_add_up(view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 100))
    for _ in range(8):
        wheel(view, 1 / 8, QPoint(100, 100))
    square = square_of(view)
    assert square is not None and 104 <= square.side <= 106


def test_the_wheel_cannot_grow_it_past_the_picture(view: CropView) -> None:
    load(view, (4000, 2000))
    for _ in range(30):
        wheel(view, 1, QPoint(100, 100))
    assert view.crop() == Square(1000, 0, 2000)


def test_arrow_keys_move_by_a_share_of_the_picture(qtbot: QtBot, view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.crop() == Square(1040, 500, 800)
    qtbot.keyClick(view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert view.crop() == Square(1440, 500, 800)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.crop() == Square(1400, 480, 800)
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert view.crop() == Square(1400, 680, 800)
    for _ in range(20):
        qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert view.crop() == Square(1400, 1200, 800)


def test_plus_and_minus_resize_and_home_resets(qtbot: QtBot, view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.crop() == Square(980, 480, 840)
    view.set_crop(Square(1000, 500, 800))
    qtbot.keyClick(view, Qt.Key.Key_Equal)  # "+" without Shift on most keyboards
    assert view.crop() == Square(980, 480, 840)
    view.set_crop(Square(1000, 500, 800))
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.crop() == Square(1019, 519, 762)
    for _ in range(200):
        qtbot.keyClick(view, Qt.Key.Key_Minus)
    square = square_of(view)
    assert square is not None and square.side == 16
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.crop() == Square(1000, 0, 2000)
    view.set_crop(Square(0, 0, 300))
    qtbot.keyClick(view, Qt.Key.Key_R)
    assert view.crop() == Square(1000, 0, 2000)


def test_double_click_resets(qtbot: QtBot, view: CropView) -> None:
    load(view, (3000, 4000))
    view.set_crop(Square(10, 20, 500))
    with qtbot.waitSignal(view.cropChanged, timeout=30_000) as blocker:
        QTest.mouseDClick(view, LEFT, NO_MODIFIER, to_widget(view, 3000, 200, 200))
    assert blocker.args == [Square(0, 500, 3000)]


def test_set_crop_clamps_and_only_announces_changes(qtbot: QtBot, view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(-100, -100, 99_999))
    assert view.crop() == Square(0, 0, 2000)
    view.set_crop(Square(3900, 1900, 500))
    assert view.crop() == Square(3500, 1500, 500)
    with qtbot.assertNotEmitted(view.cropChanged):
        view.set_crop(Square(3500, 1500, 500))
        view.set_crop(Square(3900, 1900, 500))  # clamps to the same square
    view.set_crop(Square(10, 10, 4))  # below the minimum: grown around its centre
    assert view.crop() == Square(4, 4, 16)


def test_hover_cursors_name_the_gesture(view: CropView) -> None:
    load(view, (4000, 2000))
    view.set_crop(Square(1000, 500, 800))
    expectations = {
        (1000, 500): Qt.CursorShape.SizeFDiagCursor,
        (1800, 1300): Qt.CursorShape.SizeFDiagCursor,
        (1800, 500): Qt.CursorShape.SizeBDiagCursor,
        (1000, 1300): Qt.CursorShape.SizeBDiagCursor,
        (1400, 900): Qt.CursorShape.OpenHandCursor,
        (100, 100): Qt.CursorShape.ArrowCursor,
    }
    for (x, y), shape in expectations.items():
        QTest.mouseMove(view, to_widget(view, 4000, x, y))
        assert view.cursor().shape() == shape, (x, y)


def test_an_empty_view_ignores_input_and_paints(qtbot: QtBot, view: CropView) -> None:
    with qtbot.assertNotEmitted(view.cropChanged):
        drag(view, QPoint(300, 200), QPoint(350, 250))
        wheel(view, 1, QPoint(300, 200))
        qtbot.keyClick(view, Qt.Key.Key_Right)
        QTest.mouseDClick(view, LEFT, NO_MODIFIER, QPoint(300, 200))
        view.set_crop(Square(0, 0, 10))
        view.reset_crop()
    assert view.crop() is None
    assert not view.grab().isNull()
    load(view, (100, 100))
    view.clear()
    assert view.crop() is None and view.picture_rect().isEmpty()


def test_it_is_reachable_and_explains_itself(view: CropView) -> None:
    assert view.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert view.accessibleName() == "Crop frame"
    for words in ("Drag to move", "corner", "double-click"):
        assert words in view.toolTip() and words in view.accessibleDescription()
    assert view.sizeHint().width() >= 400 and view.minimumSizeHint().width() <= 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    full=st.tuples(st.integers(1, 6000), st.integers(1, 6000)),
    display_scale=st.sampled_from([0.05, 0.5, 1.0]),
    gestures=st.lists(
        st.tuples(
            st.sampled_from(["centre", "top_left", "bottom_right", "top_right", "anywhere"]),
            st.integers(-800, 800),
            st.integers(-800, 800),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_random_drags_keep_a_square_inside_the_picture(
    view: CropView,
    full: tuple[int, int],
    display_scale: float,
    gestures: list[tuple[str, int, int]],
) -> None:
    width, height = full
    load(view, full, display_scale)
    for grip, dx, dy in gestures:
        square = square_of(view)
        assert square is not None
        x, y, side = square.x, square.y, square.side
        spots = {
            "centre": (x + side / 2, y + side / 2),
            "top_left": (x, y),
            "bottom_right": (x + side, y + side),
            "top_right": (x + side, y),
            "anywhere": (width / 3, height / 3),
        }
        start = to_widget(view, width, *spots[grip])
        drag(view, start, start + QPoint(dx, dy))
        assert_inside(square_of(view), width, height)
    wheel(view, 3, QPoint(300, 200))
    assert_inside(square_of(view), width, height)


def test_screenshot_looks_right(qtbot: QtBot, view: CropView, screenshots: Path) -> None:
    load(view, (3000, 2000), display_scale=0.5)
    view.set_crop(Square(900, 300, 1200))  # straddles the light and the dark half
    view.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus, timeout=30_000)
    image = view.grab().toImage()
    assert image.save(str(screenshots / "crop_view.png"))
    # The dimmed outside is darker than the same kind of pixel inside the square.
    rect = view.picture_rect()
    inside = image.pixelColor(round(rect.left() + rect.width() * 0.4), round(rect.top() + 60))
    outside = image.pixelColor(round(rect.left() + 10), round(rect.top() + 60))
    assert outside.lightness() < inside.lightness() - 40


def test_high_dpi_paints_the_picture_one_to_one(screenshots: Path) -> None:
    """At 200 % the picture is drawn from device pixels, not a blurred upscale of 1x."""
    script = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtGui import QColor, QImage, QPainter
        from PySide6.QtWidgets import QApplication
        from desktop_app.core.imaging import Square
        from desktop_app.ui.picture.crop_view import CropView
        app = QApplication([])
        view = CropView()
        view.resize(400, 300)
        view.show()
        view.set_image(QImage(8, 8, QImage.Format.Format_RGB32), (4000, 3000))
        rect = view.picture_rect()
        dpr = view.devicePixelRatioF()
        # One-device-pixel stripes, at exactly the painted size: any resampling would grey them.
        stripes = QImage(round(rect.width() * dpr), round(rect.height() * dpr),
                         QImage.Format.Format_RGB32)
        stripes.fill(QColor("black"))
        painter = QPainter(stripes)
        for x in range(1, stripes.width(), 2):
            painter.fillRect(x, 0, 1, stripes.height(), QColor("white"))
        painter.end()
        view.set_image(stripes, (4000, 3000))
        grab = view.grab()
        grab.save({str(screenshots / "crop_view_200.png")!r})
        image = grab.toImage()
        row = round((rect.top() + rect.height() / 2) * dpr) + 3
        first = round(rect.left() * dpr) + stripes.width() // 2
        values = {{image.pixelColor(x, row).lightness() for x in range(first, first + 8)}}
        print(dpr, grab.devicePixelRatio(), sorted(values))
        """
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    dpr, grab_dpr, values = result.stdout.strip().split(" ", 2)
    assert float(dpr) == 2.0 and float(grab_dpr) == 2.0
    assert values == "[0, 255]"


def _held(view: CropView) -> QImage | None:
    """The picture the view holds (read afresh: it lets go of it by itself)."""
    return view._image


def _shown_view(qtbot: QtBot) -> CropView:
    view = CropView()
    qtbot.addWidget(view)
    view.resize(420, 320)
    view.show()
    qtbot.waitExposed(view)
    return view


def _made_by(source: QImage, calls: list[tuple[int, bool]]) -> Callable[[int], QImage]:
    """A stand-in for making the picture afresh: records the side asked and the thread."""

    def render(side: int) -> QImage:
        on_gui = QThread.currentThread() is QApplication.instance().thread()  # type: ignore[union-attr]
        calls.append((side, on_gui))
        keep = Qt.AspectRatioMode.KeepAspectRatio
        return source.scaled(side, side, keep, Qt.TransformationMode.SmoothTransformation)

    return render


def _shows_a_picture(view: CropView) -> bool:
    shot = view.grab().toImage()
    rect = view.picture_rect().toRect()
    points = [(rect.left() + rect.width() * i // 8, rect.center().y()) for i in range(1, 8)]
    return not rect.isEmpty() and len({shot.pixel(x, y) for x, y in points}) > 1


def test_given_how_to_make_the_picture_it_keeps_only_its_copy_at_the_size_shown(
    qtbot: QtBot,
) -> None:
    """Memory: a photo's preview is 12 MB, framing's copy of it on screen 2. Once the copy is
    made the preview is let go of; a new size is painted at once from the copy, roughly, and
    made afresh off the GUI thread."""
    view = _shown_view(qtbot)
    big = picture(1600, 1200)
    calls: list[tuple[int, bool]] = []
    view.set_image(big, (3200, 2400), _made_by(big, calls))
    view.repaint()
    qtbot.waitUntil(lambda: view._image is None, timeout=5000)  # its copy is made: let go of
    assert calls == []  # the first copy came from the picture given
    view.resize(640, 480)
    assert _shows_a_picture(view)  # at once, before anything is made afresh
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    rect, dpr = view.picture_rect(), view.devicePixelRatioF()
    side = max(round(rect.width() * dpr), round(rect.height() * dpr))
    assert calls == [(side, False)]
    qtbot.wait(100)
    assert _shows_a_picture(view)


def test_without_it_the_picture_given_is_kept_for_every_size(qtbot: QtBot) -> None:
    view = _shown_view(qtbot)
    big = picture(1600, 1200)
    view.set_image(big, (3200, 2400))
    view.repaint()
    qtbot.wait(200)
    view.resize(640, 480)
    view.repaint()
    assert view._image is big and _shows_a_picture(view)


def test_hidden_while_the_results_show_it_comes_back_at_once(qtbot: QtBot) -> None:
    view = _shown_view(qtbot)
    big = picture(1600, 1200)
    calls: list[tuple[int, bool]] = []
    view.set_image(big, (3200, 2400), _made_by(big, calls))
    view.hide()
    assert view._image is big  # no copy at the size shown yet: kept until there is one
    view.show()
    view.repaint()
    qtbot.waitUntil(lambda: view._image is None, timeout=5000)
    view.hide()
    view.show()
    assert _shows_a_picture(view) and calls == []  # its copy, nothing made afresh


def test_a_picture_given_smaller_than_shown_is_made_afresh_at_the_size_shown(
    qtbot: QtBot,
) -> None:
    """A 2000 px preview on a 2400 px view (a big screen at 200 %): made sharp from the photo."""
    view = _shown_view(qtbot)
    small = picture(160, 120)
    calls: list[tuple[int, bool]] = []
    view.set_image(small, (3200, 2400), _made_by(picture(1600, 1200), calls))
    view.repaint()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    assert calls[0][0] > 160 and not calls[0][1]


def test_hidden_before_its_smooth_copy_it_makes_one_when_shown_again(qtbot: QtBot) -> None:
    """Framing hidden (a run started) while its copy was still the rough one: shown again, it
    is made smooth, not left rough until the next resize; and the picture stays till then."""
    view = _shown_view(qtbot)
    big = picture(1600, 1200)
    made: list[tuple[int, bool]] = []
    view.set_image(big, (3200, 2400), _made_by(big, made))
    view.repaint()  # the rough copy; the smooth one is asked for
    view.hide()  # before it comes
    qtbot.wait(100)
    assert view._image is big and not view._sharp
    view.show()
    view.repaint()
    qtbot.waitUntil(lambda: view._sharp, timeout=5000)
    assert _held(view) is None and made == []


def test_a_size_is_made_afresh_once_it_settles_not_at_every_step(qtbot: QtBot) -> None:
    view = _shown_view(qtbot)
    big = picture(1600, 1200)
    calls: list[tuple[int, bool]] = []
    view.set_image(big, (3200, 2400), _made_by(big, calls))
    view.repaint()
    qtbot.waitUntil(lambda: view._image is None, timeout=5000)
    for width in range(440, 640, 20):  # a window dragged larger
        view.resize(width, width * 3 // 4)
        view.repaint()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    qtbot.wait(300)
    assert len(calls) == 1 and view._sharp


def test_a_size_that_could_not_be_made_is_not_asked_for_again(qtbot: QtBot) -> None:
    view = _shown_view(qtbot)
    big = picture(1600, 1200)
    calls: list[int] = []

    def fails(side: int) -> QImage:
        calls.append(side)
        return QImage()

    view.set_image(big, (3200, 2400), fails)
    view.repaint()
    qtbot.waitUntil(lambda: view._image is None, timeout=5000)
    view.resize(640, 480)
    view.repaint()
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=5000)
    for _ in range(3):
        view.repaint()
    qtbot.wait(300)
    assert len(calls) == 1 and _shows_a_picture(view)  # the rough copy stays
