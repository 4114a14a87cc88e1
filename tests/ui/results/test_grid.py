"""The results grid: every cell of a run in view, thumbnails made off the GUI thread, selection,
and what it asks for."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QCoreApplication,
    QIODevice,
    Qt,
    QThread,
    QThreadPool,
)
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter
from PySide6.QtWidgets import QLabel, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from desktop_app.qt import thumbnails
from desktop_app.ui.results.cell import ResultCell
from desktop_app.ui.results.grid import ResultsGrid

# The offscreen platform plugin cannot pass size hints to windows and says so; harmless.
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")

COLOURS = ["#2f5d8a", "#b5543a", "#3d8a5a", "#7a4f9a", "#c9a23a"]


def picture(width: int, height: int, colour: str) -> QImage:
    """A gradient with a disc: enough structure to judge a thumbnail by eye."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(0, 0, width, height)
    gradient.setColorAt(0, QColor(colour).darker(160))
    gradient.setColorAt(1, QColor(colour).lighter(150))
    painter.fillRect(image.rect(), gradient)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawEllipse(width // 4, height // 4, width // 2, height // 2)
    painter.end()
    return image


def png(image: QImage) -> bytes:
    array = QByteArray()
    buffer = QBuffer(array)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6's stubs say the format is bytes, but Qt only accepts str here (bytes raise).
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    return bytes(array.data())


def result_png(index: int) -> bytes:
    return png(picture(1024, 1024, COLOURS[index % len(COLOURS)]))


@pytest.fixture
def grid(qtbot: QtBot) -> Iterator[ResultsGrid]:
    widget = ResultsGrid()
    qtbot.addWidget(widget)
    widget.resize(1320, 420)  # four results in a row
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    assert QThreadPool.globalInstance().waitForDone(60_000)  # no decode outlives its test


def cell(grid: ResultsGrid, name: str) -> ResultCell:
    found = [
        c for c in grid.findChildren(ResultCell) if c.accessibleName() == name and not c.isHidden()
    ]
    assert len(found) == 1, name
    return found[0]


def button(grid: ResultsGrid, name: str) -> QToolButton:
    found = [b for b in grid.findChildren(QToolButton) if b.accessibleName() == name]
    assert len(found) == 1, name
    return found[0]


def status(grid: ResultsGrid, index: int) -> str:
    label = cell(grid, f"Variation {index + 1}").thumbnail.status
    return label.text() if label.isVisibleTo(grid) else ""


def centre_colour(grid: ResultsGrid, index: int) -> str:
    pixmap = grid.thumbnail(index)
    assert pixmap is not None
    image = pixmap.toImage()
    return image.pixelColor(image.width() // 2, image.height() // 2).name()


def shown_cells(grid: ResultsGrid) -> int:
    return sum(1 for c in grid.findChildren(ResultCell) if not c.isHidden())


def wait_ready(qtbot: QtBot, grid: ResultsGrid, indexes: list[int]) -> None:
    def ready() -> bool:
        return all(grid.thumbnail(i) is not None and status(grid, i) == "" for i in indexes)

    qtbot.waitUntil(ready, timeout=30_000)


def fill(qtbot: QtBot, grid: ResultsGrid, count: int = 4) -> None:
    grid.start_run(count)
    for index in range(count):
        grid.set_result(index, result_png(index))
    wait_ready(qtbot, grid, list(range(count)))


def test_empty_grid_shows_a_quiet_hint(grid: ResultsGrid, screenshots: Path) -> None:
    hints = [
        label for label in grid.findChildren(QLabel) if label.text() == "Variations appear here"
    ]
    assert len(hints) == 1 and hints[0].isVisibleTo(grid)
    assert grid.result_count() == 0 and grid.selected_index() is None
    grid.grab().save(str(screenshots / "results-empty.png"))


@pytest.mark.parametrize("size", [(700, 340), (1000, 560), (1500, 800)])
@pytest.mark.parametrize("count", [1, 2, 4, 7, 10])
def test_every_cell_of_a_run_is_in_view_without_scrolling(
    qtbot: QtBot, grid: ResultsGrid, size: tuple[int, int], count: int
) -> None:
    grid.resize(*size)
    grid.start_run(count)
    qtbot.waitUntil(lambda: shown_cells(grid) == count, timeout=30_000)
    visible = grid.visible_rect()
    rects = [grid.cell_rect(i) for i in range(count)]
    assert all(visible.contains(rect) for rect in rects), (visible, rects)
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1 :])
    assert len({rect.size().toTuple() for rect in rects}) == 1  # all alike


