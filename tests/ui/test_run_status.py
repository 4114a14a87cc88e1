"""The status line says what is true now: why a run waits (a server out of reach is not a server
asking us to wait), and no "Opening the picture…" once the picture was refused."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from PySide6.QtCore import QMimeData, QUrl
from pytestqt.qtbot import QtBot

from desktop_app.core.results import CONNECTION_FAILED, RetryScheduled
from desktop_app.ui.main_window import MainWindow
from desktop_app.ui.run_status import RunStatusBar
from tests.fake_openai import FakeOpenAI
from tests.ui.conftest import WindowFactory, _drop, _jpeg, _load


@pytest.fixture
def bar(qtbot: QtBot) -> RunStatusBar:
    status = RunStatusBar()
    qtbot.addWidget(status)
    status.furnish()
    status.start_run(1)
    return status


def test_a_connection_failure_counts_down_to_the_next_try(qtbot: QtBot, bar: RunStatusBar) -> None:
    bar.on_run_event(RetryScheduled(2.2, 2, CONNECTION_FAILED))
    assert bar.phase_label.text() == "Could not connect; trying again in 2 s…"
    qtbot.waitUntil(lambda: "trying again in 1 s" in bar.phase_label.text(), timeout=30_000)
    assert bar.phase_label.text() == "Could not connect; trying again in 1 s…"


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("rate limit", "The server asked us to wait (rate limit); trying again in 3 s…"),
        ("server error 503", "The server had a problem (server error 503); trying again in 3 s…"),
    ],
)
def test_a_server_answer_says_why_it_waits(bar: RunStatusBar, reason: str, said: str) -> None:
    bar.on_run_event(RetryScheduled(3.0, 2, reason))
    assert bar.phase_label.text() == said


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_server_that_is_down_is_said_to_be_out_of_reach(
    qtbot: QtBot,
    make_window: WindowFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    down = cast(FakeOpenAI, SimpleNamespace(base_url=f"http://127.0.0.1:{_closed_port()}/v1"))
    window = make_window(down, size=(1180, 820))
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    said: list[str] = []  # every line, so that a busy machine cannot hide a short-lived one
    say = window.run_status.say

    def record(text: str) -> None:
        said.append(text)
        say(text)

    monkeypatch.setattr(window.run_status, "say", record)
    chosen = replace(window.parameters.settings(), model="gpt-image-1", n=1)
    window.parameters.set_settings(chosen)  # named: no model list to ask the absent server for
    window.generate_button.click()
    qtbot.waitUntil(lambda: not window.session.running, timeout=30_000)
    retries = [line for line in said if "trying again in" in line]
    assert retries and all(line.startswith("Could not connect; ") for line in retries)
    assert not any("asked us to wait" in line for line in said)


def test_a_refused_file_does_not_leave_the_picture_opening(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    fake = tmp_path / "drawing.png"
    fake.write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(fake))])
    status = window.run_status.phase_label
    done = qtbot.waitSignal(
        window.session.loadingChanged, timeout=30_000, check_params_cb=lambda loading: not loading
    )
    with done:
        _drop(window, mime)
        assert status.text() == "Opening the picture…"
    assert "drawing.png" in window.banner.message()
    assert status.text() == "Could not open drawing.png."


def test_a_refused_file_in_a_queue_hands_over_to_the_next(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    fake = tmp_path / "drawing.png"
    fake.write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    good = _jpeg(tmp_path / "photo.jpg")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(fake)), QUrl.fromLocalFile(str(good))])
    _drop(window, mime)
    qtbot.waitUntil(lambda: window.session.picture is not None, timeout=30_000)
    assert window.run_status.phase_label.text().startswith("photo.jpg: 900 × 600")
