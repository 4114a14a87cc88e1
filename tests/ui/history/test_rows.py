"""History rows a person can scan: titled by source and time, the model, the status and the cost
whole at the dock's width, results under the text when the list is narrow; Show in folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFontMetrics
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Library, Outcome
from desktop_app.core.prompts import Strength, variation_prompt
from desktop_app.ui.history.delegate import WIDE_MIN, RowGeometry
from desktop_app.ui.history.panel import HistoryPanel
from tests.ui.history.helpers import add_run, png

PanelFactory = Callable[..., HistoryPanel]
LONG_MODEL = "gpt-image-2.6-flare"


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "library") as opened:
        yield opened


@pytest.fixture
def make_panel(qtbot: QtBot) -> Iterator[PanelFactory]:
    made: list[HistoryPanel] = []

    def make(library: Library, width: int | None = None) -> HistoryPanel:
        panel = HistoryPanel(library)
        qtbot.addWidget(panel)
        panel.resize(width or panel.sizeHint().width(), 620)  # the dock's first width
        panel.show()
        qtbot.waitExposed(panel)
        made.append(panel)
        return panel

    yield make
    for panel in made:
        assert panel.shutdown(), "a history read or decode outlived its test"


@pytest.fixture
def opened_urls(monkeypatch: pytest.MonkeyPatch) -> list[QUrl]:
    urls: list[QUrl] = []

    def record(url: QUrl) -> bool:
        urls.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", record)
    return urls


def add_varied_runs(library: Library) -> None:
    """Runs that once looked alike in the list: the same default prompt, each outcome."""
    now = datetime.now(UTC)
    outcomes = [
        (Outcome.SUCCEEDED, 0.168),
        (Outcome.CANCELLED, 0.056),
        (Outcome.FAILED, None),
        (Outcome.PARTIAL, 0.056),
    ]
    for minute, (outcome, cost) in enumerate(outcomes):
        add_run(
            library,
            prompt=variation_prompt(Strength.BALANCED),
            when=now - timedelta(minutes=10 - minute),
            results=[png("#3a8fd0"), png("#d0553a")] if cost else [],
            source_name="IMG_20251203_143212.jpg",
            model=LONG_MODEL,
            outcome=outcome,
            cost=cost,
        )


def texts_of(panel: HistoryPanel, row: int) -> tuple[str, ...]:
    index = panel.model().index(row)
    run = panel.model().row_at(row)
    assert run is not None
    rect = panel.list.visualRect(index)
    geometry = RowGeometry.of(rect, panel.list.fontMetrics().height())
    texts = panel.delegate.texts_for(run, panel.list.font(), geometry.text.width())
    return texts.title, texts.how, texts.model, texts.status + texts.cost


def test_rows_say_source_time_strength_model_status_and_cost_whole_at_the_docks_width(
    make_panel: PanelFactory, library: Library
) -> None:
    add_varied_runs(library)
    panel = make_panel(library)
    assert panel.width() < WIDE_MIN  # the dock's arrangement: text beside the source
    shown = [texts_of(panel, row) for row in range(panel.model().rowCount())]
    statuses = ["Partly received · $0.056", "Failed · no cost recorded"]
    statuses += ["Cancelled · $0.056", "Done · $0.168"]
    for (title, how, model, status), expected in zip(shown, statuses, strict=True):
        assert title.startswith("IMG_") and title.endswith(f" · {_clock(title)}")
        assert how == "balanced variation"
        assert model == LONG_MODEL
        assert status == expected
    titles = {panel.model().data(panel.model().index(row)) for row in range(4)}
    assert len(titles) == 4, "four runs of one picture are told apart by their time"


def _clock(title: str) -> str:
    return title.rsplit(" · ", 1)[1]


def test_a_narrow_row_puts_the_results_under_its_text_inside_the_row(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_varied_runs(library)
    panel = make_panel(library, width=300)
    rect = panel.list.visualRect(panel.model().index(0))
    geometry = RowGeometry.of(rect, panel.list.fontMetrics().height())
    assert not geometry.wide
    assert len(geometry.results) >= 3
    for part in (geometry.source, geometry.text, geometry.star, *geometry.results):
        assert rect.contains(part), (part, rect)
    assert geometry.results[0].top() > geometry.text.bottom()
    assert geometry.text.left() > geometry.source.right()

    panel.resize(WIDE_MIN + 80, 620)  # wider: one tier again, and shorter rows
    qtbot.waitUntil(
        lambda: panel.list.visualRect(panel.model().index(0)).height() < rect.height(),
        timeout=30_000,
    )
    wide = RowGeometry.of(panel.list.visualRect(panel.model().index(0)))
    assert wide.wide and wide.results[0].top() == wide.source.top()


def test_the_star_of_a_narrow_row_can_be_clicked(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_varied_runs(library)
    panel = make_panel(library, width=300)
    newest = panel.model().row_at(0)
    assert newest is not None
    star = RowGeometry.of(panel.list.visualRect(panel.model().index(0))).star
    qtbot.mouseClick(panel.list.viewport(), Qt.MouseButton.LeftButton, pos=star.center())
    stored = library.run(newest.id)
    assert stored is not None and stored.favourite


def test_a_long_source_name_gives_way_to_the_time(
    make_panel: PanelFactory, library: Library
) -> None:
    name = "a very long name of a holiday picture taken at the harbour at dawn-v2.png"
    add_run(library, when=datetime.now(UTC), source_name=name)
    panel = make_panel(library, width=300)
    title = texts_of(panel, 0)[0]
    assert title.endswith(_clock(title)) and "…" in title and title.split(" · ")[0][-6:] == "v2.png"
    metrics = QFontMetrics(panel.list.font())
    assert metrics.horizontalAdvance(title) <= panel.list.viewport().width()


def test_show_in_folder_opens_where_the_chosen_picture_is_kept_or_was_saved(
    qtbot: QtBot,
    make_panel: PanelFactory,
    library: Library,
    opened_urls: list[QUrl],
    tmp_path: Path,
) -> None:
    run = add_run(library, results=[png("#aa3333"), png("#33aa33")])
    panel = make_panel(library)
    assert panel.folder_button.isEnabled()
    panel.folder_button.click()
    assert opened_urls == [QUrl.fromLocalFile(str(run.results[0].path.parent))]
    assert "library" in panel.folder_button.toolTip()

    saved = tmp_path / "saved"
    saved.mkdir()
    panel.remember_saved([run.results[1].id], [saved / "photo-02.png"])
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Right)  # the second picture, the saved one
    assert "saved" in panel.folder_button.toolTip()
    panel.folder_button.click()
    assert opened_urls[-1] == QUrl.fromLocalFile(str(saved))


def test_show_in_folder_waits_for_a_run_with_pictures(
    make_panel: PanelFactory, library: Library, opened_urls: list[QUrl]
) -> None:
    add_run(library, results=[], outcome=Outcome.FAILED, cost=None)
    panel = make_panel(library)
    assert panel.selected_run() is not None
    assert not panel.folder_button.isEnabled()
    panel.show_in_folder()
    assert opened_urls == []


def test_screenshot_of_the_history_at_the_docks_width(
    qtbot: QtBot, make_panel: PanelFactory, library: Library, screenshots: Path
) -> None:
    add_varied_runs(library)
    add_run(
        library,
        prompt="A lighthouse at dusk in watercolour",
        when=datetime.now(UTC),
        results=[png(colour) for colour in ("#5fb35f", "#d0b03a", "#8a5fd0", "#3ab0a8", "#445")],
        source_name="photo-v2.png",
        cost=0.2,
    )
    panel = make_panel(library)
    panel.list.setCurrentIndex(panel.model().index(1))
    cache = panel.model().thumbnails
    qtbot.waitUntil(lambda: cache.pending() == 0 and cache.cached() >= 6, timeout=30_000)
    qtbot.waitUntil(lambda: panel.totals_label.text() != "", timeout=30_000)
    assert panel.grab().save(str(screenshots / "history-dock-width.png"))


def test_the_undo_bar_names_a_deleted_run_by_its_title(
    qtbot: QtBot, make_panel: PanelFactory, library: Library
) -> None:
    add_run(library, when=datetime.now(UTC), source_name="harbour.jpg")
    panel = make_panel(library, width=300)
    title = panel.model().data(panel.model().index(0))
    panel.delete_selected()
    assert panel.undo_label.text() == f"Deleted the run “{title}”."
    assert panel.minimumSizeHint().width() <= 320  # a long title wraps, never widens the dock