def test_cells_grow_and_shrink_with_the_grid(qtbot: QtBot, grid: ResultsGrid) -> None:
    fill(qtbot, grid, count=4)
    small = cell(grid, "Variation 1").thumbnail.width()
    grid.resize(2000, 700)
    qtbot.waitUntil(lambda: cell(grid, "Variation 1").thumbnail.width() > small, timeout=30_000)
    large = cell(grid, "Variation 1").thumbnail.width()
    assert button(grid, "Save variation 1").toolButtonStyle() == (
        Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    )
    grid.resize(400, 200)  # too small for words under the picture: the buttons keep icons
    qtbot.waitUntil(lambda: cell(grid, "Variation 1").thumbnail.width() < small, timeout=30_000)
    assert button(grid, "Save variation 1").toolButtonStyle() == (
        Qt.ToolButtonStyle.ToolButtonIconOnly
    )
    assert large > small and centre_colour(grid, 0) == QColor(COLOURS[0]).name()


def test_thumbnails_are_decoded_at_their_cells_size_and_again_when_cells_grow(
    qtbot: QtBot, grid: ResultsGrid
) -> None:
    # Memory: a thumbnail is kept at the size it is shown, not larger "in case the grid grows";
    # a cell that does grow gets its picture decoded again, sharp, once the resize has settled.
    fill(qtbot, grid, count=4)

    def decoded(index: int) -> int:
        pixmap = grid.thumbnail(index)
        assert pixmap is not None
        return max(pixmap.width(), pixmap.height())

    def shown(index: int) -> int:
        place = grid.picture_size(index)
        return round(max(place.width(), place.height()) * grid.devicePixelRatioF())

    small = shown(0)
    assert small < 1024 and all(decoded(i) == shown(i) for i in range(4))
    grid.resize(2000, 700)
    qtbot.waitUntil(lambda: shown(0) > small, timeout=30_000)
    qtbot.waitUntil(lambda: all(decoded(i) == shown(i) for i in range(4)), timeout=30_000)
    assert centre_colour(grid, 0) == QColor(COLOURS[0]).name()
    large = decoded(0)
    grid.resize(600, 300)  # smaller cells keep the larger thumbnail: no decode for that
    qtbot.waitUntil(lambda: shown(0) < small, timeout=30_000)
    # The re-decode check has run (its timer waits for the resize to rest), and whatever it
    # might have decoded has arrived: still the larger thumbnail.
    qtbot.waitUntil(lambda: not grid._redecode.isActive(), timeout=30_000)
    assert QThreadPool.globalInstance().waitForDone(60_000)
    QCoreApplication.processEvents()  # what the pool sent is delivered (queued on this thread)
    assert decoded(0) == large


def test_results_arrive_as_thumbnails_with_their_actions(
    qtbot: QtBot, grid: ResultsGrid, screenshots: Path
) -> None:
    fill(qtbot, grid)
    assert grid.result_count() == 4
    assert all(grid.has_result(i) for i in range(4)) and not grid.has_result(4)
    for index in range(4):
        assert centre_colour(grid, index) == QColor(COLOURS[index]).name()
        assert button(grid, f"Save variation {index + 1}").isEnabled()
    pixmap = grid.thumbnail(0)  # decoded at least as large as shown: sharp when it grows
    side = cell(grid, "Variation 1").thumbnail.width()
    assert pixmap is not None and pixmap.deviceIndependentSize().width() >= side
    grid.select(1)
    grid.grab().save(str(screenshots / "results-four.png"))


