"""The batch queue in the real window, against the local API server: pictures in (a folder, the
waiting queue), reordered and framed; Run all with the window's settings; every picture's state
and cost in the list as the batch goes; a failure retried; the monthly budget asked about; and
a batch left running by a closed window going on in the next one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from desktop_app.core.batch.items import Batch, BatchState, ItemState
from desktop_app.core.batch.journal import BatchJournal
from desktop_app.core.cost import format_usd
from desktop_app.core.imaging import Square
from desktop_app.core.imaging.shape import Shape
from desktop_app.qt.intake import PictureInput
from desktop_app.ui.batch.panel import BatchPanel
from desktop_app.ui.main_window import MainWindow
from tests.fake_openai import FakeOpenAI, Fault
from tests.ui.conftest import WindowFactory

EDITS = "/v1/images/edits"


def pictures(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for number in range(count):
        path = folder / f"item-{number:02}.jpg"
        Image.new("RGB", (400 + number, 300), (number * 20 % 256, 120, 80)).save(path, "JPEG")
        made.append(path)
    return made


@pytest.fixture
def window(make_window: WindowFactory, api_server: FakeOpenAI) -> Iterator[MainWindow]:
    win = make_window(api_server, size=(1366, 768))
    yield win


def rows(window: MainWindow) -> list[str]:
    panel = window.batch_dock.panel
    assert panel is not None
    return [panel.list.item(row).text() for row in range(panel.list.count())]


def run_all(qtbot: QtBot, window: MainWindow) -> None:
    panel = window.batch_dock.panel
    assert panel is not None
    panel.run_button.click()
    qtbot.waitUntil(lambda: window.batch.running, timeout=10_000)
    qtbot.waitUntil(lambda: not window.batch.running, timeout=60_000)


def test_a_folder_runs_with_the_window_settings_and_the_list_shows_each_picture(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    photos = pictures(tmp_path / "shop", 5)
    window.session.refresh_models()  # as the app does at start-up: the cost is known then
    qtbot.waitUntil(lambda: bool(window.session.models), timeout=10_000)
    api_server.inject(Fault("moderation_blocked"), path=EDITS)
    window.parameters.count.setValue(2)
    assert window.batch_control.add([tmp_path / "shop"]) == 5
    assert window.batch_dock.isVisible()
    panel = window.batch_dock.panel
    assert panel is not None
    assert [text.split("\n")[0] for text in rows(window)] == [p.name for p in photos]
    assert panel.estimate.text().startswith("≈ $")  # before Run all: the whole batch's cost
    # The order is the order of sending: the last one first.
    panel.list.setCurrentRow(4)
    panel.up_button.click()
    panel.up_button.click()
    assert rows(window)[2].startswith("item-04.jpg")
    seen: list[str] = []
    window.batch.itemProgressed.connect(lambda item_id: seen.append(window.batch.progress[item_id]))
    run_all(qtbot, window)
    assert "waiting for the server" in seen and "2 of 2 arrived" in seen

    batch = window.batch.batch
    assert batch.state is BatchState.FINISHED
    done = [item for item in batch.items if item.state is ItemState.DONE]
    (failed,) = [item for item in batch.items if item.state is ItemState.FAILED]
    assert len(done) == 4 and failed.failure == "api_refused" and not failed.billed
    for item in done:
        assert item.settings["n"] == 2 and len(item.saved) == 2
        assert all(Path(path).parent == window.preferences.output_folder() for path in item.saved)
    # The list says the same as the batch, picture by picture, and the summary adds it up.
    for item, text in zip(batch.items, rows(window), strict=True):
        assert text.startswith(item.name)
        assert ("Done" in text) == (item.state is ItemState.DONE)
        assert ("Failed" in text) == (item.state is ItemState.FAILED)
    assert panel.summary.text().startswith("4 done, 1 failed")
    assert panel.progress.value() == 5 and panel.retry_button.isEnabled()
    assert batch.total_cost() == pytest.approx(sum(item.cost or 0 for item in done))

    # Moderation cost nothing: Retry failed sends it again without asking.
    run_all_again = panel.retry_button
    run_all_again.click()
    qtbot.waitUntil(lambda: not window.batch.running, timeout=60_000)
    assert all(item.state is ItemState.DONE for item in window.batch.batch.items)
    assert api_server.count(EDITS) == 6


def test_the_waiting_queue_and_the_framed_picture_go_into_the_batch_with_their_frame(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    untouched = pictures(tmp_path / "alone", 1)[0]
    window.session.add_inputs([PictureInput(path=untouched)])
    qtbot.waitUntil(lambda: window.session.prepared is not None, timeout=10_000)
    window.source.batch_button.click()
    (item,) = window.batch.batch.items
    assert item.crop is None and "framed" not in rows(window)[0]  # the default frame
    window.batch.remove([item.id])
    first, *rest = pictures(tmp_path / "photos", 3)  # dropped together
    window.session.add_inputs(
        [PictureInput(path=path) for path in (first, *rest)]
    )  # as a drop does
    qtbot.waitUntil(lambda: window.session.prepared is not None, timeout=10_000)
    assert window.session.waiting() == 2
    window.crop_view.set_crop(Square(0, 0, 200))
    region = QImage(40, 30, QImage.Format.Format_Grayscale8)
    region.fill(255)
    window.session.set_region(region)  # painted: the batch cannot send it, and says so
    window.source.batch_button.click()
    assert "without its painted region" in window.run_status.phase_label.text()
    assert window.session.waiting() == 0
    items = window.batch.batch.items
    assert [Path(item.path).name for item in items] == [p.name for p in (first, *rest)]
    assert items[0].crop == (0, 0, 200, 200) and items[1].crop is None
    panel = window.batch_dock.panel
    assert panel is not None
    panel.saves.setChecked(False)  # kept in the library (History) only
    run_all(qtbot, window)
    sent = [r for r in api_server.requests if r.path == EDITS]
    assert len(sent) == 3
    done = window.batch.batch.items
    assert all(item.state is ItemState.DONE and item.made and not item.saved for item in done)
    assert not window.preferences.output_folder().exists() or not list(
        window.preferences.output_folder().iterdir()
    )
    assert window.preferences.batch_saves is False  # remembered for the next batch


def answer(
    monkeypatch: pytest.MonkeyPatch,
    button: str,
    asked: list[str],
    defaults: list[str] | None = None,
) -> None:
    """Answers the next question box by clicking ``button``, keeping what it said (and its
    default button's words in ``defaults``)."""
    defaults = [] if defaults is None else defaults

    def click(box: QMessageBox) -> int:
        asked.append(box.text())
        default = box.defaultButton()
        defaults.append(default.text() if default is not None else "")
        next(b for b in box.buttons() if b.text() == button).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click)


