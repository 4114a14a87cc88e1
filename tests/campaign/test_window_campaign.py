"""The real window through every case of the campaign, driven like a person would."""

from __future__ import annotations

import itertools
import logging
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot

from desktop_app.core.variation import Mode, VariationSettings
from desktop_app.ui.main_window import MainWindow
from tests.campaign import checks
from tests.campaign.conftest import Target
from tests.campaign.faults import CASE_IDS, CASES, PLAIN_HTTP, PROXY, TLS, Case
from tests.campaign.gui_proof import GuiProof
from tests.ui.conftest import WindowFactory, _load

pytestmark = pytest.mark.slow  # pytest -m 'not slow' leaves it out


class Heartbeat:
    """A timer on the GUI thread, for the campaign summary only: the longest gap between its
    ticks is reported, never judged (a pass/fail test must not depend on the machine's speed;
    timings belong to benchmarks/bench_responsiveness.py). Whether the window answered during
    the run is proven by ``GuiProof`` instead."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self._timer = QTimer()
        self._timer.setInterval(50)
        self._timer.timeout.connect(lambda: self.ticks.append(time.monotonic()))

    def __enter__(self) -> Heartbeat:
        self.started = time.monotonic()
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.stop()
        self.stopped = time.monotonic()

    @property
    def longest_gap(self) -> float:
        """Over the run only: a run shorter than one tick has one gap, the run itself."""
        moments = [self.started, *self.ticks, self.stopped]
        return max(b - a for a, b in itertools.pairwise(moments))


def _texts_on_screen(win: MainWindow) -> list[str]:
    texts = [win.windowTitle(), win.banner.details.text()]
    texts += [label.text() for label in win.findChildren(QLabel)]
    texts += [edit.text() for edit in win.findChildren(QLineEdit)]
    texts += [edit.toPlainText() for edit in win.findChildren(QPlainTextEdit)]
    texts += [button.text() for button in win.findChildren(QAbstractButton)]
    return texts


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_window_campaign(
    case: Case,
    target: Target,
    make_window: WindowFactory,
    campaign_photos: dict[str, Path],
    qtbot: QtBot,
    tmp_path: Path,
    isolated_user_folders: Path,
    caplog: pytest.LogCaptureFixture,
    summary_line: dict[str, str],
    gui_proof: GuiProof,
) -> None:
    caplog.set_level(logging.DEBUG)
    win = make_window(target, size=(1180, 820))
    # Below what the Settings dialog offers (30 s at least), so a stall ends within the run.
    win.preferences.deadline = case.deadline
    win.preferences.connect_timeout = 5.0
    _load(qtbot, win, campaign_photos["noisy" if case.noise else "photo"])
    mode = Mode.CLASSIC if case.classic else Mode.EDIT
    win.parameters.set_settings(
        VariationSettings(
            mode=mode,
            n=case.n,
            size="256x256" if case.classic else None,
            response_format=case.response_format,
            stream=mode is Mode.EDIT,  # the window's default: live previews
        )
    )
    qtbot.waitUntil(lambda: win.session.prepared is not None, timeout=10_000)

    with (
        gui_proof.armed(),
        Heartbeat() as heartbeat,
        qtbot.waitSignal(win.session.runFinished, timeout=60_000),
    ):
        qtbot.keyClick(win, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    seen = target.seen(case.endpoint)
    case = case.as_seen(seen)
    shown = win.banner.message()
    level = win.banner.property("level") if shown else None
    done = f"done: {len(win.session.results)} image(s)"
    summary_line["outcome"] = f"{level}: {shown}" if shown else done
    summary_line["requests"] = str(seen)
    summary_line["note"] = (
        f"GUI answered {len(gui_proof.answered)}/{len(gui_proof.holds)} held request(s); "
        f"longest GUI gap {heartbeat.longest_gap * 1000:.0f} ms (not judged)"
    )
    if case.provoke == TLS and target.tls is not None:
        summary_line["note"] += f"; {target.tls.handshakes} TLS handshake(s) refused"

    # The expected outcome, said plainly (pytest-qt fails the test on any exception in a slot).
    if case.succeeds:
        assert not shown, shown
        assert len(win.session.results) == case.n
    else:
        assert level == "error", (level, shown)
        for fragment in case.says:
            assert fragment in shown, shown
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    # No frozen window: each request of the run waited until the GUI thread had answered for
    # it (see gui_proof.py; no clock involved), and the window is ready for the next run.
    # (A plain-http base URL is refused before any request: there is none to hold.)
    assert gui_proof.answered or case.provoke == PLAIN_HTTP, f"no request held: {gui_proof.holds}"
    assert not gui_proof.failures, "\n".join(map(str, gui_proof.failures))
    assert not win.session.running
    assert win.generate_button.isEnabled()
    # No silent double billing.
    assert seen == case.requests
    if case.provoke == PROXY and target.proxy is not None:
        through = [use.target for use in target.proxy.used]
        summary_line["note"] += f"; proxy relayed {len(through)} request(s)"
        assert any(t.endswith(case.endpoint) for t in through), through
    # Nothing lost: what arrived is on screen and whole in the library.
    assert len(win.session.results) == case.images_kept
    if win.session.run_id is None:
        assert not case.succeeds and case.requests == 0  # failed before the run was recorded
    else:
        run = win.session.library.get().run(win.session.run_id)
        assert run is not None
        checks.assert_run_intact(run, case.images_kept, succeeded=case.succeeds)
        stored = {r.index: r.path.read_bytes() for r in run.results}
        assert stored == {i: image.data for i, image in win.session.results.items()}
    # The canary key: on no label or banner, in no log record, in no file.
    checks.assert_no_canary_in_texts("the window", _texts_on_screen(win))
    checks.assert_no_canary_in_logs(caplog.records)
    checks.assert_no_canary_in_files(tmp_path, isolated_user_folders)