@pytest.mark.parametrize(
    ("action", "signal"),
    [("Save", "saveRequested"), ("Copy", "copyRequested"), ("Vary", "varyRequested")],
)
def test_a_cells_buttons_ask_for_their_own_index(
    qtbot: QtBot, grid: ResultsGrid, action: str, signal: str
) -> None:
    fill(qtbot, grid)
    for index in (2, 0, 3):
        with qtbot.waitSignal(getattr(grid, signal), timeout=30_000) as blocker:
            qtbot.mouseClick(
                button(grid, f"{action} variation {index + 1}"), Qt.MouseButton.LeftButton
            )
        assert blocker.args == [index]
        assert grid.selected_index() == index  # the action's cell is the selected one


def test_click_selects_and_arrows_move_through_the_results(qtbot: QtBot, grid: ResultsGrid) -> None:
    fill(qtbot, grid)
    seen: list[int] = []
    grid.selectionChanged.connect(seen.append)
    qtbot.mouseClick(cell(grid, "Variation 2"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(cell(grid, "Variation 3"), Qt.MouseButton.LeftButton)
    assert seen == [1, 2]
    assert grid.hasFocus()
    seen.clear()
    qtbot.keyClick(grid, Qt.Key.Key_Home)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Left)
    qtbot.keyClick(grid, Qt.Key.Key_End)
    qtbot.keyClick(grid, Qt.Key.Key_Right)  # already last: nothing
    assert seen == [0, 1, 2, 1, 3]
    assert grid.selected_index() == 3


def test_up_and_down_move_by_row(qtbot: QtBot, grid: ResultsGrid) -> None:
    fill(qtbot, grid, count=5)
    grid.resize(700, 620)  # three cells a row: [0 1 2] [3 4]
    qtbot.waitUntil(
        lambda: cell(grid, "Variation 4").y() > cell(grid, "Variation 1").y(), timeout=30_000
    )
    grid.select(0)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert grid.selected_index() == 3
    qtbot.keyClick(grid, Qt.Key.Key_Down)  # last row: stays
    assert grid.selected_index() == 3
    grid.select(2)
    qtbot.keyClick(grid, Qt.Key.Key_Down)  # the nearest cell below
    assert grid.selected_index() == 4
    qtbot.keyClick(grid, Qt.Key.Key_Up)
    assert grid.selected_index() in (1, 2)


def test_enter_and_double_click_open_a_finished_cell(qtbot: QtBot, grid: ResultsGrid) -> None:
    fill(qtbot, grid, count=2)
    grid.select(1)
    with qtbot.waitSignal(grid.openRequested, timeout=30_000) as blocker:
        qtbot.keyClick(grid, Qt.Key.Key_Return)
    assert blocker.args == [1]
    with qtbot.waitSignal(grid.openRequested, timeout=30_000) as blocker:
        qtbot.mouseDClick(cell(grid, "Variation 1"), Qt.MouseButton.LeftButton)
    assert blocker.args == [0]
    grid.start_run(2)  # placeholders: nothing to open yet
    assert grid.selected_index() == 0
    qtbot.waitUntil(lambda: shown_cells(grid) == 2, timeout=30_000)
    grid.select(0)
    with qtbot.assertNotEmitted(grid.openRequested, wait=50):
        qtbot.keyClick(grid, Qt.Key.Key_Enter)
        qtbot.mouseDClick(cell(grid, "Variation 2"), Qt.MouseButton.LeftButton)


def test_a_new_run_shows_placeholders_and_selects_the_first(
    qtbot: QtBot, grid: ResultsGrid, screenshots: Path
) -> None:
    with qtbot.waitSignal(grid.selectionChanged, timeout=30_000) as blocker:
        grid.start_run(4)
    assert blocker.args == [0]
    qtbot.waitUntil(lambda: shown_cells(grid) == 4, timeout=30_000)
    assert [status(grid, i) for i in range(4)] == ["Waiting…"] * 4
    assert not button(grid, "Save variation 1").isVisible()
    grid.set_partial(1, png(picture(1024, 1024, COLOURS[1])))
    grid.set_result(2, result_png(2))
    grid.mark_failed([3], "Cancelled")
    qtbot.waitUntil(lambda: status(grid, 1) == "Receiving…", timeout=30_000)
    wait_ready(qtbot, grid, [2])
    assert status(grid, 0) == "Waiting…" and status(grid, 3) == "Cancelled"
    grid.grab().save(str(screenshots / "results-arriving.png"))


def test_partial_then_result_then_a_late_partial_is_ignored(
    qtbot: QtBot, grid: ResultsGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    grid.start_run(1)
    grid.set_partial(0, png(picture(256, 256, "#ff0000")))
    qtbot.waitUntil(lambda: status(grid, 0) == "Receiving…", timeout=30_000)
    assert grid.thumbnail(0) is not None and not grid.has_result(0)
    assert not button(grid, "Save variation 1").isVisible()
    grid.set_result(0, png(QImage(picture(1024, 1024, "#00aa00"))))
    assert grid.has_result(0) and button(grid, "Save variation 1").isEnabled()
    wait_ready(qtbot, grid, [0])
    assert centre_colour(grid, 0) == "#00aa00"

    calls: list[int] = []
    monkeypatch.setattr(thumbnails, "decode_thumbnail", lambda *a, **k: calls.append(1))
    grid.set_partial(0, png(picture(256, 256, "#0000ff")))
    assert QThreadPool.globalInstance().waitForDone(60_000)
    qtbot.wait(20)
    assert calls == [] and centre_colour(grid, 0) == "#00aa00" and status(grid, 0) == ""


def test_a_new_run_drops_decodes_of_the_old_one(
    qtbot: QtBot, grid: ResultsGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real = thumbnails.decode_thumbnail

    def slow(source: bytes | QImage, side_px: int, *, blurred: bool = False) -> QImage | None:
        started.set()
        assert release.wait(60)
        return real(source, side_px, blurred=blurred)

    monkeypatch.setattr(thumbnails, "decode_thumbnail", slow)
    grid.start_run(2)
    grid.set_result(0, result_png(0))
    assert started.wait(60)  # the old decode is under way...
    grid.start_run(2)  # ...when a new run replaces the cells
    release.set()
    assert QThreadPool.globalInstance().waitForDone(60_000)
    qtbot.wait(30)  # the stale delivery arrives now and must be dropped
    assert grid.thumbnail(0) is None and status(grid, 0) == "Waiting…"
    assert not grid.has_result(0)


def test_decoding_runs_off_the_gui_thread(
    qtbot: QtBot, grid: ResultsGrid, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[QThread] = []
    real = thumbnails.decode_thumbnail

    def recording(source: bytes | QImage, side_px: int, *, blurred: bool = False) -> QImage | None:
        threads.append(QThread.currentThread())
        return real(source, side_px, blurred=blurred)

    monkeypatch.setattr(thumbnails, "decode_thumbnail", recording)
    fill(qtbot, grid, count=3)
    gui = QThread.currentThread()
    assert len(threads) == 3
    assert all(thread is not gui for thread in threads)


def test_corrupt_result_says_so_but_can_still_be_saved(qtbot: QtBot, grid: ResultsGrid) -> None:
    grid.start_run(2)
    grid.set_result(1, b"\x89PNG\r\n\x1a\n but the rest is missing")
    qtbot.waitUntil(lambda: status(grid, 1) == "Could not show this image", timeout=30_000)
    assert grid.has_result(1) and grid.thumbnail(1) is None
    assert button(grid, "Save variation 2").isEnabled()
    assert not button(grid, "Copy variation 2").isEnabled()
    assert not button(grid, "Vary variation 2").isEnabled()


def test_mark_failed_keeps_finished_results_and_ignores_later_partials(
    qtbot: QtBot, grid: ResultsGrid
) -> None:
    grid.start_run(3)
    grid.set_result(0, result_png(0))
    wait_ready(qtbot, grid, [0])
    grid.mark_failed([0, 1, 2], "Cancelled")
    assert status(grid, 0) == "" and grid.has_result(0)
    assert status(grid, 1) == "Cancelled" and status(grid, 2) == "Cancelled"
    grid.set_partial(1, result_png(1))
    assert QThreadPool.globalInstance().waitForDone(60_000)
    qtbot.wait(20)
    assert status(grid, 1) == "Cancelled" and grid.thumbnail(1) is None
    grid.set_result(2, result_png(2))  # a result that beat the cancel is still shown
    wait_ready(qtbot, grid, [2])


def test_clear(qtbot: QtBot, grid: ResultsGrid) -> None:
    fill(qtbot, grid, count=2)
    with qtbot.assertNotEmitted(grid.selectionChanged):
        grid.clear()
    assert grid.result_count() == 0 and grid.selected_index() is None
    assert not grid.findChildren(ResultCell) or all(
        not c.isVisibleTo(grid) for c in grid.findChildren(ResultCell)
    )
    grid.select(0)  # nothing there: ignored
    assert grid.selected_index() is None


def test_accessible_names(qtbot: QtBot, grid: ResultsGrid) -> None:
    fill(qtbot, grid, count=2)
    names = {w.accessibleName() for w in grid.findChildren(QWidget)}
    assert {"Variation 1", "Variation 2", "Save variation 2"} <= names
    assert {"Copy variation 1", "Vary variation 2"} <= names
    assert "Ctrl+S" in button(grid, "Save variation 1").toolTip()
    assert "Ctrl+C" in button(grid, "Copy variation 1").toolTip()


def test_ten_placeholders_are_built_a_few_per_turn_and_early_images_still_land(
    qtbot: QtBot, grid: ResultsGrid
) -> None:
    grid.start_run(10)
    built_at_once = len(grid.findChildren(ResultCell))
    assert built_at_once == 1  # the rest follow, one per turn of the event loop
    assert grid.result_count() == 10
    grid.set_result(8, result_png(8))  # an image for a cell not built yet gets its cell now
    assert len(grid.findChildren(ResultCell)) == 9
    qtbot.waitUntil(lambda: len(grid.findChildren(ResultCell)) == 10, timeout=30_000)
    wait_ready(qtbot, grid, [8])
    grid.select(9)
    assert grid.selected_index() == 9


def test_a_see_through_result_shows_a_checkerboard(qtbot: QtBot, grid: ResultsGrid) -> None:
    clear = QImage(64, 64, QImage.Format.Format_ARGB32)
    clear.fill(QColor(0, 0, 0, 0))
    grid.start_run(1)
    grid.set_result(0, png(clear))
    wait_ready(qtbot, grid, [0])
    view = cell(grid, "Variation 1").thumbnail
    shot = view.grab().toImage()
    colours = {shot.pixelColor(x, shot.height() // 2).name() for x in range(4, 40)}
    assert colours == {"#cccccc", "#f5f5f5"}  # both squares of the board, not a flat colour


def test_cells_take_the_shape_of_the_pictures_that_arrive(qtbot: QtBot, grid: ResultsGrid) -> None:
    grid.start_run(2, aspect=1.5)  # a 3:2 run: its placeholders are 3:2 already
    place = grid.picture_size(0)
    assert abs(place.width() / place.height() - 1.5) < 0.02
    # The model made 2:3 pictures instead (a reopened run, or a model of other sizes).
    grid.set_result(0, png(picture(200, 300, "#884422")))
    wait_ready(qtbot, grid, [0])
    for index in (0, 1):
        place = grid.picture_size(index)
        assert abs(place.width() / place.height() - 2 / 3) < 0.02
        assert grid.visible_rect().contains(grid.cell_rect(index))