@pytest.mark.parametrize("button", ["Send each as added", "Use the window's settings"])
def test_pictures_added_with_other_settings_are_sent_as_added_unless_told(
    qtbot: QtBot,
    window: MainWindow,
    api_server: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    button: str,
) -> None:
    window.parameters.count.setValue(2)
    window.parameters.set_framing(Shape.TALL, None)
    window.batch_control.add(pictures(tmp_path / "p", 2))
    assert all("2 variations · 9:16" in text for text in rows(window))
    window.parameters.count.setValue(1)
    window.parameters.set_framing(Shape.SQUARE, None)
    asked: list[str] = []
    answer(monkeypatch, button, asked)
    run_all(qtbot, window)
    assert len(asked) == 1
    assert "(2 variations · 9:16) than the window's now (1 variation)" in asked[0]
    sent = [r for r in api_server.requests if r.path == EDITS]
    as_added = button == "Send each as added"
    assert [r.fields["n"] for r in sent] == [["2" if as_added else "1"]] * 2
    for request in sent:
        (size,) = request.fields["size"]
        if as_added:
            width, height = (int(side) for side in size.split("x"))
            assert width < height
        else:
            assert size == "auto"  # square, the default size


def test_pictures_added_with_the_window_settings_are_sent_without_a_question(
    qtbot: QtBot,
    window: MainWindow,
    api_server: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window.parameters.count.setValue(3)
    window.batch_control.add(pictures(tmp_path / "p", 2))
    window.parameters.previews.setChecked(not window.parameters.previews.isChecked())
    asked: list[str] = []
    answer(monkeypatch, "Cancel", asked)
    run_all(qtbot, window)
    assert asked == []
    assert [r.fields["n"] for r in api_server.requests if r.path == EDITS] == [["3"]] * 2


def test_a_batch_past_the_monthly_budget_asks_first(
    qtbot: QtBot,
    window: MainWindow,
    api_server: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window.session.refresh_models()
    qtbot.waitUntil(lambda: bool(window.session.models), timeout=10_000)
    window.preferences.monthly_budget = 0.01
    window.batch_control.add(pictures(tmp_path / "p", 3))
    asked: list[str] = []

    def no(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", no)
    panel = window.batch_dock.panel
    assert panel is not None
    panel.run_button.click()
    assert asked and "past your budget" in asked[0]
    assert not window.batch.running and api_server.count(EDITS) == 0


def test_a_batch_running_when_the_window_closed_goes_on_in_the_next_one(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    api_server.stream_delay = 0.3  # slow answers: the window closes mid-batch
    first = make_window(api_server, size=(1366, 768))
    first.parameters.previews.setChecked(True)
    first.batch_control.add(pictures(tmp_path / "p", 6))
    panel = first.batch_dock.panel
    assert panel is not None
    panel.jobs.setValue(1)
    panel.run_button.click()
    qtbot.waitUntil(
        lambda: any(item.state is ItemState.DONE for item in first.batch.batch.items),
        timeout=30_000,
    )
    first.close()
    (left,) = BatchJournal().unfinished()
    assert left.state is BatchState.RUNNING and left.waiting()
    api_server.stream_delay = 0.0

    second = make_window(api_server, size=(1366, 768))
    qtbot.waitUntil(lambda: second.batch.running, timeout=10_000)
    qtbot.waitUntil(lambda: not second.batch.running, timeout=60_000)
    batch = second.batch.batch
    assert second.batch_dock.isVisible()
    assert batch.state is BatchState.FINISHED
    # The one out when the window closed was cancelled: waiting again if it never reached
    # the server, else failed as "may have been billed", never sent twice.
    assert all(item.state in (ItemState.DONE, ItemState.FAILED) for item in batch.items)
    assert all(item.billed for item in batch.items if item.state is ItemState.FAILED)


def test_thirty_pictures_with_faults_the_window_shows_what_the_batch_did(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    from tests.core.batch.test_batch_against_server import faults

    for fault in faults(seed=3):
        api_server.inject(fault, path=EDITS)
    pictures(tmp_path / "shop", 30)
    window.parameters.count.setValue(2)
    window.parameters.quality.setCurrentIndex(window.parameters.quality.findData("low"))
    window.batch_control.add([tmp_path / "shop"])
    run_all(qtbot, window)
    batch = window.batch.batch
    assert batch.state is BatchState.FINISHED
    assert all(item.state in (ItemState.DONE, ItemState.FAILED) for item in batch.items)
    failed = [item for item in batch.items if item.state is ItemState.FAILED]
    assert sum(item.billed for item in failed) == 2  # the two answers cut off: not resent
    panel = window.batch_dock.panel
    assert panel is not None
    for item, text in zip(batch.items, rows(window), strict=True):
        assert ("Done · 2 saved" in text) == (item.state is ItemState.DONE)
        if item.state is ItemState.FAILED:
            assert ("may have been billed" in text) == item.billed, text
    done = len(batch.items) - len(failed)
    assert panel.summary.text().startswith(f"{done} done, {len(failed)} failed")
    assert panel.summary.text().endswith(format_usd(batch.total_cost()))
    assert batch.total_cost() == pytest.approx(sum(item.cost or 0 for item in batch.items))


@pytest.mark.parametrize("when", ["at once", "while sending"])
def test_a_batch_quit_soon_after_run_all_is_there_at_the_next_start(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path, when: str
) -> None:
    api_server.stream_delay = 0.5  # answers arrive slowly, as from the real service
    first = make_window(api_server, size=(1366, 768))
    first.parameters.count.setValue(2)
    first.batch_control.add(pictures(tmp_path / "p", 2))
    panel = first.batch_dock.panel
    assert panel is not None
    panel.run_button.click()
    if when == "while sending":
        qtbot.waitUntil(lambda: api_server.count(EDITS) == 2, timeout=10_000)
    first.close()
    api_server.stream_delay = 0.0

    second = make_window(api_server, size=(1366, 768))
    qtbot.waitUntil(lambda: bool(second.batch.batch.items), timeout=10_000)
    qtbot.waitUntil(lambda: not second.batch.running, timeout=60_000)
    items = second.batch.batch.items
    assert len(items) == 2
    # Each picture is done, or failed as "may have been billed" (never sent twice).
    for item in items:
        assert item.state is ItemState.DONE or (item.state is ItemState.FAILED and item.billed)
        if item.state is ItemState.FAILED:  # the app closed: no "Cancelled" it was not told
            # "was closed" when the worker wrote its last word before the window went, "stopped"
            # when it had not yet (the journal still said "sending", as after a crash).
            assert item.reason.startswith(
                (
                    "The app was closed while this picture was being sent",
                    "The app stopped while this picture was being sent",
                )
            )
    assert api_server.count(EDITS) <= 2 + sum(item.state is ItemState.DONE for item in items)


def test_the_window_leaves_the_command_lines_unfinished_batch_alone(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    from desktop_app.core.batch.items import Batch, BatchItem
    from desktop_app.core.batch.journal import COMMAND_LINE, batches_folder

    photo = pictures(tmp_path / "p", 1)[0]
    theirs = Batch([BatchItem(str(photo), {"n": 1})], state=BatchState.RUNNING)
    BatchJournal(batches_folder(COMMAND_LINE)).save(theirs)
    window = make_window(api_server, size=(1366, 768))
    mine = BatchJournal()
    mine.save(Batch([BatchItem(str(photo), {"n": 2})]))
    window._restore_batch()  # as after the first paint
    assert [item.settings["n"] for item in window.batch.batch.items] == [2]
    assert window.batch.batch.id != theirs.id and not window.batch.running
    assert api_server.count(EDITS) == 0


def test_several_unfinished_batches_come_back_as_one_list(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    from desktop_app.core.batch.items import Batch, BatchItem

    first, second = pictures(tmp_path / "p", 2)
    journal = BatchJournal()
    older = Batch([BatchItem(str(first), {"n": 1}, state=ItemState.FAILED, billed=True)])
    journal.save(older)
    os.utime(journal.path_of(older), (1_000_000, 1_000_000))  # the older one, whatever the clock
    journal.save(Batch([BatchItem(str(second), {"n": 1})]))
    window = make_window(api_server, size=(1366, 768))
    qtbot.waitUntil(lambda: len(window.batch.batch.items) == 2, timeout=10_000)
    assert [Path(item.path) for item in window.batch.batch.items] == [first, second]
    (left,) = journal.unfinished()
    assert len(left.items) == 2 and left.id == window.batch.batch.id


def start_a_slow_batch_of_three(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> BatchPanel:
    """Three pictures sent one at a time, slowly; returns once the first is out."""
    api_server.stream_delay = 0.3
    window.parameters.previews.setChecked(True)
    window.batch_control.add(pictures(tmp_path / "p", 3))
    panel = window.batch_dock.panel
    assert panel is not None
    panel.jobs.setValue(1)
    panel.run_button.click()
    qtbot.waitUntil(lambda: api_server.count(EDITS) == 1, timeout=10_000)
    return panel


def test_pause_says_so_until_the_pictures_out_are_back_then_resume_goes_on(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    panel = start_a_slow_batch_of_three(qtbot, window, api_server, tmp_path)
    panel.pause_button.click()
    assert panel.summary.text() == "Pausing: waiting for the 1 picture out to come back."
    assert not panel.pause_button.isEnabled()
    qtbot.waitUntil(lambda: not window.batch.running, timeout=30_000)
    assert panel.summary.text().startswith("1 done, 2 waiting")
    assert panel.run_button.text() == "&Resume" and api_server.count(EDITS) == 1
    api_server.stream_delay = 0.0
    panel.run_button.click()
    qtbot.waitUntil(lambda: not window.batch.running, timeout=30_000)
    assert panel.summary.text().startswith("3 done")
    # Saved into the folder: the status line names it and offers to show it.
    actions = window.result_actions
    assert actions.show_folder_button.isVisibleTo(window)
    assert actions.saved_folder == window.preferences.output_folder()


@pytest.mark.parametrize(
    ("button", "sent_again"),
    [("Send only the other 1", 1), ("Send all 2 again", 2), ("Cancel", 0)],
)
def test_retry_failed_asks_plainly_about_the_pictures_that_may_have_been_billed(
    qtbot: QtBot,
    window: MainWindow,
    api_server: FakeOpenAI,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    button: str,
    sent_again: int,
) -> None:
    from desktop_app.core.batch.items import Batch, BatchItem

    first, second = pictures(tmp_path / "p", 2)
    from desktop_app.core.batch.snapshot import settings_to_dict

    settings = settings_to_dict(window.parameters.settings())  # no question about them
    billed = BatchItem(str(first), settings, state=ItemState.FAILED, billed=True)
    refused = BatchItem(str(second), settings, state=ItemState.FAILED, failure="api_refused")
    window.batch.batch = Batch([billed, refused], state=BatchState.FINISHED)
    window.batch_dock.show()
    panel = window.batch_dock.panel
    assert panel is not None
    window.batch.changed.emit()
    asked: list[str] = []
    defaults: list[str] = []
    answer(monkeypatch, button, asked, defaults)
    panel.retry_button.click()
    assert "1 of the 2 failed pictures may have been billed already" in asked[0]
    assert defaults[0] == "Send only the other 1"  # the safe choice by default
    if sent_again:
        qtbot.waitUntil(lambda: api_server.count(EDITS) == sent_again, timeout=30_000)
        qtbot.waitUntil(lambda: not window.batch.running, timeout=30_000)
    assert api_server.count(EDITS) == sent_again


def test_framing_a_batch_picture_moves_the_drawer_out_of_the_way(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    window = make_window(api_server, size=(800, 560))  # no room beside the panels
    window.batch_control.add(pictures(tmp_path / "p", 2))
    dock = window.batch_dock
    assert dock.isVisible() and dock.is_drawer()
    panel = dock.panel
    assert panel is not None
    panel.list.setCurrentRow(0)
    panel.frame_button.click()
    assert not dock.isVisible()
    assert "Ctrl+B brings the batch back" in window.run_status.phase_label.text()
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=10_000)
    window.commands.batch.trigger()  # Ctrl+B
    assert dock.isVisible()


def test_framing_a_batch_picture_draws_its_shape_and_a_shape_chosen_then_becomes_its_own(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    from tests.ui.picture.test_shapes import choose

    window.parameters.set_framing(Shape.LANDSCAPE, 1.5)
    window.batch_control.add(pictures(tmp_path / "p", 2))
    window.parameters.set_framing(Shape.SQUARE, None)  # the window moves on
    panel = window.batch_dock.panel
    assert panel is not None
    panel.list.setCurrentRow(0)
    panel.frame_button.click()
    assert window.source.shape_bar.framing() == (Shape.LANDSCAPE, 1.5)  # the picture's own
    qtbot.waitUntil(lambda: window.session.prepared is not None, timeout=10_000)
    choose(window, Shape.WIDE, 1.5)
    first, second = window.batch.batch.items
    assert first.settings["shape"] == "16:9" and first.settings["zoom_out"] == 1.5
    assert second.settings["shape"] == "3:2"
    assert "16:9 · zoom out 1.5×" in rows(window)[0]


def test_a_folder_is_added_from_the_add_menu_and_rows_line_up(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desktop_app.ui.batch import panel as panel_module

    folder = tmp_path / "shop"
    pictures(folder, 2)
    Image.new("RGB", (300, 600), (200, 80, 40)).save(folder / "tall.jpg", "JPEG")
    window.batch_dock.show()
    panel = window.batch_dock.panel
    assert panel is not None
    monkeypatch.setattr(
        "desktop_app.ui.batch_control.QFileDialog.getExistingDirectory",
        lambda *args: str(folder),
    )
    menu = panel.add_button.menu()
    assert menu is not None
    (_pictures, a_folder) = menu.actions()
    a_folder.trigger()
    assert len(window.batch.batch.items) == 3
    assert "(" in panel.saves.toolTip()  # names the folder it saves into
    icon = panel_module._thumbnail(str(folder / "tall.jpg"))
    assert icon is not None and icon.width() == icon.height()  # words start where the others'


def test_quitting_while_the_batch_runs_asks_first(
    qtbot: QtBot, window: MainWindow, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    start_a_slow_batch_of_three(qtbot, window, api_server, tmp_path)
    asked: list[str] = []

    def stay(text: str) -> bool:
        asked.append(text)
        return False  # "No"

    window.confirm_quit = stay
    window.close()
    assert window.isVisible() and window.batch.running
    assert "1 picture being sent" in asked[0] and "2 waiting" in asked[0]
    api_server.stream_delay = 0.0
    qtbot.waitUntil(lambda: not window.batch.running, timeout=30_000)
    window.close()  # nothing runs: no question
    assert len(asked) == 1 and not window.isVisible()


def test_the_batch_panel_open_at_quit_is_open_at_the_next_start(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI
) -> None:
    first = make_window(api_server, size=(1366, 768))
    first.commands.batch.trigger()  # Ctrl+B
    assert first.batch_dock.isVisible()
    first.close()
    second = make_window(api_server, size=(1366, 768))
    assert second.batch_dock.isVisible()
    second.commands.batch.trigger()  # closed again: closed next time
    second.close()
    third = make_window(api_server, size=(1366, 768))
    assert not third.batch_dock.isVisible()


def test_a_frame_dragged_is_written_to_the_journal_once_it_rests(
    qtbot: QtBot,
    window: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (photo,) = pictures(tmp_path / "p", 1)
    window.batch_control.add([photo])
    journal = window.batch._journal
    writes: list[object] = []
    real_save = journal.save

    def counted(batch: Batch) -> None:
        writes.append(batch)
        real_save(batch)

    monkeypatch.setattr(journal, "save", counted)
    for x in range(30):  # a drag: the frame moves many times a second
        window.batch.set_crop(str(photo), (x, 0, 200, 200))
    assert writes == [] and window.batch.batch.items[0].crop == (29, 0, 200, 200)
    qtbot.waitUntil(lambda: len(writes) == 1, timeout=5_000)
    (kept,) = BatchJournal().unfinished()
    assert kept.items[0].crop == (29, 0, 200, 200)
    window.batch.set_crop(str(photo), (5, 5, 100, 100))
    window.batch.quit()  # the app closing: nothing waits for the frame to rest
    assert len(writes) == 2
    (kept,) = BatchJournal().unfinished()
    assert kept.items[0].crop == (5, 5, 100, 100)
