"""History docked in a 1024 px window on a 1366 × 768 screen, run by ``test_dock`` in a process of
its own whose offscreen platform pretends to be that screen.

Not collected on its own (no ``test_`` prefix): a window cannot change the screen it was made on.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from desktop_app.core.library import Outcome
from desktop_app.ui import window_state
from desktop_app.ui.history.delegate import RowGeometry
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory
from tests.ui.history.helpers import add_run, png
from tests.ui.history.test_dock import available, open_history, settle

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support raise\(\)")

MODEL = "gpt-image-2.6-flare"


def test_history_docks_beside_a_1024_px_window_and_its_rows_read_whole(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI
) -> None:
    QSettings().remove(window_state.HISTORY_SHOWN)
    window = make_window(api_server, size=(1024, 640))
    library = window.session.library.get()
    now = datetime.now(UTC)
    for minute, outcome in enumerate([Outcome.SUCCEEDED, Outcome.CANCELLED, Outcome.PARTIAL]):
        add_run(
            library,
            when=now - timedelta(minutes=minute),
            results=[png("#3a8fd0")],
            model=MODEL,
            outcome=outcome,
            cost=0.056,
        )
    settle()
    size = window.size()
    assert available(window).contains(window.frameGeometry())

    panel = open_history(qtbot, window)
    dock = window.history_dock
    assert not dock.isFloating()
    assert window.size() == size, "showing History resized the window"
    assert available(window).contains(window.frameGeometry())
    assert dock.width() >= dock.sizeHint().width() - 1, "the dock has its default width"

    statuses = []
    for row in range(panel.model().rowCount()):
        run = panel.model().row_at(row)
        assert run is not None
        rect = panel.list.visualRect(panel.model().index(row))
        width = RowGeometry.of(rect, panel.list.fontMetrics().height()).text.width()
        texts = panel.delegate.texts_for(run, panel.list.font(), width)
        assert texts.model == MODEL
        statuses.append(texts.status + texts.cost)
    assert statuses == ["Done · $0.056", "Cancelled · $0.056", "Partly received · $0.056"]
    folder = os.environ.get("IMAGE_VARIATIONS_SCREENSHOTS")
    if folder:
        window.grab().save(str(Path(folder) / "window-1024-history.png"))


def test_history_floated_for_room_docks_again_once_the_window_has_grown(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI
) -> None:
    QSettings().remove(window_state.HISTORY_SHOWN)
    window = make_window(api_server, size=(700, 600))
    settle()
    open_history(qtbot, window)
    dock = window.history_dock
    assert dock.isFloating(), "a 700 px window has no room for History at its readable width"

    # Closed, the window made wide enough for it, and opened again: docked beside the panels.
    dock.hide()
    central = window.centralWidget()
    assert central is not None
    window.resize(central.minimumSizeHint().width() + dock.sizeHint().width() + 20, 600)
    window.move(available(window).topLeft())
    settle()
    size = window.size()
    assert available(window).contains(window.frameGeometry())
    open_history(qtbot, window)
    assert not dock.isFloating()
    assert window.size() == size, "docking History resized the window"
    assert dock.width() >= dock.sizeHint().width() - 1, "docked narrower than its rows need"
