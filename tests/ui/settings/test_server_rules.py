"""A relay that refuses streaming and ignores n, seen from the window and from Settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop_app.core.adaptation import Adjustment, ServerRules
from desktop_app.core.keystore import KeyStore
from desktop_app.core.preferences import Preferences, Profile
from desktop_app.qt.tasks import TaskRunner
from desktop_app.ui.settings.dialog import SettingsDialog
from tests.fake_openai import FakeOpenAI
from tests.fake_openai.validation import Gateway
from tests.keyring_backends import MemoryBackend
from tests.ui.conftest import WindowFactory, _jpeg, _load

EDITS = "/v1/images/edits"
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def _run(qtbot: QtBot, window, n: int) -> None:  # type: ignore[no-untyped-def]
    window.parameters.count.setValue(n)
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.session.running, timeout=10_000)
    qtbot.waitUntil(lambda: not window.session.running, timeout=30_000)


def test_a_relay_refusing_stream_is_adapted_to_and_fewer_images_are_said(
    qtbot: QtBot, make_window: WindowFactory, api_server: FakeOpenAI, tmp_path: Path
) -> None:
    api_server.gateway = Gateway(refuse_stream=True, ignore_n=True)
    window = make_window(api_server, size=(1180, 820))
    _load(qtbot, window, _jpeg(tmp_path / "photo.jpg"))
    window.parameters.previews.setChecked(True)

    _run(qtbot, window, 3)

    refused, plain = [r for r in api_server.requests if r.path == EDITS]
    assert refused.value("stream") == "true" and plain.value("stream") is None
    status = window.run_status.phase_label.text()
    assert status.startswith("Done: 1 variation") and "does not stream" in status
    assert "made 1 of the 3 variations" in window.banner.message()
    assert window.results.has_result(0)

    # Remembered: the next run goes out plain at once.
    _run(qtbot, window, 2)
    assert api_server.count(EDITS) == 3
    assert api_server.requests[-1].value("stream") is None


def test_settings_shows_what_a_server_refused_and_forgets_it(qtbot: QtBot, tmp_path: Path) -> None:
    rules = ServerRules(tmp_path / "server_rules.json")
    rules.learn("https://relay.example/v1", "gpt-image-2", Adjustment("stream", "true", None, "*"))
    prefs = Preferences(profiles=[Profile("Relay", "https://relay.example/v1")])
    runner = TaskRunner()
    dialog = SettingsDialog(
        prefs,
        KeyStore(backend=MemoryBackend(), environ={}),
        runner,
        environ={},
        server_rules=rules,
    )
    qtbot.addWidget(dialog)
    box = dialog.connection.rules_box
    assert "gpt-image-2: no streamed results" in box.summary.text()
    assert box.forget_button.isEnabled()

    qtbot.mouseClick(box.forget_button, Qt.MouseButton.LeftButton)

    assert ServerRules(tmp_path / "server_rules.json").known() == []
    assert "Nothing refused" in box.summary.text() and not box.forget_button.isEnabled()
    assert runner.shutdown(3000)
