"""The Qt bridge: results, failures and cancels arrive on the GUI thread as values."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from desktop_app.core.errors import ApiError, RunCancelled
from desktop_app.core.results import EventSink, Phase, PhaseChanged, RunResult
from desktop_app.qt.tasks import TaskRunner
from tests.core.client_helpers import edit_request, make_client
from tests.fake_openai import FakeOpenAI, Fault


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    assert runner.shutdown(3000)


def test_a_task_reports_events_and_its_value_on_the_gui_thread(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    seen_threads: list[threading.Thread] = []
    events: list[object] = []

    async def task(sink: EventSink) -> int:
        sink(PhaseChanged(Phase.WAITING))
        await asyncio.sleep(0.01)
        return 42

    def on_progress(event: object) -> None:
        events.append(event)
        seen_threads.append(threading.current_thread())

    handle = runner.submit("answer", task)
    handle.progress.connect(on_progress)
    with (
        qtbot.waitSignal(handle.finished, timeout=30_000),
        qtbot.waitSignal(handle.succeeded, timeout=30_000) as blocker,
    ):
        pass
    assert blocker.args == [42]
    assert events == [PhaseChanged(Phase.WAITING)]
    assert seen_threads == [threading.main_thread()]


def test_a_failure_arrives_as_a_value(
    qtbot: QtBot, runner: TaskRunner, api_server: FakeOpenAI
) -> None:
    api_server.inject(Fault("invalid_api_key"), path="/v1/images/edits")

    async def task(sink: EventSink) -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(), sink)

    handle = runner.submit("edit", task)
    with qtbot.waitSignal(handle.failed, timeout=10_000) as blocker:
        pass
    assert isinstance(blocker.args[0], ApiError)


def test_cancel_stops_a_stalled_request_within_a_second(
    qtbot: QtBot, runner: TaskRunner, api_server: FakeOpenAI
) -> None:
    api_server.inject(Fault("stall_before_headers", seconds=60), path="/v1/images/edits")

    async def task(sink: EventSink) -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(), sink)

    handle = runner.submit("edit", task)
    events: list[object] = []
    handle.progress.connect(events.append)
    # The body has been sent: from here a cancel may have been billed.
    qtbot.waitUntil(
        lambda: PhaseChanged(Phase.WAITING) in events and api_server.count("/v1/images/edits") == 1,
        timeout=30_000,
    )
    started = time.monotonic()
    with (
        qtbot.waitSignal(handle.cancelled, timeout=30_000) as blocker,
        qtbot.assertNotEmitted(handle.succeeded),
    ):
        handle.cancel()
    assert time.monotonic() - started < 30  # the server would have stalled for 60 s
    outcome = blocker.args[0]
    assert isinstance(outcome, RunCancelled) and outcome.may_have_been_billed
    qtbot.waitUntil(lambda: runner.active == 0, timeout=30_000)


def test_shutdown_cancels_and_joins_every_thread(qtbot: QtBot, api_server: FakeOpenAI) -> None:
    runner = TaskRunner()
    api_server.inject(Fault("stall_before_headers", seconds=60), path="/v1/images/edits", times=2)

    async def task(sink: EventSink) -> RunResult:
        async with make_client(api_server) as client:
            return await client.edit(edit_request(), sink)

    runner.submit("a", task)
    runner.submit("b", task)
    qtbot.waitUntil(lambda: api_server.count("/v1/images/edits") == 2, timeout=10_000)
    assert runner.shutdown(30_000)  # joined long before the 60 s stalls would end


def test_a_task_that_fails_at_once_still_reaches_a_listener_connected_after_submit(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    async def task(sink: EventSink) -> None:
        raise ValueError("at once")

    for _ in range(20):
        handle = runner.submit("instant", task)
        # A thread started inside submit() could finish before this line runs.
        time.sleep(0.01)
        with qtbot.waitSignal(handle.failed, timeout=30_000) as blocker:
            pass
        assert str(blocker.args[0]) == "at once"


@pytest.mark.parametrize("which", ["no key", "plain http"])
def test_expected_failures_are_values_not_logged_tracebacks(
    qtbot: QtBot, runner: TaskRunner, which: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The window's first start without a key (the models task) logs no error."""
    from desktop_app.core.config import ClientConfig
    from desktop_app.core.errors import NoApiKey

    async def task(_sink: EventSink) -> None:
        if which == "no key":
            raise NoApiKey
        ClientConfig(base_url="http://gw.example.com/v1")

    handle = runner.submit("models", task)
    with qtbot.waitSignal(handle.failed, timeout=30_000) as blocker:
        pass
    assert str(blocker.args[0])
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text
