"""The history panel against a real library in a temp folder: order, paging, search, stars,
delete and undo, the signals the window wires, thumbnails, spending."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library, Outcome
from desktop_app.ui.history.delegate import RowGeometry
from desktop_app.ui.history.model import PAGE_SIZE
from desktop_app.ui.history.panel import EMPTY_TEXT, HistoryPanel
from tests.ui.history.helpers import add_run, png

PanelFactory = Callable[..., HistoryPanel]


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "library") as opened:
        yield opened


@pytest.fixture
def make_panel(qtbot: QtBot) -> Iterator[PanelFactory]:
    made: list[HistoryPanel] = []

    def make(
        library: Library | Callable[[], Library], size: tuple[int, int] = (660, 460)
    ) -> HistoryPanel:
        panel = HistoryPanel(library)
        qtbot.addWidget(panel)
        panel.resize(*size)
        panel.show()
        qtbot.waitExposed(panel)
        made.append(panel)
        return panel

    yield make
    for panel in made:
        assert panel.shutdown(), "a history read or decode outlived its test"


def prompts(panel: HistoryPanel) -> list[str | None]:
    model = panel.model()
    return [run.prompt for row in range(model.rowCount()) if (run := model.run_at(row))]


def test_runs_are_listed_newest_first(make_panel: PanelFactory, library: Library) -> None:
    for minute, prompt in enumerate(["oldest", "middle", "newest"]):
        add_run(library, prompt=prompt, minute=minute)
    panel = make_panel(library)
    assert prompts(panel) == ["newest", "middle", "oldest"]
    assert panel.count_label.text() == "3 runs"
    assert panel.selected_run() is not None  # the first row is ready for Enter


def test_a_large_library_is_read_a_page_at_a_time(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    for minute in range(250):
        add_run(library, prompt=f"run {minute:03d}", minute=minute)
    panel = make_panel(library, size=(660, 300))
    model = panel.model()
    assert model.rowCount() == PAGE_SIZE
    assert model.total() == 250
    assert model.canFetchMore(model.index(-1))

    panel.list.scrollToBottom()  # the view (or the delegate's prefetch) asks for more
    qtbot.waitUntil(lambda: model.rowCount() == 200, timeout=30_000)
    panel.list.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 250, timeout=30_000)
    assert not model.canFetchMore(model.index(-1))
    assert prompts(panel) == [f"run {minute:03d}" for minute in reversed(range(250))]


def test_pages_follow_the_last_row_through_equal_times_and_an_undone_delete(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    for n in range(160):
        add_run(library, prompt=f"run {n:03d}", minute=n // 7)  # seven runs to a minute
    panel = make_panel(library, size=(660, 300))
    model = panel.model()
    assert model.rowCount() == PAGE_SIZE
    last = model.row_at(PAGE_SIZE - 1)
    assert last is not None
    model.delete_run(last.id)  # the run the next page starts after...
    assert model.restore_run(last.id) is None  # ...comes back with that page

    panel.list.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 160, timeout=30_000)
    listed = [row.id for n in range(model.rowCount()) if (row := model.row_at(n))]
    assert listed == [run.id for run in library.runs(limit=200)]


def test_search_waits_for_a_pause_in_typing_then_filters(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_run(library, prompt="A lighthouse at dusk", minute=0)
    add_run(library, prompt="A cat", model="dall-e-2", minute=1)
    add_run(library, prompt="A bicycle", source_name="holiday.jpg", minute=2)
    panel = make_panel(library)

    qtbot.keyClicks(panel.search, "lighthouse")
    assert panel.model().rowCount() == 3  # not yet: the search waits for the typing to pause
    qtbot.waitUntil(lambda: prompts(panel) == ["A lighthouse at dusk"], timeout=30_000)

    for query, expected in (("dall-e", ["A cat"]), ("HOLIDAY", ["A bicycle"])):
        panel.search.setText(query)

        def shows_expected(expected: list[str] = expected) -> bool:
            return prompts(panel) == expected

        qtbot.waitUntil(shows_expected, timeout=30_000)

    panel.search.setText("submarine")
    qtbot.waitUntil(lambda: panel.model().rowCount() == 0, timeout=30_000)
    assert panel.empty_label.isVisible()
    assert panel.empty_label.text() == "No runs match “submarine”."


def test_starred_only_keeps_the_starred_runs(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_run(library, prompt="plain", minute=0)
    add_run(library, prompt="loved", minute=1)
    panel = make_panel(library)
    assert panel.select_run(panel.model().run_at(0).id)  # type: ignore[union-attr]
    panel.star_button.click()
    assert panel.star_button.text() == "Unstar"

    panel.starred_only.setChecked(True)
    assert prompts(panel) == ["loved"]
    loved = panel.model().run_at(0)
    assert loved is not None and loved.favourite
    stored = library.run(loved.id)
    assert stored is not None and stored.favourite


def test_clicking_the_star_of_a_row_stars_that_run(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_run(library, prompt="first", minute=0)
    second = add_run(library, prompt="second", minute=1)
    panel = make_panel(library)
    star = RowGeometry.of(panel.list.visualRect(panel.model().index(0))).star
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=star.center())
    stored = library.run(second.id)
    assert stored is not None and stored.favourite


def test_delete_hides_the_run_at_once_and_undo_brings_it_back(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    for minute, prompt in enumerate(["c", "b", "a"]):
        add_run(library, prompt=prompt, minute=minute)
    panel = make_panel(library)
    panel.list.setFocus()
    panel.list.setCurrentIndex(panel.model().index(1))
    doomed = panel.selected_run()
    assert doomed is not None and doomed.prompt == "b"

    qtbot.keyClick(panel.list, Qt.Key.Key_Delete)
    assert prompts(panel) == ["a", "c"]
    assert panel.undo_button.isVisible()
    stored = library.run(doomed.id)
    assert stored is not None and stored.deleted
    assert library.count_runs() == 2

    qtbot.keyClick(panel.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert prompts(panel) == ["a", "b", "c"]
    assert panel.selected_run() == library.run(doomed.id)
    assert not panel.undo_button.isVisible()
    assert library.count_runs() == 3


def test_enter_reopens_and_the_buttons_report_the_right_ids(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_run(library, prompt="older", minute=0, results=[png("#aa3333")])
    newest = add_run(library, prompt="newest", minute=1, results=[png("#33aa33"), png("#3333aa")])
    panel = make_panel(library)
    panel.list.setFocus()

    with qtbot.waitSignal(panel.reopenRequested, timeout=30_000) as reopened:
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert reopened.args == [newest.id]

    with qtbot.waitSignal(panel.saveRequested, timeout=30_000) as saved:
        panel.save_button.click()
    assert saved.args == [[result.id for result in newest.results]]

    qtbot.keyClick(panel.list, Qt.Key.Key_Right)  # choose the second picture
    with qtbot.waitSignal(panel.varyRequested, timeout=30_000) as varied:
        panel.vary_button.click()
    assert varied.args == [newest.results[1].id]


def test_a_run_without_pictures_offers_no_picture_actions(
    make_panel: PanelFactory, library: Library
) -> None:
    add_run(library, prompt="refused", outcome=Outcome.FAILED, results=[])
    panel = make_panel(library)
    assert panel.reopen_button.isEnabled()
    assert not panel.vary_button.isEnabled()
    assert not panel.save_button.isEnabled()
    assert not panel.tree_button.isEnabled()


def test_family_tree_opens_on_the_chosen_picture(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    first = add_run(library, prompt="first", minute=0, results=[png("#aa3333"), png("#33aa33")])
    child = add_run(
        library,
        prompt="child",
        minute=1,
        results=[png("#3333aa")],
        parent_result_id=first.results[1].id,
    )
    panel = make_panel(library)
    panel.tree_button.click()
    dialog = panel.lineage_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.view.current_result_id() == child.results[0].id
    with qtbot.waitSignal(panel.resultActivated, timeout=30_000) as activated:
        dialog.view.resultActivated.emit(first.results[0].id)
    assert activated.args == [first.results[0].id]


def test_thumbnails_arrive_after_the_first_paint(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    run = add_run(library, results=[png("#cc2222")], source=png("#2222cc"))
    panel = make_panel(library)
    cache = panel.model().thumbnails
    qtbot.waitUntil(lambda: cache.cached() == 2 and cache.pending() == 0, timeout=30_000)
    qtbot.wait(50)  # the repaint that follows the arrival

    shot = panel.list.viewport().grab().toImage()
    rect = panel.list.visualRect(panel.model().index(0))
    geometry = RowGeometry.of(rect)
    scale = shot.devicePixelRatio()

    def colour_at(point: QPoint) -> str:
        return shot.pixelColor(round(point.x() * scale), round(point.y() * scale)).name()

    source_colour = colour_at(geometry.source.center())
    result_colour = colour_at(geometry.results[0].center())
    assert (source_colour, result_colour) == ("#2222cc", "#cc2222"), run.id


def test_spending_today_and_this_month(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    now = datetime.now(UTC)
    add_run(library, when=now, cost=0.04)
    add_run(library, when=now, cost=0.12)
    panel = make_panel(library)
    qtbot.waitUntil(lambda: panel.totals_label.text() != "", timeout=30_000)
    assert panel.totals_label.text() == "Today $0.16 · This month $0.16"


def test_the_library_is_opened_only_when_the_panel_is_first_shown(
    qtbot: QtBot, library: Library
) -> None:
    calls: list[int] = []

    def open_library() -> Library:
        calls.append(1)
        return library

    add_run(library, prompt="kept")
    panel = HistoryPanel(open_library)
    qtbot.addWidget(panel)
    assert calls == []
    panel.show()
    qtbot.waitExposed(panel)
    assert calls == [1]
    assert prompts(panel) == ["kept"]
    assert panel.shutdown()


def test_ctrl_f_focuses_the_search(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_run(library)
    panel = make_panel(library)
    with qtbot.waitActive(panel):
        panel.activateWindow()
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(panel.search.hasFocus, timeout=30_000)


def test_screenshot_of_the_history(
    qtbot: QtBot, make_panel: PanelFactory, library: Library, screenshots: Path
) -> None:
    now = datetime.now(UTC)
    palette = ["#d0553a", "#3a8fd0", "#5fb35f", "#d0b03a", "#8a5fd0", "#3ab0a8"]
    sources = [png("#445566", (160, 120), "#e8e0c0"), png("#775533", (120, 160), "#c0e0e8")]
    first = add_run(
        library,
        prompt="A subtle variation: keep the composition, vary the light",
        when=now - timedelta(minutes=20),
        results=[png(c, (96, 96), "#ffffff") for c in palette[:4]],
        source=sources[0],
        source_name="harbour.jpg",
        cost=0.168,
    )
    add_run(
        library,
        prompt="Balanced: keep the subject, vary the pose and background",
        when=now - timedelta(minutes=15),
        results=[png(c, (96, 96), "#202020") for c in palette],
        source=sources[1],
        source_name="portrait.heic",
        model="gpt-image-1.5",
        parent_result_id=first.results[2].id,
        cost=0.252,
    )
    add_run(
        library,
        prompt="Strong: only the mood stays",
        when=now - timedelta(minutes=11),
        results=[],
        source=sources[0],
        source_name="harbour.jpg",
        outcome=Outcome.FAILED,
        cost=None,
    )
    starred = add_run(
        library,
        prompt="A lighthouse at dusk in watercolour",
        when=now - timedelta(minutes=8),
        results=[png(c, (96, 96)) for c in palette[2:4]],
        source=sources[1],
        source_name="portrait.heic",
        model="dall-e-2",
        cost=0.04,
    )
    library.set_favourite(starred.id, True)
    panel = make_panel(library, size=(680, 420))
    cache = panel.model().thumbnails
    qtbot.waitUntil(lambda: cache.pending() == 0 and cache.cached() >= 8, timeout=30_000)
    qtbot.waitUntil(lambda: panel.totals_label.text() != "", timeout=30_000)
    qtbot.wait(50)
    assert panel.grab().save(str(screenshots / "history-panel.png"))


def test_screenshot_of_an_empty_history(
    qtbot: QtBot, make_panel: PanelFactory, library: Library, screenshots: Path
) -> None:
    panel = make_panel(library, size=(660, 360))
    qtbot.waitUntil(lambda: panel.totals_label.text() != "", timeout=30_000)
    assert panel.empty_label.isVisible()
    assert panel.empty_label.text() == EMPTY_TEXT
    assert not panel.reopen_button.isEnabled()
    assert panel.grab().save(str(screenshots / "history-empty.png"))


@pytest.mark.parametrize("width", [660, 300])
def test_the_buttons_wrap_instead_of_widening_the_panel(
    make_panel: PanelFactory, library: Library, width: int
) -> None:
    add_run(library)
    panel = make_panel(library, size=(width, 460))
    assert panel.minimumSizeHint().width() <= 320  # the dock may be this narrow
    buttons: list[QPushButton] = [
        panel.reopen_button,
        panel.vary_button,
        panel.save_button,
        panel.folder_button,
        panel.tree_button,
        panel.star_button,
        panel.delete_button,
    ]
    rects = [QRect(button.mapTo(panel, QPoint(0, 0)), button.size()) for button in buttons]
    for number, rect in enumerate(rects):
        assert panel.rect().contains(rect), (buttons[number].text(), rect, panel.rect())
        for other in rects[number + 1 :]:
            assert not rect.intersects(other), (rect, other)
